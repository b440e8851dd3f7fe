/**
 * The embedded default end to end: the real bin with no keys answers about a real photo with the
 * experts on this machine (offline rules, Human, espeak-ng); hybrid mode falls back to the hosted fake
 * for a task no local expert serves, and after a hosted model fails for one that a local runner serves
 * in part; LOCAL_INFERENCE_ENDPOINT is tried before Hugging Face; local mode refuses what it cannot
 * run, clearly. Real models and Debian's photos (apt: darknet, espeak-ng).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeHuggingFace, startFakeHuggingFace } from "../fakes/hf-server.js";
import { stageOf } from "../fakes/openai-server.js";
import { runCli } from "../support/cli.js";
import { textImage } from "../support/images.js";
import { fileInput, type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";

const DOG = "/usr/share/darknet/data/dog.jpg";
const SD = "stabilityai/stable-diffusion-xl-base-1.0";
const BLIP = "Salesforce/blip-image-captioning-large";

let dir: string;
let harness: PipelineHarness;
let endpoint: FakeHuggingFace;

/** Seconds of sound in a PCM WAV, from its header. */
function wavSeconds(bytes: Buffer): number {
  const byteRate = bytes.readUInt32LE(28);
  const dataAt = bytes.indexOf("data", 12, "latin1");
  return bytes.readUInt32LE(dataAt + 4) / byteRate;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "local-experts-"));
  harness = await startPipelineHarness({
    models: [
      { id: SD, pipeline_tag: "text-to-image", downloads: 2_000_000 },
      { id: BLIP, pipeline_tag: "image-to-text", downloads: 1_000_000 },
    ],
  });
  endpoint = await startFakeHuggingFace({ models: [] });
});

afterAll(async () => {
  await harness?.close();
  await endpoint?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("with no keys: the offline rules and the experts on this machine", () => {
  it("answers 'what is in this photo? read the answer aloud' with detection, then speech of its text", async () => {
    const out = join(dir, "out");
    const run = await runCli(
      ["ask", "what is in this photo? read the answer aloud", "--file", DOG, "--out", out, "--json"],
      { env: { LOG_LEVEL: "silent", DATA_DIR: join(dir, "data") }, cwd: dir, timeoutMs: 60_000 },
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      answer: string;
      summary: { planner: string };
      tasks: Array<{ id: number; task: string; model: string; source: string; status: string }>;
      files: string[];
    };
    expect(result.summary.planner).toBe("offline rules");
    expect(result.tasks.map((task) => [task.task, task.model, task.source, task.status])).toEqual([
      ["object-detection", "local/human-centernet", "local", "ok"],
      ["text-to-speech", "local/espeak-ng", "local", "ok"],
    ]);
    expect(result.answer).toMatch(/I found \d+ objects?: .*dog \(0\.\d\d\)/);
    expect(result.answer).toContain("The annotated image is attached.");
    const wav = result.files.find((file) => file.endsWith(".wav"));
    const annotated = result.files.find((file) => file.includes("object-detection-annotated"));
    expect(wav && annotated).toBeTruthy();
    // The speech reads the detection's text: a few seconds, not a blip.
    expect(wavSeconds(await readFile(wav!))).toBeGreaterThan(1);
    expect((await sharp(await readFile(annotated!)).metadata()).width).toBe(768);
  }, 90_000);

  it("answers 'is this ok to post in #general?' with the safety classifier: its classes and a plain verdict", async () => {
    const run = await runCli(["ask", "is this ok to post in #general?", "--file", DOG, "--json"], {
      env: { LOG_LEVEL: "silent", DATA_DIR: join(dir, "data") },
      cwd: dir,
      timeoutMs: 60_000,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      answer: string;
      plan: Array<{ task: string; args: Record<string, string> }>;
      tasks: Array<{ task: string; model: string; source: string; status: string; output: unknown }>;
    };
    expect(result.plan).toEqual([
      expect.objectContaining({
        task: "image-classification",
        args: expect.objectContaining({ labels: "safe to share, not safe to share" }),
      }),
    ]);
    expect(result.tasks.map((task) => [task.task, task.model, task.source, task.status])).toEqual([
      ["image-classification", "local/nsfwjs-mobilenet-v2", "local", "ok"],
    ]);
    expect(result.answer).toMatch(/^Safe to share \(Neutral 0\.\d\d, \w+ 0\.\d\d\)\.$/);
  }, 90_000);

  it("says what it can do without a language model when a request does not map to a local expert", async () => {
    const run = await runCli(["ask", "write me a poem about the sea"], {
      env: { LOG_LEVEL: "silent", DATA_DIR: join(dir, "data") },
      cwd: dir,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Writing a text from a prompt (text generation) cannot run here");
    expect(run.stdout).toContain("Set HF_TOKEN");
    expect(run.stdout).toContain('"what is in this photo?"');
    expect(run.stdout).toContain("OPENAI_API_KEY");
  });
});

describe("hybrid and local modes with an LLM", () => {
  it("hybrid: a task no local expert serves goes to Hugging Face, and so does detection (DETR is stronger); local-first keeps detection here", async () => {
    harness.llm.route((body) =>
      stageOf(body) === "plan"
        ? JSON.stringify([
            { id: 1, task: "text-to-image", dep: [], args: { text: "a red bicycle" } },
            { id: 2, task: "object-detection", dep: [1], args: { image: "<resource>-1" } },
          ])
        : "Here is a red bicycle.",
    );
    const request = { text: "draw a red bicycle and find the objects in it", inputs: [] };
    const hybrid = await harness
      .app({ INFERENCE_MODE: "hybrid", MODEL_SELECTION: "top" })
      .pipeline.run(request);
    expect(hybrid.results.map((task) => [task.task, task.source, task.status])).toEqual([
      ["text-to-image", "hosted", "ok"],
      ["object-detection", "hosted", "ok"],
    ]);
    expect(harness.hf.inferenceCalls(SD)).toHaveLength(1);
    const localFirst = await harness
      .app({ INFERENCE_MODE: "local-first", MODEL_SELECTION: "top" })
      .pipeline.run(request);
    expect(localFirst.results.map((task) => [task.task, task.source, task.status])).toEqual([
      ["text-to-image", "hosted", "ok"],
      ["object-detection", "local", "ok"],
    ]);
    expect(localFirst.summary.tasks[1]?.model).toBe("local/human-centernet");
  }, 60_000);

  it("hybrid: OCR answers image-to-text only after the hosted captioner failed", async () => {
    harness.llm.route((body) =>
      stageOf(body) === "plan"
        ? JSON.stringify([{ id: 1, task: "image-to-text", dep: [], args: { image: "sign.png" } }])
        : "The sign says OPEN DAILY.",
    );
    harness.hf.failNext(BLIP, { kind: "error", status: 500 }, 5);
    const app = harness.app({ INFERENCE_MODE: "hybrid", MODEL_SELECTION: "top" });
    const sign = fileInput("sign.png", await textImage(["OPEN DAILY"], 64));
    const result = await app.pipeline.run({ text: "what does this sign say?", inputs: [sign] });
    const [task] = result.results;
    expect(task?.attempts.map((attempt) => [attempt.source, attempt.model])).toEqual([
      ["hosted", BLIP],
      ["local", "local/tesseract-eng"],
    ]);
    expect(task?.status).toBe("ok");
    expect(task?.output).toEqual({ kind: "text", text: "OPEN DAILY" });
  }, 60_000);

  it("hybrid without an LLM: 'read the text' goes to OCR first, not to the hosted captioner", async () => {
    const app = harness.app({
      INFERENCE_MODE: "hybrid",
      OPENAI_API_KEY: "",
      OPENAI_BASE_URL: "https://api.openai.com/v1",
    });
    expect(app.llm).toBeUndefined();
    const captions = harness.hf.inferenceCalls(BLIP).length;
    const sign = fileInput("sign.png", await textImage(["OPEN DAILY"], 64));
    const result = await app.pipeline.run({ text: "read the text in this image", inputs: [sign] });
    expect(result.results[0]?.attempts.map((attempt) => attempt.model)).toEqual(["local/tesseract-eng"]);
    expect(result.answer).toContain("The text in the image reads");
    expect(result.answer).toContain("OPEN DAILY");
    expect(harness.hf.inferenceCalls(BLIP).length).toBe(captions);
  }, 60_000);

  it("tries LOCAL_INFERENCE_ENDPOINT before Hugging Face and says so in the summary", async () => {
    harness.llm.route((body) =>
      stageOf(body) === "plan"
        ? JSON.stringify([{ id: 1, task: "text-to-image", dep: [], args: { text: "a kite" } }])
        : "A kite.",
    );
    const hostedBefore = harness.hf.inferenceCalls(SD).length;
    const app = harness.app({
      INFERENCE_MODE: "hybrid",
      MODEL_SELECTION: "top",
      LOCAL_INFERENCE_ENDPOINT: endpoint.url,
    });
    const result = await app.pipeline.run({ text: "draw a kite", inputs: [] });
    expect(result.summary.tasks[0]).toMatchObject({ source: "endpoint", model: SD, status: "ok" });
    expect(endpoint.inferenceCalls(SD)).toHaveLength(1);
    expect(harness.hf.inferenceCalls(SD).length).toBe(hostedBefore);
  }, 60_000);

  it("local: refuses a task no local expert serves, clearly, and calls nothing outside", async () => {
    harness.llm.route((body) =>
      stageOf(body) === "plan"
        ? JSON.stringify([{ id: 1, task: "text-to-image", dep: [], args: { text: "a cat" } }])
        : "I could not draw it here.",
    );
    const calls = harness.hf.inferenceCalls().length;
    const app = harness.app({ INFERENCE_MODE: "local", MODEL_SELECTION: "top" });
    const result = await app.pipeline.run({ text: "draw a cat", inputs: [] });
    expect(result.results[0]).toMatchObject({ status: "failed" });
    expect(result.results[0]?.error).toBe(
      "no local expert can run Text-to-Image and INFERENCE_MODE=local forbids hosted models",
    );
    expect(harness.hf.inferenceCalls().length).toBe(calls);
  });

  it("local without an LLM: the offline rules say why a task cannot run", async () => {
    const app = harness.app({
      INFERENCE_MODE: "local",
      OPENAI_API_KEY: "",
      OPENAI_BASE_URL: "https://api.openai.com/v1",
    });
    expect(app.llm).toBeUndefined();
    const result = await app.pipeline.run({ text: "translate good morning into German", inputs: [] });
    expect(result.answer).toMatch(
      /^Translating a text cannot run here: no expert on this machine does it\. INFERENCE_MODE=local keeps every task on this machine\./,
    );
    expect(result.summary.planner).toBe("offline rules");
  });
});
