import type { LlmUsage } from "../llm/types.js";
import type { ModelInfo } from "../models/types.js";
import type { ExpertSource } from "../summary.js";
import type { ArgName, Resource, TaskName } from "../tasks/index.js";
import { extensionOf } from "../tasks/media-type.js";

/** Where a task ran: a word of the summary's vocabulary (src/summary.ts), which experts report. */
export type { ExpertSource } from "../summary.js";

/** An expert's arguments, already resolved to resources of the kinds the task declares. */
export type ExpertArgs = Partial<Record<ArgName, Resource>>;

export interface ExpertRunOptions {
  signal: AbortSignal;
  /** Counts LLM requests when the expert is the LLM itself, so the run's total stays exact. */
  usage?: LlmUsage;
}

/**
 * The one naming rule of result files: `text-to-speech.wav`, and `object-detection-annotated.png` for
 * the input drawn with a result. Experts name their files so; the executor puts the task id in front
 * (`1-text-to-speech.wav`), which makes the name unique within a request.
 */
export function outputFileName(task: TaskName, mime: string, annotated = false): string {
  return `${task}${annotated ? "-annotated" : ""}.${extensionOf(mime)}`;
}

/** One model that runs one task. Experts know nothing of plans: they take resources, give a resource. */
export interface Expert {
  readonly task: TaskName;
  readonly model: string;
  readonly source: ExpertSource;
  run(args: ExpertArgs, options: ExpertRunOptions): Promise<Resource>;
}

/** A backend that can make experts: the hosted inference API, the local runners, the LLM. */
export interface ExpertBackend {
  readonly source: ExpertSource;
  /** Whether this backend can run the task at all (before any model is chosen). */
  supports(task: TaskName): boolean;
  /** An expert for this model, or undefined when the backend cannot run it. */
  expert(task: TaskName, model: string): Expert | undefined;
  /**
   * Models the backend brings itself (local runners); hosted backends are served from the catalog.
   * With the planner's `intent` ("read-text"), the models made for it come first, even those that
   * otherwise serve the task only in part.
   */
  models?(task: TaskName, intent?: string): ModelInfo[];
  /**
   * Models it brings that serve the task only in part (OCR for image captioning): tried after every
   * other candidate, so they answer only when nothing better can (unless made for the `intent`).
   */
  fallbackModels?(task: TaskName, intent?: string): ModelInfo[];
  /** Resolves once the backend knows what it can run (local runners are probed at start). */
  ready?(): Promise<void>;
}

/**
 * Why an expert failed, so that the executor can decide: wait and retry the same model (`loading`),
 * back off and retry (`rate_limited`), or move on to the next candidate (`failed`, `bad_input`).
 */
export type ExpertFailureReason = "loading" | "rate_limited" | "failed" | "bad_input";

export class ExpertError extends Error {
  override readonly name = "ExpertError";
  readonly reason: ExpertFailureReason;
  /** How long the service asked us to wait before trying again, when it said so. */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(
    reason: ExpertFailureReason,
    message: string,
    options: { retryAfterMs?: number; status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}
