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

/** The planner's name in summaries ("planner: offline rules"). */
export const OFFLINE_PLANNER_NAME = "offline rules";
