/**
 * The safety screen in the pipeline: each image is checked as soon as its task finishes, while the
 * answer is written; when one is withheld, the answer is written again without it.
 */
import { describe, expect, it } from "vitest";
import type { ChatRequest, LlmClient } from "../../../src/llm/types.js";
import type { ModelCatalog } from "../../../src/models/types.js";
import { createPipeline, DEFAULT_SETTINGS, type ImageScreen } from "../../../src/pipeline/index.js";
import { sleep } from "../../../src/time.js";
import { modelInfo, scriptedBackend } from "../../support/backends.js";

const png = (marker: number) => new Uint8Array([0x89, 0x50, 0x4e, 0x47, marker]);

const catalog: ModelCatalog = {
  async list(task) {
    return { task, models: [modelInfo(`model-${task}`, task)], origin: "hub" };
  },
};

/** Two drawings, the second one slower, and an LLM that plans them and writes an answer naming what it saw. */
function setup(screen: ImageScreen) {
  const requests: ChatRequest[] = [];
  const llm: LlmClient = {
    model: "scripted",
    async chat(request) {
      requests.push(request);
      if (request.usage) request.usage.calls += 1;
      const last = request.messages.at(-1)?.content ?? "";
      if (request.json?.name === "task_plan") {
        return JSON.stringify([
          { id: 1, task: "text-to-image", args: { text: "a cat" } },
          { id: 2, task: "text-to-image", args: { text: "a dog" } },
        ]);
      }
      await sleep(50);
      return last.includes("withheld") ? "One picture was withheld." : "Here are both pictures.";
    },
  };
  const hosted = scriptedBackend("hosted", {
    "model-text-to-image": async (args) => {
      const text = args.text?.kind === "text" ? args.text.text : "";
      await sleep(text === "a cat" ? 10 : 80);
      return { kind: "image", mime: "image/png", bytes: png(text === "a cat" ? 1 : 2), name: "x.png" };
    },
  });
  const pipeline = createPipeline({
    llm,
    catalog,
    backends: { hosted },
    settings: { ...DEFAULT_SETTINGS, mode: "hosted", selection: "top" },
    screenImage: screen,
  });
  return { pipeline, requests };
}

describe("the safety screen in the pipeline", () => {
  it("checks an image as soon as its task ends, before the other tasks are done", async () => {
    const order: string[] = [];
    const { pipeline } = setup(async (bytes) => {
      order.push(`screen ${bytes[4]}`);
      return { flagged: false };
    });
    const result = await pipeline.run({
      text: "draw a cat and a dog",
      inputs: [],
      onEvent: (event) => {
        if (event.type === "task-end") order.push(`end ${event.result.id}`);
      },
    });
    // The cat is checked while the dog is still being drawn.
    expect(order.indexOf("screen 1")).toBeLessThan(order.indexOf("end 2"));
    expect(order.filter((entry) => entry.startsWith("screen"))).toEqual(["screen 1", "screen 2"]);
    expect(result.answer).toBe("Here are both pictures.");
    expect(result.stats.llmCalls).toBe(2);
  });

  it("writes the answer again without an image it withheld", async () => {
    const { pipeline, requests } = setup(async (bytes) =>
      bytes[4] === 2 ? { flagged: true, reason: "explicit content (Porn 97%)" } : { flagged: false },
    );
    const result = await pipeline.run({ text: "draw a cat and a dog", inputs: [] });
    expect(result.results[1]?.output).toEqual({ kind: "text", text: "(image withheld by the safety check)" });
    expect(result.answer).toBe("One picture was withheld.");
    expect(result.summary.notes).toContain(
      "The image 2-text-to-image.png (task 2) was withheld by the safety check: explicit content (Porn 97%).",
    );
    // The plan, the answer written while the screen ran, and the answer written again.
    expect(requests).toHaveLength(3);
    expect(result.stats.llmCalls).toBe(3);
  });
});
