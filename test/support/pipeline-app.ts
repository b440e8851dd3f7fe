/**
 * The whole pipeline in-process, for the integration tests in test/integration/pipeline-*.test.ts:
 * the real composition root (`createApp` with a config from `loadConfig`) wired to the fake OpenAI and
 * Hugging Face servers over 127.0.0.1, so the real `openai` and `@huggingface/inference` clients run.
 *
 * ```ts
 * const harness = await startPipelineHarness({ models: [...] });
 * const app = harness.app({ MODEL_SELECTION: "top" });
 * const result = await app.pipeline.run({ text: "...", inputs: [await harness.image("photo.png")] });
 * await harness.close();   // closes every app it made and both fakes
 * ```
 *
 * A test file that shares one harness across its tests calls `usePipelineHarness(models)` instead.
 */
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { isBotError } from "../../src/errors.js";
import { type App, createApp } from "../../src/main.js";
import { inputFromFile } from "../../src/pipeline/inputs.js";
import type { NamedInput, PipelineResult } from "../../src/pipeline/types.js";
import { createStorage } from "../../src/storage/index.js";
import { type FakeHubModel, type FakeHuggingFace, startFakeHuggingFace } from "../fakes/hf-server.js";
import { type ChatCompletionBody, type FakeOpenAi, startFakeOpenAi } from "../fakes/openai-server.js";

export const OPENAI_KEY = "sk-pipeline-test-key-789";
export const HF_TOKEN = "hf_pipeline_test_token_321";
const MAX_BYTES = 25 * 1024 * 1024;

export interface PipelineHarness {
  llm: FakeOpenAi;
  hf: FakeHuggingFace;
  /** The environment of an app pointed at the fakes, with `extra` on top. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** A fresh app (its own in-memory storage, catalog and limits); closed by `close()`. */
  app(extra?: Record<string, string>): App;
  close(): Promise<void>;
}

export async function startPipelineHarness(
  options: { models?: FakeHubModel[] } = {},
): Promise<PipelineHarness> {
  const llm = await startFakeOpenAi({ apiKey: OPENAI_KEY });
  const hf = await startFakeHuggingFace({ token: HF_TOKEN, models: options.models ?? [] });
  const apps: App[] = [];
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: `${llm.url}/v1`,
    LLM_MODEL: "fake-gpt",
    HF_TOKEN,
    HF_INFERENCE_ENDPOINT: hf.url,
    HF_ENDPOINT: hf.url,
    LOG_LEVEL: "silent",
    TASK_TIMEOUT_SECONDS: "60",
    // The pipeline's tests are about the hosted experts and the LLM; the local experts have their own.
    INFERENCE_MODE: "hosted",
    SAFETY_CHECK: "false",
    ...extra,
  });
  return {
    llm,
    hf,
    env,
    app(extra) {
      const environment = env(extra);
      // In memory, whatever DATA_DIR says: a cache left by another test or run must not answer.
      const app = createApp(loadConfig(environment), { env: environment, storage: createStorage() });
      apps.push(app);
      return app;
    },
    async close() {
      await Promise.all(apps.map((app) => app.close()));
      await Promise.all([llm.close(), hf.close()]);
    },
  };
}

/** The harness of a test file, with the photo its tests send; what `usePipelineHarness` gives. */
export interface SharedPipelineHarness extends PipelineHarness {
  /** `photo.png`, a small real PNG. */
  readonly photo: NamedInput;
}

/**
 * One harness for the tests of the calling file: started before the first test with the Hub listing
 * `models`, closed after the last; its fakes' records (calls, requests, scripted failures) are cleared
 * before each test.
 *
 * ```ts
 * const harness = usePipelineHarness([{ id: DETR, pipeline_tag: "object-detection", downloads: 2_000_000 }]);
 * it("...", async () => {
 *   const result = await harness.app().pipeline.run({ text: "...", inputs: [harness.photo] });
 * });
 * ```
 */
export function usePipelineHarness(models: FakeHubModel[]): SharedPipelineHarness {
  let harness: PipelineHarness | undefined;
  let photo: NamedInput | undefined;
  const started = (): { harness: PipelineHarness; photo: NamedInput } => {
    if (!harness || !photo) throw new Error("the pipeline harness is used outside its tests");
    return { harness, photo };
  };
  beforeAll(async () => {
    harness = await startPipelineHarness({ models });
    photo = await imageInput("photo.png");
  });
  afterAll(async () => {
    await harness?.close();
  });
  beforeEach(() => {
    started().harness.hf.reset();
    started().harness.llm.requests.length = 0;
  });
  return {
    get llm() {
      return started().harness.llm;
    },
    get hf() {
      return started().harness.hf;
    },
    get photo() {
      return started().photo;
    },
    env: (extra) => started().harness.env(extra),
    app: (extra) => started().harness.app(extra),
    close: () => started().harness.close(),
  };
}

/** A small real PNG as a named input, the way an attachment or `--file` becomes one. */
export async function imageInput(name: string, width = 64, height = 48): Promise<NamedInput> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: "#3a6" } })
    .png()
    .toBuffer();
  return inputFromFile(name, bytes, { maxBytes: MAX_BYTES });
}

/** Any bytes as a named input, through the same sniffing as a user's file. */
export function fileInput(name: string, bytes: Uint8Array): NamedInput {
  return inputFromFile(name, bytes, { maxBytes: MAX_BYTES });
}

/** The text of the last message of a chat request (the user's turn). */
export function lastUserContent(body: ChatCompletionBody): string {
  return body.messages.at(-1)?.content ?? "";
}

/** Signs that internals leaked into a string a user reads: a stack frame, a source location. */
const LEAKS: readonly RegExp[] = [
  /^\s*at\s+\S.*(\(|:\d+:\d+)/m,
  /\b[\w./-]+\.(?:ts|js|mjs|cjs):\d+/,
  /node:internal/,
  /\[object Object\]/,
  /\bundefined\b/,
  /Error: .*\n/,
];

/** The message is short, human and free of stack traces. */
export function expectUserFacing(text: string | undefined): void {
  expect(text, "a user-facing message is present").toBeTypeOf("string");
  const value = text ?? "";
  expect(value.trim().length).toBeGreaterThan(0);
  for (const leak of LEAKS) expect(value, `user-facing text must not match ${leak}`).not.toMatch(leak);
}

/** Every string of a result that reaches the user: the answer, each task's error, the summary. */
export function expectResultUserFacing(result: PipelineResult): void {
  expectUserFacing(result.answer);
  for (const task of result.results) if (task.error !== undefined) expectUserFacing(task.error);
  for (const row of result.summary.tasks) if (row.error !== undefined) expectUserFacing(row.error);
  for (const note of result.summary.notes) expectUserFacing(note);
}

/** The rejection of a run, checked to be a BotError with the given code and a clean user message. */
export async function expectBotError(
  run: Promise<unknown>,
  code: string,
): Promise<{ code: string; userMessage: string; message: string }> {
  const error: unknown = await run.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isBotError(error), `the run rejects with a BotError (got ${String(error)})`).toBe(true);
  if (!isBotError(error)) throw new Error("unreachable");
  expect(error.code).toBe(code);
  expectUserFacing(error.userMessage);
  return { code: error.code, userMessage: error.userMessage, message: error.message };
}
