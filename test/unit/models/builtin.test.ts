import { describe, expect, it } from "vitest";
import { builtinModels, findBuiltin } from "../../../src/models/builtin.js";
import { TASK_NAMES } from "../../../src/tasks/index.js";

describe("built-in catalog", () => {
  it.each(TASK_NAMES)("has at least three models for %s", (task) => {
    expect(builtinModels(task).length).toBeGreaterThanOrEqual(3);
  });

  it.each(TASK_NAMES)("lists %s with unique ids, most downloaded first", (task) => {
    const models = builtinModels(task);
    const ids = models.map((model) => model.id);
    expect(new Set(ids.map((id) => id.toLowerCase())).size).toBe(ids.length);
    const downloads = models.map((model) => model.downloads);
    expect(downloads).toEqual([...downloads].sort((a, b) => b - a));
  });

  it("describes every model in one line of its own words, with real-looking ids", () => {
    for (const task of TASK_NAMES) {
      for (const model of builtinModels(task)) {
        expect(model.task).toBe(task);
        expect(model.id).toMatch(/^[\w.-]+\/[\w.-]+$/);
        expect(model.description.length).toBeGreaterThan(10);
        expect(model.description.length).toBeLessThanOrEqual(160);
        expect(model.description).not.toContain("\n");
        expect(model.downloads).toBeGreaterThan(0);
        expect(model.likes).toBeGreaterThanOrEqual(0);
        expect(model.tags.length).toBeGreaterThan(0);
        expect(model.providers).toEqual([]);
      }
    }
  });

  it("says the direction of fixed-direction translation models", () => {
    const models = builtinModels("translation");
    const opus = models.filter((model) => model.id.startsWith("Helsinki-NLP/opus-mt-"));
    expect(opus.length).toBeGreaterThan(0);
    for (const model of opus) {
      const [source, target] = model.id.replace("Helsinki-NLP/opus-mt-", "").split("-");
      expect(model.tags).toContain(`${source}→${target}`);
      expect(model.description).toContain(`${source}→${target}`);
    }
  });

  it("offers chat models for conversational and text-generation", () => {
    for (const task of ["conversational", "text-generation"] as const) {
      for (const model of builtinModels(task)) expect(model.tags).toContain("chat");
    }
  });

  it("includes the well-known defaults", () => {
    const ids = (task: Parameters<typeof builtinModels>[0]) => builtinModels(task).map((model) => model.id);
    expect(ids("object-detection")).toContain("facebook/detr-resnet-50");
    expect(ids("automatic-speech-recognition")).toContain("openai/whisper-large-v3");
    expect(ids("text-to-image")).toContain("black-forest-labs/FLUX.1-dev");
    expect(ids("summarization")).toContain("facebook/bart-large-cnn");
    expect(ids("token-classification")).toContain("dslim/bert-base-NER");
  });

  it("hands out copies that callers may change", () => {
    const first = builtinModels("summarization");
    first.pop();
    first[0]!.downloads = 0;
    const second = builtinModels("summarization");
    expect(second.length).toBe(first.length + 1);
    expect(second[0]!.downloads).toBeGreaterThan(0);
  });

  it("finds a model by id, for its own task first, case-insensitively", () => {
    expect(findBuiltin("FACEBOOK/detr-resnet-50")?.task).toBe("object-detection");
    expect(findBuiltin("facebook/bart-large-cnn", "summarization")?.description).toMatch(/summar/i);
    expect(findBuiltin("nobody/nothing")).toBeUndefined();
  });
});
