/**
 * `hugginggpt-bot start` with a terminal attached and no chat platform configured starts the terminal
 * chat. Driven over a real pseudo-terminal: util-linux `script` runs the bin on one, and the test
 * types into it and reads the screen. Needs Linux and `script` (util-linux); skipped with the reason
 * without them.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeHuggingFace, startFakeHuggingFace } from "../fakes/hf-server.js";
import { type FakeOpenAi, stageOf, startFakeOpenAi } from "../fakes/openai-server.js";

const BIN = fileURLToPath(new URL("../../src/bin.mjs", import.meta.url));
const OPENAI_KEY = "sk-pty-test-key-0123456789abcdef";
const PAINTER = "stabilityai/stable-diffusion-xl-base-1.0";

function hasScript(): boolean {
  if (process.platform !== "linux") return false;
  const probe = spawnSync("script", ["--version"], { encoding: "utf8" });
  return probe.status === 0 && probe.stdout.includes("util-linux");
}

const noPty = hasScript()
  ? undefined
  : "needs Linux and util-linux `script` to run the chat on a pseudo-terminal";
if (noPty) console.warn(`chat-pty.test.ts: ${noPty}; skipping`);

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/** The bin on a pseudo-terminal: what it drew so far, keys to type, and its exit code. */
interface Terminal {
  screen(): string;
  type(keys: string): void;
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exit: Promise<number | null>;
}

function onTerminal(args: string[], options: { env: Record<string, string>; cwd: string }): Terminal {
  const command = [process.execPath, BIN, ...args].map(quote).join(" ");
  const child: ChildProcess = spawn("script", ["-qefc", command, "/dev/null"], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TERM: "xterm", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve(code));
  });
  return {
    screen: () => output,
    type: (keys) => child.stdin?.write(keys),
    async waitFor(text, timeoutMs = 20_000) {
      const started = Date.now();
      const seen = () => (typeof text === "string" ? output.includes(text) : text.test(output));
      while (!seen()) {
        if (child.exitCode !== null || Date.now() - started > timeoutMs) {
          child.kill("SIGKILL");
          throw new Error(`the terminal never showed ${String(text)}:\n${output}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    exit,
  };
}

describe.skipIf(noPty !== undefined)(
  `hugginggpt-bot start on a terminal${noPty ? ` (skipped: ${noPty})` : ""}`,
  () => {
    let llm: FakeOpenAi;
    let hf: FakeHuggingFace;
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "hgb-chat-pty-"));
      llm = await startFakeOpenAi({ apiKey: OPENAI_KEY });
      hf = await startFakeHuggingFace({
        models: [{ id: PAINTER, pipeline_tag: "text-to-image", downloads: 10 }],
      });
      llm.route((body) => {
        const stage = stageOf(body);
        if (stage !== "plan") return stage === "chat" ? "Hello!" : "Here is your cat.";
        return JSON.stringify([{ id: 1, task: "text-to-image", dep: [], args: { text: "a cat" } }]);
      });
    });
    afterAll(async () => {
      await Promise.all([llm?.close(), hf?.close()]);
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it("starts the terminal chat: prompt, progress line redrawn in place, answer and files; Ctrl-D leaves with 0", async () => {
      const terminal = onTerminal(["start"], {
        cwd: dir,
        env: {
          OPENAI_API_KEY: OPENAI_KEY,
          OPENAI_BASE_URL: `${llm.url}/v1`,
          HF_INFERENCE_ENDPOINT: hf.url,
          HF_ENDPOINT: hf.url,
          INFERENCE_MODE: "hosted",
          MODEL_SELECTION: "top",
          DATA_DIR: join(dir, "data"),
          LOG_LEVEL: "info",
        },
      });
      await terminal.waitFor("terminal chat");
      await terminal.waitFor("> ");
      terminal.type("draw a cat\r");
      await terminal.waitFor(/Files:\r?\n {2}\S+1-text-to-image\.png/);
      terminal.type("\u0004");
      expect(await terminal.exit).toBe(0);

      const screen = terminal.screen();
      expect(screen).toContain("continues in your next chat until /forget");
      expect(screen).toContain("Logs go to data/chat.log.");
      // The progress line is redrawn in place (clear to the end of the screen), not printed line by line.
      expect(screen).toContain("\u001b[0J");
      expect(screen).toContain("Planning the tasks");
      expect(screen).toMatch(/✓ Done in \d+\.\d s/);
      expect(screen).toContain("Here is your cat.");
      expect(screen).toContain(`text-to-image — ${PAINTER} [hosted]`);
      // Logs went to the file, not through the chat, and carry no key.
      expect(screen).not.toContain('"level"');
      const requests = await readdir(join(dir, "data", "files"));
      expect(requests).toHaveLength(1);
      expect(existsSync(join(dir, "data", "files", requests[0] ?? "", "1-text-to-image.png"))).toBe(true);
      const log = await readFile(join(dir, "data", "chat.log"), "utf8");
      const lines = log
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.some((line) => line.msg === "request answered" && typeof line.request === "string")).toBe(
        true,
      );
      expect(log).not.toContain(OPENAI_KEY);
    });
  },
);
