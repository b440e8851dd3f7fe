import { describe, expect, it } from "vitest";
import { formatElapsed, formatWait } from "../../../src/core/clock.js";
import { ProgressState, ThrottledProgress } from "../../../src/core/progress.js";
import type { ProgressMessage } from "../../../src/core/types.js";
import { silentLogger } from "../../../src/log.js";
import { createManualClock } from "../../support/test-adapter.js";
import { deferred } from "./helpers.js";

function recordingMessage(clock: { now(): number }) {
  const edits: Array<{ text: string; at: number }> = [];
  const finished: Array<{ text: string; at: number }> = [];
  let inFlight = 0;
  let overlapping = false;
  let gate: Promise<void> | undefined;
  const message: ProgressMessage = {
    async edit(text) {
      inFlight += 1;
      if (inFlight > 1) overlapping = true;
      edits.push({ text, at: clock.now() });
      await gate;
      inFlight -= 1;
    },
    async finish(text) {
      finished.push({ text, at: clock.now() });
    },
  };
  return {
    message,
    edits,
    finished,
    overlapping: () => overlapping,
    slowEdits(until: Promise<void> | undefined) {
      gate = until;
    },
  };
}

describe("the throttled progress message", () => {
  it("coalesces a burst into one edit with the latest text, a second after the last edit", async () => {
    const clock = createManualClock();
    const recorded = recordingMessage(clock);
    const progress = new ThrottledProgress(recorded.message, "start", {
      clock,
      intervalMs: 1_000,
      logger: silentLogger,
    });
    for (let step = 1; step <= 10; step++) {
      progress.update(`step ${step}`);
      await clock.advance(50);
    }
    expect(recorded.edits).toEqual([]);
    await clock.advance(500);
    expect(recorded.edits).toEqual([{ text: "step 10", at: 1_001_000 }]);
    await clock.advance(5_000);
    expect(recorded.edits).toHaveLength(1);
  });

  it("edits at once when the last edit is more than a second old, and skips unchanged text", async () => {
    const clock = createManualClock();
    const recorded = recordingMessage(clock);
    const progress = new ThrottledProgress(recorded.message, "start", {
      clock,
      intervalMs: 1_000,
      logger: silentLogger,
    });
    await clock.advance(3_000);
    progress.update("start");
    progress.update("later");
    await clock.advance(0);
    expect(recorded.edits).toEqual([{ text: "later", at: 1_003_000 }]);
  });

  it("never overlaps edits while the platform is slow, and converges on the latest text", async () => {
    const clock = createManualClock();
    const recorded = recordingMessage(clock);
    const slow = deferred();
    recorded.slowEdits(slow.promise);
    const progress = new ThrottledProgress(recorded.message, "start", {
      clock,
      intervalMs: 1_000,
      logger: silentLogger,
    });
    progress.update("one");
    await clock.advance(1_000);
    progress.update("two");
    progress.update("three");
    await clock.advance(3_000);
    expect(recorded.edits.map((edit) => edit.text)).toEqual(["one"]);
    recorded.slowEdits(undefined);
    slow.resolve();
    await clock.advance(0);
    expect(recorded.edits.map((edit) => edit.text)).toEqual(["one", "three"]);
    expect(recorded.overlapping()).toBe(false);
  });

  it("always shows the final state at once, dropping a pending edit", async () => {
    const clock = createManualClock();
    const recorded = recordingMessage(clock);
    const progress = new ThrottledProgress(recorded.message, "start", {
      clock,
      intervalMs: 1_000,
      logger: silentLogger,
    });
    progress.update("halfway");
    await clock.advance(200);
    await progress.finish("done");
    await clock.advance(2_000);
    expect(recorded.edits).toEqual([]);
    expect(recorded.finished).toEqual([{ text: "done", at: 1_000_200 }]);
    progress.update("too late");
    await progress.finish("again");
    expect(recorded.finished).toHaveLength(1);
  });

  it("keeps going when an edit fails", async () => {
    const clock = createManualClock();
    let calls = 0;
    const texts: string[] = [];
    const message: ProgressMessage = {
      async edit(text) {
        calls += 1;
        if (calls === 1) throw new Error("HTTP 500");
        texts.push(text);
      },
      async finish(text) {
        texts.push(text);
      },
    };
    const progress = new ThrottledProgress(message, "start", {
      clock,
      intervalMs: 1_000,
      logger: silentLogger,
    });
    progress.update("a");
    await clock.advance(1_000);
    progress.update("b");
    await clock.advance(1_000);
    await progress.finish("done");
    expect(texts).toEqual(["b", "done"]);
  });
});

describe("the progress state", () => {
  it("shows a task that never finished as not run once the request has ended, in text and data", () => {
    const state = new ProgressState();
    state.apply({
      type: "plan",
      plan: {
        tasks: [
          { id: 1, task: "automatic-speech-recognition", dep: [], args: {} },
          { id: 2, task: "text-to-speech", dep: [1], args: {} },
        ],
      },
    });
    state.apply({
      type: "task-start",
      id: 1,
      task: "automatic-speech-recognition",
      model: "m",
      source: "local",
    });
    expect(state.snapshot().tasks.map((task) => task.status)).toEqual(["running", "planned"]);
    const ended = state.snapshot("cancelled", 3800);
    expect(ended).toMatchObject({ stage: "cancelled", elapsedMs: 3800 });
    expect(ended.tasks.map((task) => [task.status, task.error])).toEqual([
      ["skipped", "cancelled"],
      ["skipped", "cancelled"],
    ]);
    const text = state.renderFinal("cancelled", 3800);
    expect(text).not.toContain("▶");
    expect(text).toContain("– 1. automatic-speech-recognition on m: cancelled");
  });
});

describe("times in words", () => {
  it("rounds waits up, in the largest fitting unit", () => {
    expect(formatWait(40_000)).toBe("40 seconds");
    expect(formatWait(39_001)).toBe("40 seconds");
    expect(formatWait(1)).toBe("1 second");
    expect(formatWait(60_000)).toBe("1 minute");
    expect(formatWait(61_000)).toBe("2 minutes");
    expect(formatWait(3 * 3_600_000)).toBe("3 hours");
  });

  it("shows elapsed times with a tenth of a second, then minutes", () => {
    expect(formatElapsed(4_230)).toBe("4.2 s");
    expect(formatElapsed(65_000)).toBe("1 min 5 s");
  });
});
