/**
 * What the bot loop reports through the Telemetry interface: each accepted request's outcome and
 * times when its turn is over, inside a span of its own; refusals and redeliveries at admission; each
 * edit of the progress message sent to the platform.
 */
import { describe, expect, it } from "vitest";
import { BotError } from "../../../src/errors.js";
import { recordingTelemetry } from "../../support/telemetry.js";
import { answer, startBot } from "./helpers.js";

describe("the bot loop's telemetry", () => {
  it("records an answered request's outcome, its times and its progress edits, in a request span", async () => {
    const telemetry = recordingTelemetry();
    const { adapter, bot } = await startBot({
      extra: { telemetry },
      script: async (request) => {
        request.onEvent?.({ type: "plan", plan: { tasks: [] } });
        return answer("done");
      },
    });
    expect(await adapter.send({ text: "hello" })).toMatchObject({ status: "accepted" });
    await bot.idle();

    expect(telemetry.eventsOf("request")).toEqual([
      { type: "request", platform: "test", outcome: "answered" },
    ]);
    const [turn] = telemetry.eventsOf("turn");
    expect(turn?.platform).toBe("test");
    expect(turn?.workMs).toBeGreaterThanOrEqual(0);
    expect(turn?.queuedMs).toBeGreaterThanOrEqual(0);
    const edits = telemetry.eventsOf("progress-edit");
    // At least the final edit of the progress message into the answer.
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.every((edit) => edit.platform === "test" && edit.ok)).toBe(true);

    expect(telemetry.spans.map((span) => span.name)).toEqual(["request"]);
    expect(telemetry.spans[0]?.attributes).toMatchObject({
      "hugginggpt.platform": "test",
      "hugginggpt.request.outcome": "answered",
    });
    expect(telemetry.spans[0]?.failed).toBeUndefined();
  });

  it("records a failed request and marks its span failed", async () => {
    const telemetry = recordingTelemetry();
    const { adapter, bot } = await startBot({
      extra: { telemetry },
      script: () => {
        throw new BotError("llm_unavailable", "the LLM is down");
      },
    });
    await adapter.send({ text: "hello" });
    await bot.idle();

    expect(telemetry.eventsOf("request").map((event) => event.outcome)).toEqual(["failed"]);
    expect(telemetry.spans[0]?.failed).toBeDefined();
  });

  it("records a failed progress edit as failed", async () => {
    const telemetry = recordingTelemetry();
    const { adapter, bot } = await startBot({
      extra: { telemetry },
      settings: { progressIntervalMs: 0 },
      script: async (request) => {
        request.onEvent?.({ type: "plan", plan: { tasks: [] } });
        await new Promise((resolve) => setTimeout(resolve, 20));
        return answer("done");
      },
    });
    adapter.failNext("edit");
    await adapter.send({ text: "hello" });
    await bot.idle();

    expect(telemetry.eventsOf("progress-edit").map((edit) => edit.ok)).toContain(false);
  });

  it("records a redelivery and a rate-limited request at admission, and nothing for ignored ones", async () => {
    const telemetry = recordingTelemetry();
    const { adapter, bot } = await startBot({
      extra: { telemetry },
      settings: { rateLimit: { requests: 1, windowMs: 60_000 } },
    });
    await adapter.send({ text: "hello", eventId: "E1" });
    expect(await adapter.send({ text: "hello", eventId: "E1" })).toEqual({ status: "duplicate" });
    expect(await adapter.send({ text: "again", eventId: "E2" })).toMatchObject({ status: "rate-limited" });
    await adapter.send({ text: "from a bot", isBot: true });
    await bot.idle();

    expect(telemetry.eventsOf("request").map((event) => event.outcome)).toEqual([
      "duplicate",
      "rate-limited",
      "answered",
    ]);
  });
});
