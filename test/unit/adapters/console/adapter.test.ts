import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ConsoleAdapterOptions, createConsoleAdapter } from "../../../../adapters/console/index.js";
import { COMMANDS } from "../../../../commands/index.js";
import { createBot } from "../../../../src/core/bot.js";
import { defaultBotSettings } from "../../../../src/core/settings.js";
import type { BotHandle, Disposition, ReplyTarget, Request } from "../../../../src/core/types.js";
import { createStorage } from "../../../../src/storage/index.js";
import { scriptedPipeline, untilAborted } from "../../core/helpers.js";
import { waitFor } from "../../storage/capture.js";

/** A bot that answers every request at once with a fixed reply and a file, and records what it got. */
function fakeBot(options: { refuse?: (request: Request) => Disposition | undefined } = {}) {
  const received: Request[] = [];
  const running: Promise<void>[] = [];
  const bot: BotHandle = {
    allows: () => true,
    async receive(request: Request, target: ReplyTarget): Promise<Disposition> {
      received.push(request);
      const refusal = options.refuse?.(request);
      if (refusal) return refusal;
      if (request.text === "forget") {
        await target.notice("Forgotten.");
        return { status: "command", command: "forget" };
      }
      running.push(
        (async () => {
          const progress = await target.openProgress("Planning…");
          await progress.edit("Plan: 1. text-to-image\n▶ 1. text-to-image");
          await progress.edit("Plan: 1. text-to-image\n✓ 1. text-to-image");
          const bytes = await Promise.all(
            request.attachments.map((attachment) =>
              attachment.fetch({ signal: new AbortController().signal, maxBytes: 1024 }),
            ),
          );
          await target.send({
            text: `Answer to "${request.text}" (${bytes.map((b) => b.byteLength).join(",") || "no files"})`,
            files: [{ name: "1-text-to-image.png", mime: "image/png", bytes: new Uint8Array([9, 9]) }],
            summary: {
              planner: "llm (fake)",
              catalog: "builtin",
              tasks: [
                { id: 1, task: "text-to-image", model: "m/x", source: "hosted", ms: 100, status: "ok" },
              ],
              totalMs: 100,
              notes: [],
            },
          });
          await progress.finish("Done in 0.1 s");
        })(),
      );
      return { status: "accepted", position: 0 };
    },
    async command(name) {
      return { status: "command", command: name };
    },
    async idle() {
      await Promise.all(running);
    },
  };
  return { bot, received };
}

describe("the terminal chat adapter", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hgb-console-"));
    await writeFile(join(dir, "cat.png"), new Uint8Array([1, 2, 3]));
    await writeFile(join(dir, "huge.wav"), new Uint8Array(5000));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function chat(
    input: string,
    bot: BotHandle,
    extra: Partial<ConsoleAdapterOptions> = {},
  ): Promise<string> {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let transcript = "";
    stdout.on("data", (chunk: Buffer) => {
      transcript += chunk.toString("utf8");
    });
    const adapter = createConsoleAdapter({
      input: stdin,
      output: stdout,
      cwd: dir,
      filesDir: join(dir, "files"),
      maxFileBytes: 4096,
      thread: "console:test",
      user: { id: "tester", isBot: false },
      ...extra,
    });
    await adapter.start(bot);
    stdin.end(input);
    await adapter.finished;
    await adapter.stop();
    return transcript;
  }

  it("sends one request per line on the terminal's one thread, and prints answer, summary and files", async () => {
    const { bot, received } = fakeBot();
    const transcript = await chat("draw a cat\n\nnow a dog\n", bot);
    expect(received.map((request) => request.text)).toEqual(["draw a cat", "now a dog"]);
    for (const request of received) {
      expect(request).toMatchObject({
        platform: "console",
        channel: "terminal",
        thread: "console:test",
        author: { id: "tester", isBot: false },
        attachments: [],
      });
      expect(request.eventId).toBe(request.id);
    }
    expect(new Set(received.map((request) => request.id)).size).toBe(2);
    expect(transcript).toContain("> draw a cat\n… Planning…\n");
    expect(transcript).toContain('Answer to "draw a cat" (no files)');
    expect(transcript).toContain("Tasks (planner: llm (fake); models: built-in list; total 0.1 s)");
    expect(transcript).toContain("  1. text-to-image — m/x [hosted] — 0.1 s — ok");
    expect(transcript).toContain("Done in 0.1 s");
    const path = join("files", received[0]?.id ?? "", "1-text-to-image.png");
    expect(transcript).toContain(`Files:\n  ${path}`);
    expect([...(await readFile(join(dir, path)))]).toEqual([9, 9]);
    // Without a terminal, progress is sparse: the quick edits after "Planning…" are not printed.
    expect(transcript).not.toContain("▶ 1. text-to-image");
  });

  it("attaches /attach files to the next request only, and inline @files to their own", async () => {
    const { bot, received } = fakeBot();
    const transcript = await chat("/attach cat.png\n/attach\ndescribe it\nagain\nand @cat.png\n", bot);
    expect(transcript).toContain("Attached cat.png (3 B) to your next request.");
    expect(transcript).toContain("Attached to your next request: cat.png (3 B)");
    expect(received.map((request) => [request.text, request.attachments.map((a) => a.name)])).toEqual([
      ["describe it", ["cat.png"]],
      ["again", []],
      ["and", ["cat.png"]],
    ]);
    expect(received[0]?.attachments[0]).toMatchObject({ mime: "image/png", size: 3 });
    expect(transcript).toContain('Answer to "describe it" (3)');
  });

  it("says so when the input ends with files attached and no request after them", async () => {
    const { bot, received } = fakeBot();
    const one = await chat("draw a cat\n/attach cat.png\n", bot);
    expect(received.map((request) => request.text)).toEqual(["draw a cat"]);
    expect(one).toContain("cat.png was attached, but no request came after it, so it was not sent.");
    await writeFile(join(dir, "dog.png"), new Uint8Array([4, 5]));
    const two = await chat("/attach cat.png\n/attach dog.png\n/quit\nnever read\n", fakeBot().bot);
    expect(two).toContain(
      "cat.png and dog.png were attached, but no request came after them, so they were not sent.",
    );
    const none = await chat("/attach cat.png\n/detach\n", fakeBot().bot);
    expect(none).not.toContain("no request came after");
  });

  it("refuses a missing or oversized file with a clear message and goes on", async () => {
    const { bot, received } = fakeBot();
    const transcript = await chat(
      "/attach missing.png\n/attach huge.wav\nlook at @missing.png\nstill here\n",
      bot,
    );
    expect(transcript).toContain("File not found: missing.png. Nothing was attached.");
    expect(transcript).toContain("huge.wav is too large (4.9 KB; the limit is 4 KB). Nothing was attached.");
    // The request naming a missing file is not sent; the next one is, with nothing attached.
    expect(received.map((request) => [request.text, request.attachments.length])).toEqual([
      ["still here", 0],
    ]);
  });

  it("keeps attached files for the next request when a message is a command", async () => {
    const { bot, received } = fakeBot();
    await chat("/attach cat.png\nforget\ndescribe it\n", bot);
    expect(received.map((request) => [request.text, request.attachments.length])).toEqual([
      ["forget", 1],
      ["describe it", 1],
    ]);
  });

  it("in a script, sends a rate-limited line again once the limit allows, as a new delivery", async () => {
    let refusals = 0;
    const { bot, received } = fakeBot({
      refuse: (request) =>
        request.text === "too soon" && refusals++ === 0
          ? { status: "rate-limited", retryAfterMs: 30 }
          : undefined,
    });
    const transcript = await chat("/attach cat.png\ntoo soon\nnext\n", bot);
    expect(transcript).toContain("(Sending it again in 1 second.)");
    expect(received.map((request) => [request.text, request.attachments.length])).toEqual([
      ["too soon", 1],
      ["too soon", 1],
      ["next", 0],
    ]);
    expect(received[0]?.eventId).not.toBe(received[1]?.eventId);
    expect(transcript).toContain('Answer to "too soon"');
  });

  it("in a terminal, leaves a rate-limited message to the user and keeps its files for the next one", async () => {
    const { bot, received } = fakeBot({
      refuse: (request) =>
        request.text === "too soon" ? { status: "rate-limited", retryAfterMs: 60_000 } : undefined,
    });
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    stdout.resume();
    const adapter = createConsoleAdapter({
      input: stdin,
      output: stdout,
      interactive: true,
      cwd: dir,
      filesDir: join(dir, "files-rate"),
      maxFileBytes: 4096,
      thread: "console:rate",
    });
    await adapter.start(bot);
    stdin.end("/attach cat.png\rtoo soon\rlater\r");
    await adapter.finished;
    await adapter.stop();
    expect(received.map((request) => [request.text, request.attachments.length])).toEqual([
      ["too soon", 1],
      ["later", 1],
    ]);
  });

  it("drops attachments with /detach, sends slash commands as the bot's words, and names unknown ones", async () => {
    const { bot, received } = fakeBot();
    const transcript = await chat(
      "/attach cat.png\n/detach\n/forget\n/stop\n/models object-detection\n/nope\nhi\n",
      bot,
    );
    expect(transcript).toContain("Dropped cat.png.");
    expect(transcript).toContain("Forgotten.");
    expect(transcript).toContain("Unknown command /nope. /help lists the commands.");
    expect(received.map((request) => [request.text, request.attachments.length])).toEqual([
      ["forget", 0],
      ["cancel", 0],
      ["models object-detection", 0],
      ["hi", 0],
    ]);
  });

  it("stops reading at /quit but still waits for the answers", async () => {
    const { bot, received } = fakeBot();
    const transcript = await chat("first\n/quit\nnever sent\n", bot);
    expect(received.map((request) => request.text)).toEqual(["first"]);
    expect(transcript).toContain('Answer to "first"');
  });

  it("runs a script's lines one after the other: each is answered before the next is sent", async () => {
    const { bot, received } = fakeBot();
    const order: string[] = [];
    const receive = bot.receive.bind(bot);
    bot.receive = async (request, target) =>
      receive(request, {
        ...target,
        openProgress: async (text) => {
          order.push(`start ${request.text}`);
          return target.openProgress(text);
        },
        send: async (reply) => {
          order.push(`answer ${request.text}`);
          await target.send(reply);
        },
      });
    const transcript = await chat("one\ntwo\n", bot);
    expect(received.map((request) => request.text)).toEqual(["one", "two"]);
    expect(order).toEqual(["start one", "answer one", "start two", "answer two"]);
    // Each request's output is headed by its line, once.
    expect(transcript.split("\n").filter((line) => line.startsWith("> "))).toEqual(["> one", "> two"]);
  });

  it("prints the bot's failure to take a message and goes on", async () => {
    const bot: BotHandle = {
      allows: () => true,
      async receive() {
        throw new Error("storage exploded: redis://secret@host");
      },
      async command(name) {
        return { status: "command", command: name };
      },
      async idle() {},
    };
    const transcript = await chat("hello\n", bot);
    expect(transcript).toContain("Sorry: Something went wrong on my side.");
    expect(transcript).not.toContain("secret");
  });

  it("on a terminal, Ctrl-C cancels the running request through the bot, and leaves when nothing runs", async () => {
    const pipeline = scriptedPipeline((request) => untilAborted(request.signal));
    const bot = createBot({
      pipeline,
      storage: createStorage(),
      settings: defaultBotSettings(),
      commands: COMMANDS,
    });
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    let transcript = "";
    stdout.on("data", (chunk: Buffer) => {
      transcript += chunk.toString("utf8");
    });
    const adapter = createConsoleAdapter({
      input: stdin,
      output: stdout,
      interactive: true,
      cwd: dir,
      filesDir: join(dir, "files-ctrl-c"),
      maxFileBytes: 4096,
      thread: "console:ctrl-c",
    });
    await adapter.start(bot);
    stdin.write("draw a very slow cat\r");
    await waitFor(() => pipeline.calls.length === 1, 5_000, "the pipeline to start");
    const signal = pipeline.calls[0]?.signal;
    expect(signal?.aborted).toBe(false);

    stdin.write("\u0003");
    await waitFor(() => transcript.includes("Stopped the running request."), 5_000, "the cancel notice");
    expect(signal?.aborted).toBe(true);
    expect(transcript).toContain("^C");
    expect(transcript).toMatch(/✗ Cancelled after \d+\.\d s/);
    await bot.idle();

    // Nothing runs now: a second Ctrl-C leaves the chat.
    stdin.write("\u0003");
    await adapter.finished;
    await adapter.stop();
    expect(pipeline.calls).toHaveLength(1);
  });

  it("redraws one progress line in place on a terminal", async () => {
    const { bot } = fakeBot();
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 60 });
    let transcript = "";
    stdout.on("data", (chunk: Buffer) => {
      transcript += chunk.toString("utf8");
    });
    const adapter = createConsoleAdapter({
      input: stdin,
      output: stdout,
      interactive: true,
      cwd: dir,
      filesDir: join(dir, "files-tty"),
      maxFileBytes: 4096,
      thread: "console:tty",
    });
    await adapter.start(bot);
    stdin.write("draw a cat\r");
    stdin.end();
    await adapter.finished;
    await adapter.stop();
    expect(transcript).toContain("terminal chat");
    // Each update clears to the end of the screen (ESC [0J) and writes the one line again.
    expect(transcript).toContain("Plan: 1. text-to-image | ▶ 1. text-to-image\n");
    expect(transcript).toContain("Plan: 1. text-to-image | ✓ 1. text-to-image\n");
    expect(transcript).toContain("\u001b[0J");
    expect(transcript).toContain('Answer to "draw a cat"');
    // The request is not headed again: the user's own line is on the screen.
    expect(transcript).not.toContain("> draw a cat\n… Planning");
  });
});
