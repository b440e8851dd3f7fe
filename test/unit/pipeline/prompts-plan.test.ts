import { describe, expect, it } from "vitest";
import { PLAN_JSON_FORMAT, parsePlanFor } from "../../../src/pipeline/plan.js";
import {
  buildPlanMessages,
  buildRepairMessages,
  PLAN_EXAMPLES,
  planSystemPrompt,
  renderExampleAnswer,
  renderPlanRequest,
} from "../../../src/pipeline/prompts/plan.js";
import type { ConversationTurn } from "../../../src/pipeline/types.js";
import { ARG_NAMES, TASK_NAMES, TASKS } from "../../../src/tasks/index.js";

describe("the planner's worked examples", () => {
  it("are at least six, and cover each kind of plan the brief asks for", () => {
    expect(PLAN_EXAMPLES.length).toBeGreaterThanOrEqual(6);
    const plans = PLAN_EXAMPLES.map((example) => example.plan.tasks);
    // single task
    expect(plans.some((tasks) => tasks.length === 1)).toBe(true);
    // empty plan
    expect(plans.some((tasks) => tasks.length === 0)).toBe(true);
    // a chain of three: transcribe → translate → speak
    expect(
      plans.some(
        (tasks) =>
          tasks.map((task) => task.task).join(",") ===
          "automatic-speech-recognition,translation,text-to-speech",
      ),
    ).toBe(true);
    // parallel branches: several tasks, none depending on another
    expect(plans.some((tasks) => tasks.length >= 2 && tasks.every((task) => task.dep.length === 0))).toBe(
      true,
    );
    // a graph: one output used by two tasks
    expect(
      plans.some((tasks) => {
        const uses = tasks.flatMap((task) => task.dep);
        return uses.some((id) => uses.filter((other) => other === id).length >= 2);
      }),
    ).toBe(true);
    // an attachment by file name, and a follow-up using an earlier turn's result
    expect(
      PLAN_EXAMPLES.some((example) => example.inputs.some((input) => input.origin === "attachment")),
    ).toBe(true);
    expect(
      PLAN_EXAMPLES.some(
        (example) =>
          example.history?.some((turn) => turn.resources.length > 0) &&
          example.plan.tasks.some((task) =>
            Object.values(task.args).some((value) =>
              example.inputs.some((input) => input.origin === "history" && input.name === value),
            ),
          ),
      ),
    ).toBe(true);
  });

  for (const example of PLAN_EXAMPLES) {
    describe(example.teaches, () => {
      const answer = renderExampleAnswer(example);

      it("is valid JSON and a valid plan for the very parser that reads the model's answers", () => {
        expect(() => JSON.parse(answer)).not.toThrow();
        const result = parsePlanFor(answer, example.inputs);
        if (!result.ok) throw new Error(`example "${example.teaches}" is invalid: ${result.error}`);
        expect(result.plan.tasks).toHaveLength(example.plan.tasks.length);
      });

      it("writes dep exactly as the parser recomputes it, with canonical names and ids from 1", () => {
        const result = parsePlanFor(answer, example.inputs);
        if (!result.ok) throw new Error(result.error);
        expect(result.plan.tasks.map((task) => task.dep)).toEqual(example.plan.tasks.map((task) => task.dep));
        expect(result.plan.tasks.map((task) => task.task)).toEqual(
          example.plan.tasks.map((task) => task.task),
        );
        expect(example.plan.tasks.map((task) => task.id)).toEqual(
          example.plan.tasks.map((_, index) => index + 1),
        );
      });

      it("fits the structured-output schema sent to the LLM", () => {
        const taskEnum = new Set<string>(TASK_NAMES);
        const argNames = new Set<string>(ARG_NAMES);
        for (const task of example.plan.tasks) {
          expect(taskEnum.has(task.task)).toBe(true);
          for (const key of Object.keys(task.args)) expect(argNames.has(key)).toBe(true);
        }
      });

      it("names only inputs it lists, so the model never learns to invent file names", () => {
        const rendered = renderPlanRequest({
          text: example.request,
          inputs: example.inputs,
          ...(example.history ? { history: example.history } : {}),
        });
        for (const input of example.inputs) expect(rendered).toContain(input.name);
      });
    });
  }
});

describe("the planning prompt", () => {
  const system = planSystemPrompt({ maxTasks: 20 });

  it("lists every task of the registry with its arguments, their kinds and its output", () => {
    for (const spec of TASKS.values()) {
      const line = system.split("\n").find((candidate) => candidate.startsWith(`- ${spec.name}:`));
      expect(line, spec.name).toBeDefined();
      for (const [argName, arg] of Object.entries(spec.args)) {
        expect(line).toContain(`${argName} (${arg.kind}`);
      }
      expect(line).toContain(`Output: ${spec.output}`);
    }
  });

  it("states the rules: JSON shape, references, file names, empty plan, the task limit", () => {
    expect(system).toContain('{"tasks": [...]}');
    expect(system).toContain("<resource>-N");
    expect(system).toContain("Never invent a file name");
    expect(system).toContain('{"tasks": []}');
    expect(planSystemPrompt({ maxTasks: 7 })).toContain("at most 7 tasks");
  });

  it("shows the examples as turns, then the request with its inputs and the thread", () => {
    const history: ConversationTurn[] = [
      { user: "Draw a castle on a hill", answer: "Here is your castle.", resources: ["image-1.png"] },
    ];
    const messages = buildPlanMessages(
      {
        text: "Describe it and read my voice note",
        inputs: [
          { name: "voice-note.ogg", kind: "audio", origin: "attachment", detail: "audio/ogg" },
          { name: "image-1.png", kind: "image", origin: "history", detail: "image/png" },
        ],
        history,
      },
      { maxTasks: 20 },
    );
    expect(messages[0]?.role).toBe("system");
    expect(messages).toHaveLength(2 + PLAN_EXAMPLES.length * 2);
    const last = messages.at(-1)?.content ?? "";
    expect(last).toContain("- voice-note.ogg: audio (audio/ogg), attached to this message");
    expect(last).toContain("- image-1.png: image (image/png), from an earlier answer");
    expect(last).toContain("User: Draw a castle on a hill");
    expect(last).toContain("Assistant: Here is your castle. [results: image-1.png]");
    expect(last.endsWith("Request: Describe it and read my voice note")).toBe(true);
  });

  it("keeps the thread within its budget, dropping the oldest turns first", () => {
    const history: ConversationTurn[] = Array.from({ length: 50 }, (_, index) => ({
      user: `question number ${index} ${"x".repeat(200)}`,
      answer: `answer number ${index} ${"y".repeat(2_000)}`,
      resources: [],
    }));
    const rendered = renderPlanRequest({ text: "and now?", inputs: [], history });
    expect(rendered).toContain("question number 49");
    expect(rendered).not.toContain("question number 0 ");
    expect(rendered).toMatch(/\(\d+ earlier turns left out\)/);
    expect(rendered.length).toBeLessThan(4_000);
  });

  it("keeps the inputs within their budget, attachments first, and cuts a huge request", () => {
    const inputs = Array.from({ length: 200 }, (_, index) => ({
      name: `result-${index}.png`,
      kind: "image" as const,
      origin: "history" as const,
    }));
    const rendered = renderPlanRequest({
      text: "z".repeat(50_000),
      inputs: [...inputs, { name: "fresh.jpg", kind: "image", origin: "attachment" }],
    });
    expect(rendered.indexOf("fresh.jpg")).toBeLessThan(rendered.indexOf("result-199.png"));
    expect(rendered).toMatch(/\(\d+ older results not listed\)/);
    expect(rendered).toContain("(request cut at 8000 characters)");
    expect(rendered.length).toBeLessThan(11_000);
  });

  it("builds the repair turn from the invalid answer and the error, cutting a huge answer", () => {
    const base = buildPlanMessages({ text: "hi", inputs: [] }, { maxTasks: 20 });
    const repair = buildRepairMessages(base, "a".repeat(100_000), "the answer contains no JSON");
    expect(repair.slice(0, base.length)).toEqual(base);
    expect(repair.at(-2)?.role).toBe("assistant");
    expect(repair.at(-2)?.content.length).toBeLessThan(4_100);
    expect(repair.at(-1)?.content).toContain("That plan cannot be used: the answer contains no JSON.");
    expect(buildRepairMessages(base, "  ", "x").at(-2)?.content).toBe("(an empty answer)");
  });
});

describe("the structured-output schema", () => {
  it("asks for an object of tasks whose names and arguments come from the registry", () => {
    const schema = PLAN_JSON_FORMAT.schema as {
      required: string[];
      properties: {
        tasks: { items: { properties: { task: { enum: string[] }; args: { required: string[] } } } };
      };
    };
    expect(schema.required).toEqual(["tasks"]);
    expect(schema.properties.tasks.items.properties.task.enum).toEqual([...TASK_NAMES]);
    expect(schema.properties.tasks.items.properties.args.required).toEqual([...ARG_NAMES]);
  });
});
