import { pathToFileURL } from "node:url";
import { createOpenAiLlm } from "../src/llm/client.js";
import { startFakeOpenAi } from "../test/fakes/openai-server.js";
import { type BenchFigure, benchInputs, benchPipeline, instantBackend } from "./harness.js";
import { BENCH_PLANS } from "./plans.js";
import { scriptedAnswer } from "./scripted-llm.js";

/**
 * LLM requests per request over the bench plans, counted at a fake OpenAI server through the real
 * client, beside JARVIS's count for the same plans: 1 plan call + 1 selection call per task with
 * several candidates + 1 answer call.
 */
export async function benchLlmCalls(): Promise<BenchFigure[]> {
  const fake = await startFakeOpenAi();
  fake.route((body) => scriptedAnswer(body.messages as Parameters<typeof scriptedAnswer>[0], BENCH_PLANS));
  const llm = createOpenAiLlm({ baseURL: `${fake.url}/v1`, model: "bench", timeoutMs: 10_000 });
  const figures: BenchFigure[] = [];
  try {
    for (const selection of ["top", "llm"] as const) {
      const pipeline = benchPipeline(llm, instantBackend, { selection });
      let ours = 0;
      let maxOurs = 0;
      let jarvis = 0;
      for (const plan of BENCH_PLANS) {
        const before = fake.requests.length;
        const result = await pipeline.run({ text: plan.request, inputs: benchInputs(plan) });
        if (result.plan.tasks.length !== plan.tasks.length)
          throw new Error(`bench plan ${plan.name} did not parse`);
        const sent = fake.requests.length - before;
        if (sent !== result.stats.llmCalls)
          throw new Error(`llmCalls ${result.stats.llmCalls} but ${sent} sent`);
        ours += sent;
        maxOurs = Math.max(maxOurs, sent);
        const ambiguous = result.selections.filter((s) =>
          s.fallbacks.some((f) => f.source === s.chosen.source),
        );
        jarvis += 1 + ambiguous.length + 1;
      }
      const count = BENCH_PLANS.length;
      figures.push({
        name: `LLM calls per request (MODEL_SELECTION=${selection})`,
        value: ours / count,
        unit: "calls",
        target: selection === "top" ? "≤ 2" : "≤ 3",
        detail: `max ${maxOurs} over ${count} plans; JARVIS makes ${(jarvis / count).toFixed(2)} for the same plans (ratio ${(jarvis / ours).toFixed(2)}×)`,
      });
    }
  } finally {
    await fake.close();
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const figure of await benchLlmCalls()) console.log(figure);
}
