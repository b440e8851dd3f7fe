export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A JSON Schema for structured output; sent as `response_format` where the endpoint supports it. */
export interface JsonFormat {
  name: string;
  schema: Record<string, unknown>;
}

/**
 * Counts the requests actually sent to the LLM (retries included) and the tokens the endpoint
 * reported for them (its `usage`; an endpoint that reports none adds nothing).
 */
export interface LlmUsage {
  calls: number;
  /** The completions' `usage.prompt_tokens`, summed (absent until an endpoint reports it). */
  promptTokens?: number;
  /** The completions' `usage.completion_tokens`, summed. */
  completionTokens?: number;
}

/** Adds `usage` to `total`. */
export function addUsage(total: LlmUsage, usage: LlmUsage): void {
  total.calls += usage.calls;
  total.promptTokens = (total.promptTokens ?? 0) + (usage.promptTokens ?? 0);
  total.completionTokens = (total.completionTokens ?? 0) + (usage.completionTokens ?? 0);
}

export interface ChatRequest {
  messages: ChatMessage[];
  json?: JsonFormat;
  maxTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
  usage?: LlmUsage;
}

/** The OpenAI-compatible chat model the pipeline plans, selects and answers with. */
export interface LlmClient {
  readonly model: string;
  /** The assistant's text. Throws a BotError (`llm_unavailable`, `llm_timeout`) when it cannot answer. */
  chat(request: ChatRequest): Promise<string>;
}
