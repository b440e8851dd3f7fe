/**
 * The right expert for each request, with the real local programs (pocketsphinx, espeak-ng) and the
 * fake LLM and Hugging Face servers: a German recording goes to Whisper in hybrid mode and is refused
 * by name in local mode, German text is spoken with espeak-ng's German voice, an English recording
 * stays on this machine in local-first mode, and a word list is never asked for labels it lacks.
 */
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NamedInput, PipelineResult } from "../../src/pipeline/types.js";
import { startFakeHuggingFace, wavFromSamples } from "../fakes/hf-server.js";
import { stageOf } from "../fakes/openai-server.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";

const WHISPER = "openai/whisper-large-v3";
const SENTIMENT = "distilbert/distilbert-base-uncased-finetuned-sst-2-english";
const SPAM = "mrm8488/bert-tiny-finetuned-sms-spam-detection";
const GERMAN = "Guten Morgen, wie geht es dir heute? Wir treffen uns am Donnerstag um zehn Uhr.";

let harness: PipelineHarness;
let germanSpeech: Uint8Array;
let englishSpeech: Uint8Array;

/** espeak-ng's own output for a text in a voice: what the bot's text-to-speech must produce. */
function espeak(text: string, voice?: string): Buffer {
  const run = spawnSync("espeak-ng", ["--stdout", "--stdin", "-b", "1", ...(voice ? ["-v", voice] : [])], {
    input: text,
  });
  if (run.status !== 0) throw new Error(`espeak-ng failed: ${run.stderr.toString()}`);
  return run.stdout;
}

const audioInput = (name: string, bytes: Uint8Array): NamedInput => ({
  name,
  origin: "attachment",
  resource: { kind: "audio", mime: "audio/wav", bytes, name },
});

/** The fake LLM plans exactly this, and answers "done" at the respond stage. */
function planAs(tasks: unknown[]): void {
  harness.llm.route((body) => (stageOf(body) === "plan" ? JSON.stringify(tasks) : "done"));
}

const transcribe = (language?: string) => [
  {
    id: 1,
    task: "automatic-speech-recognition",
    dep: [],
    args: { audio: "sprachnachricht.wav", ...(language ? { language } : {}) },
  },
];

function attemptsOf(result: PipelineResult): string[][] {
  return (result.results[0]?.attempts ?? []).map((attempt) => [
    attempt.source,
    attempt.model,
    attempt.passedOver ? `passed over: ${attempt.error}` : (attempt.error ?? "ok"),
  ]);
}

beforeAll(async () => {
  harness = await startPipelineHarness({
    models: [
      { id: WHISPER, pipeline_tag: "automatic-speech-recognition", downloads: 5_000_000 },
      {
        id: SENTIMENT,
        pipeline_tag: "text-classification",
        downloads: 3_000_000,
        tags: ["en", "dataset:sst2"],
      },
      { id: SPAM, pipeline_tag: "text-classification", downloads: 100_000, tags: ["en", "spam"] },
    ],
  });
  // A German voice note (espeak-ng's German voice: synthetic, but German speech all the same).
  germanSpeech = espeak(GERMAN, "de");
  const raw = await readFile("/usr/share/pocketsphinx/test/data/goforward.raw");
  englishSpeech = new Uint8Array(wavFromSamples(new Int16Array(new Uint8Array(raw).buffer), 16_000));
});

afterAll(async () => {
  await harness?.close();
});

describe("speech in another language than the local recognizer's", () => {
  it("hybrid with a token: German speech goes to Whisper, planned as German or not", async () => {
    for (const language of ["de", undefined]) {
      planAs(transcribe(language));
      const app = harness.app({ INFERENCE_MODE: "hybrid", MODEL_SELECTION: "top" });
      const result = await app.pipeline.run({
        text: "what does this German voice note say?",
        inputs: [audioInput("sprachnachricht.wav", germanSpeech)],
      });
      expect(result.results[0]).toMatchObject({ status: "ok", source: "hosted", model: WHISPER });
      // The English-only recognizer is never run on it.
      expect(attemptsOf(result).filter(([source]) => source === "local")).toEqual([]);
    }
  }, 60_000);

  it("local mode: German speech is refused with a message naming German and what to configure", async () => {
    planAs(transcribe("German"));
    const callsBefore = harness.hf.inferenceCalls().length;
    const app = harness.app({ INFERENCE_MODE: "local", MODEL_SELECTION: "top" });
    const result = await app.pipeline.run({
      text: "transcribe this German voice note",
      inputs: [audioInput("sprachnachricht.wav", germanSpeech)],
    });
    const [task] = result.results;
    expect(task?.status).toBe("failed");
    expect(task?.error).toBe(
      "no expert here can do Automatic Speech Recognition on German speech (local/pocketsphinx-en-us: English only). INFERENCE_MODE=local keeps every task on this machine: set INFERENCE_MODE=hybrid with HF_TOKEN, or LOCAL_INFERENCE_ENDPOINT, for a model that can.",
    );
    expect(result.summary.tasks[0]).toMatchObject({ model: null, status: "failed" });
    // Nothing was sent out.
    expect(harness.hf.inferenceCalls()).toHaveLength(callsBefore);
  }, 60_000);

  it("local-first: an English recording stays on this machine; German passes over it to Whisper, and the summary says so", async () => {
    planAs(transcribe());
    const app = harness.app({ INFERENCE_MODE: "local-first", MODEL_SELECTION: "top" });
    const english = await app.pipeline.run({
      text: "transcribe this",
      inputs: [audioInput("sprachnachricht.wav", englishSpeech)],
    });
    expect(english.results[0]).toMatchObject({
      status: "ok",
      source: "local",
      model: "local/pocketsphinx-en-us",
    });
    expect(english.results[0]?.output).toEqual({ kind: "text", text: "go forward ten meters" });

    planAs(transcribe("de"));
    const german = await app.pipeline.run({
      text: "transcribe this German voice note",
      inputs: [audioInput("sprachnachricht.wav", germanSpeech)],
    });
    expect(attemptsOf(german)).toEqual([
      ["local", "local/pocketsphinx-en-us", "passed over: English only"],
      ["hosted", WHISPER, "ok"],
    ]);
    expect(german.summary.notes).toContain(
      "Task 1 (automatic-speech-recognition) passed over local/pocketsphinx-en-us: English only.",
    );
  }, 60_000);
});

describe("text in another language", () => {
  it("local mode: a German text is read aloud with espeak-ng's German voice (its language detected)", async () => {
    planAs([{ id: 1, task: "text-to-speech", dep: [], args: { text: GERMAN } }]);
    const app = harness.app({ INFERENCE_MODE: "local", MODEL_SELECTION: "top" });
    const result = await app.pipeline.run({ text: `read this aloud: ${GERMAN}`, inputs: [] });
    const [task] = result.results;
    expect(task).toMatchObject({ status: "ok", source: "local", model: "local/espeak-ng" });
    const audio = task?.output?.kind === "audio" ? task.output.bytes : new Uint8Array();
    // The samples after the header, byte for byte espeak-ng's German voice, not its English one.
    expect(Buffer.from(audio.subarray(44)).equals(espeak(GERMAN, "de").subarray(44))).toBe(true);
    expect(Buffer.from(audio.subarray(44)).equals(espeak(GERMAN).subarray(44))).toBe(false);
  }, 60_000);

  it("the English word list is passed over for German text and for labels it does not have", async () => {
    const classify = (text: string, labels?: string) => [
      { id: 1, task: "text-classification", dep: [], args: { text, ...(labels ? { labels } : {}) } },
    ];
    const local = harness.app({ INFERENCE_MODE: "local", MODEL_SELECTION: "top" });
    planAs(classify("Die Pizza war kalt und der Fahrer war unhöflich."));
    const german = await local.pipeline.run({ text: "ist das positiv?", inputs: [] });
    expect(german.results[0]?.error).toContain("on German text (local/sentiment-afinn: English only)");
    planAs(classify("WIN a FREE cruise!!! reply YES now", "spam, not spam"));
    const spam = await local.pipeline.run({ text: "is this spam?", inputs: [] });
    expect(spam.results[0]?.error).toContain(
      "on English text with the labels “spam, not spam” (local/sentiment-afinn: only tells whether a text is positive, negative or neutral (positive, negative, neutral))",
    );
    // With hosted models, the spam classifier answers; the sentiment models (hosted and local) are passed over.
    const hybrid = harness.app({ INFERENCE_MODE: "hybrid", MODEL_SELECTION: "top" });
    const hosted = await hybrid.pipeline.run({ text: "is this spam?", inputs: [] });
    expect(hosted.results[0]).toMatchObject({ status: "ok", source: "hosted", model: SPAM });
    expect(attemptsOf(hosted)[0]).toEqual([
      "hosted",
      SENTIMENT,
      "passed over: only tells whether a text is positive, negative or neutral",
    ]);
  }, 60_000);
});

describe("the operator's own model server", () => {
  it("local mode with LOCAL_INFERENCE_ENDPOINT: German speech goes to Whisper on that server", async () => {
    const endpoint = await startFakeHuggingFace({ models: [] });
    try {
      planAs(transcribe("de"));
      const app = harness.app({
        INFERENCE_MODE: "local",
        MODEL_SELECTION: "top",
        HUB_CATALOG: "false",
        LOCAL_INFERENCE_ENDPOINT: endpoint.url,
      });
      const result = await app.pipeline.run({
        text: "transcribe this German voice note",
        inputs: [audioInput("sprachnachricht.wav", germanSpeech)],
      });
      expect(result.results[0]).toMatchObject({ status: "ok", source: "endpoint", model: WHISPER });
    } finally {
      await endpoint.close();
    }
  }, 60_000);
});
