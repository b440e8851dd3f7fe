/**
 * The adapter contract (test/support/adapter-contract.ts) on the terminal chat: `createTerminalChat`
 * as `chat` starts it, reading lines from a pipe (a script's standard input) and writing plain lines.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { PassThrough, Writable } from "node:stream";
import type { ConsoleAdapter } from "../../../adapters/console/index.js";
import { createTerminalChat } from "../../../src/main.js";
import { type AdapterDriver, adapterContract, type Sent } from "../../support/adapter-contract.js";

/** The request's output: from its headline (`> its line`) to the next request's headline. */
function sectionOf(lines: string[], marker: string): string[] {
  const start = lines.findIndex((line) => line.startsWith("> ") && line.includes(marker));
  if (start < 0) return [];
  const end = lines.findIndex((line, index) => index > start && line.startsWith("> "));
  return lines.slice(start, end < 0 ? undefined : end);
}

function createConsoleDriver(): AdapterDriver {
  const input = new PassThrough();
  const written: Array<{ text: string; at: number }> = [];
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push({ text: chunk.toString("utf8"), at: Date.now() });
      done();
    },
  });
  let chat: ConsoleAdapter | undefined;
  let filesDir = "";
  const lines = () =>
    written
      .map((entry) => entry.text)
      .join("")
      .split("\n");
  const send = async (marker: string, text: string): Promise<Sent> => {
    input.write(`${text} ${marker}\n`);
    return { marker };
  };

  return {
    setUp: async () => ({}),
    async start(app, bot) {
      filesDir = join(app.config.DATA_DIR, "files");
      chat = createTerminalChat(app, {
        input,
        output,
        cwd: app.config.DATA_DIR,
        filesDir,
        thread: "contract",
      });
      await chat.start(bot);
    },
    async stop() {
      input.end();
      await chat?.finished;
      await chat?.stop();
    },
    send,
    followUp: (_sent, marker, text) => send(marker, text),
    redeliver: { notApplicable: "a terminal reads each line once: nothing delivers it again" },
    echoOwnAnswer: { notApplicable: "nothing feeds the terminal's output back into its input" },
    async shown(sent) {
      const section = sectionOf(lines(), sent.marker);
      const listed = section.indexOf("Files:");
      const files =
        listed < 0
          ? []
          : section
              .slice(listed + 1)
              .filter((line) => line.startsWith("  "))
              .map((line) => basename(line.trim()));
      return { messages: section.length > 0 ? [section.join("\n")] : [], files };
    },
    async timeline(sent, text) {
      // The echo of the line and its first progress line are written at once, before any work.
      const echoed = written.find((entry) => entry.text.startsWith("> ") && entry.text.includes(sent.marker));
      return {
        acknowledgedAt: echoed?.at,
        textAt: written.find((entry) => entry.text.includes(text))?.at,
      };
    },
    async withFilesRefused(run) {
      // Where the result files go is a file, not a folder: nothing can be written there.
      await rm(filesDir, { recursive: true, force: true });
      await writeFile(filesDir, "not a folder");
      try {
        return await run();
      } finally {
        await rm(filesDir, { force: true });
        await mkdir(filesDir, { recursive: true });
      }
    },
  };
}

adapterContract("the console adapter", createConsoleDriver);
