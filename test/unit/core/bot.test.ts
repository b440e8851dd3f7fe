import { describe, expect, it } from "vitest";
import { defaultBotSettings } from "../../../src/core/settings.js";
import { BotError } from "../../../src/errors.js";
import { createLogger } from "../../../src/log.js";
import type { PipelineRequest } from "../../../src/pipeline/types.js";
import { createStorage } from "../../../src/storage/index.js";
import { expectUserFacing } from "../../support/pipeline-app.js";
import { createManualClock, settle, testAttachment } from "../../support/test-adapter.js";
import { answer, deferred, okTask, png, startBot, untilAborted } from "./helpers.js";

const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);

describe("the bot loop: admission", () => {
  it("ignores its own and other bots' messages", async () => {
    const { adapter, pipeline, bot } = await startBot();
    expect(await adapter.send({ text: "draw a cat", isBot: true })).toEqual({
      status: "ignored",
      reason: "bot",
    });
    await bot.idle();
    expect(pipeline.calls).toHaveLength(0);
    expect(adapter.transcript()).toEqual([]);
  });

  it("ignores empty messages", async () => {
    const { adapter, pipeline } = await startBot();
    expect(await adapter.send({ text: "   " })).toEqual({ status: "ignored", reason: "empty" });
    expect(pipeline.calls).toHaveLength(0);
  });

  it("drops a redelivered event, also after a restart over the same storage", async () => {
    const storage = createStorage();
    const first = await startBot({ storage });
    expect(await first.adapter.send({ text: "hello", eventId: "Ev1" })).toMatchObject({ status: "accepted" });
    expect(await first.adapter.send({ text: "hello", eventId: "Ev1" })).toEqual({ status: "duplicate" });
    await first.bot.idle();
    expect(first.pipeline.calls).toHaveLength(1);
    expect(first.adapter.replies()).toHaveLength(1);

    const second = await startBot({ storage });
    expect(await second.adapter.send({ text: "hello", eventId: "Ev1" })).toEqual({ status: "duplicate" });
    expect(second.pipeline.calls).toHaveLength(0);
  });

  it("remembers an event id for the dedupe window (24 h), then takes it as new", async () => {
    expect(defaultBotSettings().dedupeTtlMs).toBe(24 * 3_600_000);
    const { adapter, bot, pipeline } = await startBot({ settings: { dedupeTtlMs: 50 } });
    expect(await adapter.send({ text: "hello", eventId: "Ev2" })).toMatchObject({ status: "accepted" });
    expect(await adapter.send({ text: "hello", eventId: "Ev2" })).toEqual({ status: "duplicate" });
    await bot.idle();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(await adapter.send({ text: "hello", eventId: "Ev2" })).toMatchObject({ status: "accepted" });
    await bot.idle();
    expect(pipeline.calls).toHaveLength(2);
  });

  it("drops concurrent deliveries of one event", async () => {
    const { adapter, bot, pipeline } = await startBot();
    const dispositions = await Promise.all([
      adapter.send({ text: "hi", eventId: "same" }),
      adapter.send({ text: "hi", eventId: "same" }),
      adapter.send({ text: "hi", eventId: "same" }),
    ]);
    await bot.idle();
    expect(dispositions.map((disposition) => disposition.status).sort()).toEqual([
      "accepted",
      "duplicate",
      "duplicate",
    ]);
    expect(pipeline.calls).toHaveLength(1);
  });

  it("answers only in allowed workspaces and channels", async () => {
    const { adapter, bot, pipeline } = await startBot({
      settings: { allowedWorkspaces: ["W1", "test:W2"], allowedChannels: ["C1", "C2"] },
    });
    expect(await adapter.send({ text: "a", workspace: "W3", channel: "C1" })).toEqual({
      status: "ignored",
      reason: "not-allowed",
    });
    expect(await adapter.send({ text: "b", workspace: "W1", channel: "C9" })).toEqual({
      status: "ignored",
      reason: "not-allowed",
    });
    // A direct message belongs to no workspace: refused while a workspace list is set.
    expect(await adapter.send({ text: "c", workspace: null, channel: "C1" })).toEqual({
      status: "ignored",
      reason: "not-allowed",
    });
    expect(await adapter.send({ text: "d", workspace: "W1", channel: "C1", thread: "t1" })).toMatchObject({
      status: "accepted",
    });
    expect(await adapter.send({ text: "e", workspace: "W2", channel: "C2", thread: "t2" })).toMatchObject({
      status: "accepted",
    });
    await bot.idle();
    expect(pipeline.calls.map((call) => call.text)).toEqual(["d", "e"]);
    // Refused silently: nothing is posted where the operator did not allow the bot.
    expect(adapter.notices()).toEqual([]);
  });

  it("lets the local front ends (terminal, web playground) through the allowlists", async () => {
    const { adapter, bot, pipeline } = await startBot({ settings: { allowedWorkspaces: ["W1"] } });
    const target = {
      openProgress: async () => ({ edit: async () => {}, finish: async () => {} }),
      send: async () => {},
      notice: async () => {},
    };
    const disposition = await bot.receive(
      {
        id: "r1",
        platform: "console",
        eventId: "console-r1",
        author: { id: "me", isBot: false },
        channel: "console",
        thread: "terminal",
        text: "hello",
        attachments: [],
        receivedAt: 0,
      },
      target,
    );
    await bot.idle();
    expect(disposition).toMatchObject({ status: "accepted" });
    expect(pipeline.calls).toHaveLength(1);
    expect(adapter.transcript()).toEqual([]);
  });

  it("answers everywhere when the allowlists are empty", async () => {
    const { adapter } = await startBot({ settings: { allowedWorkspaces: [], allowedChannels: [] } });
    expect(await adapter.send({ text: "a", workspace: null, channel: "D1" })).toMatchObject({
      status: "accepted",
    });
  });

  it("limits requests per user and says when to try again, in words", async () => {
    const clock = createManualClock();
    const { adapter, bot, pipeline } = await startBot({
      clock,
      settings: { rateLimit: { requests: 2, windowMs: 60_000 } },
    });
    expect(await adapter.send({ text: "one", thread: "a" })).toMatchObject({ status: "accepted" });
    await clock.advance(20_000);
    expect(await adapter.send({ text: "two", thread: "b" })).toMatchObject({ status: "accepted" });
    expect(await adapter.send({ text: "three", thread: "c" })).toEqual({
      status: "rate-limited",
      retryAfterMs: 40_000,
    });
    expect(adapter.notices("c")).toEqual([
      "You have sent 2 requests in the last 1 minute, my limit per person. Please try again in 40 seconds.",
    ]);
    // Another user is not affected.
    expect(await adapter.send({ text: "other", user: "user-2", thread: "d" })).toMatchObject({
      status: "accepted",
    });
    await clock.advance(40_000);
    expect(await adapter.send({ text: "four", thread: "c" })).toMatchObject({ status: "accepted" });
    await bot.idle();
    expect(pipeline.calls.map((call) => call.text)).toEqual(["one", "two", "other", "four"]);
  });

  it("does not count commands against the rate limit", async () => {
    const { adapter } = await startBot({ settings: { rateLimit: { requests: 1, windowMs: 60_000 } } });
    await adapter.send({ text: "help" });
    await adapter.send({ text: "tasks" });
    expect(await adapter.send({ text: "draw a cat" })).toMatchObject({ status: "accepted" });
  });
});

describe("the bot loop: order, concurrency and the queue", () => {
  it("queues a second message of a thread and answers both in order", async () => {
    const gates = [deferred(), deferred()];
    const { adapter, bot, pipeline } = await startBot({
      script: async (request, call) => {
        await gates[call - 1]?.promise;
        return answer(`answer to ${request.text}`);
      },
    });
    expect(await adapter.send({ text: "first" })).toEqual({ status: "accepted", position: 0 });
    expect(await adapter.send({ text: "second" })).toEqual({ status: "accepted", position: 1 });
    await settle();
    expect(pipeline.calls.map((call) => call.text)).toEqual(["first"]);
    expect(adapter.notices()).toEqual([
      "You're number 1 in the queue. I'll start on this once the earlier request in this thread is answered.",
    ]);
    // The second gate opens first: the order of answers still follows the order of messages.
    gates[1]?.resolve();
    await settle();
    expect(pipeline.calls).toHaveLength(1);
    gates[0]?.resolve();
    await bot.idle();
    expect(adapter.replies().map((reply) => reply.text)).toEqual(["answer to first", "answer to second"]);
  });

  it("keeps the order of many quick messages per thread while threads run in parallel", async () => {
    const { adapter, bot, pipeline } = await startBot({
      settings: { maxConcurrent: 3, maxQueued: 100, rateLimit: { requests: 0, windowMs: 1000 } },
      script: async (request) => {
        await settle(Math.floor(Math.random() * 3));
        return answer(request.text);
      },
    });
    const sends = [];
    for (let index = 0; index < 30; index++) {
      sends.push(adapter.send({ text: `t${index % 3}-m${Math.floor(index / 3)}`, thread: `t${index % 3}` }));
    }
    await Promise.all(sends);
    await bot.idle();
    expect(pipeline.calls).toHaveLength(30);
    for (const thread of ["t0", "t1", "t2"]) {
      expect(adapter.replies(thread).map((reply) => reply.text)).toEqual(
        Array.from({ length: 10 }, (_, index) => `${thread}-m${index}`),
      );
    }
  });

  it("caps concurrent pipelines and tells queued requests their position", async () => {
    const gate = deferred();
    let active = 0;
    let maxActive = 0;
    const { adapter, bot } = await startBot({
      settings: { maxConcurrent: 1 },
      script: async (request) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await gate.promise;
        active -= 1;
        return answer(request.text);
      },
    });
    const dispositions = [];
    for (const thread of ["a", "b", "c", "d"])
      dispositions.push(await adapter.send({ text: thread, thread }));
    expect(
      dispositions.map((disposition) => disposition.status === "accepted" && disposition.position),
    ).toEqual([0, 1, 2, 3]);
    expect(adapter.notices("d")).toEqual([
      "You're number 3 in the queue. I'll start on this as soon as a slot is free.",
    ]);
    expect(bot.status()).toEqual({ running: 1, queued: 3 });
    gate.resolve();
    await bot.idle();
    expect(maxActive).toBe(1);
    expect(adapter.replies().map((reply) => reply.text)).toEqual(["a", "b", "c", "d"]);
  });

  it("refuses with a notice when the queue is full, and drops nothing silently", async () => {
    const gate = deferred();
    const { adapter, bot, pipeline } = await startBot({
      settings: { maxConcurrent: 1, maxQueued: 1 },
      script: async (request) => {
        await gate.promise;
        return answer(request.text);
      },
    });
    await adapter.send({ text: "a", thread: "a" });
    await adapter.send({ text: "b", thread: "b" });
    const refused = await adapter.send({ text: "c", thread: "c" });
    expect(refused).toMatchObject({ status: "refused", reason: "queue-full" });
    expect(adapter.notices("c")).toHaveLength(1);
    expect(adapter.notices("c")[0]).toContain("my queue is full");
    gate.resolve();
    await bot.idle();
    expect(pipeline.calls.map((call) => call.text)).toEqual(["a", "b"]);
    // Every message got an answer or a notice.
    for (const thread of ["a", "b", "c"]) {
      expect(adapter.replies(thread).length + adapter.notices(thread).length).toBeGreaterThan(0);
    }
  });
});

describe("the bot loop: cancel", () => {
  it("aborts the running pipeline through its signal and says so", async () => {
    let seen: PipelineRequest | undefined;
    const { adapter, bot } = await startBot({
      script: async (request) => {
        seen = request;
        return untilAborted(request.signal);
      },
    });
    await adapter.send({ text: "draw a very slow cat" });
    await settle();
    expect(await adapter.send({ text: "cancel" })).toEqual({ status: "command", command: "cancel" });
    await bot.idle();
    expect(seen?.signal?.aborted).toBe(true);
    expect(seen?.signal?.reason).toBeInstanceOf(BotError);
    expect(adapter.notices()).toEqual(["Stopped the running request."]);
    expect(adapter.replies()).toEqual([]);
    const [progress] = adapter.progress();
    expect(progress?.finished?.text).toMatch(/^✗ Cancelled after \d+\.\d s/);
  });

  it("accepts stop, and withdraws the thread's waiting requests too", async () => {
    const { adapter, bot, pipeline } = await startBot({ script: (request) => untilAborted(request.signal) });
    await adapter.send({ text: "one" });
    await adapter.send({ text: "two" });
    await adapter.send({ text: "three" });
    await adapter.send({ text: "Stop!" });
    await bot.idle();
    expect(pipeline.calls).toHaveLength(1);
    expect(adapter.notices().at(-1)).toBe("Stopped the running request and withdrew 2 waiting requests.");
  });

  it("says so when nothing is running", async () => {
    const { adapter, bot } = await startBot();
    await adapter.send({ text: "cancel" });
    await bot.idle();
    expect(adapter.notices()).toEqual(["Nothing is running in this thread, so there is nothing to stop."]);
  });

  it("does not send the answer of a pipeline that finished despite the cancel", async () => {
    const gate = deferred();
    const { adapter, bot } = await startBot({
      script: async () => {
        await gate.promise;
        return answer("too late");
      },
    });
    await adapter.send({ text: "go" });
    await settle();
    await adapter.send({ text: "cancel" });
    gate.resolve();
    await bot.idle();
    expect(adapter.replies()).toEqual([]);
  });
});

describe("the bot loop: progress", () => {
  it("opens one progress message, edits it at most once a second with the latest state, and finishes it", async () => {
    const clock = createManualClock();
    const steps = [deferred(), deferred(), deferred()];
    const { adapter, bot } = await startBot({
      clock,
      script: async (request) => {
        const emit = request.onEvent!;
        emit({
          type: "plan",
          plan: {
            tasks: [
              { id: 1, task: "image-to-text", dep: [], args: {} },
              { id: 2, task: "text-to-speech", dep: [1], args: {} },
            ],
          },
        });
        emit({ type: "select", selections: [] });
        emit({ type: "task-start", id: 1, task: "image-to-text", model: "blip", source: "hosted" });
        await steps[0]!.promise;
        emit({
          type: "task-end",
          result: { ...okTask(1, "image-to-text", { kind: "text", text: "a cat" }), model: "blip" },
        });
        emit({ type: "task-start", id: 2, task: "text-to-speech", model: "vits", source: "hosted" });
        await steps[1]!.promise;
        emit({
          type: "task-end",
          result: { ...okTask(2, "text-to-speech", { kind: "text", text: "x" }), model: "vits" },
        });
        emit({ type: "answer" });
        await steps[2]!.promise;
        return answer("Here it is.");
      },
    });
    await adapter.send({ text: "caption and read aloud" });
    await settle();
    // Five events in the same instant: no edit yet, the throttle waits for its second.
    expect(adapter.progress()[0]?.edits).toEqual([]);
    await clock.advance(1_000);
    const afterFirst = adapter.progress()[0]!.edits;
    expect(afterFirst).toHaveLength(1);
    expect(afterFirst[0]?.text).toContain("▶ 1. image-to-text on blip");

    steps[0]!.resolve();
    await clock.advance(300);
    expect(adapter.progress()[0]?.edits).toHaveLength(1);
    await clock.advance(700);
    expect(adapter.progress()[0]?.edits.at(-1)?.text).toContain("✓ 1. image-to-text on blip");
    expect(adapter.progress()[0]?.edits.at(-1)?.text).toContain("▶ 2. text-to-speech on vits");

    steps[1]!.resolve();
    await clock.advance(100);
    steps[2]!.resolve();
    await clock.advance(1_100);
    await bot.idle();

    const [progress, ...others] = adapter.progress();
    expect(others).toEqual([]);
    const times = [progress!.opened.at, ...progress!.edits.map((edit) => edit.at)];
    for (let index = 1; index < times.length; index++) {
      expect(times[index]! - times[index - 1]!).toBeGreaterThanOrEqual(1_000);
    }
    expect(progress!.finished?.text).toBe(
      ["✓ Done in 2.1 s", "✓ 1. image-to-text on blip (0.1 s)", "✓ 2. text-to-speech on vits (0.1 s)"].join(
        "\n",
      ),
    );
    expect(adapter.transcript().map((entry) => entry.type)).toEqual([
      "progress-open",
      "progress-edit",
      "progress-edit",
      "progress-finish",
      "reply",
    ]);
  });

  it("answers even when the platform cannot open or edit the progress message", async () => {
    const { adapter, bot } = await startBot();
    adapter.failNext("open");
    await adapter.send({ text: "hello" });
    await bot.idle();
    expect(adapter.replies().map((reply) => reply.text)).toEqual(["answer to hello"]);
  });
});

describe("the bot loop: attachments", () => {
  it("refuses an attachment over the limit before downloading anything", async () => {
    const big = testAttachment({ name: "huge.png", size: 30 * 1024 * 1024 });
    const small = testAttachment({ name: "small.png", bytes: PNG_BYTES });
    const { adapter, bot, pipeline } = await startBot({ settings: { maxFileBytes: 25 * 1024 * 1024 } });
    const disposition = await adapter.send({ text: "compare these", attachments: [small, big] });
    await bot.idle();
    expect(disposition).toMatchObject({ status: "refused", reason: "attachment-too-large" });
    expect(big.fetchCalls).toBe(0);
    expect(small.fetchCalls).toBe(0);
    expect(pipeline.calls).toHaveLength(0);
    expect(adapter.notices()).toEqual([
      "huge.png is too large (30 MB; the limit is 25 MB). Nothing was run: please send smaller files.",
    ]);
  });

  it("gives up on a download that takes too long, with a clear notice", async () => {
    const clock = createManualClock();
    const stalled = testAttachment({ name: "photo.png", hang: true });
    const { adapter, bot, pipeline } = await startBot({ clock, settings: { downloadTimeoutMs: 30_000 } });
    await adapter.send({ text: "what is this?", attachments: [stalled] });
    await clock.advance(29_000);
    expect(adapter.notices()).toEqual([]);
    await clock.advance(1_000);
    await bot.idle();
    expect(stalled.fetchCalls).toBe(1);
    expect(pipeline.calls).toHaveLength(0);
    expect(adapter.notices()).toEqual([
      "Downloading photo.png took longer than 30 seconds, so I gave up on it. Nothing was run: please send the request again with files I can use.",
    ]);
    expect(adapter.progress()[0]?.finished?.text).toMatch(/^✗ Failed after 30\.0 s/);
  });

  it("gives up on a download that ignores its signal when its time is up, and on a cancel", async () => {
    const clock = createManualClock();
    const { adapter, bot, pipeline } = await startBot({ clock, settings: { downloadTimeoutMs: 30_000 } });
    await adapter.send({
      text: "what is this?",
      thread: "timeout",
      attachments: [testAttachment({ name: "photo.png", deaf: true })],
    });
    await adapter.send({
      text: "and this?",
      thread: "cancel",
      attachments: [testAttachment({ name: "photo.png", deaf: true })],
    });
    await settle();
    await adapter.send({ text: "cancel", thread: "cancel" });
    await clock.advance(30_000);
    await bot.idle();
    expect(pipeline.calls).toHaveLength(0);
    expect(adapter.notices("timeout")).toEqual([
      "Downloading photo.png took longer than 30 seconds, so I gave up on it. Nothing was run: please send the request again with files I can use.",
    ]);
    expect(adapter.notices("cancel")).toEqual(["Stopped the running request."]);
    expect(adapter.progress("cancel")[0]?.finished?.text).toMatch(/^✗ Cancelled after 0\.0 s/);
  });

  it("turns attachments into named inputs, the kind read from the bytes", async () => {
    const { adapter, bot, pipeline } = await startBot();
    const photo = testAttachment({ name: "photo.png", bytes: PNG_BYTES });
    const again = testAttachment({ name: "photo.png", bytes: PNG_BYTES });
    const note = testAttachment({ name: "note.txt", bytes: new TextEncoder().encode("hello there") });
    await adapter.send({ text: "", attachments: [photo, again, note] });
    await bot.idle();
    const call = pipeline.calls[0]!;
    expect(call.text).toBe("Describe the attached files.");
    expect(call.inputs.map((input) => [input.name, input.resource.kind, input.origin])).toEqual([
      ["photo.png", "image", "attachment"],
      ["photo-2.png", "image", "attachment"],
      ["note.txt", "text", "attachment"],
    ]);
  });

  it("refuses a file whose content is not what its name says", async () => {
    const { adapter, bot, pipeline } = await startBot();
    const page = testAttachment({ name: "photo.jpg", bytes: new TextEncoder().encode("<html>login</html>") });
    await adapter.send({ text: "what is this?", attachments: [page] });
    await bot.idle();
    expect(pipeline.calls).toHaveLength(0);
    expect(adapter.notices()[0]).toContain("photo.jpg is named like an image");
  });
});

describe("the bot loop: replies and errors", () => {
  it("replies with the answer, the result files and the summary", async () => {
    const { adapter, bot } = await startBot({
      script: () =>
        answer("Here is your cat.", [
          okTask(1, "text-to-image", png("1-text-to-image.png")),
          okTask(2, "image-to-text", { kind: "text", text: "a cat" }),
        ]),
    });
    await adapter.send({ text: "draw a cat" });
    await bot.idle();
    const [reply] = adapter.replies();
    expect(reply?.text).toBe("Here is your cat.");
    expect(reply?.files.map((file) => [file.name, file.mime])).toEqual([
      ["1-text-to-image.png", "image/png"],
    ]);
    expect(reply?.summary?.tasks.map((row) => row.task)).toEqual(["text-to-image", "image-to-text"]);
    expect(adapter.progress()[0]?.finished?.text).toMatch(/^✓ Done in/);
  });

  it("tells the user a BotError's message and never a stack or a secret", async () => {
    const { adapter, bot } = await startBot({
      script: async (_request, call) => {
        if (call === 1)
          throw new BotError("llm_unavailable", "POST https://api/v1 401 key sk-abcdef0123456789");
        const error = new Error("ECONNRESET sk-abcdef0123456789 at /srv/app/src/x.ts:12:3");
        error.stack = `Error: boom\n    at run (/srv/app/src/pipeline/index.ts:42:7)`;
        throw error;
      },
    });
    await adapter.send({ text: "one", thread: "a" });
    await adapter.send({ text: "two", thread: "b" });
    await bot.idle();
    expect(adapter.notices("a")).toEqual([
      "The language model could not be reached. Please try again in a moment.",
    ]);
    expect(adapter.notices("b")).toEqual(["Something went wrong on my side."]);
    for (const entry of adapter.transcript()) {
      const text = entry.type === "reply" ? entry.reply.text : entry.text;
      expectUserFacing(text);
      expect(text).not.toContain("sk-abcdef");
    }
    expect(adapter.progress().map((progress) => progress.finished?.text.split("\n")[0])).toEqual([
      expect.stringMatching(/^✗ Failed after/),
      expect.stringMatching(/^✗ Failed after/),
    ]);
  });

  it("logs every path with the request id", async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) });
    const { adapter, bot } = await startBot({ extra: { logger } });
    await adapter.send({ text: "hello", id: "req-42" });
    await bot.idle();
    const messageOf = (line: Record<string, unknown>) => line.msg ?? line.message;
    const mine = lines.filter((line) => line.request === "req-42").map(messageOf);
    expect(mine).toEqual(["request accepted", "request started", "request answered"]);
    const answered = lines.find((line) => messageOf(line) === "request answered");
    expect(answered?.ms).toMatchObject({ queue: expect.any(Number), stages: { total: 3 } });
  });

  it("keeps keys and tokens out of its logs, also when they are in a failure's message", async () => {
    const configured = "my-llm-server-key-7f3a9c";
    const hfToken = "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";
    const raw: string[] = [];
    const logger = createLogger({ level: "debug", secrets: [configured], write: (line) => raw.push(line) });
    const { adapter, bot } = await startBot({
      extra: { logger },
      script: () => {
        throw new Error(`401 from https://router.example/v1 with ${configured} and ${hfToken}`);
      },
    });
    await adapter.send({ text: "hello", id: "req-secret" });
    await bot.idle();
    const failed = raw
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line.msg === "request failed");
    expect(failed).toMatchObject({
      request: "req-secret",
      error: "401 from https://router.example/v1 with [redacted] and [redacted]",
    });
    expect(raw.join("\n")).not.toContain(configured);
    expect(raw.join("\n")).not.toContain(hfToken);
    expect(adapter.notices()).toEqual(["Something went wrong on my side."]);
  });
});

describe("the bot loop: shutdown", () => {
  it("withdraws waiting requests, stops running ones, says so, and refuses new ones", async () => {
    const { adapter, bot } = await startBot({
      settings: { maxConcurrent: 1 },
      script: (request) => untilAborted(request.signal),
    });
    await adapter.send({ text: "running", thread: "a" });
    await adapter.send({ text: "waiting", thread: "b" });
    await settle();
    await bot.close();
    expect(adapter.notices("a")).toEqual([
      "I was stopped before I could finish this request. Please send it again later.",
    ]);
    expect(adapter.notices("b").at(-1)).toBe(
      "I am shutting down; this request was not run. Please send it again later.",
    );
    expect(await adapter.send({ text: "late", thread: "c" })).toMatchObject({
      status: "refused",
      reason: "shutting-down",
    });
    expect(bot.status()).toEqual({ running: 0, queued: 0 });
  });
});
