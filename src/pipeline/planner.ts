/**
 * The one interface of stage 1: a request (its text, named inputs and thread) in, a checked plan or
 * a reply out. The LLM planner and the offline planner both implement it and both run their plans
 * through the same checks (plan-parse.ts); the pipeline picks one, in one place (`choosePlanner`).
 */
import type { LlmClient, LlmUsage } from "../llm/types.js";
import { type PlanRequest, plan as planWithLlm } from "./plan.js";
import type { Plan } from "./types.js";

export type { PlanRequest } from "./plan.js";

export interface PlannerRunOptions {
  signal?: AbortSignal;
  /** Counts LLM requests, the repair call included. */
  usage?: LlmUsage;
}

export type PlannerOutcome =
  /** A plan to run (empty: answer as plain chat), with what the user should learn of how it came to be. */
  | { kind: "plan"; plan: Plan; notes: string[] }
  /** No plan: a refusal that says why and what works, or (`question`) a question the next message answers. */
  | { kind: "reply"; message: string; question: boolean };

export interface Planner {
  /** How the summary names it: "llm (gpt-4o-mini)", "offline rules". */
  readonly name: string;
  plan(request: PlanRequest, options: PlannerRunOptions): Promise<PlannerOutcome>;
}

/** The LLM planner: one call, one repair call for an invalid answer (plan.ts). */
export function createLlmPlanner(llm: LlmClient, options: { maxTasks: number }): Planner {
  return {
    name: `llm (${llm.model})`,
    async plan(request, run) {
      const planned = await planWithLlm(request, {
        llm,
        maxTasks: options.maxTasks,
        ...(run.signal ? { signal: run.signal } : {}),
        ...(run.usage ? { usage: run.usage } : {}),
      });
      return { kind: "plan", plan: planned.plan, notes: planned.note ? [planned.note] : [] };
    },
  };
}
