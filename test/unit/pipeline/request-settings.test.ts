/**
 * A request's own settings over the pipeline's (what `/settings` sets for a workspace or channel):
 * allowed tasks, the safety check and the answer's language change that request only.
 */
import { describe, expect, it } from "vitest";
import type { ChatRequest, LlmClient } from "../../../src/llm/types.js";
import type { ModelCatalog } from "../../../src/models/types.js";
import {
  createPipeline,
  DEFAULT_SETTINGS,
  type ImageScreen,
  settingsForRequest,
} from "../../../src/pipeline/index.js";
import { modelInfo, scriptedBackend } from "../../support/backends.js";

const catalog: ModelCatalog = {
  async list(task) {
    return { task, models: [modelInfo(`model-${task}`, task)], origin: "hub" };
  },
};

/** An LLM that plans a drawing and a caption of it, and answers "done"; a screen that counts its checks. */
function setup() {
  const requests: ChatRequest[] = [];
  const screened: number[] = [];
  const llm: LlmClient = {
    model: "scripted",
    async chat(request) {
      requests.push(request);
      if (request.usage) request.usage.calls += 1;
      if (request.json?.name === "task_plan") {
        return JSON.stringify([
          { id: 1, task: "text-to-image", args: { text: "a cat" } },
          { id: 2, task: "image-to-text", args: { image: "<resource>-1" } },
        ]);
      }
      return "done";
    },
  };
  const hosted = scriptedBackend("hosted", {
    "model-text-to-image": async () => ({
      kind: "image",
      mime: "image/png",
      bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1]),
      name: "x.png",
    }),
    "model-image-to-text": async () => ({ kind: "text", text: "a cat on a mat" }),
  });
  const screen: ImageScreen = async (bytes) => {
    screened.push(bytes.length);
    return { flagged: false };
  };
  const pipeline = createPipeline({
    llm,
    catalog,
    backends: { hosted },
    settings: { ...DEFAULT_SETTINGS, mode: "hosted", selection: "top" },
    screenImage: screen,
  });
  return { pipeline, requests, screened };
}

describe("a request's settings", () => {
  it("keeps the pipeline's settings where the request sets nothing, and takes the request's where it does", () => {
    expect(settingsForRequest(DEFAULT_SETTINGS, undefined)).toBe(DEFAULT_SETTINGS);
    const merged = settingsForRequest(DEFAULT_SETTINGS, {
      mode: "local",
      safetyCheck: false,
      language: "de",
    });
    expect(merged).toEqual({ ...DEFAULT_SETTINGS, mode: "local", safetyCheck: false, language: "de" });
    expect(DEFAULT_SETTINGS.safetyCheck).toBe(true);
  });

  it("refuses a planned task the settings do not allow, with the reason, and the tasks that need it", async () => {
    const { pipeline } = setup();
    const result = await pipeline.run({
      text: "draw a cat and describe it",
      inputs: [],
      settings: { allowedTasks: ["image-to-text", "translation"] },
    });
    const [drawing, caption] = result.results;
    expect(drawing?.status).toBe("failed");
    expect(drawing?.error).toMatch(/is not allowed here: an admin turned it off with \/settings/);
    expect(caption?.status).toBe("skipped");
    // The same pipeline runs the whole plan for a request without the restriction.
    const free = await pipeline.run({ text: "draw a cat and describe it", inputs: [] });
    expect(free.results.map((task) => task.status)).toEqual(["ok", "ok"]);
  });

  it("screens images only when the request's safety check is on", async () => {
    const { pipeline, screened } = setup();
    await pipeline.run({ text: "draw a cat", inputs: [], settings: { safetyCheck: false } });
    expect(screened).toEqual([]);
    await pipeline.run({ text: "draw a cat", inputs: [] });
    expect(screened).toHaveLength(1);
  });

  it("asks the LLM to answer in the request's language", async () => {
    const { pipeline, requests } = setup();
    await pipeline.run({ text: "draw a cat", inputs: [], settings: { language: "de" } });
    const answerPrompt = requests.at(-1)?.messages[0]?.content ?? "";
    expect(answerPrompt).toContain("Write the answer in German (de)");
    await pipeline.run({ text: "draw a cat", inputs: [] });
    expect(requests.at(-1)?.messages[0]?.content).not.toContain("Write the answer in");
  });
});
