import type { Config } from "../config/index.js";
import type { TaskName } from "../tasks/index.js";

/** The knobs of one pipeline, taken from the configuration by the composition root. */
export interface PipelineSettings {
  /**
   * Where tasks run: `hybrid` tries the strongest competent candidate first, `local-first` this
   * machine's experts first whenever they are competent, `local` never calls out, `hosted` only
   * Hugging Face.
   */
  mode: "local" | "local-first" | "hosted" | "hybrid";
  selection: "llm" | "top";
  /** Candidates per task (top K by downloads). */
  candidates: number;
  /** Text-only tasks go to the LLM itself. */
  llmTextTasks: boolean;
  /** Budget of one task: every attempt and wait included. */
  taskTimeoutMs: number;
  /** Tasks of one backend running at the same time. */
  maxParallel: number;
  /** Longest wait for a model that the service says is loading, per attempt. */
  maxLoadingWaitMs: number;
  /** Largest task count a plan may have. */
  maxTasks: number;
  /**
   * Whether the images about to be posted are screened (SAFETY_CHECK), when the pipeline has a screen
   * (`PipelineDependencies.screenImage`).
   */
  safetyCheck: boolean;
  /** The only tasks a plan may run; a planned task outside them is refused in the summary. Undefined: every task. */
  allowedTasks?: readonly TaskName[];
  /** The language the answer is written in, as a BCP-47 tag; undefined: the user's own language. */
  language?: string;
}

/**
 * What one request may set for itself over the pipeline's settings: the settings an admin chose for
 * its workspace or channel (`/settings`). A field left out keeps the pipeline's.
 */
export type RequestSettings = Partial<
  Pick<PipelineSettings, "mode" | "selection" | "safetyCheck" | "allowedTasks" | "language">
>;

/** The settings of one request: the pipeline's, with what the request sets in their place. */
export function settingsForRequest(
  base: PipelineSettings,
  request: RequestSettings | undefined,
): PipelineSettings {
  if (!request) return base;
  const merged: PipelineSettings = { ...base };
  if (request.mode !== undefined) merged.mode = request.mode;
  if (request.selection !== undefined) merged.selection = request.selection;
  if (request.safetyCheck !== undefined) merged.safetyCheck = request.safetyCheck;
  if (request.allowedTasks !== undefined) merged.allowedTasks = request.allowedTasks;
  if (request.language !== undefined) merged.language = request.language;
  return merged;
}

export const DEFAULT_SETTINGS: PipelineSettings = {
  mode: "hybrid",
  selection: "llm",
  candidates: 5,
  llmTextTasks: false,
  taskTimeoutMs: 180_000,
  maxParallel: 4,
  maxLoadingWaitMs: 60_000,
  maxTasks: 20,
  safetyCheck: true,
};

/** The pipeline's settings as the configuration sets them; the rest keep their defaults. */
export function pipelineSettingsFrom(config: Config): PipelineSettings {
  return {
    ...DEFAULT_SETTINGS,
    mode: config.INFERENCE_MODE,
    selection: config.MODEL_SELECTION,
    candidates: config.MODEL_CANDIDATES,
    llmTextTasks: config.LLM_TEXT_TASKS,
    taskTimeoutMs: config.TASK_TIMEOUT_SECONDS * 1000,
    maxParallel: config.MAX_PARALLEL_TASKS,
    safetyCheck: config.SAFETY_CHECK,
  };
}
