import { describe, expect, it } from "vitest";
import type { ChatRequest, LlmClient } from "../../../src/llm/types.js";
import type { ModelCatalog, ModelInfo } from "../../../src/models/types.js";
import { selectModels } from "../../../src/pipeline/select.js";
import { DEFAULT_SETTINGS } from "../../../src/pipeline/settings.js";
import type { Plan } from "../../../src/pipeline/types.js";
import type { TaskName } from "../../../src/tasks/index.js";
import { modelInfo, scriptedBackend } from "../../support/backends.js";

/** A catalog of our own interface, answering from a fixed table. */
function tableCatalog(
  table: Partial<Record<TaskName, ModelInfo[]>>,
  origin: "hub" | "builtin" = "hub",
): ModelCatalog {
  return {
    async list(task, { limit }) {
      const models = [...(table[task] ?? [])].sort((a, b) => b.downloads - a.downloads).slice(0, limit);
      return {
        task,
        models,
        origin,
        ...(origin === "builtin" ? { note: "the Hub could not be reached" } : {}),
      };
    },
  };
}

/** An LLM of our own interface whose answers the test scripts; records each request. */
function scriptedLlm(...answers: Array<string | Error>): LlmClient & { requests: ChatRequest[] } {
  const requests: ChatRequest[] = [];
  return {
    model: "scripted",
    requests,
    async chat(request) {
      requests.push(request);
      if (request.usage) request.usage.calls += 1;
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return answer ?? "";
    },
  };
}

const plan: Plan = {
  tasks: [
    { id: 1, task: "object-detection", dep: [], args: { image: { type: "input", name: "a.jpg" } } },
    { id: 2, task: "image-to-text", dep: [], args: { image: { type: "input", name: "a.jpg" } } },
    { id: 3, task: "text-to-speech", dep: [2], args: { text: { type: "ref", task: 2 } } },
  ],
};

const catalog = tableCatalog({
  "object-detection": [
    modelInfo("detr", "object-detection", 900),
    modelInfo("yolos", "object-detection", 500),
  ],
  "image-to-text": [modelInfo("blip", "image-to-text", 800), modelInfo("git", "image-to-text", 300)],
  "text-to-speech": [modelInfo("only-tts", "text-to-speech", 100)],
});
const hosted = scriptedBackend("hosted", {});

describe("model selection", () => {
  it("asks the LLM once for all ambiguous tasks and takes a single candidate without asking", async () => {
    const llm = scriptedLlm(
      JSON.stringify({
        choices: [
          { id: 1, model: "yolos", reason: "fast" },
          { id: 2, model: "blip", reason: "good captions" },
        ],
      }),
    );
    const usage = { calls: 0 };
    const outcome = await selectModels(
      plan,
      "describe",
      { catalog, backends: { hosted }, llm, settings: DEFAULT_SETTINGS },
      { usage },
    );
    expect(usage.calls).toBe(1);
    expect(outcome.selections.map((s) => s.chosen.model.id)).toEqual(["yolos", "blip", "only-tts"]);
    expect(outcome.selections[0]?.fallbacks.map((c) => c.model.id)).toEqual(["detr"]);
    expect(outcome.selections[2]?.reason).toBe("only candidate");
    const prompt = llm.requests[0]?.messages.map((m) => m.content).join("\n") ?? "";
    expect(prompt).toContain("detr | runs on Hugging Face (metered) | tier 3 | downloads 900");
    expect(prompt).not.toContain("only-tts");
  });

  it("takes the top-ranked model without an LLM call when MODEL_SELECTION=top", async () => {
    const llm = scriptedLlm();
    const usage = { calls: 0 };
    const outcome = await selectModels(
      plan,
      "x",
      { catalog, backends: { hosted }, llm, settings: { ...DEFAULT_SETTINGS, selection: "top" } },
      { usage },
    );
    expect(usage.calls).toBe(0);
    expect(outcome.selections.map((s) => s.chosen.model.id)).toEqual(["detr", "blip", "only-tts"]);
  });

  it("never takes a model that is not a candidate", async () => {
    const llm = scriptedLlm('{"choices":[{"id":1,"model":"evil/not-a-candidate","reason":"trust me"}]}');
    const outcome = await selectModels(plan, "x", {
      catalog,
      backends: { hosted },
      llm,
      settings: DEFAULT_SETTINGS,
    });
    expect(outcome.selections[0]?.chosen.model.id).toBe("detr");
    expect(outcome.selections[0]?.reason).toContain("not a candidate");
    expect(outcome.selections[1]?.chosen.model.id).toBe("blip");
  });

  it("falls back to the most downloaded models when the selection answer is garbage or the LLM fails", async () => {
    for (const answer of ["not json at all", new Error("connection refused")]) {
      const outcome = await selectModels(plan, "x", {
        catalog,
        backends: { hosted },
        llm: scriptedLlm(answer),
        settings: DEFAULT_SETTINGS,
      });
      expect(outcome.selections.map((s) => s.chosen.model.id)).toEqual(["detr", "blip", "only-tts"]);
      expect(outcome.notes[0]).toContain("fell back to the most downloaded");
    }
  });

  it("keeps only the top K candidates", async () => {
    const many = tableCatalog({
      "object-detection": [1, 2, 3, 4, 5, 6, 7].map((n) => modelInfo(`m${n}`, "object-detection", n * 100)),
    });
    const outcome = await selectModels({ tasks: [plan.tasks[0]!] }, "x", {
      catalog: many,
      backends: { hosted },
      settings: { ...DEFAULT_SETTINGS, candidates: 3, selection: "top" },
    });
    const selected = outcome.selections[0]!;
    expect([selected.chosen, ...selected.fallbacks].map((c) => c.model.id)).toEqual(["m7", "m6", "m5"]);
  });

  /** A local backend with one detector of the given tier. */
  const localDetector = (tier: 1 | 2 | 3) => ({
    ...scriptedBackend("local", {}),
    supports: (task: TaskName) => task === "object-detection",
    models: (task: TaskName) => [
      { ...modelInfo("local-detector", task, 0), rank: { tier, cost: "free" as const, typicalMs: 300 } },
    ],
  });
  const order = (selection: {
    chosen: { model: { id: string } };
    fallbacks: Array<{ model: { id: string } }>;
  }) => [selection.chosen, ...selection.fallbacks].map((candidate) => candidate.model.id);

  it("in hybrid mode tries a local expert as good as the hosted ones first, and a weaker one last", async () => {
    const settings = { ...DEFAULT_SETTINGS, selection: "top" as const };
    const asGood = await selectModels({ tasks: [plan.tasks[0]!] }, "x", {
      catalog,
      backends: { local: localDetector(3), hosted },
      settings,
    });
    expect(order(asGood.selections[0]!)).toEqual(["local-detector", "detr", "yolos"]);
    const weaker = await selectModels({ tasks: [plan.tasks[0]!] }, "x", {
      catalog,
      backends: { local: localDetector(2), hosted },
      settings,
    });
    expect(order(weaker.selections[0]!)).toEqual(["detr", "yolos", "local-detector"]);
    // The only expert there is goes first, whatever its tier.
    const alone = await selectModels({ tasks: [plan.tasks[0]!] }, "x", {
      catalog,
      backends: { local: localDetector(1) },
      settings,
    });
    expect(order(alone.selections[0]!)).toEqual(["local-detector"]);
  });

  it("in local-first mode tries a competent local expert first, and ignores local ones in hosted mode", async () => {
    const localFirst = await selectModels({ tasks: [plan.tasks[0]!] }, "x", {
      catalog,
      backends: { local: localDetector(1), hosted },
      llm: scriptedLlm(),
      settings: { ...DEFAULT_SETTINGS, mode: "local-first" },
    });
    // One local candidate: the choice is made among this machine's experts, so no LLM call.
    expect(order(localFirst.selections[0]!)).toEqual(["local-detector", "detr", "yolos"]);
    const hostedOnly = await selectModels({ tasks: [plan.tasks[0]!] }, "x", {
      catalog,
      backends: { local: localDetector(3), hosted },
      settings: { ...DEFAULT_SETTINGS, mode: "hosted", selection: "top" },
    });
    expect(order(hostedOnly.selections[0]!)).toEqual(["detr", "yolos"]);
  });

  it("shows the selecting LLM the local candidates too, with where they run, their tier and limits", async () => {
    const local = {
      ...localDetector(2),
      models: (task: TaskName) => [
        {
          ...modelInfo("local-detector", task, 0),
          rank: { tier: 2 as const, cost: "free" as const, typicalMs: 300 },
          competence: { languages: ["en"] },
        },
      ],
    };
    const llm = scriptedLlm('{"choices":[{"id":1,"model":"local-detector","reason":"private"}]}');
    const outcome = await selectModels({ tasks: [plan.tasks[0]!] }, "x", {
      catalog,
      backends: { local, hosted },
      llm,
      settings: DEFAULT_SETTINGS,
    });
    const prompt = llm.requests[0]?.messages.map((m) => m.content).join("\n") ?? "";
    expect(prompt).toContain("local-detector | runs on this machine (free, private) | tier 2");
    expect(prompt).toContain("limits: English only");
    expect(prompt).toContain("detr | runs on Hugging Face (metered) | tier 3");
    // The LLM's choice goes first; the rest keep the hybrid order.
    expect(order(outcome.selections[0]!)).toEqual(["local-detector", "detr", "yolos"]);
  });

  it("leaves candidates that cannot do what the plan tells out of the LLM's choice", async () => {
    const asr = tableCatalog({
      "automatic-speech-recognition": [
        { ...modelInfo("whisper", "automatic-speech-recognition", 900) },
        {
          ...modelInfo("wav2vec2-en", "automatic-speech-recognition", 800),
          competence: { languages: ["en"] },
        },
      ],
    });
    const llm = scriptedLlm();
    const outcome = await selectModels(
      {
        tasks: [
          {
            id: 1,
            task: "automatic-speech-recognition",
            dep: [],
            args: { audio: { type: "input", name: "a.ogg" }, language: { type: "literal", text: "German" } },
          },
        ],
      },
      "transcribe this German voice note",
      { catalog: asr, backends: { hosted }, llm, settings: DEFAULT_SETTINGS },
    );
    // Whisper alone can do German: taken without asking; the English model is not even a fallback.
    expect(llm.requests).toHaveLength(0);
    expect(order(outcome.selections[0]!)).toEqual(["whisper"]);
    expect(outcome.selections[0]?.passedOver).toEqual([]);
  });

  it("says which tasks have no model, with the reason for local mode", async () => {
    const outcome = await selectModels({ tasks: [plan.tasks[2]!] }, "x", {
      catalog,
      backends: { hosted },
      settings: { ...DEFAULT_SETTINGS, mode: "local" },
    });
    expect(outcome.selections).toHaveLength(0);
    expect(outcome.unavailable.get(3)).toContain("INFERENCE_MODE=local");
  });

  it("gives text tasks to the LLM when LLM_TEXT_TASKS is on", async () => {
    const llm = scriptedLlm();
    const { createLlmBackend } = await import("../../../src/experts/llm.js");
    const outcome = await selectModels(
      { tasks: [{ id: 1, task: "translation", dep: [], args: { text: { type: "literal", text: "hi" } } }] },
      "x",
      {
        catalog,
        backends: { hosted, llm: createLlmBackend(llm) },
        llm,
        settings: { ...DEFAULT_SETTINGS, llmTextTasks: true },
      },
    );
    expect(outcome.selections[0]?.chosen).toMatchObject({ source: "llm", model: { id: "scripted" } });
  });

  it("reports that the built-in list was used", async () => {
    const outcome = await selectModels(plan, "x", {
      catalog: tableCatalog({ "object-detection": [modelInfo("detr", "object-detection")] }, "builtin"),
      backends: { hosted },
      settings: { ...DEFAULT_SETTINGS, selection: "top" },
    });
    expect([...outcome.catalogOrigins]).toEqual(["builtin"]);
    expect(outcome.notes).toContain("the Hub could not be reached");
  });
});

describe("models that cannot do what the arguments ask", () => {
  it("never tries a single-pair translation model into another language than the one asked", async () => {
    const translations = tableCatalog({
      translation: [
        modelInfo("google-t5/t5-base", "translation", 900),
        modelInfo("Helsinki-NLP/opus-mt-en-es", "translation", 800),
        modelInfo("Helsinki-NLP/opus-mt-en-de", "translation", 700),
        modelInfo("Helsinki-NLP/opus-mt-tc-big-en-fr", "translation", 600),
      ],
    });
    const outcome = await selectModels(
      {
        tasks: [
          {
            id: 1,
            task: "translation",
            dep: [],
            args: {
              text: { type: "literal", text: "good morning" },
              language: { type: "literal", text: "de" },
            },
          },
        ],
      },
      "translate good morning into German",
      { catalog: translations, backends: { hosted }, settings: { ...DEFAULT_SETTINGS, selection: "top" } },
    );
    const [selection] = outcome.selections;
    expect([
      selection?.chosen.model.id,
      ...(selection?.fallbacks ?? []).map((candidate) => candidate.model.id),
    ]).toEqual(["google-t5/t5-base", "Helsinki-NLP/opus-mt-en-de"]);
  });
});
