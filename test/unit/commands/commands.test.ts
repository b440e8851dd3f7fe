import { afterEach, describe, expect, it } from "vitest";
import { COMMANDS, commandUsage, describeTasks, findCommand } from "../../../commands/index.js";
import { loadConfig } from "../../../src/config/index.js";
import { type App, createApp, createAppBot } from "../../../src/main.js";
import { createStorage } from "../../../src/storage/index.js";
import { TASK_NAMES } from "../../../src/tasks/index.js";
import { expectUserFacing } from "../../support/pipeline-app.js";
import { createTestAdapter, testAttachment } from "../../support/test-adapter.js";
import { scriptedPipeline, startBot } from "../core/helpers.js";

const PNG_BYTES = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);

describe("the command registry", () => {
  it("defines ask, tasks, models, forget, cancel, settings, usage and help with typed options", () => {
    expect(COMMANDS.map((command) => command.name)).toEqual([
      "ask",
      "tasks",
      "models",
      "forget",
      "cancel",
      "settings",
      "usage",
      "help",
    ]);
    for (const command of COMMANDS) {
      // Discord's most options on a command, and choices on an option.
      expect(command.options.length).toBeLessThanOrEqual(25);
      for (const option of command.options) expect(option.choices?.length ?? 0).toBeLessThanOrEqual(25);
      expect(command.description.length).toBeGreaterThan(10);
      // Discord's limits for names and descriptions, so adapters can register them as they are.
      expect(command.name).toMatch(/^[a-z][a-z0-9-]{0,31}$/);
      expect(command.description.length).toBeLessThanOrEqual(100);
      for (const option of command.options) {
        expect(option.name).toMatch(/^[a-z][a-z0-9-]{0,31}$/);
        expect(option.description.length).toBeLessThanOrEqual(100);
      }
      // Required options come first, as Discord requires.
      const required = command.options.map((option) => option.required);
      expect(required).toEqual([...required].sort((a, b) => Number(b) - Number(a)));
    }
    const ask = findCommand("ask");
    expect(ask?.options.map((option) => [option.name, option.type, option.required])).toEqual([
      ["prompt", "string", true],
      ["file1", "attachment", false],
      ["file2", "attachment", false],
      ["file3", "attachment", false],
      ["file4", "attachment", false],
    ]);
    expect(findCommand("STOP")?.name).toBe("cancel");
    expect(commandUsage(findCommand("models")!)).toBe("models TASK");
    expect(commandUsage(ask!)).toBe("ask PROMPT [up to 4 files]");
  });

  it("lists every task once, grouped by what it takes", () => {
    const text = describeTasks();
    for (const task of TASK_NAMES) expect(text.match(new RegExp(`^  ${task}:`, "gm"))).toHaveLength(1);
    const imageBlock = text.slice(text.indexOf("From an image:"), text.indexOf("From a recording:"));
    expect(imageBlock).toContain("object-detection");
    expect(imageBlock).toContain("visual-question-answering");
    expect(imageBlock).not.toContain("text-to-image");
  });
});

describe("commands typed as messages", () => {
  it("routes exact command words and leaves sentences to the pipeline", async () => {
    const { adapter, bot, pipeline } = await startBot();
    expect(await adapter.send({ text: "help", thread: "a" })).toEqual({ status: "command", command: "help" });
    expect(await adapter.send({ text: "/Tasks", thread: "b" })).toEqual({
      status: "command",
      command: "tasks",
    });
    expect(await adapter.send({ text: "models object-detection", thread: "c" })).toEqual({
      status: "command",
      command: "models",
    });
    expect(await adapter.send({ text: "help me write a poem", thread: "d" })).toMatchObject({
      status: "accepted",
    });
    expect(await adapter.send({ text: "models for my cat photo", thread: "e" })).toMatchObject({
      status: "accepted",
    });
    expect(await adapter.send({ text: "ask me anything", thread: "f" })).toMatchObject({
      status: "accepted",
    });
    await bot.idle();
    expect(pipeline.calls.map((call) => call.text)).toEqual([
      "help me write a poem",
      "models for my cat photo",
      "ask me anything",
    ]);
    expect(adapter.replies("a")[0]?.text).toContain("models TASK: Show the models");
    expect(adapter.replies("a")[0]?.text).toContain("cancel (or stop)");
    expect(adapter.replies("b")[0]?.text).toContain("From a recording:");
    expect(adapter.replies("c")[0]?.text).toBe("models of object-detection");
  });

  it("answers a command without its required option with its usage", async () => {
    const { adapter, bot } = await startBot();
    await adapter.send({ text: "models" });
    await adapter.send({ text: "ask" });
    await bot.idle();
    expect(adapter.notices()).toEqual([
      "models needs task: A task name, e.g. object-detection (see tasks)",
      "ask needs prompt: What you want, in your own words",
    ]);
  });
});

describe("commands run by an adapter (slash commands)", () => {
  it("asks with a prompt and files", async () => {
    const { adapter, bot, pipeline } = await startBot();
    await adapter.command("ask", {
      prompt: "compare these",
      file1: testAttachment({ name: "a.png", bytes: PNG_BYTES }),
      file3: testAttachment({ name: "b.png", bytes: PNG_BYTES }),
    });
    await bot.idle();
    expect(pipeline.calls[0]?.text).toBe("compare these");
    expect(pipeline.calls[0]?.inputs.map((input) => input.name)).toEqual(["a.png", "b.png"]);
    expect(adapter.replies()).toHaveLength(1);
  });

  it("refuses a file where text is expected, and an unknown command", async () => {
    const { adapter, bot, pipeline } = await startBot();
    await adapter.command("ask", { prompt: "look", file1: "not a file" });
    await adapter.command("paint", {});
    await bot.idle();
    expect(pipeline.calls).toHaveLength(0);
    expect(adapter.notices()).toEqual([
      "file1 must be a file.",
      'I do not know the command "paint". Try help.',
    ]);
  });

  it("applies the same admission: bots ignored, redeliveries dropped", async () => {
    const { adapter, bot, pipeline } = await startBot();
    await adapter.command("ask", { prompt: "hi" }, { isBot: true });
    await adapter.command("ask", { prompt: "hi" }, { eventId: "E1" });
    await adapter.command("ask", { prompt: "hi" }, { eventId: "E1" });
    await bot.idle();
    expect(pipeline.calls).toHaveLength(1);
  });

  it("tells the adapter what became of the command, so a deferred reply can be finished", async () => {
    const { adapter, bot } = await startBot({
      settings: { allowedChannels: ["channel-1"], rateLimit: { requests: 1, windowMs: 60_000 } },
    });
    expect(await adapter.command("ask", { prompt: "hi" }, { channel: "elsewhere" })).toEqual({
      status: "ignored",
      reason: "not-allowed",
    });
    expect(await adapter.command("ask", { prompt: "hi" })).toEqual({ status: "accepted", position: 0 });
    const limited = await adapter.command("ask", { prompt: "again" });
    expect(limited.status).toBe("rate-limited");
    expect(await adapter.command("paint", {})).toMatchObject({
      status: "refused",
      reason: "unknown-command",
    });
    expect(await adapter.command("ask", { prompt: "look", file1: "not a file" })).toEqual({
      status: "refused",
      reason: "invalid-options",
      message: "file1 must be a file.",
    });
    expect(await adapter.command("help", {})).toEqual({ status: "command", command: "help" });
    await bot.idle();
  });

  it("forgets and cancels", async () => {
    const { adapter, bot } = await startBot();
    await adapter.command("forget", {});
    await adapter.command("cancel", {});
    await bot.idle();
    expect(adapter.notices()).toEqual([
      "Forgotten: this conversation starts afresh.",
      "Nothing is running in this thread, so there is nothing to stop.",
    ]);
  });
});

describe("the models command on the app", () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.close();
  });

  it("lists a task's candidates from the catalog, and names the tasks for an unknown one", async () => {
    app = createApp(loadConfig({ HUB_CATALOG: "false", HF_TOKEN: "hf_test", LOG_LEVEL: "silent" }), {
      storage: createStorage(),
    });
    const bot = createAppBot(app, { pipeline: scriptedPipeline() });
    const adapter = createTestAdapter();
    await adapter.start(bot);
    await adapter.send({ text: "models object-detection" });
    await adapter.command("models", { task: "painting" });
    await bot.idle();
    const listing = adapter.replies()[0]?.text ?? "";
    // Hybrid with a token: Hugging Face's stronger DETR first, this machine's weaker detector as a fallback.
    expect(listing).toMatch(/\[hosted\]\s+facebook\/detr-resnet-50[\s\S]*\[local\]\s+local\/human-centernet/);
    const [unknown] = adapter.notices();
    expect(unknown).toMatch(/^Unknown task "painting"\. Known tasks: text-classification/);
    expectUserFacing(unknown);
  });

  it("is what app.bot runs", async () => {
    app = createApp(loadConfig({ HUB_CATALOG: "false", LOG_LEVEL: "silent" }), { storage: createStorage() });
    const adapter = createTestAdapter();
    await adapter.start(app.bot);
    await adapter.send({ text: "tasks" });
    await app.bot.idle();
    expect(adapter.replies()[0]?.text).toContain("What I can do (24 tasks");
  });
});
