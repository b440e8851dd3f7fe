import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeHuggingFace, startFakeHuggingFace } from "../fakes/hf-server.js";
import { type FakeOpenAi, stageOf, startFakeOpenAi } from "../fakes/openai-server.js";

const BIN = fileURLToPath(new URL("../../src/bin.mjs", import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real bin with `input` piped to its standard input (closed after it, as a script's pipe
 * is), with exactly the environment given plus PATH and HOME.
 */
function runWithInput(
  args: string[],
  input: string | undefined,
  options: { env: Record<string, string>; cwd: string; timeoutMs?: number },
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    if (input !== undefined) child.stdin?.end(input);
    const timeoutMs = options.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the CLI did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The paths listed under "Files:" in a transcript, in order. */
function listedFiles(stdout: string): string[] {
  return [...stdout.matchAll(/^Files:\n((?: {2}.+\n?)+)/gm)].flatMap((match) =>
    (match[1] ?? "")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== ""),
  );
}

describe("hugginggpt-bot chat, driven over standard input", () => {
  let llm: FakeOpenAi;
  let hf: FakeHuggingFace;
  let dir: string;
  let env: Record<string, string>;
  /** The user message of every planning call, in order. */
  let planned: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hgb-chat-cli-"));
    llm = await startFakeOpenAi({ apiKey: "sk-chat-test-1234" });
    hf = await startFakeHuggingFace({
      models: [
        { id: "stabilityai/stable-diffusion-xl-base-1.0", pipeline_tag: "text-to-image", downloads: 10 },
        { id: "facebook/detr-resnet-50", pipeline_tag: "object-detection", downloads: 10 },
        { id: "Salesforce/blip-image-captioning-large", pipeline_tag: "image-to-text", downloads: 10 },
      ],
    });
    // Plans follow the request and the conversation the planner is shown.
    llm.route((body) => {
      const stage = stageOf(body);
      if (stage !== "plan") return stage === "chat" ? "Hello! What shall I make?" : "Here you are.";
      const user = body.messages.at(-1)?.content ?? "";
      planned.push(user);
      const request = user.split("\n").at(-1) ?? "";
      const earlier = /turn\d+-1-text-to-image\.png/.exec(user)?.[0];
      if (/draw a cat/.test(request)) {
        return JSON.stringify([{ id: 1, task: "text-to-image", dep: [], args: { text: "a cat" } }]);
      }
      if (/image you made/.test(request) && earlier) {
        return JSON.stringify([{ id: 1, task: "object-detection", dep: [], args: { image: earlier } }]);
      }
      if (/attached photo/.test(request)) {
        const attached = /[\w-]+\.png/.exec(request)?.[0] ?? "photo.png";
        return JSON.stringify([{ id: 1, task: "image-to-text", dep: [], args: { image: attached } }]);
      }
      return "[]";
    });
    env = {
      OPENAI_API_KEY: "sk-chat-test-1234",
      OPENAI_BASE_URL: `${llm.url}/v1`,
      HF_INFERENCE_ENDPOINT: hf.url,
      HF_ENDPOINT: hf.url,
      INFERENCE_MODE: "hosted",
      MODEL_SELECTION: "top",
      DATA_DIR: join(dir, "data"),
      LOG_LEVEL: "silent",
    };
  });
  afterAll(async () => {
    await Promise.all([llm.close(), hf.close()]);
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    planned = [];
  });

  it("answers two piped requests, the second using the first one's image, and exits 0", async () => {
    const run = await runWithInput(["chat"], "draw a cat\ndetect the objects in the image you made\n", {
      env,
      cwd: dir,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(planned).toHaveLength(2);
    expect(planned[1]).toContain("turn1-1-text-to-image.png");
    expect(run.stdout).toContain("text-to-image — stabilityai/stable-diffusion-xl-base-1.0 [hosted]");
    expect(run.stdout).toContain("object-detection — facebook/detr-resnet-50 [hosted]");
    // Result files are written under DATA_DIR/files/<request id>/, and their paths printed.
    const files = listedFiles(run.stdout);
    expect(files.map((file) => file.split("/").at(-1))).toEqual([
      "1-text-to-image.png",
      "1-object-detection-annotated.png",
    ]);
    for (const file of files) {
      expect(file).toMatch(/^data\/files\/\d{8}-\d{6}-[0-9a-f]{6}\/1-/);
      expect(existsSync(join(dir, file))).toBe(true);
    }
    expect((await readdir(join(dir, "data", "files"))).length).toBe(2);
    // Progress without a terminal: plain lines, no escape sequences.
    expect(run.stdout).not.toContain("\u001b[");
  });

  it("continues the same conversation in a later chat process", async () => {
    const run = await runWithInput(["chat"], "detect the objects in the image you made\n", { env, cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(planned).toHaveLength(1);
    expect(planned[0]).toContain("turn1-1-text-to-image.png");
    expect(planned[0]).toContain("draw a cat");
    expect(run.stdout).toContain("object-detection — facebook/detr-resnet-50 [hosted]");
  });

  it("forgets the conversation on `forget`, for this process and the next", async () => {
    const first = await runWithInput(["chat"], "forget\ndetect the objects in the image you made\n", {
      env,
      cwd: dir,
    });
    expect(first.code).toBe(0);
    expect(first.stdout.toLowerCase()).toContain("forg");
    expect(planned).toHaveLength(1);
    expect(planned[0]).not.toContain("turn1-1-text-to-image.png");
    expect(planned[0]).not.toContain("draw a cat");

    planned = [];
    const second = await runWithInput(["chat"], "/forget\nhello there\n", { env, cwd: dir });
    expect(second.code).toBe(0);
    expect(planned).toHaveLength(1);
    expect(planned[0]).not.toContain("turn1-");
    expect(second.stdout).toContain("Hello! What shall I make?");
  });

  it("attaches a file with /attach for the next request", async () => {
    const photo = await sharp({ create: { width: 32, height: 24, channels: 3, background: "#48c" } })
      .png()
      .toBuffer();
    await writeFile(join(dir, "photo.png"), photo);
    const run = await runWithInput(["chat"], "/attach photo.png\ncaption the attached photo.png\n", {
      env,
      cwd: dir,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Attached photo.png");
    expect(planned[0]).toContain("photo.png");
    expect(run.stdout).toContain("image-to-text — Salesforce/blip-image-captioning-large [hosted] — ");
    expect(run.stdout).toMatch(/image-to-text .* ok/);
  });

  it("refuses a missing and an oversized attachment with a clear message, and goes on", async () => {
    await writeFile(join(dir, "big.png"), new Uint8Array(2.5 * 1024 * 1024));
    const run = await runWithInput(
      ["chat"],
      "/attach missing.png\n/attach big.png\nhello after the bad files\n",
      { env: { ...env, MAX_FILE_MB: "1" }, cwd: dir },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("File not found: missing.png. Nothing was attached.");
    expect(run.stdout).toContain("big.png is too large (2.5 MB; the limit is 1 MB)");
    expect(run.stdout).toContain("Hello! What shall I make?");
    expect(planned).toHaveLength(1);
    expect(planned[0]).not.toContain("big.png");
  });

  it("slows a script over the rate limit down instead of dropping its lines", async () => {
    const run = await runWithInput(["chat"], "hello one\nhello two\n", {
      env: {
        ...env,
        DATA_DIR: join(dir, "data-rate"),
        RATE_LIMIT_REQUESTS: "1",
        RATE_LIMIT_WINDOW_SECONDS: "1",
      },
      cwd: dir,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("my limit per person");
    expect(run.stdout).toContain("(Sending it again in 1 second.)");
    expect(run.stdout.match(/Hello! What shall I make\?/g)).toHaveLength(2);
    expect(planned).toHaveLength(2);
  });
});
