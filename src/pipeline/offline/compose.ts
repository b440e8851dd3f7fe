/**
 * Steps to a plan, by the registry's kinds: each step becomes one task, or one task per input when
 * it works on each of several attachments, and a step fed by such a step runs once per run of it.
 * Dependencies are where one task's output feeds another's argument; nothing else makes an edge.
 */
import type { ArgName } from "../../tasks/index.js";
import { argValueText } from "../arg-value.js";
import { parsePlanFor } from "../plan-parse.js";
import { PLAN_LIMITS } from "../plan-schema.js";
import type { ArgValue, NamedInput, Plan, PlannedTask } from "../types.js";
import type { Source, Step } from "./sources.js";

function runsOf(source: Source, idsOfStep: readonly number[][]): number {
  if (source.type === "each") return source.inputs.length;
  if (source.type === "literals") return source.texts.length;
  if (source.type === "step") return idsOfStep[source.step]?.length ?? 1;
  return 1;
}

function argValue(source: Source, run: number, idsOfStep: readonly number[][]): ArgValue {
  switch (source.type) {
    case "literal":
      return { type: "literal", text: source.text };
    case "input":
      return { type: "input", name: source.name };
    case "each": {
      const input = source.inputs[run] ?? source.inputs[0];
      return { type: "input", name: input?.name ?? "" };
    }
    case "step": {
      const ids = idsOfStep[source.step] ?? [];
      return { type: "ref", task: ids[run] ?? ids[0] ?? 0 };
    }
    case "literals":
      return { type: "literal", text: source.texts[run] ?? source.texts[0] ?? "" };
    case "choice":
      // The planner asks before composing; should one slip through, the first is taken.
      return { type: "input", name: source.options[0]?.name ?? "" };
  }
}

const sameArgs = (a: PlannedTask["args"], b: PlannedTask["args"]) => JSON.stringify(a) === JSON.stringify(b);

/** The plan of the steps; a task equal to an earlier one (same task, intent and inputs) is planned once. */
export function composePlan(steps: readonly Step[]): Plan {
  const tasks: PlannedTask[] = [];
  const idsOfStep: number[][] = [];
  for (const step of steps) {
    const sources = Object.values(step.args).filter((source): source is Source => source !== undefined);
    const runs = Math.max(1, ...sources.map((source) => runsOf(source, idsOfStep)));
    const ids: number[] = [];
    for (let run = 0; run < runs; run++) {
      const args: PlannedTask["args"] = {};
      for (const [name, source] of Object.entries(step.args) as Array<[ArgName, Source | undefined]>) {
        if (source) args[name] = argValue(source, run, idsOfStep);
      }
      // Reading a sign and captioning it are two tasks, though both are image-to-text on one photo.
      const same = tasks.find(
        (task) => task.task === step.task && task.intent === step.intent.id && sameArgs(task.args, args),
      );
      if (same) {
        ids.push(same.id);
        continue;
      }
      const id = tasks.length + 1;
      const dep = new Set(
        Object.values(args).flatMap((value) => (value?.type === "ref" ? [value.task] : [])),
      );
      tasks.push({ id, task: step.task, dep: [...dep].sort((a, b) => a - b), args, intent: step.intent.id });
      ids.push(id);
    }
    idsOfStep.push(ids);
  }
  return { tasks };
}

/** A literal stands in as plain words: the check is of kinds and references, not of what is said. */
const LITERAL_STAND_IN = "(literal text)";

/** The plan through the LLM plan's own checks, so that both planners promise the executor the same. */
export function checkPlan(
  plan: Plan,
  inputs: readonly NamedInput[],
  maxTasks: number,
): { ok: true; plan: Plan } | { ok: false; error: string } {
  const tooLong = plan.tasks.some((task) =>
    Object.values(task.args).some(
      (value) => value?.type === "literal" && value.text.length > PLAN_LIMITS.maxArgChars,
    ),
  );
  if (tooLong) return { ok: false, error: `a text is longer than ${PLAN_LIMITS.maxArgChars} characters` };
  const raw = plan.tasks.map((task) => ({
    id: task.id,
    task: task.task,
    args: Object.fromEntries(
      Object.entries(task.args).map(([name, value]) => [
        name,
        !value
          ? null
          : value.type === "literal" && name !== "language"
            ? LITERAL_STAND_IN
            : argValueText(value),
      ]),
    ),
  }));
  const checked = parsePlanFor(
    JSON.stringify(raw),
    inputs.map((input) => ({ name: input.name, kind: input.resource.kind })),
    { maxTasks },
  );
  if (!checked.ok) return checked;
  const byId = new Map(plan.tasks.map((task) => [task.id, task]));
  const tasks = checked.plan.tasks.map((task): PlannedTask => {
    const own = byId.get(task.id);
    const args: PlannedTask["args"] = {};
    for (const [name, value] of Object.entries(task.args) as Array<[ArgName, PlannedTask["args"][ArgName]]>) {
      const original = own?.args[name];
      args[name] = value?.type === "literal" && original?.type === "literal" ? original : value;
    }
    return { ...task, args, ...(own?.intent ? { intent: own.intent } : {}) };
  });
  return { ok: true, plan: { tasks } };
}
