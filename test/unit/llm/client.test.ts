import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BotError } from "../../../src/errors.js";
import { createOpenAiLlm } from "../../../src/llm/client.js";
import type { LlmUsage } from "../../../src/llm/types.js";
import { type FakeOpenAi, startFakeOpenAi } from "../../fakes/openai-server.js";

describe("the OpenAI-compatible LLM client against a fake server", () => {
  let fake: FakeOpenAi;
  beforeEach(async () => {
    fake = await startFakeOpenAi({ apiKey: "sk-test-secret-123" });
  });
  afterEach(() => fake.close());

  const client = (overrides: Partial<Parameters<typeof createOpenAiLlm>[0]> = {}) =>
    createOpenAiLlm({
      apiKey: "sk-test-secret-123",
      baseURL: `${fake.url}/v1`,
      model: "test-model",
      timeoutMs: 5000,
      ...overrides,
    });

  it("returns the assistant's content and sends the model and the bearer key", async () => {
    fake.enqueue("hello there");
    const usage = { calls: 0 };
    await expect(client().chat({ messages: [{ role: "user", content: "hi" }], usage })).resolves.toBe(
      "hello there",
    );
    expect(usage.calls).toBe(1);
    expect(fake.requests[0]?.body.model).toBe("test-model");
    expect(fake.requests[0]?.authorization).toBe("Bearer sk-test-secret-123");
  });

  it("retries a 429 and a 500 and counts every request sent", async () => {
    fake.enqueue({ status: 429, retryAfterSeconds: 0 }, { status: 500 }, "finally");
    const usage = { calls: 0 };
    const answer = await client().chat({ messages: [{ role: "user", content: "hi" }], usage });
    expect(answer).toBe("finally");
    expect(usage.calls).toBe(3);
    expect(fake.requests).toHaveLength(3);
  });

  it("adds the completions' reported token usage, and nothing for a failed request", async () => {
    fake.enqueue("first", { status: 500 }, "second");
    const usage: LlmUsage = { calls: 0 };
    const llm = client();
    await llm.chat({ messages: [{ role: "user", content: "hi" }], usage });
    await llm.chat({ messages: [{ role: "user", content: "again" }], usage });
    // The fake reports 10 prompt and 10 completion tokens per answer, in the API's usage field.
    expect(usage).toEqual({ calls: 3, promptTokens: 20, completionTokens: 20 });
  });

  it("gives up after its attempts with llm_unavailable", async () => {
    fake.route(() => ({ status: 503, retryAfterSeconds: 0 }));
    const usage = { calls: 0 };
    const error = await client({ maxAttempts: 2 })
      .chat({ messages: [{ role: "user", content: "hi" }], usage })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BotError);
    expect((error as BotError).code).toBe("llm_unavailable");
    expect(usage.calls).toBe(2);
  });

  it("reports a wrong key without echoing it", async () => {
    const error = (await client({ apiKey: "sk-wrong-key-456" })
      .chat({ messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught)) as BotError;
    expect(error.code).toBe("llm_unavailable");
    expect(error.userMessage).toContain("OPENAI_API_KEY");
    expect(error.userMessage).not.toContain("sk-wrong-key-456");
  });

  it("ends a request that never answers with llm_timeout", async () => {
    fake.route(() => ({ hang: true }));
    const error = (await client({ timeoutMs: 300, maxAttempts: 1 })
      .chat({ messages: [{ role: "user", content: "hi" }] })
      .catch((caught: unknown) => caught)) as BotError;
    expect(error.code).toBe("llm_timeout");
  });

  it("asks for structured output and falls back to plain JSON where the endpoint refuses it", async () => {
    fake.rejectJsonSchema(true);
    fake.route(() => '{"ok":true}');
    const usage = { calls: 0 };
    const llm = client();
    const request = {
      messages: [{ role: "user" as const, content: "json please" }],
      json: { name: "thing", schema: { type: "object" } },
      usage,
    };
    await expect(llm.chat(request)).resolves.toBe('{"ok":true}');
    expect(fake.requests[0]?.body.response_format?.type).toBe("json_schema");
    expect(fake.requests[1]?.body.response_format).toBeUndefined();
    expect(usage.calls).toBe(2);
    // Remembered: the next call does not try json_schema again.
    await llm.chat(request);
    expect(fake.requests[2]?.body.response_format).toBeUndefined();
  });
});
