/**
 * The offline planner, measured with TaskBench's planning metrics: node F1 over the task names of
 * each plan and edge F1 over its dependencies (task name → task name), both as multisets per
 * request and micro-averaged. The headline is the newest held-out set (test/fixtures/planner/
 * heldoutN.json), written by a helper from a brief that lists only the tasks that run offline and
 * the attachment kinds, never the planner's rules, and measured blind: once a held-out set's
 * misses have been read, it becomes a development set (the older held-out sets are listed as such),
 * and a new one, written the same way by another hand, takes its place. Then the development sets,
 * written the same way, and the fixture the first rules were written against. Refusals and
 * questions plan nothing; a request that should be asked about counts as right when asked, and
 * otherwise is compared with the closest of its readings. */
import { pathToFileURL } from "node:url";
import { loadWords, planOffline, type Servable } from "../src/pipeline/offline/index.js";
import type { PlannedTask } from "../src/pipeline/types.js";
import { type ExpectedOutcome, loadRequestSet, type RequestCase } from "../test/fixtures/planner/sets.js";
import { LOCAL, PLANNER_CASES, planCase } from "../test/unit/pipeline/offline/fixture.js";
import type { BenchFigure } from "./harness.js";

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

/** TaskBench's node labels: the task names of a plan, as a multiset. */
function nodes(tasks: readonly PlannedTask[]): string[] {
  return tasks.map((task) => task.task);
}

/** TaskBench's edge labels: one "from → to" of task names per dependency, as a multiset. */
function edges(tasks: readonly PlannedTask[]): string[] {
  const byId = new Map(tasks.map((task) => [task.id, task.task]));
  return tasks.flatMap((task) => task.dep.map((dep) => `${byId.get(dep) ?? `#${dep}`} → ${task.task}`));
}

/** Adds one request's multiset match to the totals: an item counts as matched at most as often as expected. */
function addMatch(totals: Counts, predicted: readonly string[], expected: readonly string[]): void {
  const left = new Map<string, number>();
  for (const item of expected) left.set(item, (left.get(item) ?? 0) + 1);
  let tp = 0;
  for (const item of predicted) {
    const remaining = left.get(item) ?? 0;
    if (remaining > 0) {
      tp++;
      left.set(item, remaining - 1);
    }
  }
  totals.tp += tp;
  totals.fp += predicted.length - tp;
  totals.fn += expected.length - tp;
}

/** F1 from micro-averaged counts; 1 when there was nothing to find and nothing was found. */
function f1({ tp, fp, fn }: Counts): number {
  return tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn);
}

const sameMultiset = (a: readonly string[], b: readonly string[]) =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

/** What the planner did with one request. */
interface Outcome {
  predicted: PlannedTask[];
  question: boolean;
  ms: number;
}

/** The tasks a request should have, given what the planner did: the closest reading of an unclear one. */
function expectedTasks(expected: ExpectedOutcome, outcome: Outcome): PlannedTask[] {
  if (expected.outcome === "plan") return expected.tasks;
  if (expected.outcome === "refuse" || outcome.predicted.length === 0) return [];
  const names = nodes(outcome.predicted);
  return (
    [...expected.readings].sort(
      (a, b) =>
        nodes(b).filter((name) => names.includes(name)).length -
        nodes(a).filter((name) => names.includes(name)).length,
    )[0] ?? []
  );
}

export interface SetScore {
  name: string;
  requests: number;
  node: Counts;
  edge: Counts;
  exact: number;
  /** Requests that should be refused but got a plan. */
  confidentOutOfScope: number;
  outOfScope: number;
  asked: number;
  unclear: number;
  ms: number[];
  misses: string[];
}

function score(
  name: string,
  cases: readonly RequestCase[],
  plan: (testCase: RequestCase) => Outcome,
): SetScore {
  const result: SetScore = {
    name,
    requests: cases.length,
    node: { tp: 0, fp: 0, fn: 0 },
    edge: { tp: 0, fp: 0, fn: 0 },
    exact: 0,
    confidentOutOfScope: 0,
    outOfScope: 0,
    asked: 0,
    unclear: 0,
    ms: [],
    misses: [],
  };
  for (const testCase of cases) {
    const outcome = plan(testCase);
    result.ms.push(outcome.ms);
    const expected = expectedTasks(testCase.expected, outcome);
    addMatch(result.node, nodes(outcome.predicted), nodes(expected));
    addMatch(result.edge, edges(outcome.predicted), edges(expected));
    if (testCase.expected.outcome === "refuse") {
      result.outOfScope++;
      if (outcome.predicted.length > 0) result.confidentOutOfScope++;
    }
    if (testCase.expected.outcome === "clarify") {
      result.unclear++;
      if (outcome.question) result.asked++;
    }
    const right =
      sameMultiset(nodes(outcome.predicted), nodes(expected)) &&
      sameMultiset(edges(outcome.predicted), edges(expected)) &&
      (testCase.expected.outcome !== "clarify" || outcome.question);
    if (right) result.exact++;
    else result.misses.push(`${testCase.id}: "${testCase.text}"`);
  }
  return result;
}

/**
 * The setup the sets were written for (their writers' list of what runs offline): the six local
 * tasks, and image classification for whether a photo is safe to share; no video. (A bot with
 * ffmpeg installed transcribes a video's speech too: there "transcribe this video" is a plan.)
 */
export const OFFLINE_SETUP: Servable = (task, need) =>
  (LOCAL.has(task) && !(need?.fully && task === "image-to-text") && !need?.media?.startsWith("video/")) ||
  (task === "image-classification" && need?.labels !== undefined && /\bsafe\b/.test(need.labels));

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

function planSet(testCase: RequestCase): Outcome {
  const { value, ms } = timed(() =>
    planOffline(
      { text: testCase.text, inputs: testCase.inputs, history: testCase.history },
      { servable: OFFLINE_SETUP },
    ),
  );
  return {
    predicted: value.ok ? value.plan.tasks : [],
    question: !value.ok && value.question === true,
    ms,
  };
}

/** Every set scored: the held-out one first. */
export async function scoreOfflinePlanner(): Promise<SetScore[]> {
  await loadWords();
  const fixture: RequestCase[] = PLANNER_CASES.map((testCase, index) => ({
    id: `fixture-${index + 1}`,
    category: testCase.kind === "out-of-scope" ? "out-of-scope" : testCase.kind,
    text: testCase.text,
    inputs: testCase.inputs ?? [],
    history: testCase.history ?? [],
    expected:
      testCase.tasks.length === 0 ? { outcome: "refuse" } : { outcome: "plan", tasks: testCase.tasks },
  }));
  const planFixture = (testCase: RequestCase): Outcome => {
    const original = PLANNER_CASES[Number(testCase.id.slice("fixture-".length)) - 1];
    const { value, ms } = timed(() => (original ? planCase(original) : undefined));
    return {
      predicted: value?.ok ? value.plan.tasks : [],
      question: value?.ok === false && value.question === true,
      ms,
    };
  };
  return [
    score("held-out 8", loadRequestSet("heldout8"), planSet),
    score("held-out 7 (read after its blind run)", loadRequestSet("heldout7"), planSet),
    score("held-out 6 (read after its blind run)", loadRequestSet("heldout6"), planSet),
    score("held-out 5 (read after its blind run)", loadRequestSet("heldout5"), planSet),
    score("held-out 4 (read after its blind run)", loadRequestSet("heldout4"), planSet),
    score("held-out 3 (read after its blind run)", loadRequestSet("heldout3"), planSet),
    score("held-out 2 (read after its blind run)", loadRequestSet("heldout2"), planSet),
    score("held-out 1 (read after its blind run)", loadRequestSet("heldout"), planSet),
    score("development (everyday)", loadRequestSet("everyday-dev"), planSet),
    score("development (everyday 2)", loadRequestSet("everyday-dev2"), planSet),
    score("development (everyday 3)", loadRequestSet("everyday-dev3"), planSet),
    score("development (first fixture)", fixture, planFixture),
  ];
}

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

const counts = ({ tp, fp, fn }: Counts) => `TP ${tp}, FP ${fp}, FN ${fn}`;

export async function benchOfflinePlanner(): Promise<BenchFigure[]> {
  const [heldOut, ...development] = await scoreOfflinePlanner();
  if (!heldOut) return [];
  const all = [heldOut, ...development].flatMap((set) => set.ms);
  const developmentLine = development
    .map(
      (set) =>
        `${set.name}: ${set.requests} requests, node F1 ${f1(set.node).toFixed(3)}, edge F1 ${f1(set.edge).toFixed(3)}, ${set.exact} exactly right`,
    )
    .join("; ");
  return [
    {
      name: "Offline planner, held-out set: node F1 (task names, micro-averaged)",
      value: Number(f1(heldOut.node).toFixed(3)),
      unit: "F1",
      target: "≥ 0.9",
      detail: `${heldOut.name}: ${heldOut.requests} requests written without the rules, never tuned on; ${counts(heldOut.node)}; ${heldOut.exact} exactly right`,
    },
    {
      name: "Offline planner, held-out set: edge F1 (dependencies, micro-averaged)",
      value: Number(f1(heldOut.edge).toFixed(3)),
      unit: "F1",
      target: "≥ 0.9",
      detail: counts(heldOut.edge),
    },
    {
      name: "Offline planner, held-out set: out-of-scope requests answered with a plan",
      value: heldOut.confidentOutOfScope,
      unit: "requests",
      target: "≤ 0",
      detail: `of ${heldOut.outOfScope} that should be refused; ${heldOut.asked} of ${heldOut.unclear} unclear requests asked about`,
    },
    {
      name: "Offline planner, development sets: node F1 / edge F1",
      value: Number(f1(development.reduce((sum, set) => addCounts(sum, set.node), empty())).toFixed(3)),
      unit: "F1 (nodes)",
      target: "≥ 0.9",
      detail: developmentLine,
    },
    {
      name: "Offline planner: time per request",
      value: Number(percentile(all, 0.99).toFixed(2)),
      unit: "ms (p99)",
      target: "< 5 ms",
      detail: `median ${percentile(all, 0.5).toFixed(2)} ms over ${all.length} requests, warm (the English model loads once, at start)`,
    },
  ];
}

function empty(): Counts {
  return { tp: 0, fp: 0, fn: 0 };
}

function addCounts(a: Counts, b: Counts): Counts {
  return { tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // `tsx bench/offline-planner.ts`: the figures, and the development sets' misses (never the held-out set's).
  for (const figure of await benchOfflinePlanner()) console.log(figure);
  for (const set of (await scoreOfflinePlanner()).slice(1)) {
    console.log(`\n${set.name}: ${set.misses.length} not exactly right`);
    for (const miss of set.misses) console.log(`  ${miss}`);
  }
}
