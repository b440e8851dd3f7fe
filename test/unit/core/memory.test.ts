import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Keyv from "keyv";
import { afterEach, describe, expect, it } from "vitest";
import { createConversationMemory } from "../../../src/core/memory.js";
import type { NamedInput } from "../../../src/pipeline/types.js";
import { createStorage, type Storage } from "../../../src/storage/index.js";
import { settle, testAttachment } from "../../support/test-adapter.js";
import { answer, deferred, okTask, png, startBot } from "./helpers.js";

const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);

/** Turn 1 draws a cat and captions it; later turns answer plainly. */
const drawThenCaption = (request: { text: string }, call: number) =>
  call === 1
    ? answer("Here is a cat.", [
        okTask(1, "text-to-image", png("1-text-to-image.png", 42)),
        okTask(2, "image-to-text", { kind: "text", text: "a grey cat on a sofa" }),
      ])
    : answer(`answer to ${request.text}`);

describe("conversation memory in the bot loop", () => {
  it("gives a follow-up the earlier turn's results as named inputs and its history", async () => {
    const { adapter, bot, pipeline } = await startBot({ script: drawThenCaption });
    await adapter.send({ text: "draw a cat and caption it" });
    await adapter.send({ text: "now read that caption aloud" });
    await bot.idle();

    const followUp = pipeline.calls[1]!;
    expect(followUp.history).toEqual([
      {
        user: "draw a cat and caption it",
        answer: "Here is a cat.",
        resources: ["turn1-1-text-to-image.png", "turn1-2-image-to-text.txt"],
      },
    ]);
    expect(followUp.inputs.map((input) => [input.name, input.origin, input.resource.kind])).toEqual([
      ["turn1-1-text-to-image.png", "history", "image"],
      ["turn1-2-image-to-text.txt", "history", "text"],
    ]);
    const image = followUp.inputs[0]!.resource;
    expect(image.kind === "image" && [...image.bytes]).toEqual([
      ...(png("x", 42) as { bytes: Uint8Array }).bytes,
    ]);
    expect(followUp.inputs[1]!.resource).toEqual({ kind: "text", text: "a grey cat on a sofa" });
  });

  it("remembers the user's attachments under the turn's name, and keeps threads apart", async () => {
    const { adapter, bot, pipeline } = await startBot();
    await adapter.send({
      text: "what is this?",
      thread: "a",
      attachments: [testAttachment({ name: "photo.png", bytes: PNG_BYTES })],
    });
    await adapter.send({ text: "and in another thread?", thread: "b" });
    await adapter.send({ text: "detect objects in the photo I sent", thread: "a" });
    await bot.idle();
    expect(pipeline.calls[1]!.inputs).toEqual([]);
    const third = pipeline.calls[2]!;
    expect(third.inputs.map((input) => input.name)).toEqual(["turn1-photo.png"]);
    expect(third.history?.[0]?.resources).toEqual(["turn1-photo.png"]);
  });

  it("forgets a thread on request", async () => {
    const { adapter, bot, pipeline } = await startBot({ script: drawThenCaption });
    await adapter.send({ text: "draw a cat" });
    expect(await adapter.send({ text: "forget" })).toEqual({ status: "command", command: "forget" });
    await adapter.send({ text: "read that caption aloud" });
    await bot.idle();
    expect(adapter.notices()).toContain("Forgotten: this conversation starts afresh.");
    expect(pipeline.calls[1]!.history).toEqual([]);
    expect(pipeline.calls[1]!.inputs).toEqual([]);
  });

  it("does not write back the turn that was running when the thread was forgotten", async () => {
    const gate = deferred();
    const { adapter, bot, pipeline } = await startBot({
      script: async (request, call) => {
        if (call === 1) await gate.promise;
        return answer(`answer to ${request.text}`);
      },
    });
    await adapter.send({ text: "slow one" });
    await settle();
    await adapter.send({ text: "forget" });
    await settle();
    gate.resolve();
    await bot.idle();
    await adapter.send({ text: "next" });
    await bot.idle();
    expect(adapter.replies().map((reply) => reply.text)).toEqual(["answer to slow one", "answer to next"]);
    expect(pipeline.calls[1]!.history).toEqual([]);
  });

  it("keeps at most the configured turns, oldest dropped first, numbering on", async () => {
    const { adapter, bot, pipeline } = await startBot({
      settings: { memory: { turns: 2, maxBytes: 1024 * 1024, ttlMs: 60_000 } },
      script: (request) =>
        answer(`answer to ${request.text}`, [
          okTask(1, "summarization", { kind: "text", text: request.text }),
        ]),
    });
    for (const text of ["one", "two", "three", "four"]) await adapter.send({ text });
    await bot.idle();
    const last = pipeline.calls[3]!;
    expect(last.history?.map((turn) => turn.user)).toEqual(["two", "three"]);
    expect(last.inputs.map((input) => input.name)).toEqual([
      "turn2-1-summarization.txt",
      "turn3-1-summarization.txt",
    ]);
  });

  it("survives a restart of the bot over the same SQLite file", async () => {
    const directory = await mkdtemp(join(tmpdir(), "hgb-memory-"));
    const open = (): Storage => createStorage({ backend: "sqlite", file: join(directory, "bot.sqlite") });
    try {
      const before = open();
      const first = await startBot({ storage: before, script: drawThenCaption });
      await first.adapter.send({ text: "draw a cat and caption it" });
      await first.bot.idle();
      await first.bot.close();
      await before.close();

      const after = open();
      const second = await startBot({ storage: after });
      await second.adapter.send({ text: "now read that caption aloud" });
      await second.bot.idle();
      const followUp = second.pipeline.calls[0]!;
      expect(followUp.history?.[0]?.user).toBe("draw a cat and caption it");
      const image = followUp.inputs.find((input) => input.name === "turn1-1-text-to-image.png")?.resource;
      expect(image?.kind).toBe("image");
      expect(image?.kind === "image" && image.bytes).toEqual((png("x", 42) as { bytes: Uint8Array }).bytes);
      await after.close();
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("keeps answering when the memory cannot be read or written", async () => {
    // Storage that throws (the real one falls back to memory itself): the bot must cope either way.
    const real = createStorage();
    const broken: Storage = {
      ...real,
      namespace<Value>() {
        const keyv = new Keyv<Value>();
        const fail = () => Promise.reject(new Error("storage is down"));
        Object.assign(keyv, { get: fail, set: fail, getMany: fail, delete: fail, deleteMany: fail });
        return keyv;
      },
    };
    const { adapter, bot } = await startBot({ storage: broken, script: drawThenCaption });
    await adapter.send({ text: "draw a cat", eventId: "e1" });
    await adapter.send({ text: "draw a cat", eventId: "e1" });
    await adapter.send({ text: "read it aloud" });
    await bot.idle();
    // Redeliveries are still dropped (this process remembers), and both requests are answered.
    expect(adapter.replies().map((reply) => reply.text)).toEqual([
      "Here is a cat.",
      "answer to read it aloud",
    ]);
    expect(adapter.notices().filter((notice) => !notice.startsWith("You're number"))).toEqual([]);
  });
});

describe("the memory's size budget", () => {
  const image = (bytes: number, name: string): NamedInput => ({
    name,
    origin: "attachment",
    resource: { kind: "image", mime: "image/png", bytes: new Uint8Array(bytes), name },
  });

  it("drops the oldest turns when a thread's bytes exceed the budget", async () => {
    const memory = createConversationMemory(new Keyv<string>(), { turns: 10, maxBytes: 50_000 });
    for (const number of [1, 2, 3]) {
      await memory.remember("t", {
        user: `turn ${number}`,
        attachments: [image(15_000, "a.png")],
        result: answer("ok"),
      });
    }
    // Each turn is ~20 kB as base64: three do not fit in 50 kB, two do.
    const recalled = await memory.recall("t");
    expect(recalled.history.map((turn) => turn.user)).toEqual(["turn 2", "turn 3"]);
    expect(recalled.inputs.map((input) => input.name)).toEqual(["turn2-a.png", "turn3-a.png"]);
  });

  it("keeps the words of a turn larger than the whole budget, without its files", async () => {
    const memory = createConversationMemory(new Keyv<string>(), { turns: 10, maxBytes: 10_000 });
    await memory.remember("t", {
      user: "look",
      attachments: [image(100, "small.png"), image(50_000, "big.png")],
      result: answer("a big picture"),
    });
    const recalled = await memory.recall("t");
    expect(recalled.history).toEqual([
      { user: "look", answer: "a big picture", resources: ["turn1-small.png"] },
    ]);
  });

  it("remembers nothing with turns set to 0", async () => {
    const memory = createConversationMemory(new Keyv<string>(), { turns: 0, maxBytes: 10_000 });
    await memory.remember("t", { user: "hi", attachments: [], result: answer("hello") });
    expect(await memory.recall("t")).toEqual({ history: [], inputs: [] });
  });

  it("remembers a detection whole: it feeds both images and text later", async () => {
    const memory = createConversationMemory(new Keyv<string>(), { turns: 10, maxBytes: 1_000_000 });
    const annotated = png("1-object-detection-annotated.png") as Extract<
      ReturnType<typeof png>,
      { kind: "image" }
    >;
    await memory.remember("t", {
      user: "detect",
      attachments: [],
      result: answer("a cat", [
        okTask(1, "object-detection", {
          kind: "detections",
          detections: [{ label: "cat", score: 0.98, box: { xmin: 1, ymin: 2, xmax: 3, ymax: 4 } }],
          image: annotated,
        }),
      ]),
    });
    const [input] = (await memory.recall("t")).inputs;
    expect(input?.name).toBe("turn1-1-object-detection-annotated.png");
    expect(input?.resource.kind).toBe("detections");
  });
});

afterEach(async () => {
  await settle();
});
