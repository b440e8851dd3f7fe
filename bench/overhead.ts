import { pathToFileURL } from "node:url";
import { createImageSafetyClassifier } from "../src/experts/local/safety.js";
import type { LlmClient } from "../src/llm/types.js";
import type { ImageScreen } from "../src/pipeline/index.js";
import { inspectImage } from "../src/render/index.js";
import { sleep } from "../src/time.js";
import { type BenchFigure, benchInputs, benchPipeline, instantBackend, median } from "./harness.js";
import { BENCH_PLANS, criticalPathLength } from "./plans.js";
import { scriptedAnswer } from "./scripted-llm.js";

const fixed = (value: number) => value.toFixed(2);

/** How long every LLM call and every task takes in the added-time measurement. */
const MODEL_MS = 100;

function p95(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.95)] ?? Number.NaN;
}

/** Each bench plan `rounds` times (after two warm-up rounds) through `run`: the times per request. */
async function timeRequests(
  rounds: number,
  run: (plan: (typeof BENCH_PLANS)[number]) => Promise<void>,
): Promise<{ times: number[]; perPlan: Map<string, number[]> }> {
  const times: number[] = [];
  const perPlan = new Map<string, number[]>();
  for (let round = 0; round < rounds + 2; round += 1) {
    for (const plan of BENCH_PLANS) {
      const started = performance.now();
      await run(plan);
      const elapsed = performance.now() - started;
      // The first two rounds warm the JIT, the catalog and the classifier; they are not counted.
      if (round < 2) continue;
      times.push(elapsed);
      perPlan.set(plan.name, [...(perPlan.get(plan.name) ?? []), elapsed]);
    }
  }
  return { times, perPlan };
}

/**
 * The pipeline's own time per request: planning prompt and parsing, selection, scheduling, the
 * validation of every input image (inspectImage, as createApp wires it), the safety screen of every
 * image the tasks produce (the real nsfwjs classifier, through the pipeline's screen), answer
 * composition, summary. The LLM answers in-process at once and every expert returns at once (with a
 * real 512×512 PNG where it outputs an image), so what is measured is everything except the task
 * models and the LLM. The same requests without the screen, and the screen's own time per image,
 * are the rows below it.
 */
export async function benchOverhead(rounds = 15): Promise<BenchFigure[]> {
  const llm: LlmClient = {
    model: "in-process",
    async chat(request) {
      if (request.usage) request.usage.calls += 1;
      return scriptedAnswer(request.messages, BENCH_PLANS);
    },
  };
  const classifier = createImageSafetyClassifier();
  const availability = await classifier.probe();
  if (!availability.available)
    throw new Error(`the safety classifier cannot run here: ${availability.reason}`);
  const screenMs: number[] = [];
  const screenImage: ImageScreen = async (bytes, signal) => {
    const started = performance.now();
    try {
      return await classifier.check(bytes, { signal });
    } finally {
      screenMs.push(performance.now() - started);
    }
  };
  let validated = 0;
  const validateImage = async (bytes: Uint8Array, name: string) => {
    validated += 1;
    await inspectImage(bytes, { name });
  };
  const screened = benchPipeline(llm, instantBackend, { selection: "llm" }, { validateImage, screenImage });
  const unscreened = benchPipeline(llm, instantBackend, { selection: "llm" }, { validateImage });
  const screenedPlans = new Set<string>();
  const runOn = (pipeline: typeof screened) => async (plan: (typeof BENCH_PLANS)[number]) => {
    const screensBefore = screenMs.length;
    const result = await pipeline.run({ text: plan.request, inputs: benchInputs(plan) });
    if (result.results.some((task) => task.status !== "ok") || result.summary.notes.length > 0) {
      throw new Error(`bench plan ${plan.name} did not run cleanly: ${result.answer.slice(0, 160)}`);
    }
    if (screenMs.length > screensBefore) screenedPlans.add(plan.name);
  };
  // The time the pipeline adds to waiting for the models: every LLM call and every task answers after
  // MODEL_MS, so a request should take (its LLM calls + its longest chain of tasks) × MODEL_MS; what it
  // takes beyond that is the pipeline's, the work it does while nothing is waited for.
  const slowLlm: LlmClient = {
    model: "in-process, 100 ms a call",
    async chat(request) {
      await sleep(MODEL_MS);
      return llm.chat(request);
    },
  };
  const slowBackend: typeof instantBackend = {
    ...instantBackend,
    expert(task, model) {
      const expert = instantBackend.expert(task, model);
      return (
        expert && {
          ...expert,
          async run(args, options) {
            await sleep(MODEL_MS, options.signal);
            return expert.run(args, options);
          },
        }
      );
    },
  };
  const waited = benchPipeline(slowLlm, slowBackend, { selection: "llm" }, { validateImage, screenImage });
  const added: number[] = [];
  const addedRun = async (plan: (typeof BENCH_PLANS)[number]) => {
    const started = performance.now();
    const result = await waited.run({ text: plan.request, inputs: benchInputs(plan) });
    const elapsed = performance.now() - started;
    if (result.results.some((task) => task.status !== "ok"))
      throw new Error(`bench plan ${plan.name} failed`);
    added.push(elapsed - (result.stats.llmCalls + criticalPathLength(plan)) * MODEL_MS);
  };
  let full: Awaited<ReturnType<typeof timeRequests>>;
  let bare: Awaited<ReturnType<typeof timeRequests>>;
  let validations: number;
  try {
    full = await timeRequests(rounds, runOn(screened));
    validations = validated;
    bare = await timeRequests(rounds, runOn(unscreened));
    await timeRequests(Math.max(3, Math.round(rounds / 3)), addedRun);
  } finally {
    await classifier.close();
  }
  const requests = full.times.length;
  const perRound = (count: number) => Math.round(count / (rounds + 2));
  const slowest = [...full.perPlan]
    .map(([plan, ms]) => ({ plan, ms: median(ms) }))
    .sort((a, b) => b.ms - a.ms)[0];
  // The first two rounds warmed up; their additions are not counted.
  const counted = added.slice(BENCH_PLANS.length * 2);
  return [
    {
      name: "Pipeline overhead per request: time added to the models' and the LLM's own (each call 100 ms), image validation and safety screen included",
      value: median(counted),
      unit: "ms (median)",
      target: "< 30 ms",
      detail: `p95 ${fixed(p95(counted))} ms over ${counted.length} requests: wall time − (LLM calls + longest chain of tasks) × ${MODEL_MS} ms; each image is screened as its task ends, while the other tasks run and the answer is written`,
    },
    {
      name: "  the pipeline's own work with every model and the LLM instant (CPU; the safety screen's model included)",
      value: median(full.times),
      unit: "ms (median)",
      target: "",
      detail:
        `p95 ${fixed(p95(full.times))} ms over ${requests} requests (${BENCH_PLANS.length} plans × ${rounds} rounds); slowest plan ${slowest?.plan} ${fixed(slowest?.ms ?? Number.NaN)} ms; ` +
        `per round ${perRound(validations)} input images validated (inspectImage) and ${perRound(screenMs.length)} output images screened by the nsfwjs classifier (${availability.detail ?? "nsfwjs"}); ${screenedPlans.size} of the ${BENCH_PLANS.length} plans produce an image to screen`,
    },
    {
      name: "  the same without the safety screen (image validation included)",
      value: median(bare.times),
      unit: "ms (median)",
      target: "< 30 ms",
      detail: `p95 ${fixed(p95(bare.times))} ms over ${bare.times.length} requests`,
    },
    {
      name: "  the safety screen alone, per image (nsfwjs MobileNetV2 224×224, tfjs wasm, one thread)",
      value: median(screenMs),
      unit: "ms (median)",
      target: "",
      detail: `p95 ${fixed(p95(screenMs))} ms over ${screenMs.length} screens: decode and resize with sharp, then the model on the event loop's thread`,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const figure of await benchOverhead()) console.log(figure);
}
