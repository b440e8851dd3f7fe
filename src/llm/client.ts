import OpenAI from "openai";
import { BotError, isAbortError } from "../errors.js";
import type { Logger } from "../log.js";
import { silentLogger } from "../log.js";
import { sleep } from "../time.js";
import type { ChatRequest, LlmClient } from "./types.js";

export interface OpenAiLlmOptions {
  apiKey?: string;
  baseURL: string;
  model: string;
  timeoutMs: number;
  /** Attempts per call, the first included. The openai client's own retries are off so each is counted. */
  maxAttempts?: number;
  fetch?: typeof fetch;
  logger?: Logger;
}

const RETRYABLE_STATUS = new Set([408, 409, 429, 500, 502, 503, 504]);

/** Whether a 400 says the endpoint does not know `response_format` json_schema (Ollama, older vLLM, ...). */
function rejectsStructuredOutput(error: unknown): boolean {
  return (
    error instanceof OpenAI.APIError &&
    (error.status === 400 || error.status === 422) &&
    /response_format|json_schema|structured/i.test(error.message)
  );
}

function retryDelayMs(error: unknown, attempt: number): number {
  const header = error instanceof OpenAI.APIError ? error.headers?.get("retry-after") : undefined;
  if (header !== undefined && header !== null && header.trim() !== "") {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, 20_000);
  }
  return Math.min(500 * 2 ** (attempt - 1), 8_000);
}

/**
 * The OpenAI-compatible chat client. Retries on 429/5xx/connection errors with backoff, counting
 * every request sent in `request.usage`. Uses structured output (`json_schema`) when asked and falls
 * back to plain JSON mode once the endpoint says it does not support it.
 */
export function createOpenAiLlm(options: OpenAiLlmOptions): LlmClient {
  const logger = options.logger ?? silentLogger;
  const maxAttempts = options.maxAttempts ?? 3;
  const client = new OpenAI({
    apiKey: options.apiKey ?? "not-needed",
    baseURL: options.baseURL,
    maxRetries: 0,
    timeout: options.timeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  let structuredOutput = true;

  async function send(request: ChatRequest): Promise<string> {
    const responseFormat = request.json
      ? structuredOutput
        ? {
            type: "json_schema" as const,
            json_schema: { name: request.json.name, schema: request.json.schema, strict: false },
          }
        : undefined
      : undefined;
    if (request.usage) request.usage.calls += 1;
    const completion = await client.chat.completions.create(
      {
        model: options.model,
        messages: request.messages,
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
        ...(responseFormat ? { response_format: responseFormat } : {}),
      },
      request.signal ? { signal: request.signal } : {},
    );
    if (request.usage && completion.usage) {
      request.usage.promptTokens = (request.usage.promptTokens ?? 0) + completion.usage.prompt_tokens;
      request.usage.completionTokens =
        (request.usage.completionTokens ?? 0) + completion.usage.completion_tokens;
    }
    const content = completion.choices[0]?.message?.content;
    if (typeof content !== "string") {
      throw new BotError("llm_unavailable", "the LLM answered without any message content");
    }
    return content;
  }

  return {
    model: options.model,
    async chat(request) {
      let attempt = 0;
      for (;;) {
        attempt += 1;
        try {
          return await send(request);
        } catch (error) {
          if (request.signal?.aborted) throw request.signal.reason ?? error;
          if (request.json && structuredOutput && rejectsStructuredOutput(error)) {
            logger.info("the LLM endpoint does not support json_schema output; asking for plain JSON");
            structuredOutput = false;
            attempt -= 1;
            continue;
          }
          const timedOut = error instanceof OpenAI.APIConnectionTimeoutError || isAbortError(error);
          const retryable =
            timedOut ||
            error instanceof OpenAI.APIConnectionError ||
            (error instanceof OpenAI.APIError &&
              error.status !== undefined &&
              RETRYABLE_STATUS.has(error.status));
          // A timeout already cost a whole LLM_TIMEOUT_SECONDS: try once more at most, not maxAttempts times.
          const attemptsAllowed = timedOut ? Math.min(2, maxAttempts) : maxAttempts;
          if (!retryable || attempt >= attemptsAllowed) throw toBotError(error, timedOut);
          const delay = retryDelayMs(error, attempt);
          logger.warn("LLM request failed; retrying", { attempt, delayMs: delay, error });
          await sleep(delay, request.signal);
        }
      }
    },
  };
}

function toBotError(error: unknown, timedOut: boolean): BotError {
  if (error instanceof BotError) return error;
  if (timedOut) return new BotError("llm_timeout", "the LLM did not answer in time", { cause: error });
  if (error instanceof OpenAI.AuthenticationError || error instanceof OpenAI.PermissionDeniedError) {
    return new BotError("llm_unavailable", `the LLM refused the credentials (${error.status})`, {
      cause: error,
      userMessage:
        "The language model refused the bot's credentials. The operator should check OPENAI_API_KEY.",
    });
  }
  if (error instanceof OpenAI.NotFoundError) {
    return new BotError("llm_unavailable", `the LLM endpoint answered 404: ${error.message}`, {
      cause: error,
      userMessage:
        "The language model was not found. The operator should check LLM_MODEL and OPENAI_BASE_URL.",
    });
  }
  if (error instanceof OpenAI.RateLimitError) {
    return new BotError("llm_unavailable", "the LLM is rate limiting us", {
      cause: error,
      userMessage: "The language model is busy (rate limited). Please try again in a minute.",
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new BotError("llm_unavailable", `the LLM request failed: ${detail}`, { cause: error });
}
