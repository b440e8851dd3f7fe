/**
 * What every usage ledger must do, run against each (the storage's in test/unit/usage, Redis's in
 * test/integration/usage-redis.test.ts).
 */
import { expect, it } from "vitest";
import {
  type CheckedCounter,
  type Counter,
  type Limits,
  type UsageLedger,
  zeroCounts,
} from "../../../src/usage/index.js";

const NONE: Limits = { requests: 0, llmTokens: 0, hostedCalls: 0 };

function counter(scope: "user" | "workspace", id: string, period: "day" | "month" = "day"): Counter {
  return { scope, id, period, periodId: period === "day" ? "2025-03-14" : "2025-03" };
}

function checked(plain: Counter, limits: Partial<Limits> = {}): CheckedCounter {
  return { ...plain, limits: { ...NONE, ...limits } };
}

export function ledgerContract(name: string, open: () => Promise<UsageLedger>): void {
  it(`${name}: counts a reserved request in every counter, and refuses at the limit without counting`, async () => {
    const ledger = await open();
    const user = counter("user", "test:ana");
    const workspace = counter("workspace", "test:w1", "month");
    const counters = [checked(user, { requests: 2 }), checked(workspace)];
    expect(await ledger.reserve(counters)).toEqual({ allowed: true, counters: [user, workspace] });
    expect(await ledger.reserve(counters)).toMatchObject({ allowed: true });
    expect(await ledger.reserve(counters)).toEqual({
      allowed: false,
      exceeded: { counter: user, kind: "requests", limit: 2, used: 2 },
    });
    expect((await ledger.read(user)).requests).toBe(2);
    expect((await ledger.read(workspace)).requests).toBe(2);
  });

  it(`${name}: gives a released request back, and adds what a request used`, async () => {
    const ledger = await open();
    const user = counter("user", "test:ben");
    await ledger.reserve([checked(user)]);
    await ledger.reserve([checked(user)]);
    await ledger.release([user]);
    await ledger.add([user], {
      promptTokens: 80,
      completionTokens: 30,
      hostedCalls: 2,
      hostedMs: 1234,
      bytesIn: 5,
    });
    expect(await ledger.read(user)).toEqual({
      ...zeroCounts(),
      requests: 1,
      promptTokens: 80,
      completionTokens: 30,
      hostedCalls: 2,
      hostedMs: 1234,
      bytesIn: 5,
    });
    expect(await ledger.read(counter("user", "test:nobody"))).toEqual(zeroCounts());
  });

  it(`${name}: refuses once tokens or hosted calls reach their limit, naming the budget`, async () => {
    const ledger = await open();
    const workspace = counter("workspace", "test:w2");
    await ledger.add([workspace], { promptTokens: 60, completionTokens: 40 });
    expect(await ledger.reserve([checked(workspace, { llmTokens: 101 })])).toMatchObject({ allowed: true });
    expect(await ledger.reserve([checked(workspace, { llmTokens: 100 })])).toEqual({
      allowed: false,
      exceeded: { counter: workspace, kind: "llmTokens", limit: 100, used: 100 },
    });
    await ledger.add([workspace], { hostedCalls: 3 });
    expect(await ledger.reserve([checked(workspace, { hostedCalls: 3 })])).toMatchObject({
      allowed: false,
      exceeded: { kind: "hostedCalls", used: 3 },
    });
  });

  it(`${name}: lets exactly the limit through when requests race`, async () => {
    const ledger = await open();
    const user = counter("user", "test:racer");
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, () => ledger.reserve([checked(user, { requests: 7 })])),
    );
    expect(outcomes.filter((outcome) => outcome.allowed)).toHaveLength(7);
    expect((await ledger.read(user)).requests).toBe(7);
  });

  it(`${name}: lists the counters of the periods asked for`, async () => {
    const ledger = await open();
    await ledger.reserve([
      checked(counter("user", "test:lister")),
      checked(counter("workspace", "test:w9", "month")),
    ]);
    await ledger.reserve([
      checked({ scope: "user", id: "test:lister", period: "day", periodId: "2025-03-13" }),
    ]);
    const rows = await ledger.list([{ period: "day", periodId: "2025-03-14" }]);
    const mine = rows.filter((row) => row.id === "test:lister");
    expect(mine).toEqual([{ ...counter("user", "test:lister"), counts: { ...zeroCounts(), requests: 1 } }]);
    const months = await ledger.list([{ period: "month", periodId: "2025-03" }]);
    expect(months.find((row) => row.id === "test:w9")?.counts.requests).toBe(1);
  });
}
