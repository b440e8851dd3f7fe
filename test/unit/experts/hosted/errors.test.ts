import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { isAbortError } from "../../../../src/errors.js";
import {
  errorMessageOf,
  expertErrorFromStatus,
  parseRetryAfter,
} from "../../../../src/experts/hosted/errors.js";
import { createHostedBackend, type HostedBackend } from "../../../../src/experts/hosted/index.js";
import { type ExpertArgs, ExpertError } from "../../../../src/experts/types.js";
import type { TaskName } from "../../../../src/tasks/index.js";
import { type FakeHuggingFace, startFakeHuggingFace } from "../../../fakes/hf-server.js";
import { hubModels, MODEL_FOR, pngImage, signal, TOKEN, text, wavAudio } from "./fixtures.js";

let hf: FakeHuggingFace;
let backend: HostedBackend;

beforeAll(async () => {
  hf = await startFakeHuggingFace({ models: hubModels(), token: TOKEN });
  backend = createHostedBackend({ token: TOKEN, endpointUrl: hf.url });
});
afterAll(() => hf.close());
beforeEach(() => hf.reset());

function run(task: TaskName, args: ExpertArgs, runSignal: AbortSignal = signal(), using = backend) {
  const expert = using.expert(task, MODEL_FOR[task]);
  if (!expert) throw new Error(`no expert for ${task}`);
  return expert.run(args, { signal: runSignal });
}

async function failure(promise: Promise<unknown>): Promise<ExpertError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ExpertError)) throw new Error(`expected an ExpertError, got ${String(error)}`);
  return error;
}

const summarize = () => run("summarization", { text: text("A long text. With two sentences.") });
const model = MODEL_FOR.summarization;

describe("hosted errors as ExpertError", () => {
  it("503 loading → loading with the estimated time, and no retry loop in the client", async () => {
    hf.failNext(model, { kind: "loading", estimatedTime: 2.5 }, 5);
    const error = await failure(summarize());
    expect(error).toMatchObject({ reason: "loading", retryAfterMs: 2500, status: 503 });
    expect(error.message).toContain("is loading");
    expect(hf.inferenceCalls(model)).toHaveLength(1);
  });

  it("429 → rate_limited with Retry-After", async () => {
    hf.failNext(model, { kind: "rate_limited", retryAfterSeconds: 3 });
    expect(await failure(summarize())).toMatchObject({
      reason: "rate_limited",
      retryAfterMs: 3000,
      status: 429,
    });
  });

  it("500 → failed, with the server's words and never the token", async () => {
    hf.failNext(model, { kind: "error", status: 500, message: "CUDA out of memory" });
    const error = await failure(summarize());
    expect(error).toMatchObject({ reason: "failed", status: 500 });
    expect(error.message).toContain("CUDA out of memory");
    expect(error.message).not.toContain(TOKEN);
  });

  it("400 and 422 → bad_input", async () => {
    hf.failNext(model, { kind: "error", status: 422, message: "inputs too long" });
    expect(await failure(summarize())).toMatchObject({ reason: "bad_input", status: 422 });
    const garbage = {
      kind: "image" as const,
      mime: "image/png",
      bytes: new TextEncoder().encode("not a png"),
      name: "x.png",
    };
    const error = await failure(run("image-classification", { image: garbage }));
    expect(error).toMatchObject({ reason: "bad_input", status: 400 });
    expect(error.message).toContain("cannot identify image file");
  });

  it("maps the raw calls (depth, text2text, text-to-video) the same way", async () => {
    const image = await pngImage();
    hf.failNext(MODEL_FOR["depth-estimation"], { kind: "loading", estimatedTime: 7 });
    expect(await failure(run("depth-estimation", { image }))).toMatchObject({
      reason: "loading",
      retryAfterMs: 7000,
    });
    hf.failNext(MODEL_FOR["text2text-generation"], { kind: "rate_limited", retryAfterSeconds: 4 });
    expect(await failure(run("text2text-generation", { text: text("paraphrase: hi") }))).toMatchObject({
      reason: "rate_limited",
      retryAfterMs: 4000,
    });
    hf.failNext(MODEL_FOR["text-to-video"], { kind: "error", status: 502 });
    expect(await failure(run("text-to-video", { text: text("a cat") }))).toMatchObject({
      reason: "failed",
      status: 502,
    });
    expect(hf.inferenceCalls().every((call) => call.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it("a wrong token is a failure of that call, reported with its status", async () => {
    const anonymous = createHostedBackend({ endpointUrl: hf.url });
    const error = await failure(run("summarization", { text: text("hi there.") }, signal(), anonymous));
    expect(error).toMatchObject({ reason: "failed", status: 401 });
    expect(hf.inferenceCalls(model)[0]?.authorization).toBeUndefined();
  });

  it("an unreachable server is a failure, not a crash", async () => {
    const closed = await startFakeHuggingFace();
    const url = closed.url;
    await closed.close();
    const offline = createHostedBackend({ endpointUrl: url });
    const error = await failure(run("summarization", { text: text("hi.") }, signal(), offline));
    expect(error.reason).toBe("failed");
    expect(error.message).toContain("could not be reached");
  });

  it("a malformed answer is a failure", async () => {
    hf.respondWith({ model }, () => ({ json: { unexpected: true } }));
    expect((await failure(summarize())).reason).toBe("failed");
  });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
}

describe("abort", () => {
  it("a slow model is abandoned as soon as the signal aborts", async () => {
    hf.setLatency(10_000, model);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    const error = await rejection(run("summarization", { text: text("slow.") }, controller.signal));
    expect(isAbortError(error)).toBe(true);
    expect(error).not.toBeInstanceOf(ExpertError);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("a hanging model ends with the task's timeout, on raw and binary calls too", async () => {
    const image = await pngImage();
    hf.failNext("*", { kind: "hang" }, 3);
    for (const [task, args] of [
      ["summarization", { text: text("hang.") }],
      ["depth-estimation", { image }],
      ["audio-classification", { audio: wavAudio() }],
    ] as const) {
      const error = await rejection(run(task, args, AbortSignal.timeout(100)));
      expect(isAbortError(error), task).toBe(true);
    }
  });

  it("an already aborted signal makes no request", async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(run("summarization", { text: text("x.") }, controller.signal));
    expect(isAbortError(error)).toBe(true);
    expect(hf.inferenceCalls()).toHaveLength(0);
  });
});

describe("error helpers", () => {
  it("parses Retry-After as seconds or a date", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter("1.5")).toBe(1500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });

  it("reads the service's words from its error bodies", () => {
    expect(errorMessageOf({ error: "Model is loading" })).toBe("Model is loading");
    expect(errorMessageOf({ error: ["a", "b"] })).toBe("a; b");
    expect(errorMessageOf({ error: { message: "openai style" } })).toBe("openai style");
    expect(errorMessageOf({ detail: "fastapi style" })).toBe("fastapi style");
    expect(errorMessageOf("plain text")).toBe("plain text");
    expect(errorMessageOf({})).toBeUndefined();
  });

  it("classifies statuses", () => {
    expect(expertErrorFromStatus("m", 503, { error: "Model m is currently loading" }, undefined).reason).toBe(
      "loading",
    );
    expect(expertErrorFromStatus("m", 503, { error: "overloaded" }, 2000)).toMatchObject({
      reason: "loading",
      retryAfterMs: 2000,
    });
    expect(expertErrorFromStatus("m", 503, { error: "Service Unavailable" }, undefined).reason).toBe(
      "failed",
    );
    expect(expertErrorFromStatus("m", 413, {}, undefined).reason).toBe("bad_input");
    expect(expertErrorFromStatus("m", 404, { error: "Model m does not exist" }, undefined).reason).toBe(
      "failed",
    );
  });
});
