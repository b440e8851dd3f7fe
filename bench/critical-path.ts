import { AsyncLocalStorage } from "node:async_hooks";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { createHostedBackend } from "../src/experts/hosted/index.js";
import type { Expert, ExpertArgs, ExpertBackend } from "../src/experts/types.js";
import type { LlmClient } from "../src/llm/types.js";
import { builtinModels } from "../src/models/index.js";
import type { NamedInput, TaskResult } from "../src/pipeline/index.js";
import { DEFAULT_SETTINGS } from "../src/pipeline/index.js";
import { type ArgName, isTaskName, type Resource, TASKS, type TaskName } from "../src/tasks/index.js";
import { type FakeHubModel, startFakeHuggingFace, toneWav } from "../test/fakes/hf-server.js";
import { serveFakesToParent, startFakesInChild } from "./fake-process.js";
import { BENCH_PHOTO, type BenchFigure, benchPipeline, median } from "./harness.js";
import { BENCH_PLANS, type BenchPlan, criticalPathLength, longestChain } from "./plans.js";
import { scriptedAnswer } from "./scripted-llm.js";

/** How long the fake HF server takes over each inference call, its own work included. */
const LATENCY_MS = 200;
const TOKEN = "hf_bench";
const TARGET = "≤ 1.10";

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
  /** HTTP requests the run made. */
  requests: number;
}

/**
 * Attributes time without changing what runs: the hosted backend gets a fetch that adds its wait to
 * the current run's record, and each expert is wrapped to time its whole run.
 */
function instrument() {
  const current = new AsyncLocalStorage<{ fetchMs: number; requests: number }>();
  const timings: RunTiming[] = [];
  const timedFetch: typeof fetch = async (input, init) => {
    const started = performance.now();
    const record = current.getStore();
    if (record) record.requests += 1;
    try {
      return await fetch(input, init);
    } finally {
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
          const record = { fetchMs: 0, requests: 0 };
          const started = performance.now();
          try {
            return await current.run(record, () => expert.run(args, options));
          } finally {
            timings.push({ task, model, runMs: performance.now() - started, ...record });
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
  /** Waiting on HTTP beyond the 200 ms: the loopback round trip, and any of the fake's work that outlasts the 200 ms. */
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
  /**
   * Execution wall time over the longest chain of the tasks' own durations in the same run: 1.00
   * when tasks of a level overlap fully and each starts as its dependencies end, whatever each costs.
   */
  overlap: number;
  /** HTTP requests the hosted experts made for this request (one inference call per task expected). */
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
 * Each bench task run once on its own, directly on the expert, with the fake answering as soon as it
 * can: the HTTP part is then the fake's own work plus the loopback round trip, the rest the expert's.
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
async function bareCallMs(url: string): Promise<number> {
  const model = builtinModels("text-classification")[0]!.id;
  const times: number[] = [];
  for (let run = 0; run < 6; run += 1) {
    const started = performance.now();
    const response = await fetch(`${url}/models/${model}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ inputs: "I loved it" }),
    });
    await response.json();
    if (run > 0) times.push(performance.now() - started);
  }
  return median(times);
}

/** Set in the child process that serves the fake. */
const SERVE_ENV = "BENCH_CRITICAL_PATH_SERVE_FAKE";

/** The fake as the bench uses it, whether it runs in a process of its own or in this one. */
interface FakeHandle {
  url: string;
  setLatency(ms: number): Promise<void>;
  close(): Promise<void>;
}

function startFakeHere() {
  return startFakeHuggingFace({ latencyMs: LATENCY_MS, models: fakeModels(), token: TOKEN });
}

async function startFake(where: "own process" | "this process"): Promise<FakeHandle> {
  if (where === "this process") {
    const fake = await startFakeHere();
    return { url: fake.url, setLatency: async (ms) => fake.setLatency(ms), close: () => fake.close() };
  }
  const child = await startFakesInChild<{ url: string }>(fileURLToPath(import.meta.url), SERVE_ENV);
  return {
    url: child.info.url,
    setLatency: async (ms) => void (await child.ask("latency", ms)),
    close: () => child.close(),
  };
}

export interface CriticalPathMeasurement {
  figures: BenchFigure[];
  rows: CriticalPathRow[];
  /** Each task alone, the fake answering as soon as it can. */
  isolated: Array<{ task: TaskName; httpMs: number; expertMs: number }>;
  perPlan: Array<{ plan: string; ratio: number; criticalPath: number; executeMs: number[] }>;
}

/**
 * Execution wall time over the plan's critical path × 200 ms, for every bench plan, the worst plan
 * as the headline. The real pipeline (in-process scripted LLM, `MODEL_SELECTION=top`, the default
 * `MAX_PARALLEL_TASKS`) runs each plan against the real hosted backend, which calls a fake Hugging
 * Face that takes 200 ms over every inference call. A scheduler that adds nothing, with a client that
 * costs nothing, would score 1.00.
 *
 * The fake runs in a process of its own, so that its work (decoding the photo, making masks and depth
 * maps) shares neither the event loop nor the measured time; `tsx bench/critical-path.ts here` runs it
 * in this process instead, for comparison, and prints the per-task breakdown either way.
 */
export async function benchCriticalPath(rounds = 7): Promise<BenchFigure[]> {
  return (await measureCriticalPath({ rounds })).figures;
}

/** One run of the critical-path bench, with every measured request behind its figures. */
export async function measureCriticalPath(options: {
  rounds?: number;
  fakeIn?: "own process" | "this process";
}): Promise<CriticalPathMeasurement> {
  const rounds = options.rounds ?? 7;
  const fakeIn = options.fakeIn ?? "own process";
  const fake = await startFake(fakeIn);
  // Other work on the machine lengthens every drawing; the load average says how much there was.
  const loadBefore = loadavg()[0] ?? Number.NaN;
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
    // The default MAX_PARALLEL_TASKS: a plan wider than it waits on the limiter, as it would in use.
    const maxParallel = DEFAULT_SETTINGS.maxParallel;
    const pipeline = benchPipeline(llm, backend, { selection: "top", mode: "hosted" });
    const media: Media = { photo: BENCH_PHOTO, clip: new Uint8Array(toneWav(1)) };

    // One unmeasured pass warms the JIT (here and in the render workers), sharp, the HTTP keep-alive
    // pool and the catalog.
    const rows: CriticalPathRow[] = [];
    const chosen = new Map<TaskName, string>();
    for (let round = 0; round < rounds + 1; round += 1) {
      for (const plan of BENCH_PLANS) {
        current = plan;
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
        const runs = timings.slice(timingsBefore);
        rows.push({
          plan: plan.name,
          tasks: plan.tasks.length,
          criticalPath,
          executeMs: result.stats.ms.execute,
          ratio: result.stats.ms.execute / (criticalPath * LATENCY_MS),
          overlap:
            result.stats.ms.execute /
            longestChain(plan, (id) => result.results.find((task) => task.id === id)?.ms ?? 0),
          calls: runs.reduce((sum, run) => sum + run.requests, 0),
          breakdown: breakdownOf(result.results, runs),
        });
      }
    }

    const floorMs = await bareCallMs(fake.url);
    await fake.setLatency(0);
    const isolated = await isolatedCosts(backend, timings, media, chosen);

    // Per plan, the median over the rounds; the figures are then over the plans.
    const perPlan = BENCH_PLANS.map((plan) => {
      const mine = rows.filter((row) => row.plan === plan.name);
      return {
        plan: plan.name,
        ratio: median(mine.map((row) => row.ratio)),
        criticalPath: criticalPathLength(plan),
        executeMs: mine.map((row) => row.executeMs),
      };
    });
    const ratios = perPlan.map((entry) => entry.ratio);
    const overlaps = BENCH_PLANS.map((plan) => ({
      plan: plan.name,
      overlap: median(rows.filter((row) => row.plan === plan.name).map((row) => row.overlap)),
    }));
    const leastOverlap = overlaps.reduce((a, b) => (b.overlap > a.overlap ? b : a));
    const worst = perPlan.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    const mean = ratios.reduce((sum, ratio) => sum + ratio, 0) / ratios.length;
    const over = perPlan.filter((entry) => entry.ratio > 1.1);
    const parts = rows.flatMap((row) => row.breakdown);
    const part = (pick: (entry: TaskBreakdown) => number) => fixed(median(parts.map(pick)), 1);
    const extraCalls = rows.filter((row) => row.calls !== row.tasks).length;
    const costliest = [...isolated]
      .sort((a, b) => b.httpMs + b.expertMs - (a.httpMs + a.expertMs))
      .slice(0, 3);
    const figures: BenchFigure[] = [
      {
        name: "Execution wall time / critical path, worst plan (fake HF, 200 ms per call)",
        value: worst.ratio,
        unit: "× (max over plans)",
        target: TARGET,
        detail:
          `${worst.plan}; median ${fixed(median(ratios), 3)}, mean ${fixed(mean, 3)} over ${perPlan.length} plans × ${rounds} rounds (median per plan); ` +
          `MAX_PARALLEL_TASKS ${maxParallel} (the default); load average ${fixed(loadBefore, 1)} → ${fixed(loadavg()[0] ?? Number.NaN, 1)} on ${availableParallelism()} cores; the fake in ${fakeIn === "own process" ? "a process of its own" : "this process"}, its own work inside the 200 ms; ` +
          `floor: a bare fetch to the fake takes ${fixed(floorMs, 1)} ms (${fixed(floorMs / LATENCY_MS, 3)}); ` +
          `${over.length} plans above 1.10${over.length ? ` (${over.map((entry) => `${entry.plan} ${fixed(entry.ratio, 2)}`).join(", ")})` : ""}; ` +
          `wall time over the longest chain of the tasks' own durations in the same run (1.00: parallel tasks overlap fully): at most ${fixed(leastOverlap.overlap, 3)} (${leastOverlap.plan}); ` +
          `per task beyond the 200 ms (median): ${part((entry) => entry.extraMs)} ms = HTTP ${part((entry) => entry.httpMs)} + expert ${part((entry) => entry.expertMs)} + executor ${part((entry) => entry.executorMs)}` +
          (costliest.length
            ? `; costliest tasks alone, the fake answering at once (HTTP+fake / expert): ${costliest.map((cost) => `${cost.task} ${fixed(cost.httpMs)}/${fixed(cost.expertMs)} ms`).join(", ")}`
            : "") +
          (extraCalls ? `; ${extraCalls} requests made other than one inference call per task` : ""),
      },
      ...perPlan.map((entry) => ({
        name: `  critical path: ${entry.plan}`,
        value: entry.ratio,
        unit: "×",
        target: TARGET,
        detail: `${entry.criticalPath} × 200 ms; execute ${entry.executeMs.map((ms) => fixed(ms)).join("/")} ms; over the chain of its tasks' own durations ${fixed(overlaps.find((o) => o.plan === entry.plan)?.overlap ?? Number.NaN, 3)}`,
      })),
    ];
    return { figures, rows, isolated, perPlan };
  } finally {
    await fake.close();
  }
}

function printMeasurement({ figures, rows, isolated }: CriticalPathMeasurement): void {
  console.log(
    "plan | critical path | execute ms per round | ratio | per task: extra = HTTP + expert + executor (ms)",
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
  console.log("\ntask alone, the fake answering at once | HTTP+fake ms | expert ms");
  for (const cost of isolated)
    console.log(`${cost.task} | ${fixed(cost.httpMs, 1)} | ${fixed(cost.expertMs, 1)}`);
  console.log(figures[0]);
}

if (process.env[SERVE_ENV] === "1") {
  const fake = await startFakeHere();
  serveFakesToParent({
    info: { url: fake.url },
    answer(command, argument) {
      if (command === "latency") fake.setLatency(argument ?? LATENCY_MS);
      else throw new Error(`unknown command ${command}`);
      return 0;
    },
    close: () => fake.close(),
  });
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // `tsx bench/critical-path.ts [here]`: the per-plan, per-task breakdown behind the figures.
  const fakeIn = process.argv[2] === "here" ? "this process" : "own process";
  printMeasurement(await measureCriticalPath({ fakeIn }));
}
