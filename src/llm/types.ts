export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A JSON Schema for structured output; sent as `response_format` where the endpoint supports it. */
export interface JsonFormat {
  name: string;
  schema: Record<string, unknown>;
}

/** Counts the requests actually sent to the LLM for one pipeline run, retries included. */
export interface LlmUsage {
  calls: number;
  /** The completions' `usage.prompt_tokens`, summed (absent until an endpoint reports it). */
  promptTokens?: number;
  /** The completions' `usage.completion_tokens`, summed. */
  completionTokens?: number;
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
