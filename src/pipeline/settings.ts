import type { Config } from "../config/index.js";

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
  };
}
