import { AsyncLocalStorage } from "node:async_hooks";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import sharp from "sharp";
import { createHostedBackend } from "../src/experts/hosted/index.js";
import type { Expert, ExpertArgs, ExpertBackend } from "../src/experts/types.js";
import type { LlmClient } from "../src/llm/types.js";
import { builtinModels } from "../src/models/index.js";
import type { NamedInput, TaskResult } from "../src/pipeline/index.js";
import { type ArgName, isTaskName, type Resource, TASKS, type TaskName } from "../src/tasks/index.js";
import {
  type FakeHubModel,
  type FakeHuggingFace,
  startFakeHuggingFace,
  toneWav,
} from "../test/fakes/hf-server.js";
import { type BenchFigure, benchPipeline, median } from "./harness.js";
import { BENCH_PLANS, type BenchPlan, criticalPathLength } from "./plans.js";
import { scriptedAnswer } from "./scripted-llm.js";

/** What the fake HF server waits before answering each inference call. */
const LATENCY_MS = 200;
const TOKEN = "hf_bench";
const TARGET = "≤ 1.10";

/** A small photo that decodes: the hosted detection, segmentation and depth experts draw on it with sharp. */
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

interface Media {
  photo: Uint8Array;
  clip: Uint8Array;
}

function photoResource(media: Media, name = "photo.jpg"): Resource {
  return { kind: "image", mime: "image/jpeg", bytes: media.photo, name };
}

function clipResource(media: Media, name = "clip.wav"): Resource {
  return { kind: "audio", mime: "audio/wav", bytes: media.clip, name };
}

function realInputs(plan: BenchPlan, media: Media): NamedInput[] {
  return plan.attachments.map(({ name, kind }) => ({
    name,
    origin: "attachment",
    resource: kind === "image" ? photoResource(media, name) : clipResource(media, name),
  }));
}

function benchTasks(): TaskName[] {
  const names = new Set(BENCH_PLANS.flatMap((plan) => plan.tasks.map((task) => task.task)));
  return [...names].filter(isTaskName);
}

/** Every built-in model of the tasks the bench plans use, registered with its task on the fake Hub. */
function fakeModels(): FakeHubModel[] {
  return benchTasks().flatMap((task) =>
    builtinModels(task).map((model) => ({
      id: model.id,
      pipeline_tag: task,
      downloads: model.downloads,
      likes: model.likes,
    })),
  );
}

/** One expert run, timed: the whole run and the part of it spent waiting on HTTP responses. */
interface RunTiming {
  task: TaskName;
  model: string;
  runMs: number;
  fetchMs: number;
}

/**
 * Attributes time without changing what runs: the hosted backend gets a fetch that adds its wait to
 * the current run's record, and each expert is wrapped to time its whole run.
 */
function instrument() {
  const current = new AsyncLocalStorage<{ fetchMs: number }>();
  const timings: RunTiming[] = [];
  const timedFetch: typeof fetch = async (input, init) => {
    const started = performance.now();
    try {
      return await fetch(input, init);
    } finally {
      const record = current.getStore();
      if (record) record.fetchMs += performance.now() - started;
    }
  };
  const wrap = (inner: ExpertBackend): ExpertBackend => ({
    source: inner.source,
    supports: (task) => inner.supports(task),
    expert(task, model): Expert | undefined {
      const expert = inner.expert(task, model);
      if (!expert) return undefined;
      return {
        task: expert.task,
        model: expert.model,
        source: expert.source,
        async run(args, options) {
          const record = { fetchMs: 0 };
          const started = performance.now();
          try {
            return await current.run(record, () => expert.run(args, options));
          } finally {
            timings.push({ task, model, runMs: performance.now() - started, fetchMs: record.fetchMs });
          }
        },
      };
    },
  });
  return { timings, timedFetch, wrap };
}

/** Where one task's time beyond the fake's 200 ms went. */
export interface TaskBreakdown {
  task: TaskName;
  /** The task's wall time (TaskResult.ms) minus 200 ms. */
  extraMs: number;
  /** Waiting on HTTP beyond the 200 ms: the fake's own work after its wait, and the loopback round trip. */
  httpMs: number;
  /** In the hosted expert outside fetch: building the request, reading and parsing the answer, drawing. */
  expertMs: number;
  /** In the executor outside the expert: resolving arguments, the limiter, the cache key, file names. */
  executorMs: number;
}

export interface CriticalPathRow {
  plan: string;
  tasks: number;
  criticalPath: number;
  executeMs: number;
  ratio: number;
  /** Inference calls the fake received for this request. */
  calls: number;
  breakdown: TaskBreakdown[];
}

function breakdownOf(results: readonly TaskResult[], timings: RunTiming[]): TaskBreakdown[] {
  const unused = [...timings];
  return results.map((result) => {
    const index = unused.findIndex((timing) => timing.task === result.task && timing.model === result.model);
    const timing = index >= 0 ? unused.splice(index, 1)[0] : undefined;
    const runMs = timing?.runMs ?? 0;
    const fetchMs = timing?.fetchMs ?? 0;
    return {
      task: result.task,
      extraMs: result.ms - LATENCY_MS,
      httpMs: fetchMs - LATENCY_MS,
      expertMs: runMs - fetchMs,
      executorMs: result.ms - runMs,
    };
  });
}

/** Arguments for one direct expert call, from the task's declared argument kinds. */
function directArgs(task: TaskName, media: Media): ExpertArgs {
  const args = Object.create(null) as ExpertArgs;
  for (const [name, spec] of Object.entries(TASKS.get(task)?.args ?? {}) as Array<
    [ArgName, { kind: string; required: boolean }]
  >) {
    if (!spec.required && name !== "text") continue;
    if (spec.kind === "image") args[name] = photoResource(media);
    else if (spec.kind === "audio") args[name] = clipResource(media);
    else args[name] = { kind: "text", text: "a giraffe next to a zebra. They stand in a field." };
  }
  return args;
}

/**
 * Each bench task run once on its own, directly on the expert, with the fake answering at once: the
 * HTTP part is then the fake's own work plus the loopback round trip, the rest the expert's own work.
 */
async function isolatedCosts(
  backend: ExpertBackend,
  timings: RunTiming[],
  media: Media,
  models: Map<TaskName, string>,
): Promise<Array<{ task: TaskName; httpMs: number; expertMs: number }>> {
  const costs: Array<{ task: TaskName; httpMs: number; expertMs: number }> = [];
  for (const [task, model] of models) {
    const samples: RunTiming[] = [];
    for (let run = 0; run < 5; run += 1) {
      const expert = backend.expert(task, model);
      if (!expert) continue;
      await expert.run(directArgs(task, media), { signal: AbortSignal.timeout(10_000) });
      const timing = timings.at(-1);
      if (timing && run > 0) samples.push(timing);
    }
    costs.push({
      task,
      httpMs: median(samples.map((sample) => sample.fetchMs)),
      expertMs: median(samples.map((sample) => sample.runMs - sample.fetchMs)),
    });
  }
  return costs;
}

const fixed = (value: number, digits = 0) => value.toFixed(digits);

/**
 * What one call costs with nothing around it: a bare fetch of a text model at the fake's 200 ms. On
 * this machine timers fire a few ms late and the loopback round trip wakes two sockets, so this,
 * not 200 ms, is the floor of every level of a plan.
 */
async function bareCallMs(fake: FakeHuggingFace): Promise<number> {
  const model = builtinModels("text-classification")[0]!.id;
  const times: number[] = [];
  for (let run = 0; run < 6; run += 1) {
    const started = performance.now();
    const response = await fetch(fake.modelUrl(model), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ inputs: "I loved it" }),
    });
    await response.json();
    if (run > 0) times.push(performance.now() - started);
  }
  return median(times);
}

/** Set in the child process that serves the fake for the out-of-process variant. */
const SERVE_ENV = "BENCH_CRITICAL_PATH_SERVE_FAKE";

/** The fake as the bench uses it, whether it runs in this process or in a child. */
interface FakeHandle {
  url: string;
  /** The in-process fake, for call counts and the calibration; undefined for a child. */
  local: FakeHuggingFace | undefined;
  close(): Promise<void>;
}

function startFakeHere(): Promise<FakeHuggingFace> {
  return startFakeHuggingFace({ latencyMs: LATENCY_MS, models: fakeModels(), token: TOKEN });
}

async function startFake(where: "this process" | "own process"): Promise<FakeHandle> {
  if (where === "this process") {
    const fake = await startFakeHere();
    return { url: fake.url, local: fake, close: () => fake.close() };
  }
  // The same file, run by node with tsx's loader; it prints the URL and serves until stdin closes.
  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url)], {
    env: { ...process.env, [SERVE_ENV]: "1" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once("line", (line) => resolve(line.trim()));
    child.once("exit", (code) => reject(new Error(`the fake's process exited with ${code}`)));
  });
  return {
    url,
    local: undefined,
    async close() {
      lines.close();
      child.stdin.end();
      await exited;
    },
  };
}

export interface CriticalPathMeasurement {
  figures: BenchFigure[];
  rows: CriticalPathRow[];
  /** Each task alone at 0 ms latency (only with the fake in this process). */
  isolated: Array<{ task: TaskName; httpMs: number; expertMs: number }>;
  perPlan: Array<{ plan: string; ratio: number }>;
}

/**
 * Execution wall time over the plan's critical path × 200 ms. The real pipeline (in-process
 * scripted LLM, `MODEL_SELECTION=top`) runs each bench plan against the real hosted backend, which
 * calls a fake Hugging Face that answers every inference call after 200 ms. A scheduler that adds
 * nothing, with a client and a server that cost nothing, would score 1.00.
 *
 * The fake runs in this process, as in the tests. `tsx bench/critical-path.ts own` runs it in a
 * process of its own instead (its work on masks, depth maps and image edits then no longer shares
 * the pipeline's event loop) and prints the per-task breakdown either way.
 */
export async function benchCriticalPath(rounds = 3): Promise<BenchFigure[]> {
  return (await measureCriticalPath({ rounds, fakeIn: "this process" })).figures;
}

/** One run of the critical-path bench, with every measured request behind its figures. */
export async function measureCriticalPath(options: {
  rounds?: number;
  fakeIn?: "this process" | "own process";
}): Promise<CriticalPathMeasurement> {
  const rounds = options.rounds ?? 3;
  const fake = await startFake(options.fakeIn ?? "this process");
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
    const { timings, timedFetch, wrap } = instrument();
    const backend = wrap(createHostedBackend({ token: TOKEN, endpointUrl: fake.url, fetch: timedFetch }));
    // At least as many slots as any plan has tasks, so that the limiter never makes a task wait.
    const maxParallel = Math.max(4, ...BENCH_PLANS.map((plan) => plan.tasks.length));
    const pipeline = benchPipeline(llm, backend, { selection: "top", mode: "hosted", maxParallel });
    const media: Media = { photo: await benchPhoto(), clip: new Uint8Array(toneWav(1)) };

    // One unmeasured pass warms the JIT, sharp, the HTTP keep-alive pool and the catalog.
    const rows: CriticalPathRow[] = [];
    const chosen = new Map<TaskName, string>();
    for (let round = 0; round < rounds + 1; round += 1) {
      for (const plan of BENCH_PLANS) {
        current = plan;
        const callsBefore = fake.local?.inferenceCalls().length ?? 0;
        const timingsBefore = timings.length;
        const result = await pipeline.run({ text: plan.request, inputs: realInputs(plan, media) });
        const failed = result.results.filter((task) => task.status !== "ok");
        if (result.plan.tasks.length !== plan.tasks.length || failed.length > 0) {
          const why = failed.map((task) => `${task.id} ${task.task}: ${task.error}`).join("; ");
          throw new Error(`bench plan ${plan.name} did not run cleanly: ${why || "plan did not parse"}`);
        }
        for (const task of result.results) if (task.model) chosen.set(task.task, task.model);
        if (round === 0) continue;
        const criticalPath = criticalPathLength(plan);
        rows.push({
          plan: plan.name,
          tasks: plan.tasks.length,
          criticalPath,
          executeMs: result.stats.ms.execute,
          ratio: result.stats.ms.execute / (criticalPath * LATENCY_MS),
          calls: fake.local ? fake.local.inferenceCalls().length - callsBefore : plan.tasks.length,
          breakdown: breakdownOf(result.results, timings.slice(timingsBefore)),
        });
      }
    }

    let isolated: CriticalPathMeasurement["isolated"] = [];
    let floorMs: number | undefined;
    if (fake.local) {
      floorMs = await bareCallMs(fake.local);
      fake.local.setLatency(0);
      isolated = await isolatedCosts(backend, timings, media, chosen);
    }

    // Per plan, the median over the rounds; the figures are then over the plans.
    const perPlan = BENCH_PLANS.map((plan) => {
      const mine = rows.filter((row) => row.plan === plan.name);
      return { plan: plan.name, ratio: median(mine.map((row) => row.ratio)) };
    });
    const ratios = perPlan.map((entry) => entry.ratio);
    const worst = perPlan.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const mean = ratios.reduce((sum, ratio) => sum + ratio, 0) / ratios.length;
    const over = perPlan.filter((entry) => entry.ratio > 1.1);
    const parts = rows.flatMap((row) => row.breakdown);
    const part = (pick: (entry: TaskBreakdown) => number) => fixed(median(parts.map(pick)), 1);
    const extraCalls = rows.filter((row) => row.calls !== row.tasks).length;
    const floor =
      floorMs === undefined
        ? ""
        : `; floor: a bare fetch to the fake takes ${fixed(floorMs, 1)} ms (${fixed(floorMs / LATENCY_MS, 3)})`;
    const costliest = [...isolated]
      .sort((a, b) => b.httpMs + b.expertMs - (a.httpMs + a.expertMs))
      .slice(0, 3);
    return {
      figures: [
        {
          name: "Execution wall time / critical path (fake HF, 200 ms per call)",
          value: median(ratios),
          unit: "× (median over plans)",
          target: TARGET,
          detail:
            `mean ${fixed(mean, 3)}, max ${fixed(worst.ratio, 3)} (${worst.plan}); ${perPlan.length} plans × ${rounds} rounds, maxParallel ${maxParallel}${floor}; ` +
            `${over.length} plans above 1.10${over.length ? ` (${over.map((entry) => `${entry.plan} ${fixed(entry.ratio, 2)}`).join(", ")})` : ""}; ` +
            `per task beyond the 200 ms (median): ${part((entry) => entry.extraMs)} ms = HTTP+fake ${part((entry) => entry.httpMs)} + expert ${part((entry) => entry.expertMs)} + executor ${part((entry) => entry.executorMs)}` +
            (costliest.length
              ? `; costliest tasks alone at 0 ms latency (HTTP+fake / expert): ${costliest.map((cost) => `${cost.task} ${fixed(cost.httpMs)}/${fixed(cost.expertMs)} ms`).join(", ")}`
              : "") +
            (extraCalls ? `; ${extraCalls} requests made other than one inference call per task` : ""),
        },
        {
          name: "Execution wall time / critical path, worst plan",
          value: worst.ratio,
          unit: "× (max over plans)",
          target: TARGET,
          detail: worst.plan,
        },
      ],
      rows,
      isolated,
      perPlan,
    };
  } finally {
    await fake.close();
  }
}

function printMeasurement({ figures, rows, isolated }: CriticalPathMeasurement): void {
  console.log(
    "plan | critical path | execute ms per round | ratio | per task: extra = HTTP+fake + expert + executor (ms)",
  );
  for (const plan of BENCH_PLANS) {
    const mine = rows.filter((row) => row.plan === plan.name);
    const tasks = plan.tasks.map((task, index) => {
      const parts = mine.map((row) => row.breakdown[index]!);
      const m = (pick: (part: TaskBreakdown) => number) => fixed(median(parts.map(pick)));
      return `${task.task} ${m((p) => p.extraMs)}=${m((p) => p.httpMs)}+${m((p) => p.expertMs)}+${m((p) => p.executorMs)}`;
    });
    console.log(
      `${plan.name} | ${mine[0]?.criticalPath} | ${mine.map((row) => row.executeMs).join("/")} | ${fixed(median(mine.map((row) => row.ratio)), 3)} | ${tasks.join("; ")}`,
    );
  }
  if (isolated.length) {
    console.log("\ntask alone at 0 ms latency | HTTP+fake ms | expert ms");
    for (const cost of isolated)
      console.log(`${cost.task} | ${fixed(cost.httpMs, 1)} | ${fixed(cost.expertMs, 1)}`);
  }
  for (const figure of figures) console.log(figure);
}

if (process.env[SERVE_ENV] === "1") {
  const fake = await startFakeHere();
  process.stdout.write(`${fake.url}\n`);
  process.stdin.resume();
  process.stdin.once("end", () => void fake.close());
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // `tsx bench/critical-path.ts [own]`: the per-plan, per-task breakdown behind the figures.
  const fakeIn = process.argv[2] === "own" ? "own process" : "this process";
  printMeasurement(await measureCriticalPath({ fakeIn }));
}
