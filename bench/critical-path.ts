import { pathToFileURL } from "node:url";
import sharp from "sharp";
import { createHostedBackend } from "../src/experts/hosted/index.js";
import type { LlmClient } from "../src/llm/types.js";
import { builtinModels } from "../src/models/index.js";
import type { NamedInput } from "../src/pipeline/index.js";
import { isTaskName } from "../src/tasks/index.js";
import { type FakeHubModel, startFakeHuggingFace, toneWav } from "../test/fakes/hf-server.js";
import { type BenchFigure, benchPipeline, median } from "./harness.js";
import { BENCH_PLANS, type BenchPlan, criticalPathLength } from "./plans.js";
import { scriptedAnswer } from "./scripted-llm.js";

/** What the fake HF server waits before answering each inference call. */
const LATENCY_MS = 200;
const TOKEN = "hf_bench";

/** A small photo that decodes: the hosted detection expert draws its boxes on it with sharp. */
async function benchPhoto(): Promise<Uint8Array> {
  const jpeg = await sharp({
    create: {
      width: 640,
      height: 480,
      channels: 3,
      background: "#4a7",
      noise: { type: "gaussian", mean: 128, sigma: 20 },
    },
  })
    .jpeg({ quality: 80 })
    .toBuffer();
  return new Uint8Array(jpeg);
}

function realInputs(plan: BenchPlan, photo: Uint8Array, clip: Uint8Array): NamedInput[] {
  return plan.attachments.map(({ name, kind }) => ({
    name,
    origin: "attachment",
    resource:
      kind === "image"
        ? { kind: "image", mime: "image/jpeg", bytes: photo, name }
        : { kind: "audio", mime: "audio/wav", bytes: clip, name },
  }));
}

/** Every built-in model of the tasks the bench plans use, registered with its task on the fake Hub. */
function fakeModels(): FakeHubModel[] {
  const tasks = new Set(BENCH_PLANS.flatMap((plan) => plan.tasks.map((task) => task.task)));
  return [...tasks].filter(isTaskName).flatMap((task) =>
    builtinModels(task).map((model) => ({
      id: model.id,
      pipeline_tag: task,
      downloads: model.downloads,
      likes: model.likes,
    })),
  );
}

/** The widest set of tasks that can run at once: tasks at the same depth of the graph. */
function widestLevel(plan: BenchPlan): number {
  const depth = new Map<number, number>();
  const visit = (id: number): number => {
    const known = depth.get(id);
    if (known !== undefined) return known;
    const task = plan.tasks.find((candidate) => candidate.id === id)!;
    const value = 1 + Math.max(0, ...task.dep.map(visit));
    depth.set(id, value);
    return value;
  };
  const counts = new Map<number, number>();
  for (const task of plan.tasks) counts.set(visit(task.id), (counts.get(visit(task.id)) ?? 0) + 1);
  return Math.max(...counts.values());
}

export interface CriticalPathRow {
  plan: string;
  tasks: number;
  criticalPath: number;
  executeMs: number;
  ratio: number;
  /** Inference calls the fake received for this request. */
  calls: number;
  /** Per task: its own wall time minus the fake's latency (client, expert post-processing, scheduling). */
  taskOverheadMs: number[];
}

/**
 * Execution wall time over the plan's critical path × 200 ms. The real pipeline (in-process
 * scripted LLM, `MODEL_SELECTION=top`) runs each bench plan against the real hosted backend, which
 * calls a fake Hugging Face that answers every inference call after 200 ms. A perfect scheduler
 * with a free client would score 1.00.
 */
export async function benchCriticalPath(rounds = 3): Promise<BenchFigure[]> {
  return (await measureCriticalPath(rounds)).figures;
}

/** The figures of {@link benchCriticalPath} with every measured request behind them. */
export async function measureCriticalPath(
  rounds = 3,
): Promise<{ figures: BenchFigure[]; rows: CriticalPathRow[] }> {
  const fake = await startFakeHuggingFace({ latencyMs: LATENCY_MS, models: fakeModels(), token: TOKEN });
  try {
    // The scripted LLM is handed only the plan being run: given them all, it answers with the first
    // plan whose request the prompt contains, and "transcribe this" is inside a longer request.
    let current: BenchPlan = BENCH_PLANS[0]!;
    const llm: LlmClient = {
      model: "in-process",
      async chat(request) {
        if (request.usage) request.usage.calls += 1;
        return scriptedAnswer(request.messages, [current]);
      },
    };
    const backend = createHostedBackend({ token: TOKEN, endpointUrl: fake.url });
    const maxParallel = Math.max(4, ...BENCH_PLANS.map(widestLevel));
    const pipeline = benchPipeline(llm, backend, { selection: "top", mode: "hosted", maxParallel });
    const photo = await benchPhoto();
    const clip = new Uint8Array(toneWav(1));

    // One unmeasured pass warms the JIT, sharp, the HTTP keep-alive pool and the catalog.
    const rows: CriticalPathRow[] = [];
    for (let round = 0; round < rounds + 1; round += 1) {
      for (const plan of BENCH_PLANS) {
        current = plan;
        const before = fake.inferenceCalls().length;
        const result = await pipeline.run({ text: plan.request, inputs: realInputs(plan, photo, clip) });
        const failed = result.results.filter((task) => task.status !== "ok");
        if (result.plan.tasks.length !== plan.tasks.length || failed.length > 0) {
          const why = failed.map((task) => `${task.id} ${task.task}: ${task.error}`).join("; ");
          throw new Error(`bench plan ${plan.name} did not run cleanly: ${why || "plan did not parse"}`);
        }
        if (round === 0) continue;
        const criticalPath = criticalPathLength(plan);
        rows.push({
          plan: plan.name,
          tasks: plan.tasks.length,
          criticalPath,
          executeMs: result.stats.ms.execute,
          ratio: result.stats.ms.execute / (criticalPath * LATENCY_MS),
          calls: fake.inferenceCalls().length - before,
          taskOverheadMs: result.results.map((task) => task.ms - LATENCY_MS),
        });
      }
    }
    // Per plan, the median over the rounds; the figures are then over the plans.
    const perPlan = BENCH_PLANS.map((plan) => {
      const mine = rows.filter((row) => row.plan === plan.name);
      return { plan: plan.name, ratio: median(mine.map((row) => row.ratio)) };
    });
    const ratios = perPlan.map((entry) => entry.ratio);
    const worst = perPlan.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const mean = ratios.reduce((sum, ratio) => sum + ratio, 0) / ratios.length;
    const overheads = rows.flatMap((row) => row.taskOverheadMs);
    const extraCalls = rows.filter((row) => row.calls !== row.tasks).length;
    const target = "≤ 1.10";
    return {
      figures: [
        {
          name: "Execution wall time / critical path (fake HF, 200 ms per call)",
          value: median(ratios),
          unit: "× (median over plans)",
          target,
          detail: `max ${worst.ratio.toFixed(3)} (${worst.plan}), mean ${mean.toFixed(3)} over ${perPlan.length} plans × ${rounds} rounds; per-task time beyond the 200 ms: median ${median(overheads).toFixed(0)} ms, max ${Math.max(...overheads).toFixed(0)} ms; maxParallel ${maxParallel}${extraCalls ? `; ${extraCalls} requests made other than one call per task` : ""}`,
        },
        {
          name: "Execution wall time / critical path, worst plan",
          value: worst.ratio,
          unit: "× (max over plans)",
          target,
          detail: worst.plan,
        },
      ],
      rows,
    };
  } finally {
    await fake.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { figures, rows } = await measureCriticalPath();
  for (const plan of BENCH_PLANS) {
    const mine = rows.filter((row) => row.plan === plan.name);
    console.log(
      `${plan.name.padEnd(32)} cp ${mine[0]?.criticalPath} exec ${mine.map((row) => row.executeMs).join("/")} ms ratio ${median(mine.map((row) => row.ratio)).toFixed(3)} task overhead ${mine.map((row) => row.taskOverheadMs.join(",")).join(" | ")}`,
    );
  }
  for (const figure of figures) console.log(figure);
}
