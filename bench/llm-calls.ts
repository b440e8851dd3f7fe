import { pathToFileURL } from "node:url";
import { createOpenAiLlm } from "../src/llm/client.js";
import type { Selection } from "../src/pipeline/index.js";
import { startFakeOpenAi } from "../test/fakes/openai-server.js";
import { type BenchFigure, benchInputs, benchPipeline, instantBackend } from "./harness.js";
import { BENCH_PLANS } from "./plans.js";
import { scriptedAnswer } from "./scripted-llm.js";

/** The tasks JARVIS hands to ChatGPT itself (`chitchat`) instead of choosing a model for them. */
const JARVIS_CHAT_TASKS = new Set([
  "summarization",
  "translation",
  "conversational",
  "text-generation",
  "text2text-generation",
]);

/** How JARVIS's calls are counted, shown with the figure. */
const JARVIS_FORMULA =
  "awesome_chat.py chat_huggingface: 1 parse_task + per task (1 chitchat for summarization, translation, conversational, text-generation, text2text-generation; otherwise 1 choose_model when more than one model is available) + 1 response_results; a plan of a single such text task is 1 parse_task + 1 chitchat. Our catalog's candidates stand for its available models";

const fixed = (value: number) => value.toFixed(2);

/** JARVIS's LLM calls for one request, per its code (JARVIS_FORMULA), given the plan's selections. */
export function jarvisCalls(selections: readonly Selection[]): number {
  const only = selections.length === 1 ? selections[0] : undefined;
  if (only && JARVIS_CHAT_TASKS.has(only.task)) return 2;
  let calls = 2;
  for (const selection of selections) {
    if (JARVIS_CHAT_TASKS.has(selection.task)) calls += 1;
    else if ([selection.chosen, ...selection.fallbacks].filter((c) => c.source !== "llm").length > 1)
      calls += 1;
  }
  return calls;
}

/**
 * LLM requests per request over the bench plans, counted at a fake OpenAI server through the real
 * client, beside JARVIS's count for the same plans (JARVIS_FORMULA).
 */
export async function benchLlmCalls(): Promise<BenchFigure[]> {
  const fake = await startFakeOpenAi();
  fake.route((body) => scriptedAnswer(body.messages as Parameters<typeof scriptedAnswer>[0], BENCH_PLANS));
  const llm = createOpenAiLlm({ baseURL: `${fake.url}/v1`, model: "bench", timeoutMs: 10_000 });
  const figures: BenchFigure[] = [];
  let jarvisPerRequest = Number.NaN;
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
        jarvis += jarvisCalls(result.selections);
      }
      const count = BENCH_PLANS.length;
      figures.push({
        name: `LLM calls per request (MODEL_SELECTION=${selection})`,
        value: ours / count,
        unit: "calls",
        target: selection === "top" ? "≤ 2" : "≤ 3",
        detail: `max ${maxOurs} over ${count} plans, measured: requests counted at the fake OpenAI server; JARVIS would make ${fixed(jarvis / ours)}× as many (next row)`,
      });
      if (selection === "top") jarvisPerRequest = jarvis / count;
    }
    figures.push({
      name: "LLM calls per request, JARVIS for the same plans (counted from its code, not measured)",
      value: jarvisPerRequest,
      unit: "calls",
      target: "",
      detail: `formula: ${JARVIS_FORMULA}`,
    });
  } finally {
    await fake.close();
  }
  return figures;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const figure of await benchLlmCalls()) console.log(figure);
}
