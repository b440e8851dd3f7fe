/**
 * The image safety check fails closed: on an installation where the classifier cannot run (its
 * package did not install, or its model is damaged), the bot run through its real bin withholds the
 * image it made and says why and how to enable the check; only SAFETY_CHECK=false posts it unchecked.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeHuggingFace, startFakeHuggingFace } from "../fakes/hf-server.js";
import { type FakeOpenAi, stageOf, startFakeOpenAi } from "../fakes/openai-server.js";
import { runCli } from "../support/cli.js";
import { copyInstallation, type InstallationCopy } from "../support/installation.js";

const SD = "stabilityai/stable-diffusion-xl-base-1.0";

interface AskReport {
  summary: { notes: string[] };
  files: string[];
  tasks: Array<{ task: string; status: string }>;
}

let llm: FakeOpenAi;
let hf: FakeHuggingFace;
let dir: string;
let env: Record<string, string>;
const copies: InstallationCopy[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "hgb-safety-"));
  hf = await startFakeHuggingFace({
    token: "hf_safety_token",
    models: [{ id: SD, pipeline_tag: "text-to-image", downloads: 2_000_000 }],
  });
  llm = await startFakeOpenAi({ apiKey: "sk-safety-key" });
  llm.route((body) =>
    stageOf(body) === "plan"
      ? JSON.stringify([{ id: 1, task: "text-to-image", dep: [], args: { text: "a red bicycle" } }])
      : "Here is a red bicycle.",
  );
  env = {
    OPENAI_API_KEY: "sk-safety-key",
    OPENAI_BASE_URL: `${llm.url}/v1`,
    LLM_MODEL: "fake-gpt",
    HF_TOKEN: "hf_safety_token",
    HF_INFERENCE_ENDPOINT: hf.url,
    HF_ENDPOINT: hf.url,
    MODEL_SELECTION: "top",
    LOG_LEVEL: "silent",
    DATA_DIR: join(dir, "data"),
  };
});

afterAll(async () => {
  await Promise.all([llm.close(), hf.close(), ...copies.map((copy) => copy.remove())]);
  await rm(dir, { recursive: true, force: true });
});

async function ask(copy: InstallationCopy, extra: Record<string, string> = {}): Promise<AskReport> {
  const run = await runCli(["ask", "draw a red bicycle", "--json", "--out", join(dir, "out")], {
    env: { ...env, ...extra },
    cwd: dir,
    bin: copy.bin,
    timeoutMs: 60_000,
  });
  expect(run.stderr).toBe("");
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as AskReport;
}

describe("an installation where the safety classifier cannot run", () => {
  it("without nsfwjs: the image is withheld with a note that says why and how to enable the check", async () => {
    const copy = await copyInstallation({ without: ["nsfwjs"] });
    copies.push(copy);
    const report = await ask(copy);
    expect(report.tasks).toEqual([expect.objectContaining({ task: "text-to-image", status: "ok" })]);
    expect(report.files.filter((file) => file.endsWith(".png"))).toEqual([]);
    expect(report.summary.notes).toContain(
      "The image 1-text-to-image.png (task 1) was withheld by the safety check: the check cannot run here (nsfwjs not installed; to enable it: npm ci --include=optional (it installs nsfwjs, @tensorflow/tfjs-core, @tensorflow/tfjs-backend-wasm); SAFETY_CHECK=false posts images unchecked).",
    );
    // SAFETY_CHECK=false is the one way to post it unchecked.
    const unchecked = await ask(copy, { SAFETY_CHECK: "false" });
    expect(unchecked.files.filter((file) => file.endsWith(".png"))).toHaveLength(1);
    expect(unchecked.summary.notes.join(" ")).not.toContain("withheld");
  }, 120_000);

  it("with its model damaged: the image is withheld, saying it could not be checked", async () => {
    const copy = await copyInstallation({
      damaged: {
        "nsfwjs/dist/esm/models/mobilenet_v2.js": 'throw new Error("the model file is damaged");\n',
        "nsfwjs/dist/cjs/models/mobilenet_v2.js": 'throw new Error("the model file is damaged");\n',
      },
    });
    copies.push(copy);
    const report = await ask(copy);
    expect(report.files.filter((file) => file.endsWith(".png"))).toEqual([]);
    const note = report.summary.notes.find((text) => text.includes("withheld by the safety check"));
    expect(note).toMatch(
      /^The image 1-text-to-image\.png \(task 1\) was withheld by the safety check: it could not be checked \(.*the model file is damaged.*; SAFETY_CHECK=false posts images unchecked\)\.$/,
    );
  }, 120_000);

  it("doctor says images will be withheld and how to enable the check", async () => {
    const copy = copies[0] ?? (await copyInstallation({ without: ["nsfwjs"] }));
    const run = await runCli(["doctor"], { env: { LOG_LEVEL: "silent" }, cwd: dir, bin: copy.bin });
    expect(run.stdout).toMatch(
      /Image safety check.*cannot run \(nsfwjs not installed\): images the bot makes are withheld/,
    );
  }, 60_000);
});
