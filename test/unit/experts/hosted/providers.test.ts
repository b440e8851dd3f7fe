import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHostedBackend, type HostedBackend } from "../../../../src/experts/hosted/index.js";
import { ExpertError } from "../../../../src/experts/types.js";
import { type FakeHuggingFace, startFakeHuggingFace } from "../../../fakes/hf-server.js";
import { hubModels, MODEL_FOR, pngImage, signal, TOKEN, text } from "./fixtures.js";

/** Without HF_INFERENCE_ENDPOINT: the client asks the Hub which provider serves a model, then the router. */
let hf: FakeHuggingFace;
let backend: HostedBackend;

beforeAll(async () => {
  hf = await startFakeHuggingFace({
    models: [
      ...hubModels(),
      { id: "nobody/unserved-classifier", pipeline_tag: "text-classification", providers: [] },
    ],
  });
  backend = createHostedBackend({ token: TOKEN, hubUrl: hf.url, routerUrl: hf.url });
});
afterAll(() => hf.close());
beforeEach(() => hf.reset());

describe("hosted backend through the providers (no endpoint)", () => {
  it("resolves the provider on the Hub, then calls the hf-inference route of the router", async () => {
    const model = MODEL_FOR["text-classification"];
    const output = await backend
      .expert("text-classification", model)
      ?.run({ text: text("lovely") }, { signal: signal() });
    expect(output?.kind).toBe("labels");
    const [lookup, inference] = hf.calls;
    expect(lookup?.kind).toBe("hub-model");
    expect(lookup?.path).toBe(`/api/models/${model}`);
    expect(lookup?.query.getAll("expand[]")).toEqual(["inferenceProviderMapping"]);
    expect(inference?.path).toBe(`/hf-inference/models/${model}`);
    expect(inference?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("sends sentence-similarity to its pipeline route and raw tasks to hf-inference", async () => {
    await backend
      .expert("sentence-similarity", MODEL_FOR["sentence-similarity"])
      ?.run({ text: text("a cat"), context: text("a cat\na dog") }, { signal: signal() });
    await backend
      .expert("depth-estimation", MODEL_FOR["depth-estimation"])
      ?.run({ image: await pngImage() }, { signal: signal() });
    const paths = hf.inferenceCalls().map((call) => call.path);
    expect(paths).toEqual([
      `/hf-inference/models/${MODEL_FOR["sentence-similarity"]}/pipeline/sentence-similarity`,
      `/hf-inference/models/${MODEL_FOR["depth-estimation"]}`,
    ]);
  });

  it("sends chat to the router's OpenAI-compatible endpoint", async () => {
    const output = await backend
      .expert("conversational", MODEL_FOR.conversational)
      ?.run({ text: text("hello") }, { signal: signal() });
    expect(output).toEqual({ kind: "text", text: "[chat] hello" });
    expect(hf.inferenceCalls()[0]?.path).toBe("/v1/chat/completions");
  });

  it("fails a model no provider serves, without calling inference", async () => {
    const error = await backend
      .expert("text-classification", "nobody/unserved-classifier")
      ?.run({ text: text("hi") }, { signal: signal() })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ExpertError);
    expect(error).toMatchObject({ reason: "failed" });
    expect((error as ExpertError).message).toContain("No Inference Provider available");
    expect(hf.inferenceCalls()).toHaveLength(0);
  });

  it("says which providers serve a model", async () => {
    expect(await backend.providersFor(MODEL_FOR["object-detection"])).toEqual(["hf-inference"]);
    expect(await backend.isServed("nobody/unserved-classifier")).toBe(false);
    expect(await backend.isServed("unknown/model")).toBe(false);
    expect(await backend.isServed("../bad")).toBe(false);
    hf.setHub({ mode: "error" });
    await expect(backend.providersFor(MODEL_FOR["object-detection"])).rejects.toMatchObject({
      reason: "failed",
    });
    hf.setHub({ mode: "down" });
    await expect(backend.providersFor(MODEL_FOR["object-detection"])).rejects.toMatchObject({
      reason: "failed",
    });
  });

  it("with an endpoint every model is served by it", async () => {
    const endpoint = createHostedBackend({ endpointUrl: hf.url });
    expect(await endpoint.providersFor("any/model")).toEqual(["hf-inference"]);
    expect(hf.calls).toHaveLength(0);
  });
});
