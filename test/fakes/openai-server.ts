/**
 * A fake OpenAI-compatible chat completions server (`POST /v1/chat/completions`) whose answers a
 * test scripts. It speaks the real wire format, so the real `openai` client talks to it unchanged.
 *
 * ```ts
 * const llm = await startFakeOpenAi({ apiKey: "sk-test" });
 * llm.enqueue("[]");                                  // next answer: content "[]"
 * llm.enqueue({ status: 429, retryAfterSeconds: 0 }); // then a rate-limit answer
 * llm.route((body) => (stageOf(body) === "plan" ? planJson : "done")); // default for the rest
 * // OPENAI_BASE_URL = `${llm.url}/v1`
 * ```
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { delay, readBody, sendJson, startHttpServer } from "./http-server.js";

export interface ChatCompletionBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  response_format?: { type: string; json_schema?: { name?: string } };
  temperature?: number;
  max_tokens?: number;
}

/** A scripted answer: the assistant's content, an HTTP error, a delay, or no answer at all. */
export type FakeReply =
  | string
  | { content: string; delayMs?: number }
  | { status: number; message?: string; retryAfterSeconds?: number }
  | { hang: true };

export interface RecordedChatRequest {
  body: ChatCompletionBody;
  authorization: string | undefined;
}

export interface FakeOpenAi {
  /** Base URL without `/v1`. */
  url: string;
  requests: RecordedChatRequest[];
  /** Queues replies, served in order before the router is asked. */
  enqueue(...replies: FakeReply[]): void;
  /** The answer for requests when the queue is empty. */
  route(router: (body: ChatCompletionBody, index: number) => FakeReply): void;
  /** Answer 400 to `response_format: json_schema`, as endpoints without structured output do. */
  rejectJsonSchema(reject: boolean): void;
  close(): Promise<void>;
}

/** Which stage of the pipeline sent a request, read from its system prompt. */
export function stageOf(body: ChatCompletionBody): "plan" | "select" | "respond" | "chat" | "task" {
  const system = body.messages.find((message) => message.role === "system")?.content ?? "";
  if (system.startsWith("You are the model selection stage")) return "select";
  if (system.startsWith("You are the response stage")) return "respond";
  if (system.startsWith("You are HuggingGPT, a helpful chat bot")) return "chat";
  if (system.length === 0) return "task";
  return "plan";
}

function completion(model: string, content: string) {
  return {
    id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null },
        finish_reason: "stop",
        logprobs: null,
      },
    ],
    usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
  };
}

function sendError(
  response: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
) {
  const type =
    status === 401 ? "invalid_request_error" : status === 429 ? "rate_limit_exceeded" : "server_error";
  sendJson(response, status, { error: { message, type, param: null, code: null } }, headers);
}

export async function startFakeOpenAi(options: { apiKey?: string } = {}): Promise<FakeOpenAi> {
  const queue: FakeReply[] = [];
  const requests: RecordedChatRequest[] = [];
  let router: (body: ChatCompletionBody, index: number) => FakeReply = () => ({
    status: 500,
    message: "the fake LLM has no scripted answer for this request",
  });
  let jsonSchemaRejected = false;

  async function handle(request: IncomingMessage, response: ServerResponse) {
    if (request.method !== "POST" || !request.url?.startsWith("/v1/chat/completions")) {
      return sendError(response, 404, `Unknown request URL: ${request.method} ${request.url}`);
    }
    const authorization = request.headers.authorization;
    if (options.apiKey && authorization !== `Bearer ${options.apiKey}`) {
      return sendError(response, 401, "Incorrect API key provided.");
    }
    let body: ChatCompletionBody;
    try {
      body = JSON.parse((await readBody(request)).toString("utf8")) as ChatCompletionBody;
    } catch {
      return sendError(response, 400, "We could not parse the JSON body of your request.");
    }
    if (!body.model || !Array.isArray(body.messages) || body.messages.length === 0) {
      return sendError(response, 400, "you must provide a model parameter and messages");
    }
    requests.push({ body, authorization });
    if (jsonSchemaRejected && body.response_format?.type === "json_schema") {
      return sendError(response, 400, "response_format of type json_schema is not supported by this model");
    }
    const reply = queue.shift() ?? router(body, requests.length - 1);
    if (typeof reply === "string") return sendJson(response, 200, completion(body.model, reply));
    if ("hang" in reply) return; // never answers: the client's timeout must end it
    if ("status" in reply) {
      const headers: Record<string, string> =
        reply.retryAfterSeconds === undefined ? {} : { "retry-after": String(reply.retryAfterSeconds) };
      return sendError(response, reply.status, reply.message ?? `error ${reply.status}`, headers);
    }
    await delay(reply.delayMs ?? 0, response);
    if (!response.destroyed) sendJson(response, 200, completion(body.model, reply.content));
  }

  const server = await startHttpServer(handle);
  return {
    url: server.url,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    route: (next) => {
      router = next;
    },
    rejectJsonSchema: (reject) => {
      jsonSchemaRejected = reject;
    },
    close: () => server.close(),
  };
}
