import { describe, expect, it } from "vitest";
import { describeReset, formatUntil, periodEnd, periodIdOf } from "../../../src/usage/index.js";

const at = (iso: string) => Date.parse(iso);

describe("budget periods (calendar days and months in UTC)", () => {
  it("names days and months by their UTC date", () => {
    expect(periodIdOf("day", at("2025-03-14T23:59:59.999Z"))).toBe("2025-03-14");
    expect(periodIdOf("day", at("2025-03-15T00:00:00.000Z"))).toBe("2025-03-15");
    expect(periodIdOf("month", at("2025-12-31T23:59:59Z"))).toBe("2025-12");
    expect(periodIdOf("month", at("2026-01-01T00:00:00Z"))).toBe("2026-01");
  });

  it("ends a day at the next 00:00 UTC and a month on the first of the next", () => {
    expect(periodEnd("day", at("2025-03-14T20:48:00Z"))).toBe(at("2025-03-15T00:00:00Z"));
    expect(periodEnd("month", at("2025-12-14T20:48:00Z"))).toBe(at("2026-01-01T00:00:00Z"));
    expect(periodEnd("month", at("2024-02-29T12:00:00Z"))).toBe(at("2024-03-01T00:00:00Z"));
  });

  it("says how long until, rounded up to the minute", () => {
    expect(formatUntil(1)).toBe("1 min");
    expect(formatUntil(59 * 60_000)).toBe("59 min");
    expect(formatUntil(60 * 60_000)).toBe("1 h");
    expect(formatUntil((3 * 60 + 11) * 60_000 + 1)).toBe("3 h 12 min");
    expect(formatUntil(24 * 3_600_000)).toBe("1 day");
    expect(formatUntil((12 * 24 + 3) * 3_600_000)).toBe("12 days 3 h");
    expect(formatUntil((12 * 24 + 2) * 3_600_000 + 60_000)).toBe("12 days 3 h");
    expect(formatUntil((2 * 24 + 23) * 3_600_000 + 60_000)).toBe("3 days");
  });

  it("says when a budget resets", () => {
    expect(describeReset("day", at("2025-03-14T20:48:00Z"))).toBe("at 00:00 UTC, in 3 h 12 min");
    expect(describeReset("month", at("2025-03-19T21:00:00Z"))).toBe(
      "on 1 April at 00:00 UTC, in 12 days 3 h",
    );
  });
});
