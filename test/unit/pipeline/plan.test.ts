import { describe, expect, it } from "vitest";
import { BotError, isBotError } from "../../../src/errors.js";
import type { ChatRequest, LlmClient, LlmUsage } from "../../../src/llm/types.js";
import { PLAN_JSON_FORMAT, plan } from "../../../src/pipeline/plan.js";
import type { ConversationTurn, NamedInput } from "../../../src/pipeline/types.js";

/** An LlmClient that answers from a script and records every request, counting calls as the real one does. */
class ScriptedLlm implements LlmClient {
  readonly model = "scripted";
  readonly requests: ChatRequest[] = [];
  private readonly answers: Array<string | Error>;

  constructor(...answers: Array<string | Error>) {
    this.answers = answers;
  }

  async chat(request: ChatRequest): Promise<string> {
    this.requests.push(request);
    if (request.usage) request.usage.calls++;
    const answer = this.answers.shift();
    if (answer === undefined) throw new Error("the script has no more answers");
    if (answer instanceof Error) throw answer;
    return answer;
  }
}

const photo: NamedInput = {
  name: "beach.jpg",
  origin: "attachment",
  resource: { kind: "image", mime: "image/jpeg", bytes: new Uint8Array([0xff, 0xd8]), name: "beach.jpg" },
};
const earlier: NamedInput = {
  name: "speech-2.wav",
  origin: "history",
  resource: { kind: "audio", mime: "audio/wav", bytes: new Uint8Array([1]), name: "speech-2.wav" },
};
const history: ConversationTurn[] = [
  { user: "Read 'good morning' aloud", answer: "Here it is.", resources: ["speech-2.wav"] },
];

const VALID = JSON.stringify({
  tasks: [
    { id: 1, task: "image-to-text", dep: [], args: { image: "beach.jpg" } },
    { id: 2, task: "text-to-speech", dep: [1], args: { text: "<resource>-1" } },
  ],
});
const WRONG_KIND = JSON.stringify([
  { id: 1, task: "image-to-text", args: { image: "beach.jpg" } },
  { id: 2, task: "text-to-image", args: { text: "<resource>-1" } },
  { id: 3, task: "text-to-speech", args: { text: "<resource>-2" } },
]);

describe("plan", () => {
  it("makes one call with structured output, temperature 0, the signal and the usage", async () => {
    const llm = new ScriptedLlm(VALID);
    const usage: LlmUsage = { calls: 0 };
    const controller = new AbortController();
    const result = await plan(
      { text: "Describe this photo and read the description aloud", inputs: [photo] },
      { llm, usage, signal: controller.signal },
    );
    expect(result.plan.tasks.map((task) => [task.id, task.task, task.dep])).toEqual([
      [1, "image-to-text", []],
      [2, "text-to-speech", [1]],
    ]);
    expect(usage.calls).toBe(1);
    expect(llm.requests).toHaveLength(1);
    const request = llm.requests[0];
    expect(request?.json).toBe(PLAN_JSON_FORMAT);
    expect(request?.temperature).toBe(0);
    expect(request?.signal).toBe(controller.signal);
    expect(request?.usage).toBe(usage);
  });

  it("puts the attachment names and the thread in the prompt", async () => {
    const llm = new ScriptedLlm("[]");
    await plan({ text: "and now this one?", inputs: [photo, earlier], history }, { llm });
    const last = llm.requests[0]?.messages.at(-1)?.content ?? "";
    expect(last).toContain("beach.jpg: image (image/jpeg), attached to this message");
    expect(last).toContain("speech-2.wav: audio (audio/wav), from an earlier answer");
    expect(last).toContain("User: Read 'good morning' aloud");
    expect(last).toContain("[results: speech-2.wav]");
    expect(last).toContain("Request: and now this one?");
  });

  it("accepts a bare list, since many endpoints ignore response_format", async () => {
    const llm = new ScriptedLlm(
      `\`\`\`json\n[{"id":1,"task":"Image Classification","args":{"image":"beach.jpg"}}]\n\`\`\``,
    );
    const result = await plan({ text: "what is this", inputs: [photo] }, { llm });
    expect(result.plan.tasks).toEqual([
      { id: 1, task: "image-classification", dep: [], args: { image: { type: "input", name: "beach.jpg" } } },
    ]);
  });

  it("an empty plan is returned as is, for the caller to answer as chat", async () => {
    const llm = new ScriptedLlm('{"tasks": []}');
    expect(await plan({ text: "thanks!", inputs: [] }, { llm })).toEqual({ plan: { tasks: [] } });
    expect(llm.requests).toHaveLength(1);
  });

  it("repairs once: shows the model its answer and the error, and takes the second answer", async () => {
    const llm = new ScriptedLlm(WRONG_KIND, VALID);
    const usage: LlmUsage = { calls: 0 };
    const result = await plan({ text: "describe and read aloud", inputs: [photo] }, { llm, usage });
    expect(result.plan.tasks).toHaveLength(2);
    // The user learns what was refused and why.
    expect(result.note).toBe(
      "The first plan was refused (task 3 (text-to-speech) needs text, but task 2 (text-to-image) produces an image), so a repaired plan of 2 tasks ran instead.",
    );
    expect(usage.calls).toBe(2);
    expect(llm.requests).toHaveLength(2);
    const repair = llm.requests[1]?.messages ?? [];
    const first = llm.requests[0]?.messages ?? [];
    expect(repair.slice(0, first.length)).toEqual(first);
    expect(repair.at(-2)).toEqual({ role: "assistant", content: WRONG_KIND });
    expect(repair.at(-1)?.content).toContain(
      "task 3 (text-to-speech) needs text, but task 2 (text-to-image) produces an image",
    );
    expect(llm.requests[1]?.json).toBe(PLAN_JSON_FORMAT);
  });

  it("repairs prose-only and truncated answers too", async () => {
    const llm = new ScriptedLlm("I'd caption the photo first.", VALID);
    await expect(plan({ text: "x", inputs: [photo] }, { llm })).resolves.toMatchObject({
      plan: { tasks: [{ id: 1 }, { id: 2 }] },
    });
    const truncated = new ScriptedLlm(VALID.slice(0, 50), VALID);
    await expect(plan({ text: "x", inputs: [photo] }, { llm: truncated })).resolves.toMatchObject({
      plan: { tasks: [{ id: 1 }, { id: 2 }] },
    });
  });

  it("two invalid answers: BotError plan_invalid with a short user message and no stack", async () => {
    const llm = new ScriptedLlm(WRONG_KIND, WRONG_KIND, VALID);
    const usage: LlmUsage = { calls: 0 };
    const failure = await plan({ text: "describe and read aloud", inputs: [photo] }, { llm, usage }).catch(
      (error: unknown) => error,
    );
    expect(isBotError(failure)).toBe(true);
    const error = failure as BotError;
    expect(error.code).toBe("plan_invalid");
    expect(error.userMessage).toBe(
      "I couldn't turn that into a plan I can run: task 3 (text-to-speech) needs text, but task 2 (text-to-image) produces an image. Try rephrasing the request.",
    );
    expect(error.userMessage).not.toMatch(/\n\s+at |plan\.ts|Error:/);
    expect(usage.calls).toBe(2);
    expect(llm.requests).toHaveLength(2);
  });

  it("keeps the user message short when the model's answer is hostile", async () => {
    const huge = JSON.stringify([{ id: 1, task: "summarization", args: { text: "a".repeat(1_048_576) } }]);
    const llm = new ScriptedLlm(huge, "x".repeat(300_000));
    const error = (await plan({ text: "x", inputs: [] }, { llm }).catch((e: unknown) => e)) as BotError;
    expect(error.code).toBe("plan_invalid");
    expect(error.userMessage.length).toBeLessThan(400);
    // The repair call shows the model a cut of its answer, not a megabyte.
    const repairChars = (llm.requests[1]?.messages ?? []).reduce(
      (sum, message) => sum + message.content.length,
      0,
    );
    const firstChars = (llm.requests[0]?.messages ?? []).reduce(
      (sum, message) => sum + message.content.length,
      0,
    );
    expect(repairChars - firstChars).toBeLessThan(5_000);
  });

  it("refuses a plan over maxTasks, and repairs it", async () => {
    const many = JSON.stringify(
      Array.from({ length: 6 }, (_, index) => ({
        id: index + 1,
        task: "summarization",
        args: { text: "x" },
      })),
    );
    const llm = new ScriptedLlm(many, many);
    const error = (await plan({ text: "x", inputs: [] }, { llm, maxTasks: 5 }).catch(
      (e: unknown) => e,
    )) as BotError;
    expect(error.userMessage).toContain("the plan has 6 tasks; at most 5 are allowed");
    expect(llm.requests[0]?.messages[0]?.content).toContain("at most 5 tasks");
  });

  it("lets LLM errors and aborts pass through without a repair call", async () => {
    const timeout = new BotError("llm_timeout", "timed out");
    const llm = new ScriptedLlm(timeout);
    await expect(plan({ text: "x", inputs: [] }, { llm })).rejects.toBe(timeout);
    expect(llm.requests).toHaveLength(1);
  });
});
