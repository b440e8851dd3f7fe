/**
 * What the bot tells operators about its own work, as it happens: measurements (counted by the
 * Prometheus metrics) and spans (exported as OpenTelemetry traces when tracing is on). Core, the
 * pipeline, the LLM client and, through core's vocabulary, the adapters call this interface; src/ops
 * implements it with prom-client and OpenTelemetry, so none of them depends on either. It lives on the
 * ground floor because all of those rooms report, and the pipeline may not import core.
 *
 * Every label an event carries is from a small fixed set (a platform, a stage, a task name, a source,
 * a status): never a user, a channel or free text, so the metrics' series stay bounded.
 */
import type { ExpertSource } from "./summary.js";

/** The pipeline's stages, as measured: `screen` is the safety check of outgoing images. */
export type TelemetryStage = "plan" | "select" | "execute" | "screen" | "respond";

/**
 * How a message the bot took as a request ended: a turn's outcome (answered, failed, cancelled), or
 * admission's refusal before any work (each refusal told to the user, a duplicate dropped silently).
 */
export type RequestOutcome =
  | "answered"
  | "failed"
  | "cancelled"
  | "duplicate"
  | "rate-limited"
  | "queue-full"
  | "too-large"
  | "shutting-down"
  | "unavailable";

/**
 * How one call of a model ended: it answered, it failed, the model was still loading or rate-limited
 * (the executor waits and calls again), the task ran out of time, or the request was stopped.
 */
export type ModelCallStatus = "ok" | "failed" | "loading" | "rate-limited" | "timeout" | "cancelled";

/**
 * One measurement. `platform` is a `Platform` of core's vocabulary (discord, slack, console, web,
 * test); the ground floor cannot name core's type.
 */
export type TelemetryEvent =
  /** A message taken as a request ended (a turn's outcome) or was refused at admission. */
  | { type: "request"; platform: string; outcome: RequestOutcome }
  /** A request's turn: how long it waited in the queue, and how long its work took once started. */
  | { type: "turn"; platform: string; queuedMs: number; workMs: number }
  /** One stage of one pipeline run, whether it finished or threw. */
  | { type: "stage"; stage: TelemetryStage; ms: number }
  /** The LLM requests one stage of one run sent (retries included) and the tokens they used. */
  | { type: "llm"; stage: TelemetryStage; calls: number; promptTokens: number; completionTokens: number }
  /** One call of an expert's model (each try of a retry counts). */
  | { type: "model-call"; source: ExpertSource; task: string; status: ModelCallStatus; ms: number }
  /** One edit of a request's progress message sent to its platform (the final one included). */
  | { type: "progress-edit"; platform: string; ok: boolean }
  /** The platform's API answered HTTP 429 (the client waits and retries). */
  | { type: "platform-rate-limited"; platform: string };

export type SpanAttributes = Record<string, string | number | boolean>;

export interface SpanOptions {
  attributes?: SpanAttributes;
  /** `client` for calls out of the process (the LLM), as OpenTelemetry's conventions want; else internal. */
  kind?: "internal" | "client";
}

/** The span a piece of work runs in: what it learns on the way is added to it. */
export interface TelemetrySpan {
  setAttributes(attributes: SpanAttributes): void;
  /** Marks the span failed, for work that ends badly without throwing (a turn never throws). */
  fail(description: string): void;
}

/** What reporting parts of the bot are given; `NO_TELEMETRY` when nothing listens. */
export interface Telemetry {
  record(event: TelemetryEvent): void;
  /**
   * Runs `work` as a span of the trace, a child of the span running where it is called (so a stage's
   * span nests in its request's, a task's in its stage's); a span whose work throws is marked failed.
   * Without tracing, it only runs `work`.
   */
  span<T>(name: string, options: SpanOptions, work: (span: TelemetrySpan) => Promise<T>): Promise<T>;
}

const NO_SPAN: TelemetrySpan = { setAttributes: () => undefined, fail: () => undefined };

/** Telemetry that records nothing and traces nothing: the default of every part that reports. */
export const NO_TELEMETRY: Telemetry = {
  record: () => undefined,
  span: (_name, _options, work) => work(NO_SPAN),
};
