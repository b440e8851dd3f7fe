import { describe, expect, it } from "vitest";
import type { LlmClient } from "../../../src/llm/types.js";
import {
  buildSummary,
  deterministicAnswer,
  formatSummary,
  writeAnswer,
} from "../../../src/pipeline/respond.js";
import type { TaskResult } from "../../../src/pipeline/types.js";

const results: TaskResult[] = [
  {
    id: 1,
    task: "object-detection",
    status: "ok",
    model: "facebook/detr-resnet-50",
    source: "hosted",
    ms: 1200,
    attempts: [],
    output: {
      kind: "detections",
      detections: [{ label: "dog", score: 0.91, box: { xmin: 1, ymin: 2, xmax: 3, ymax: 4 } }],
      image: {
        kind: "image",
        mime: "image/jpeg",
        bytes: new Uint8Array(5000).fill(7),
        name: "1-object-detection-annotated.jpg",
      },
    },
  },
  {
    id: 2,
    task: "text-to-speech",
    status: "failed",
    model: "espnet/kan-bayashi",
    source: "hosted",
    ms: 300,
    attempts: [],
    error: "every model failed (espnet/kan-bayashi: 500)",
  },
];

function llmAnswering(answer: string | Error): LlmClient & { prompts: string[] } {
  const prompts: string[] = [];
  return {
    model: "m",
    prompts,
    async chat(request) {
      prompts.push(request.messages.map((m) => m.content).join("\n"));
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

describe("the response stage", () => {
  it("gives the LLM a compact account of the results, without bytes", async () => {
    const llm = llmAnswering("I found a dog.");
    const written = await writeAnswer("what is in this photo? read it aloud", results, { llm });
    expect(written).toEqual({ answer: "I found a dog." });
    const prompt = llm.prompts[0] ?? "";
    expect(prompt).toContain("dog 0.91");
    expect(prompt).toContain("1-object-detection-annotated.jpg");
    expect(prompt).toContain("failed (every model failed");
    expect(prompt).not.toContain("7,7,7");
    expect(prompt.length).toBeLessThan(5000);
  });

  it("cuts long texts in the account", async () => {
    const llm = llmAnswering("ok");
    const long: TaskResult = {
      ...results[1]!,
      status: "ok",
      output: { kind: "text", text: "word ".repeat(5000) },
    };
    await writeAnswer("x", [long], { llm });
    expect(llm.prompts[0]?.length).toBeLessThan(4000);
  });

  it("builds the answer from the results when the LLM fails, and says so", async () => {
    const written = await writeAnswer("x", results, { llm: llmAnswering(new Error("LLM down")) });
    expect(written.answer).toContain("dog 0.91");
    expect(written.answer).toContain("1-object-detection-annotated.jpg");
    expect(written.answer).toContain("failed: every model failed");
    expect(written.note).toContain("LLM down");
  });

  it("answers a plain chat message (empty plan) with the LLM", async () => {
    const llm = llmAnswering("Hello!");
    const written = await writeAnswer("hi there", [], {
      llm,
      history: [{ user: "before", answer: "earlier", resources: [] }],
    });
    expect(written.answer).toBe("Hello!");
    expect(llm.prompts[0]).toContain("earlier");
  });

  it("summarizes per task: type, model, source, time, status", () => {
    const summary = buildSummary({
      planner: "llm (m)",
      catalog: "builtin",
      results,
      totalMs: 2000,
      notes: ["the Hub could not be reached"],
    });
    expect(summary.tasks).toEqual([
      {
        id: 1,
        task: "object-detection",
        model: "facebook/detr-resnet-50",
        source: "hosted",
        ms: 1200,
        status: "ok",
      },
      {
        id: 2,
        task: "text-to-speech",
        model: "espnet/kan-bayashi",
        source: "hosted",
        ms: 300,
        status: "failed",
        error: "every model failed (espnet/kan-bayashi: 500)",
      },
    ]);
    const text = formatSummary(summary);
    expect(text).toContain("object-detection — facebook/detr-resnet-50 [hosted] — 1.2 s — ok");
    expect(text).toContain("built-in list");
    expect(text).toContain("note: the Hub could not be reached");
    expect(deterministicAnswer([])).toContain("nothing to run");
  });
});
