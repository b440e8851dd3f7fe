import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeHuggingFace, startFakeHuggingFace, toneWav } from "../fakes/hf-server.js";
import { type FakeOpenAi, stageOf, startFakeOpenAi } from "../fakes/openai-server.js";
import { runCli } from "../support/cli.js";

const TRANSCRIPT = "the meeting moves to thursday at ten";

interface AskReport {
  request: string;
  plan: Array<{ id: number; task: string; dep: number[]; args: Record<string, string> }>;
  tasks: Array<{
    id: number;
    task: string;
    model: string | null;
    source: string | null;
    status: string;
    ms: number;
    output: Record<string, unknown> | null;
    files: string[];
    error: string | null;
  }>;
  answer: string;
  summary: { tasks: unknown[]; planner: string; catalog: string; notes: string[] };
  files: string[];
  stats: { llmCalls: number; ms: Record<string, number> };
}

describe("hugginggpt-bot ask, end to end through the CLI", () => {
  let llm: FakeOpenAi;
  let hf: FakeHuggingFace;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hgb-ask-"));
    const clip = toneWav(1.2, 330);
    await writeFile(join(dir, "clip.wav"), clip);
    await writeFile(join(dir, "notes.txt"), "just some notes");
    await writeFile(join(dir, "photo.jpg"), "<html>login page</html>");
    const photo = await sharp({ create: { width: 64, height: 48, channels: 3, background: "#3a6" } })
      .jpeg()
      .toBuffer();
    await writeFile(join(dir, "real.jpg"), photo);
    await writeFile(join(dir, "truncated.jpg"), photo.subarray(0, photo.length / 2));
    hf = await startFakeHuggingFace({
      token: "hf_test_token_123",
      models: [
        { id: "openai/whisper-large-v3", pipeline_tag: "automatic-speech-recognition", downloads: 5_000_000 },
        {
          id: "facebook/wav2vec2-base-960h",
          pipeline_tag: "automatic-speech-recognition",
          downloads: 1_000_000,
        },
        { id: "Helsinki-NLP/opus-mt-en-de", pipeline_tag: "translation", downloads: 900_000 },
        { id: "google-t5/t5-base", pipeline_tag: "translation", downloads: 800_000 },
        { id: "facebook/mms-tts-eng", pipeline_tag: "text-to-speech", downloads: 300_000 },
        { id: "facebook/detr-resnet-50", pipeline_tag: "object-detection", downloads: 2_000_000 },
      ],
    });
    hf.setTranscript(clip, TRANSCRIPT);
    llm = await startFakeOpenAi({ apiKey: "sk-test-key-456" });
    env = {
      OPENAI_API_KEY: "sk-test-key-456",
      OPENAI_BASE_URL: `${llm.url}/v1`,
      LLM_MODEL: "fake-gpt",
      HF_TOKEN: "hf_test_token_123",
      HF_INFERENCE_ENDPOINT: hf.url,
      HF_ENDPOINT: hf.url,
      // These tests are about the hosted experts; the local ones have their own.
      INFERENCE_MODE: "hosted",
      LOG_LEVEL: "silent",
    };
  });
  afterAll(async () => {
    await Promise.all([llm.close(), hf.close()]);
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    llm.requests.length = 0;
  });

  it("transcribes, translates and speaks: each result feeds the next task", async () => {
    const request = "transcribe this recording, translate it to German and read it aloud";
    llm.route((body) => {
      switch (stageOf(body)) {
        case "plan":
          return JSON.stringify([
            { id: 1, task: "automatic-speech-recognition", dep: [], args: { audio: "clip.wav" } },
            { id: 2, task: "translation", dep: [1], args: { text: "<GENERATED>-1", language: "de" } },
            { id: 3, task: "text-to-speech", dep: [2], args: { text: "<resource>-2" } },
          ]);
        case "select":
          return JSON.stringify({
            choices: [
              { id: 1, model: "openai/whisper-large-v3", reason: "best English ASR" },
              { id: 2, model: "Helsinki-NLP/opus-mt-en-de", reason: "en→de" },
            ],
          });
        default:
          return "Here is the German translation, read aloud in the attached file.";
      }
    });
    const out = join(dir, "out-chain");
    const run = await runCli(["ask", request, "--file", "clip.wav", "--out", out, "--json"], {
      env,
      cwd: dir,
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as AskReport;
    expect(report.request).toBe(request);
    expect(report.plan.map((task) => [task.id, task.task, task.dep])).toEqual([
      [1, "automatic-speech-recognition", []],
      [2, "translation", [1]],
      [3, "text-to-speech", [2]],
    ]);
    expect(report.plan[1]?.args.text).toBe("<resource>-1");
    expect(report.tasks.map((task) => [task.task, task.status, task.source])).toEqual([
      ["automatic-speech-recognition", "ok", "hosted"],
      ["translation", "ok", "hosted"],
      ["text-to-speech", "ok", "hosted"],
    ]);
    expect(report.tasks[0]?.model).toBe("openai/whisper-large-v3");
    expect(report.tasks[0]?.output).toEqual({ kind: "text", text: TRANSCRIPT });
    const translation = report.tasks[1]?.output?.text as string;
    expect(translation).toContain(TRANSCRIPT);
    // The translation model received the transcript, and the speech model received the translation.
    const translationCall = hf.inferenceCalls("Helsinki-NLP/opus-mt-en-de").at(-1);
    expect(JSON.parse(translationCall?.body.toString("utf8") ?? "{}").inputs).toBe(TRANSCRIPT);
    const speechCall = hf.inferenceCalls("facebook/mms-tts-eng").at(-1);
    expect(JSON.parse(speechCall?.body.toString("utf8") ?? "{}").inputs).toBe(translation);
    expect(speechCall?.authorization).toBe("Bearer hf_test_token_123");
    // The audio is written out and is a real WAV.
    expect(report.files).toHaveLength(1);
    expect(report.tasks[2]?.files).toEqual(report.files);
    const wav = await readFile(report.files[0]!);
    expect(wav.subarray(0, 4).toString("ascii")).toBe("RIFF");
    expect(report.answer).toContain("German");
    expect(report.stats.llmCalls).toBe(llm.requests.length);
    expect(report.stats.llmCalls).toBe(3);
    expect(report.summary.catalog).toBe("hub");
    expect(Object.keys(report.stats.ms).sort()).toEqual(["execute", "plan", "respond", "select", "total"]);
  });

  it("prints the answer, the summary and the files without --json", async () => {
    llm.route((body) => {
      if (stageOf(body) === "plan")
        return '[{"id":1,"task":"object-detection","dep":[],"args":{"image":"real.jpg"}}]';
      return "I found some objects; the annotated photo is attached.";
    });
    const out = join(dir, "out-text");
    const run = await runCli(["ask", "what is in this photo?", "-f", "real.jpg", "-o", out], {
      env,
      cwd: dir,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("I found some objects");
    expect(run.stdout).toContain("object-detection — facebook/detr-resnet-50 [hosted]");
    expect(run.stdout).toContain(join(out, "1-object-detection-annotated.jpg"));
    const annotated = await sharp(await readFile(join(out, "1-object-detection-annotated.jpg"))).metadata();
    expect([annotated.width, annotated.height]).toEqual([64, 48]);
  });

  it("answers small talk with an empty plan as a plain chat reply", async () => {
    llm.route((body) => (stageOf(body) === "plan" ? "[]" : "Hello! Send me a photo or a recording."));
    const run = await runCli(["ask", "hi there", "--json"], { env, cwd: dir });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as AskReport;
    expect(report.plan).toEqual([]);
    expect(report.answer).toBe("Hello! Send me a photo or a recording.");
    expect(report.stats.llmCalls).toBe(2);
  });

  it("explains an unparseable plan after one repair call, on stderr, without a stack", async () => {
    llm.route(() => "Sure! I will first look at the image and then tell you about it.");
    const run = await runCli(["ask", "do something", "--json"], { env, cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toContain("couldn't turn that into a plan");
    expect(run.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    expect(llm.requests).toHaveLength(2);
  });

  it("says which file is missing", async () => {
    const run = await runCli(["ask", "describe", "--file", "nope.png"], { env, cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("hugginggpt-bot: File not found: nope.png\n");
    expect(llm.requests).toHaveLength(0);
  });

  it("refuses a file whose name promises an image but holds a web page", async () => {
    const run = await runCli(["ask", "describe", "--file", "photo.jpg"], { env, cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("photo.jpg is named like an image but its content is a text file");
  });

  it("refuses a truncated photo before any LLM call", async () => {
    const run = await runCli(["ask", "what is here?", "-f", "truncated.jpg", "--json"], { env, cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "hugginggpt-bot: truncated.jpg is not a readable image (the file is truncated or damaged).\n",
    );
    expect(llm.requests).toHaveLength(0);
  });

  it("refuses a folder as --file and a file as --out before any work", async () => {
    const folder = await runCli(["ask", "describe", "--file", "."], { env, cwd: dir });
    expect(folder.code).toBe(1);
    expect(folder.stderr).toBe("hugginggpt-bot: . is a folder, not a file to attach.\n");
    const out = await runCli(["ask", "describe", "--file", "real.jpg", "--out", "notes.txt"], {
      env,
      cwd: dir,
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toBe("hugginggpt-bot: --out notes.txt is a file, not a folder for the results.\n");
    expect(llm.requests).toHaveLength(0);
  });

  it("prints the answer even when its files cannot be written", async () => {
    llm.route((body) => {
      if (stageOf(body) === "plan")
        return '[{"id":1,"task":"object-detection","dep":[],"args":{"image":"real.jpg"}}]';
      return "Objects found.";
    });
    const run = await runCli(["ask", "detect", "-f", "real.jpg", "--out", "notes.txt/sub"], {
      env,
      cwd: dir,
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Objects found.");
    expect(run.stdout).toContain("the result files could not be written");
  });

  it("keeps retries and warnings out of stderr unless LOG_LEVEL asks for them", async () => {
    llm.enqueue({ status: 503, retryAfterSeconds: 0 });
    llm.route((body) => (stageOf(body) === "plan" ? "[]" : "Hi!"));
    const { LOG_LEVEL: _level, ...quiet } = env;
    const run = await runCli(["ask", "hi", "--json"], { env: quiet, cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout).answer).toBe("Hi!");
  });

  it("points at doctor when the LLM cannot be reached, and never echoes a key", async () => {
    const run = await runCli(["ask", "hi"], {
      env: { ...env, OPENAI_BASE_URL: "http://127.0.0.1:9/v1", OPENAI_API_KEY: "sk-proj-abcdef123456" },
      cwd: dir,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("could not be reached");
    expect(run.stderr).toContain("hugginggpt-bot doctor");
    expect(run.stderr).not.toContain("sk-proj-abcdef123456");
  });

  it("answers from the offline rules when no LLM is configured, saying what it can do and how to add one", async () => {
    const run = await runCli(["ask", "hello"], { env: { LOG_LEVEL: "silent" }, cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('I can\'t tell which task "hello" needs without a language model.');
    expect(run.stdout).toContain("set OPENAI_API_KEY");
    expect(run.stdout).toContain("planner: offline rules");
  });

  it("names the invalid variable", async () => {
    const run = await runCli(["ask", "hello"], { env: { ...env, INFERENCE_MODE: "cloud" }, cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("INFERENCE_MODE must be local, local-first, hosted or hybrid");
  });

  it("lists candidates with where they run", async () => {
    const run = await runCli(["models", "asr"], { env, cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("automatic-speech-recognition");
    expect(run.stdout).toMatch(/\[hosted\]\s+openai\/whisper-large-v3/);
    expect(run.stdout.indexOf("whisper-large-v3")).toBeLessThan(run.stdout.indexOf("wav2vec2-base-960h"));
    const unknown = await runCli(["models", "teleportation"], { env, cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Unknown task "teleportation"');
  });

  it("doctor reports what answers, and what is missing with the fix, never a secret", async () => {
    llm.route(() => "OK");
    const healthy = await runCli(["doctor"], { env, cwd: dir });
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toContain("LLM: fake-gpt");
    expect(healthy.stdout).toContain("OPENAI_API_KEY = set");
    expect(healthy.stdout).not.toContain("sk-test-key-456");
    expect(healthy.stdout).not.toContain("hf_test_token_123");
    const bare = await runCli(["doctor"], {
      env: { HF_ENDPOINT: "http://127.0.0.1:9", LOG_LEVEL: "silent" },
      cwd: dir,
    });
    expect(bare.code).toBe(1);
    expect(bare.stdout).toContain("LLM: not configured: requests are planned by the offline rules");
    expect(bare.stdout).toMatch(/ok {7}Local object-detection: local\/human-centernet/);
    expect(bare.stdout).toContain("fix: create a token");
  });
});
