/**
 * One error family for the whole bot. `code` says what went wrong for programs, `userMessage` says it
 * for people: short, friendly, never a stack trace or a secret. The technical detail stays in
 * `message` and `cause`, for the log.
 */
export type ErrorCode =
  | "config_invalid"
  | "llm_unavailable"
  | "llm_timeout"
  | "plan_invalid"
  | "no_model"
  | "model_failed"
  | "input_invalid"
  | "input_too_large"
  | "url_refused"
  | "fetch_failed"
  | "cancelled"
  | "rate_limited"
  | "queue_full"
  | "internal";

const DEFAULT_USER_MESSAGES: Record<ErrorCode, string> = {
  config_invalid: "The bot is not configured correctly.",
  llm_unavailable: "The language model could not be reached. Please try again in a moment.",
  llm_timeout: "The language model took too long to answer. Please try again.",
  plan_invalid: "I could not work out a plan for that request. Could you rephrase it?",
  no_model: "No model is available for one of the tasks.",
  model_failed: "The model for one of the tasks failed.",
  input_invalid: "One of the files could not be read.",
  input_too_large: "One of the files is too large.",
  url_refused: "That link cannot be fetched.",
  fetch_failed: "A file could not be downloaded.",
  cancelled: "The request was cancelled.",
  rate_limited: "Too many requests right now. Please try again shortly.",
  queue_full: "I am too busy to take this request right now. Please try again in a few minutes.",
  internal: "Something went wrong on my side.",
};

export class BotError extends Error {
  override readonly name = "BotError";
  readonly code: ErrorCode;
  readonly userMessage: string;

  constructor(code: ErrorCode, message: string, options: { userMessage?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.userMessage = options.userMessage ?? DEFAULT_USER_MESSAGES[code];
  }
}

export function isBotError(error: unknown): error is BotError {
  return error instanceof BotError;
}

/** The text a user may see for any error: a BotError's own words, otherwise a generic sentence. */
export function userMessageOf(error: unknown): string {
  if (isBotError(error)) return error.userMessage;
  if (isAbortError(error)) return DEFAULT_USER_MESSAGES.cancelled;
  return DEFAULT_USER_MESSAGES.internal;
}

export function isAbortError(error: unknown): boolean {
  return (
    (error instanceof Error || error instanceof DOMException) &&
    (error.name === "AbortError" || error.name === "TimeoutError")
  );
}

/** A one-line description of an error for logs and summaries (never a stack). */
export function errorSummary(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0] ?? error.name;
  return String(error);
}
