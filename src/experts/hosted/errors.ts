import {
  InferenceClientHubApiError,
  InferenceClientInputError,
  InferenceClientProviderApiError,
  InferenceClientProviderOutputError,
} from "@huggingface/inference";
import { isAbortError, isBotError } from "../../errors.js";
import { ExpertError } from "../types.js";

/** What the last failed HTTP answer of a run said beyond its body (the client drops the headers). */
export interface ResponseObservation {
  retryAfterMs?: number;
}

/** Milliseconds from a `Retry-After` header: seconds, or an HTTP date. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(date - now, 0);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The service's own words from an error body: `{"error": "..."}`, OpenAI's `{"error": {"message"}}`, ... */
export function errorMessageOf(body: unknown): string | undefined {
  const message = rawErrorMessage(body)?.trim();
  // Services put whole stack traces or HTML pages in error bodies; a summary line needs only the start.
  return message ? message.slice(0, 300) : undefined;
}

function rawErrorMessage(body: unknown): string | undefined {
  if (typeof body === "string") return body;
  if (!isRecord(body)) return undefined;
  const { error, detail, message } = body;
  if (typeof error === "string") return error;
  if (Array.isArray(error) && error.every((item) => typeof item === "string")) return error.join("; ");
  if (isRecord(error) && typeof error.message === "string") return error.message;
  if (typeof detail === "string") return detail;
  if (typeof message === "string") return message;
  return undefined;
}

/**
 * An HTTP failure as the executor needs it: a loading model waits (503 with `estimated_time`), a rate
 * limit backs off (429), a rejected input (400, 413, 422) and anything else move to the next model.
 */
export function expertErrorFromStatus(
  model: string,
  status: number,
  body: unknown,
  retryAfterMs: number | undefined,
  cause?: unknown,
): ExpertError {
  const said = errorMessageOf(body);
  const detail = said ? `: ${said}` : "";
  const base = { status, ...(cause === undefined ? {} : { cause }) };
  if (status === 503) {
    const estimated = isRecord(body) ? body.estimated_time : undefined;
    const estimatedMs =
      typeof estimated === "number" && estimated >= 0 ? Math.round(estimated * 1000) : undefined;
    const wait = estimatedMs ?? retryAfterMs;
    if (wait !== undefined || /loading/i.test(said ?? "")) {
      const about = wait === undefined ? "" : ` (about ${Math.ceil(wait / 1000)} s)`;
      return new ExpertError("loading", `${model} is loading${about}`, {
        ...base,
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
      });
    }
  }
  if (status === 429) {
    return new ExpertError("rate_limited", `${model} is rate limited${detail}`, {
      ...base,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (status === 400 || status === 413 || status === 422) {
    return new ExpertError("bad_input", `${model} rejected the input (HTTP ${status})${detail}`, base);
  }
  return new ExpertError("failed", `${model} failed (HTTP ${status})${detail}`, base);
}

/**
 * Any error from a hosted call as an ExpertError. Aborts pass through untouched, so that the executor
 * can tell a cancelled or timed-out task from a failed model.
 */
export function toExpertError(
  error: unknown,
  model: string,
  observation: ResponseObservation,
  signal: AbortSignal,
): unknown {
  // Our own errors (a drawing that met a decompression bomb, say) already say what went wrong.
  if (error instanceof ExpertError || isBotError(error)) return error;
  if (signal.aborted || isAbortError(error)) return error;
  if (error instanceof InferenceClientProviderApiError) {
    return expertErrorFromStatus(
      model,
      error.httpResponse.status,
      error.httpResponse.body,
      observation.retryAfterMs,
      error,
    );
  }
  if (error instanceof InferenceClientHubApiError) {
    return new ExpertError(
      "failed",
      `${model}: the Hub could not say which provider serves it: ${error.message}`,
      {
        status: error.httpResponse.status,
        cause: error,
      },
    );
  }
  // Our own argument checks come first, so what the client refuses is the model or its routing
  // ("No Inference Provider available", a task the provider does not run): another model may do.
  if (error instanceof InferenceClientInputError) {
    return new ExpertError("failed", `${model}: ${error.message}`, { cause: error });
  }
  if (error instanceof InferenceClientProviderOutputError) {
    return new ExpertError("failed", `${model} answered in an unexpected format: ${error.message}`, {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (
    error instanceof TypeError &&
    /fetch failed|network|socket|ECONN/i.test(`${message} ${String(error.cause)}`)
  ) {
    return new ExpertError("failed", `${model} could not be reached: ${message}`, { cause: error });
  }
  return new ExpertError("failed", `${model} failed: ${message}`, { cause: error });
}
