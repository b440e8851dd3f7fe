/**
 * What the operator's telemetry costs a request: the pipeline's own work (every model and the LLM
 * answering in-process at once, so nothing but the bot's CPU is measured) with nothing listening,
 * with the Prometheus registry counting, and with the registry and OpenTelemetry traces exported to a
 * collector on 127.0.0.1. The three run in turn within each round, so they share the machine's state,
 * and the figures are ratios of their medians.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pathToFileURL } from "node:url";
import type { LlmClient } from "../src/llm/types.js";
import { silentLogger } from "../src/log.js";
import { startOpsTelemetry } from "../src/ops/telemetry.js";
import { type BenchFigure, benchInputs, benchPipeline, instantBackend, median } from "./harness.js";
import { BENCH_PLANS } from "./plans.js";
import { scriptedAnswer } from "./scripted-llm.js";

/** A collector that takes every export and keeps nothing: the bench measures the bot's side. */
async function startSink(): Promise<{ url: string; exports: () => number; close(): Promise<void> }> {
  let exports = 0;
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      exports += 1;
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    exports: () => exports,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export async function benchTelemetry(rounds = 20): Promise<BenchFigure[]> {
  const llm: LlmClient = {
    model: "in-process",
    async chat(request) {
      if (request.usage) {
        request.usage.calls += 1;
        request.usage.promptTokens = (request.usage.promptTokens ?? 0) + 100;
        request.usage.completionTokens = (request.usage.completionTokens ?? 0) + 20;
      }
      return scriptedAnswer(request.messages, BENCH_PLANS);
    },
  };
  const sink = await startSink();
  const metrics = await startOpsTelemetry({ role: "all-in-one", metrics: true, logger: silentLogger });
  const traced = await startOpsTelemetry({
    role: "all-in-one",
    metrics: true,
    tracing: { endpoint: sink.url, serviceName: "bench", exportIntervalMs: 200 },
    logger: silentLogger,
  });
  const variants = {
    none: benchPipeline(llm, instantBackend, { selection: "llm" }),
    metrics: benchPipeline(llm, instantBackend, { selection: "llm" }, { telemetry: metrics }),
    traces: benchPipeline(llm, instantBackend, { selection: "llm" }, { telemetry: traced }),
  };
  const times: Record<keyof typeof variants, number[]> = { none: [], metrics: [], traces: [] };
  try {
    for (let round = 0; round < rounds + 2; round += 1) {
      for (const plan of BENCH_PLANS) {
        for (const [name, pipeline] of Object.entries(variants) as Array<
          [keyof typeof variants, typeof variants.none]
        >) {
          const started = performance.now();
          const result = await pipeline.run({ text: plan.request, inputs: benchInputs(plan) });
          const elapsed = performance.now() - started;
          if (result.results.some((task) => task.status !== "ok"))
            throw new Error(`bench plan ${plan.name} failed`);
          // Two rounds warm the JIT and the catalog.
          if (round >= 2) times[name].push(elapsed);
        }
      }
    }
    await traced.close();
  } finally {
    await metrics.close();
    await traced.close();
    await sink.close();
  }
  const none = median(times.none);
  const withMetrics = median(times.metrics);
  const withTraces = median(times.traces);
  return [
    {
      name: "Telemetry: the pipeline's own work per request with the Prometheus registry counting, against nothing listening",
      value: withMetrics / none,
      unit: "× (ratio of medians)",
      target: "≤ 1.10",
      detail: `${withMetrics.toFixed(2)} ms against ${none.toFixed(2)} ms, ${times.none.length} requests each (${BENCH_PLANS.length} plans × ${rounds} rounds, interleaved; every model and the LLM instant)`,
    },
    {
      name: "  with OpenTelemetry traces too (a span per stage, task and LLM call, batched to a collector on 127.0.0.1): time added per request",
      value: withTraces - none,
      unit: "ms (difference of medians)",
      target: "< 1 ms",
      detail: `${withTraces.toFixed(2)} ms against ${none.toFixed(2)} ms: ${(withTraces / none).toFixed(2)}× the pipeline's own work with instant models, which a real model call dwarfs; ${sink.exports()} exports received`,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const figure of await benchTelemetry()) console.log(figure);
}
