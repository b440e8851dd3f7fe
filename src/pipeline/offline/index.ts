export { answerOffline } from "./answer.js";
export {
  describeOfflineAbilities,
  LLM_HINT,
  OFFLINE_INTENTS,
  type OfflineIntent,
  type OfflinePlanOptions,
  type OfflinePlanOutcome,
  type OfflinePlanRequest,
  planOffline,
  type Servable,
  taskTitle,
} from "./planner.js";

import type { Planner } from "../planner.js";
import { type OfflinePlanOptions, planOffline } from "./planner.js";
import { loadWords } from "./words.js";

export { loadWords } from "./words.js";

/** The planner's name in summaries ("planner: offline rules"). */
export const OFFLINE_PLANNER_NAME = "offline rules";

/**
 * The offline planner behind the Planner interface: it starts loading its English model at once, so
 * that the first request does not wait for it, and plans once it is there.
 */
export function createOfflinePlanner(options: OfflinePlanOptions): Planner {
  const ready = loadWords();
  return {
    name: OFFLINE_PLANNER_NAME,
    async plan(request) {
      await ready;
      const outcome = planOffline(request, options);
      return outcome.ok
        ? { kind: "plan", plan: outcome.plan, notes: outcome.notes ?? [] }
        : { kind: "reply", message: outcome.message, question: outcome.question === true };
    },
  };
}
