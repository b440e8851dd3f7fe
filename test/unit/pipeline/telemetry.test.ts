/**
 * What a pipeline run reports through the Telemetry interface: each stage's time and its LLM calls
 * with the tokens the API's usage field gave (the real openai client against the fake server, which
 * reports 10 prompt and 10 completion tokens a call), each model call with its source and status, and
 * the spans: stages at the top, tasks in execute, LLM calls in the stage that made them.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ExpertError } from "../../../src/experts/types.js";
import { createOpenAiLlm } from "../../../src/llm/client.js";
import type { LlmUsage } from "../../../src/llm/types.js";
import type { ModelCatalog } from "../../../src/models/types.js";
import { createPipeline, DEFAULT_SETTINGS } from "../../../src/pipeline/index.js";
import { type FakeOpenAi, stageOf, startFakeOpenAi } from "../../fakes/openai-server.js";
import { modelInfo, scriptedBackend } from "../../support/backends.js";
import { recordingTelemetry } from "../../support/telemetry.js";

const catalog: ModelCatalog = {
  async list(task) {
    return { task, models: [modelInfo(`model-${task}`, task)], origin: "hub" };
  },
};

const PLAN = JSON.stringify([
  { id: 1, task: "text-to-image", args: { text: "a cat" } },
  { id: 2, task: "image-classification", args: { image: "<resource>-1" } },
]);

describe("the pipeline's telemetry", () => {
  let fake: FakeOpenAi;
  beforeEach(async () => {
    fake = await startFakeOpenAi();
    fake.route((body) => (stageOf(body) === "plan" ? PLAN : "A cat, classified."));
  });
  afterEach(() => fake.close());

  function setup(options: { failClassifier?: boolean } = {}) {
    const telemetry = recordingTelemetry();
    const llm = createOpenAiLlm({
      baseURL: `${fake.url}/v1`,
      model: "test-model",
      timeoutMs: 5_000,
      telemetry,
    });
    const hosted = scriptedBackend("hosted", {
      "model-text-to-image": async () => ({
        kind: "image",
        mime: "image/png",
        bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
        name: "cat.png",
      }),
      "model-image-classification": async () => {
        if (options.failClassifier) throw new ExpertError("failed", "the classifier broke");
        return { kind: "labels", labels: [{ label: "cat", score: 0.9 }] };
      },
    });
    const pipeline = createPipeline({
      llm,
      catalog,
      backends: { hosted },
      settings: { ...DEFAULT_SETTINGS, mode: "hosted", selection: "top" },
      telemetry,
    });
    return { pipeline, telemetry };
  }

  it("records each stage, the LLM's calls and tokens by stage, and each model call", async () => {
    const { pipeline, telemetry } = setup();
    const usage: LlmUsage = { calls: 0 };
    const result = await pipeline.run({ text: "draw a cat and classify it", inputs: [], usage });

    expect(telemetry.eventsOf("stage").map((event) => event.stage)).toEqual([
      "plan",
      "select",
      "execute",
      "respond",
    ]);
    // Planning and answering: one call each, the tokens as the API's usage field said.
    expect(telemetry.eventsOf("llm")).toEqual([
      { type: "llm", stage: "plan", calls: 1, promptTokens: 10, completionTokens: 10 },
      { type: "llm", stage: "respond", calls: 1, promptTokens: 10, completionTokens: 10 },
    ]);
    expect(result.stats.llmCalls).toBe(2);
    expect(result.stats.tokens).toEqual({ prompt: 20, completion: 20 });
    expect(usage).toEqual({ calls: 2, promptTokens: 20, completionTokens: 20 });
    expect(
      telemetry.eventsOf("model-call").map(({ source, task, status }) => `${source} ${task} ${status}`),
    ).toEqual(["hosted text-to-image ok", "hosted image-classification ok"]);
  });

  it("nests tasks in execute and LLM calls in their stage, with the GenAI attributes", async () => {
    const { pipeline, telemetry } = setup();
    await pipeline.run({ text: "draw a cat and classify it", inputs: [] });

    expect(telemetry.spans.map((span) => telemetry.pathOf(span))).toEqual([
      "plan",
      "plan > chat test-model",
      "select",
      "execute",
      "execute > task text-to-image",
      "execute > task image-classification",
      "respond",
      "respond > chat test-model",
    ]);
    expect(telemetry.spans.every((span) => span.ended)).toBe(true);
    const chat = telemetry.spans.find((span) => span.name === "chat test-model");
    expect(chat?.kind).toBe("client");
    expect(chat?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "test-model",
      "gen_ai.response.model": "test-model",
      "gen_ai.usage.input_tokens": 10,
      "gen_ai.usage.output_tokens": 10,
    });
    const task = telemetry.spans.find((span) => span.name === "task image-classification");
    expect(task?.attributes).toMatchObject({
      "hugginggpt.task.status": "ok",
      "hugginggpt.model": "model-image-classification",
      "hugginggpt.model.source": "hosted",
    });
  });

  it("records a failed model call and marks its task's span failed", async () => {
    const { pipeline, telemetry } = setup({ failClassifier: true });
    const result = await pipeline.run({ text: "draw a cat and classify it", inputs: [] });

    expect(result.results.find((task) => task.id === 2)?.status).toBe("failed");
    expect(telemetry.eventsOf("model-call").map(({ task, status }) => `${task} ${status}`)).toEqual([
      "text-to-image ok",
      "image-classification failed",
    ]);
    const failed = telemetry.spans.filter((span) => span.failed !== undefined).map((span) => span.name);
    expect(failed).toEqual(["task image-classification"]);
  });

  it("counts the LLM's calls and tokens of a run that throws", async () => {
    fake.route(() => ({ status: 400, message: "bad request" }));
    const { pipeline, telemetry } = setup();
    const usage: LlmUsage = { calls: 0 };
    await expect(pipeline.run({ text: "draw a cat", inputs: [], usage })).rejects.toThrow();

    expect(usage.calls).toBeGreaterThan(0);
    expect(telemetry.eventsOf("llm").map((event) => event.stage)).toEqual(["plan"]);
    expect(telemetry.eventsOf("stage").map((event) => event.stage)).toEqual(["plan"]);
    expect(telemetry.spans.find((span) => span.name === "plan")?.failed).toBeDefined();
  });
});
