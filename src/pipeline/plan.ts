import { BotError } from "../errors.js";
import type { LlmClient, LlmUsage } from "../llm/types.js";
import { shorten } from "../text.js";
import { type ParsePlanResult, parsePlan } from "./plan-parse.js";
import { PLAN_JSON_FORMAT, PLAN_LIMITS } from "./plan-schema.js";
import {
  buildPlanMessages,
  buildRepairMessages,
  type PlanPromptBudget,
  toPromptInput,
} from "./prompts/plan.js";
import type { ConversationTurn, NamedInput, Plan } from "./types.js";

export { type ParsePlanOptions, type ParsePlanResult, parsePlan, parsePlanFor } from "./plan-parse.js";
export { PLAN_JSON_FORMAT, PLAN_LIMITS, type PlanLimits } from "./plan-schema.js";

export interface PlanRequest {
  text: string;
  inputs: NamedInput[];
  history?: ConversationTurn[];
}

export interface PlanOptions {
  llm: LlmClient;
  signal?: AbortSignal;
  /** Incremented by the client for every request it sends, the repair call included. */
  usage?: LlmUsage;
  /** Most tasks a plan may have; PLAN_LIMITS.maxTasks by default. */
  maxTasks?: number;
  /** Token cap of each planning answer. */
  maxTokens?: number;
  budget?: PlanPromptBudget;
}

/** Enough for a plan of 20 tasks with short literal arguments; a longer answer fails and is repaired. */
const DEFAULT_MAX_TOKENS = 2_048;

/** Longest validation error quoted to the user; the full one stays in the error's message. */
const USER_ERROR_CHARS = 300;

/** A checked plan, and what the user should learn about how it came to be. */
export interface PlanOutcome {
  plan: Plan;
  /**
   * Set when the first plan was refused and the repair replaced it: what was refused and why, for
   * the summary ("The first plan was refused (the plan has 500 tasks; at most 20 …)").
   */
  note?: string;
}

/**
 * Stage 1 of HuggingGPT: one LLM call turns the request into a checked plan; an invalid answer
 * gets one repair call that shows the model its answer and what is wrong with it. An empty plan
 * (`{ tasks: [] }`) means the request needs no model and is answered as plain chat.
 *
 * @throws BotError `plan_invalid` when the repaired answer is still invalid, with a userMessage
 * that says why; LLM errors (`llm_unavailable`, `llm_timeout`) and aborts pass through.
 */
export async function plan(request: PlanRequest, options: PlanOptions): Promise<PlanOutcome> {
  const maxTasks = options.maxTasks ?? PLAN_LIMITS.maxTasks;
  const promptRequest = {
    text: request.text,
    inputs: request.inputs.map(toPromptInput),
    ...(request.history ? { history: request.history } : {}),
  };
  const messages = buildPlanMessages(
    promptRequest,
    options.budget ? { maxTasks, budget: options.budget } : { maxTasks },
  );
  const ask = async (chatMessages: typeof messages): Promise<string> =>
    options.llm.chat({
      messages: chatMessages,
      json: PLAN_JSON_FORMAT,
      temperature: 0,
      maxTokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.usage ? { usage: options.usage } : {}),
    });
  const check = (answer: string): ParsePlanResult => parsePlan(answer, request.inputs, { maxTasks });

  const first = await ask(messages);
  const firstResult = check(first);
  if (firstResult.ok) return { plan: firstResult.plan };

  const second = await ask(buildRepairMessages(messages, first, firstResult.error));
  const secondResult = check(second);
  if (secondResult.ok) {
    const count = secondResult.plan.tasks.length;
    const instead =
      count === 0
        ? "the request was answered without tasks"
        : `a repaired plan of ${count} ${count === 1 ? "task" : "tasks"} ran instead`;
    return {
      plan: secondResult.plan,
      note: `The first plan was refused (${shorten(firstResult.error, USER_ERROR_CHARS)}), so ${instead}.`,
    };
  }

  const reason = secondResult.error;
  throw new BotError(
    "plan_invalid",
    `plan invalid after one repair: ${reason} (first answer: ${firstResult.error})`,
    {
      userMessage: `I couldn't turn that into a plan I can run: ${shorten(reason, USER_ERROR_CHARS)}. Try rephrasing the request.`,
    },
  );
}
