import { pathToFileURL } from "node:url";
import type { LlmClient } from "../src/llm/types.js";
import { type BenchFigure, benchInputs, benchPipeline, instantBackend, median } from "./harness.js";
import { BENCH_PLANS } from "./plans.js";
import { scriptedAnswer } from "./scripted-llm.js";

/**
 * The pipeline's own time per request: planning prompt and parsing, selection, scheduling, answer
 * composition, summary. The LLM answers in-process at once and every expert returns at once, so
 * what is measured is everything except model and LLM time.
 */
export async function benchOverhead(rounds = 15): Promise<BenchFigure[]> {
  const llm: LlmClient = {
    model: "in-process",
    async chat(request) {
      if (request.usage) request.usage.calls += 1;
      return scriptedAnswer(request.messages, BENCH_PLANS);
    },
  };
  const pipeline = benchPipeline(llm, instantBackend, { selection: "llm" });
  const times: number[] = [];
  for (let round = 0; round < rounds + 2; round += 1) {
    for (const plan of BENCH_PLANS) {
      const started = performance.now();
      await pipeline.run({ text: plan.request, inputs: benchInputs(plan) });
      // The first two rounds warm the JIT and the catalog; they are not counted.
      if (round >= 2) times.push(performance.now() - started);
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  return [
    {
      name: "Pipeline overhead per request (no model or LLM time)",
      value: median(times),
      unit: "ms (median)",
      target: "< 30 ms",
      detail: `p95 ${sorted[Math.floor(sorted.length * 0.95)]?.toFixed(2)} ms over ${times.length} requests`,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const figure of await benchOverhead()) console.log(figure);
}
