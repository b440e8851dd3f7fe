/**
 * The OpenTelemetry traces of a process, exported over OTLP/HTTP to a tiny collector on 127.0.0.1:
 * one trace per request, the turn its root span, the pipeline's stages its children, tasks in execute
 * and each LLM call (a client span with the GenAI attributes) in the stage that made it. The bot is the
 * real one (bot loop, pipeline, openai client) on the test adapter and the fake OpenAI server.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createOpenAiLlm } from "../../../src/llm/client.js";
import { silentLogger } from "../../../src/log.js";
import type { ModelCatalog } from "../../../src/models/types.js";
import { parseOtlpHeaders } from "../../../src/ops/otlp-headers.js";
import { type OpsTelemetry, startOpsTelemetry } from "../../../src/ops/telemetry.js";
import { createPipeline, DEFAULT_SETTINGS } from "../../../src/pipeline/index.js";
import { type FakeOpenAi, stageOf, startFakeOpenAi } from "../../fakes/openai-server.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "../../fakes/otlp-receiver.js";
import { modelInfo, scriptedBackend } from "../../support/backends.js";
import { startBot } from "../core/helpers.js";

const catalog: ModelCatalog = {
  async list(task) {
    return { task, models: [modelInfo(`model-${task}`, task)], origin: "hub" };
  },
};

const PLAN = JSON.stringify([{ id: 1, task: "text-classification", args: { text: "I love it" } }]);

describe("the traces of a process", () => {
  let llm: FakeOpenAi;
  let collector: OtlpReceiver;
  let telemetry: OpsTelemetry | undefined;

  beforeEach(async () => {
    llm = await startFakeOpenAi();
    llm.route((body) => (stageOf(body) === "plan" ? PLAN : "It is positive."));
    collector = await startOtlpReceiver();
  });
  afterEach(async () => {
    await telemetry?.close();
    await llm.close();
    await collector.close();
  });

  async function bot() {
    telemetry = await startOpsTelemetry({
      role: "all-in-one",
      metrics: false,
      tracing: { endpoint: collector.url, serviceName: "hugginggpt-test", exportIntervalMs: 50 },
      logger: silentLogger,
    });
    const pipeline = createPipeline({
      llm: createOpenAiLlm({ baseURL: `${llm.url}/v1`, model: "test-model", timeoutMs: 5_000, telemetry }),
      catalog,
      backends: {
        hosted: scriptedBackend("hosted", {
          "model-text-classification": async () => ({
            kind: "labels",
            labels: [{ label: "POSITIVE", score: 0.9 }],
          }),
        }),
      },
      settings: { ...DEFAULT_SETTINGS, mode: "hosted", selection: "top" },
      telemetry,
    });
    return startBot({ extra: { pipeline, telemetry } });
  }

  /** "request > execute > task text-classification" for each span of one trace, by parent ids. */
  function paths(spans: ReceivedSpan[]): string[] {
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    return spans
      .map((span) => {
        const names = [span.name];
        for (let at = byId.get(span.parentSpanId); at; at = byId.get(at.parentSpanId)) names.unshift(at.name);
        return names.join(" > ");
      })
      .sort();
  }

  it("sends one trace per request: the request, its stages, its task and its LLM calls", async () => {
    const { adapter, bot: running } = await bot();
    await adapter.send({ text: "is 'I love it' positive?", thread: "t1" });
    await adapter.send({ text: "hello again", thread: "t2" });
    await running.idle();
    await telemetry?.close();
    const spans = await collector.waitForSpans(
      (all) => all.filter((span) => span.name === "request").length === 2,
    );

    const roots = spans.filter((span) => span.name === "request");
    expect(roots.every((root) => root.parentSpanId === "")).toBe(true);
    expect(new Set(roots.map((root) => root.traceId)).size).toBe(2);
    const first = spans.filter((span) => span.traceId === roots[0]?.traceId);
    expect(paths(first)).toEqual([
      "request",
      "request > execute",
      "request > execute > task text-classification",
      "request > plan",
      "request > plan > chat test-model",
      "request > respond",
      "request > respond > chat test-model",
      "request > select",
    ]);
    expect(roots[0]?.resource).toMatchObject({
      "service.name": "hugginggpt-test",
      "hugginggpt.role": "all-in-one",
    });
    expect(roots[0]?.attributes).toMatchObject({
      "hugginggpt.platform": "test",
      "hugginggpt.request.outcome": "answered",
      "hugginggpt.llm.calls": 2,
      "hugginggpt.llm.prompt_tokens": 20,
    });
    const chat = first.find((span) => span.name === "chat test-model");
    expect(chat?.kind).toBe(3); // SPAN_KIND_CLIENT
    expect(chat?.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": "test-model",
      "gen_ai.usage.input_tokens": 10,
      "gen_ai.usage.output_tokens": 10,
    });
  });

  it("marks the spans of a request whose LLM fails as errors", async () => {
    llm.route(() => ({ status: 400, message: "bad request" }));
    const { adapter, bot: running } = await bot();
    await adapter.send({ text: "hello" });
    await running.idle();
    await telemetry?.close();
    const spans = await collector.waitForSpans((all) => all.some((span) => span.name === "request"));

    const failed = spans
      .filter((span) => span.statusCode === 2)
      .map((span) => span.name)
      .sort();
    expect(failed).toEqual(["chat test-model", "plan", "request"]);
  });

  it("reads OTEL_EXPORTER_OTLP_HEADERS as OpenTelemetry writes it", () => {
    expect(parseOtlpHeaders("api-key=abc%3D%3D, x-team = ops ,broken")).toEqual({
      "api-key": "abc==",
      "x-team": "ops",
    });
    expect(parseOtlpHeaders(undefined)).toEqual({});
  });
});
