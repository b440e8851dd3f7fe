import { pathToFileURL } from "node:url";
import type { PlannedTask } from "../src/pipeline/types.js";
import {
  fixtureComposition,
  PLANNER_CASES,
  type PlannerCase,
  planCase,
} from "../test/unit/pipeline/offline/fixture.js";
import type { BenchFigure } from "./harness.js";

/** True positives, false positives and false negatives, summed over the requests (micro-averaging). */
interface Counts {
  tp: number;
  fp: number;
  fn: number;
}

/** One request of the fixture, planned: what the planner gave against what it should give. */
export interface PlannerOutcome {
  testCase: PlannerCase;
  /** The tasks planned; empty when the planner refused. */
  predicted: PlannedTask[];
  refused: boolean;
  /** The exact graph (task names, arguments, dependencies), or the refusal, as expected. */
  exact: boolean;
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

export function planFixture(cases: readonly PlannerCase[] = PLANNER_CASES): PlannerOutcome[] {
  return cases.map((testCase) => {
    const outcome = planCase(testCase);
    const predicted = outcome.ok ? outcome.plan.tasks : [];
    const exact =
      testCase.tasks.length === 0
        ? !outcome.ok && (testCase.refusal?.test(outcome.message) ?? true)
        : outcome.ok && JSON.stringify(predicted) === JSON.stringify(testCase.tasks);
    return { testCase, predicted, refused: !outcome.ok, exact };
  });
}

function describePlan(tasks: readonly PlannedTask[], refused: boolean): string {
  if (refused || tasks.length === 0) return "refused";
  return tasks
    .map((task) => `${task.task}${task.dep.length > 0 ? `(←${task.dep.join(",")})` : ""}`)
    .join(", ");
}

/**
 * TaskBench's planning metrics over the offline planner's fixture (test/unit/pipeline/offline/fixture.ts):
 * node F1 over the task names of each plan and edge F1 over its dependency edges (task name → task
 * name), both as multisets per request and micro-averaged over all requests. An expected refusal
 * that is refused adds nothing (correct, no nodes, no edges); a plan made for it counts all its nodes
 * and edges as false positives; a refusal of a request that has a plan counts its nodes and edges as
 * false negatives.
 */
export async function benchOfflinePlanner(): Promise<BenchFigure[]> {
  const outcomes = planFixture();
  const nodeCounts: Counts = { tp: 0, fp: 0, fn: 0 };
  const edgeCounts: Counts = { tp: 0, fp: 0, fn: 0 };
  for (const { testCase, predicted } of outcomes) {
    addMatch(nodeCounts, nodes(predicted), nodes(testCase.tasks));
    addMatch(edgeCounts, edges(predicted), edges(testCase.tasks));
  }
  const mismatched = outcomes.filter((outcome) => !outcome.exact);
  const composition = Object.entries(fixtureComposition())
    .map(([kind, count]) => `${count} ${kind}`)
    .join(", ");
  const list = mismatched
    .map(
      ({ testCase, predicted, refused }) =>
        `"${testCase.text}" (expected ${describePlan(testCase.tasks, testCase.tasks.length === 0)}; got ${describePlan(predicted, refused)})`,
    )
    .join("; ");
  const summary = `${outcomes.length} requests (${composition}), ${mismatched.length} mismatched${list ? `: ${list}` : ""}`;
  const counts = ({ tp, fp, fn }: Counts) => `TP ${tp}, FP ${fp}, FN ${fn}`;
  return [
    {
      name: "Offline planner: node F1 (task names, micro-averaged)",
      value: Number(f1(nodeCounts).toFixed(3)),
      unit: "F1",
      target: "≥ 0.9",
      detail: `${counts(nodeCounts)}; ${summary}`,
    },
    {
      name: "Offline planner: edge F1 (dependencies, micro-averaged)",
      value: Number(f1(edgeCounts).toFixed(3)),
      unit: "F1",
      target: "≥ 0.9",
      detail: `${counts(edgeCounts)}; ${outcomes.length} requests, ${mismatched.length} mismatched (listed above)`,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // `tsx bench/offline-planner.ts`: the figures and every mismatched request.
  for (const figure of await benchOfflinePlanner()) console.log(figure);
}
