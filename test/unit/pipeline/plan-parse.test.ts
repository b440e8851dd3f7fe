import { afterEach, describe, expect, it } from "vitest";
import { type ParsePlanResult, parsePlan } from "../../../src/pipeline/plan.js";
import type { NamedInput, Plan, PlannedTask } from "../../../src/pipeline/types.js";

const image = (name: string): NamedInput => ({
  name,
  origin: "attachment",
  resource: { kind: "image", mime: "image/jpeg", bytes: new Uint8Array([1, 2, 3]), name },
});
const audio = (name: string): NamedInput => ({
  name,
  origin: "attachment",
  resource: { kind: "audio", mime: "audio/ogg", bytes: new Uint8Array([1]), name },
});
const textInput = (name: string, origin: NamedInput["origin"] = "attachment"): NamedInput => ({
  name,
  origin,
  resource: { kind: "text", text: "great product, would buy again" },
});

const INPUTS: NamedInput[] = [image("photo.jpg"), audio("voice.ogg"), textInput("notes.txt")];

function ok(result: ParsePlanResult): Plan {
  if (!result.ok) throw new Error(`expected a valid plan, got: ${result.error}`);
  return result.plan;
}

function error(result: ParsePlanResult): string {
  if (result.ok) throw new Error(`expected an invalid plan, got: ${JSON.stringify(result.plan)}`);
  return result.error;
}

const CAPTION = [{ id: 1, task: "image-to-text", dep: [], args: { image: "photo.jpg" } }];
const CAPTION_PLAN: PlannedTask[] = [
  { id: 1, task: "image-to-text", dep: [], args: { image: { type: "input", name: "photo.jpg" } } },
];

describe("parsePlan: accepted shapes", () => {
  it("reads a bare JSON list", () => {
    expect(ok(parsePlan(JSON.stringify(CAPTION), INPUTS)).tasks).toEqual(CAPTION_PLAN);
  });

  it('reads an object {"tasks": [...]}', () => {
    expect(ok(parsePlan(JSON.stringify({ tasks: CAPTION }), INPUTS)).tasks).toEqual(CAPTION_PLAN);
  });

  it("reads JSON in a fenced code block, with or without a language", () => {
    const body = JSON.stringify(CAPTION, null, 2);
    expect(ok(parsePlan(`Here is the plan:\n\`\`\`json\n${body}\n\`\`\`\nDone.`, INPUTS)).tasks).toEqual(
      CAPTION_PLAN,
    );
    expect(ok(parsePlan(`\`\`\`\n${body}\n\`\`\``, INPUTS)).tasks).toEqual(CAPTION_PLAN);
  });

  it("reads JSON surrounded by prose, skipping bracketed prose before it", () => {
    const raw = `Sure [see below]! I {think} this works: ${JSON.stringify(CAPTION)} Let me know [if not].`;
    expect(ok(parsePlan(raw, INPUTS)).tasks).toEqual(CAPTION_PLAN);
  });

  it("is not fooled by brackets and quotes inside strings", () => {
    const raw = JSON.stringify([
      { id: 1, task: "summarization", dep: [], args: { text: 'a ] tricky } "text" [ with {brackets}' } },
    ]);
    expect(ok(parsePlan(`prose ${raw}`, INPUTS)).tasks[0]?.args.text).toEqual({
      type: "literal",
      text: 'a ] tricky } "text" [ with {brackets}',
    });
  });

  it("reads a single task object on its own", () => {
    expect(ok(parsePlan(JSON.stringify(CAPTION[0]), INPUTS)).tasks).toEqual(CAPTION_PLAN);
  });

  it("forgives trailing commas, ids written as strings and number arguments", () => {
    const raw = '[{"id": "1", "task": "translation", "args": {"text": "hello", "language": 42,},},]';
    expect(ok(parsePlan(raw, INPUTS)).tasks).toEqual([
      {
        id: 1,
        task: "translation",
        dep: [],
        args: { text: { type: "literal", text: "hello" }, language: { type: "literal", text: "42" } },
      },
    ]);
  });

  it("treats null arguments (strict structured output) as absent", () => {
    const raw = JSON.stringify({
      tasks: [
        {
          id: 1,
          task: "image-to-text",
          dep: [],
          args: { text: null, image: "photo.jpg", audio: null, context: null, language: null },
        },
      ],
    });
    expect(ok(parsePlan(raw, INPUTS)).tasks).toEqual(CAPTION_PLAN);
  });

  it("resolves TaskBench titles and aliases to canonical task names", () => {
    const raw = JSON.stringify([
      { id: 1, task: "Image Classification", args: { image: "photo.jpg" } },
      { id: 2, task: "asr", args: { audio: "voice.ogg" } },
      { id: 3, task: "Text-to-Speech", args: { text: "<resource>-2" } },
    ]);
    expect(ok(parsePlan(raw, INPUTS)).tasks.map((task) => task.task)).toEqual([
      "image-classification",
      "automatic-speech-recognition",
      "text-to-speech",
    ]);
  });

  it("an empty list, in either shape, is a valid empty plan", () => {
    expect(ok(parsePlan("[]", INPUTS))).toEqual({ tasks: [] });
    expect(ok(parsePlan('{"tasks": []}', INPUTS))).toEqual({ tasks: [] });
    expect(ok(parsePlan("No task is needed here: []", INPUTS))).toEqual({ tasks: [] });
  });
});

describe("parsePlan: references", () => {
  const chain = (reference: string) =>
    JSON.stringify([
      { id: 1, task: "automatic-speech-recognition", dep: [], args: { audio: "voice.ogg" } },
      { id: 2, task: "translation", dep: [], args: { text: reference, language: "de" } },
    ]);

  for (const reference of ["<resource>-1", "<GENERATED>-1", "<resource-1>", "<node-1>", "<generated>-1"]) {
    it(`reads ${reference} as the output of task 1 and recomputes dep`, () => {
      const second = ok(parsePlan(chain(reference), INPUTS)).tasks[1];
      expect(second?.args.text).toEqual({ type: "ref", task: 1 });
      expect(second?.dep).toEqual([1]);
    });
  }

  it("ignores the LLM's dep and recomputes it from the references", () => {
    const raw = JSON.stringify([
      { id: 1, task: "text-to-image", dep: [7, -1], args: { text: "a fox" } },
      { id: 2, task: "image-to-text", dep: [], args: { image: "<resource>-1" } },
      { id: 3, task: "object-detection", dep: [2], args: { image: "<resource>-1" } },
      { id: 4, task: "visual-question-answering", args: { image: "<resource>-3", text: "<resource>-2" } },
    ]);
    expect(ok(parsePlan(raw, INPUTS)).tasks.map((task) => task.dep)).toEqual([[], [1], [1], [2, 3]]);
  });

  it("accepts ids from 0, as JARVIS writes them, and forward references", () => {
    const raw = JSON.stringify([
      { id: 1, task: "text-to-speech", args: { text: "<GENERATED>-0" } },
      { id: 0, task: "image-to-text", args: { image: "photo.jpg" } },
    ]);
    expect(ok(parsePlan(raw, INPUTS)).tasks.map((task) => [task.id, task.dep])).toEqual([
      [1, [0]],
      [0, []],
    ]);
  });

  it("refuses a reference mixed with other words", () => {
    const raw = JSON.stringify([
      { id: 1, task: "image-to-text", args: { image: "photo.jpg" } },
      { id: 2, task: "translation", args: { text: "translate <resource>-1 please" } },
    ]);
    expect(error(parsePlan(raw, INPUTS))).toContain("a reference must be the whole value");
  });
});

describe("parsePlan: inputs, links and literals", () => {
  const one = (args: Record<string, unknown>, task = "image-classification") =>
    JSON.stringify([{ id: 1, task, args }]);

  it("reads an input by its name, with a leading path, quotes or other case", () => {
    for (const name of [
      "photo.jpg",
      "/tmp/uploads/photo.jpg",
      "./photo.jpg",
      "C:\\files\\photo.jpg",
      "'photo.jpg'",
      '"photo.jpg"',
      "Photo.JPG",
    ]) {
      expect(ok(parsePlan(one({ image: name }), INPUTS)).tasks[0]?.args.image).toEqual({
        type: "input",
        name: "photo.jpg",
      });
    }
  });

  it("reads an earlier turn's result by name", () => {
    const inputs = [{ ...image("image-1.png"), origin: "history" as const }];
    expect(ok(parsePlan(one({ image: "image-1.png" }), inputs)).tasks[0]?.args.image).toEqual({
      type: "input",
      name: "image-1.png",
    });
  });

  it("feeds a text attachment to a text argument", () => {
    expect(
      ok(parsePlan(one({ text: "notes.txt" }, "text-classification"), INPUTS)).tasks[0]?.args.text,
    ).toEqual({
      type: "input",
      name: "notes.txt",
    });
  });

  it("reads an http(s) link as a URL, never as an input even when its last segment matches", () => {
    expect(
      ok(parsePlan(one({ image: "https://example.com/a/photo.jpg" }), INPUTS)).tasks[0]?.args.image,
    ).toEqual({ type: "url", url: "https://example.com/a/photo.jpg" });
  });

  it("refuses file:, data: and other schemes for media", () => {
    expect(error(parsePlan(one({ image: "file:///etc/passwd" }), INPUTS))).toContain(
      "only use http(s) links",
    );
    expect(error(parsePlan(one({ image: "data:image/png;base64,AAAA" }), INPUTS))).toContain(
      "only use http(s) links",
    );
  });

  it("refuses plain text for an image argument", () => {
    expect(error(parsePlan(one({ image: "a photo of a cat" }), INPUTS))).toBe(
      'task 1 (image-classification) needs an image: an attached file\'s name, <resource>-N or a link, not the text "a photo of a cat"',
    );
  });

  it("refuses an input of the wrong kind", () => {
    expect(error(parsePlan(one({ image: "voice.ogg" }), INPUTS))).toBe(
      'task 1 (image-classification) needs an image, but "voice.ogg" holds audio',
    );
  });

  it("refuses an unknown argument and a missing required one", () => {
    expect(error(parsePlan(one({ image: "photo.jpg", mood: "happy" }), INPUTS))).toBe(
      'task 1 (image-classification) has no argument "mood" (it takes image, labels)',
    );
    expect(error(parsePlan(one({}, "visual-question-answering"), INPUTS))).toContain(
      "task 1 (visual-question-answering) is missing its text (the question)",
    );
  });

  it("maps common argument aliases to our names", () => {
    const raw = one({ image: "photo.jpg", question: "how many cats?" }, "visual-question-answering");
    expect(ok(parsePlan(raw, INPUTS)).tasks[0]?.args.text).toEqual({
      type: "literal",
      text: "how many cats?",
    });
  });
});

describe("parsePlan: the bad shapes of the issue", () => {
  it("prose only", () => {
    expect(error(parsePlan("I would caption the image and then read the caption aloud.", INPUTS))).toBe(
      "the answer contains no JSON; expected a JSON list of tasks",
    );
  });

  it("truncated JSON, without mistaking an inner fragment for the plan", () => {
    const full = JSON.stringify([
      { id: 1, task: "image-to-text", dep: [], args: { image: "photo.jpg" } },
      { id: 2, task: "text-to-speech", dep: [1], args: { text: "<resource>-1" } },
    ]);
    for (const cutAt of [full.length - 1, full.indexOf('"dep":[]') + 8, 60]) {
      expect(error(parsePlan(full.slice(0, cutAt), INPUTS))).toBe(
        "the JSON in the answer is cut off before its end",
      );
    }
    expect(error(parsePlan(`\`\`\`json\n${full.slice(0, 40)}`, INPUTS))).toContain("cut off");
  });

  it("invalid JSON", () => {
    expect(error(parsePlan("[{id: 1, task: 'image-to-text'}]", INPUTS))).toMatch(
      /^the JSON in the answer is not valid/,
    );
  });

  it("unknown task", () => {
    expect(
      error(parsePlan('[{"id": 1, "task": "image-magic", "args": {"image": "photo.jpg"}}]', INPUTS)),
    ).toBe('task 1 names an unknown task "image-magic"');
  });

  it("cycle, reported with its tasks", () => {
    const raw = JSON.stringify([
      { id: 1, task: "summarization", args: { text: "<resource>-3" } },
      { id: 2, task: "translation", args: { text: "<resource>-1" } },
      { id: 3, task: "text-generation", args: { text: "<resource>-2" } },
    ]);
    expect(error(parsePlan(raw, INPUTS))).toBe("the tasks depend on each other in a cycle: 1 → 3 → 2 → 1");
  });

  it("self-dependency", () => {
    const raw = JSON.stringify([{ id: 1, task: "summarization", args: { text: "<resource>-1" } }]);
    expect(error(parsePlan(raw, INPUTS))).toBe("task 1 (summarization) uses its own output as its text");
  });

  it("missing referenced id", () => {
    const raw = JSON.stringify([
      { id: 1, task: "image-to-text", args: { image: "photo.jpg" } },
      { id: 2, task: "text-to-speech", args: { text: "<resource>-7" } },
    ]);
    expect(error(parsePlan(raw, INPUTS))).toBe(
      "task 2 (text-to-speech) uses the output of task 7, which is not in the plan",
    );
  });

  it("wrong argument kind", () => {
    const raw = JSON.stringify([
      { id: 1, task: "image-to-text", args: { image: "photo.jpg" } },
      { id: 2, task: "text-to-image", args: { text: "<resource>-1" } },
      { id: 3, task: "text-to-speech", args: { text: "<resource>-2" } },
    ]);
    expect(error(parsePlan(raw, INPUTS))).toBe(
      "task 3 (text-to-speech) needs text, but task 2 (text-to-image) produces an image",
    );
    const audioFromText = JSON.stringify([
      { id: 1, task: "summarization", args: { text: "long text" } },
      { id: 2, task: "automatic-speech-recognition", args: { audio: "<resource>-1" } },
    ]);
    expect(error(parsePlan(audioFromText, INPUTS))).toBe(
      "task 2 (automatic-speech-recognition) needs audio, but task 1 (summarization) produces text",
    );
  });

  it("lets outputs feed what the registry says they feed", () => {
    const raw = JSON.stringify([
      { id: 1, task: "object-detection", args: { image: "photo.jpg" } },
      { id: 2, task: "translation", args: { text: "<resource>-1", language: "de" } },
      { id: 3, task: "image-to-text", args: { image: "<resource>-1" } },
    ]);
    expect(ok(parsePlan(raw, INPUTS)).tasks).toHaveLength(3);
  });

  it("an attachment name that does not exist, naming the file and the ones available", () => {
    const raw = JSON.stringify([{ id: 1, task: "object-detection", args: { image: "cat.png" } }]);
    expect(error(parsePlan(raw, INPUTS))).toBe(
      'task 1 (object-detection) refers to "cat.png", but there is no such file (available: "photo.jpg", "voice.ogg", "notes.txt")',
    );
    expect(error(parsePlan(raw, []))).toBe(
      'task 1 (object-detection) refers to "cat.png", but there is no such file (no files are attached)',
    );
    const textArg = JSON.stringify([{ id: 1, task: "summarization", args: { text: "report.pdf" } }]);
    expect(error(parsePlan(textArg, INPUTS))).toContain('refers to "report.pdf", but there is no such file');
  });

  it("100 tasks are refused with a clear error", () => {
    const tasks = Array.from({ length: 100 }, (_, index) => ({
      id: index + 1,
      task: "summarization",
      args: { text: "x" },
    }));
    expect(error(parsePlan(JSON.stringify(tasks), INPUTS))).toBe(
      "the plan has 100 tasks; at most 20 are allowed in one request",
    );
    expect(ok(parsePlan(JSON.stringify(tasks), INPUTS, { maxTasks: 100 })).tasks).toHaveLength(100);
  });

  it("duplicate ids", () => {
    const raw = JSON.stringify([
      { id: 1, task: "image-to-text", args: { image: "photo.jpg" } },
      { id: 1, task: "image-classification", args: { image: "photo.jpg" } },
    ]);
    expect(error(parsePlan(raw, INPUTS))).toBe("task id 1 is used by more than one task; ids must be unique");
  });

  it("entries that are not tasks", () => {
    expect(error(parsePlan("[1, 2]", INPUTS))).toContain("the task at position 1 is not an object");
    expect(error(parsePlan('[{"task": "summarization", "args": {"text": "x"}}]', INPUTS))).toBe(
      "the task at position 1 has no whole-number id",
    );
    expect(
      error(parsePlan('[{"id": 1.5, "task": "summarization", "args": {"text": "x"}}]', INPUTS)),
    ).toContain("ids must be whole numbers");
    expect(error(parsePlan('{"answer": "hello"}', INPUTS))).toBe(
      'the answer holds an object with "answer", not a list of tasks',
    );
  });

  it("reports several problems at once, but not too many", () => {
    const tasks = Array.from({ length: 6 }, (_, index) => ({ id: index + 1, task: "nope", args: {} }));
    const message = error(parsePlan(JSON.stringify(tasks), INPUTS));
    expect(message).toMatch(
      /^task 1 names an unknown task "nope"; task 2 .*; task 3 .* \(and 3 more problems\)$/,
    );
  });
});

describe("parsePlan: hostile plans", () => {
  afterEach(() => {
    // Every test here must leave the global prototype as it found it.
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain("polluted");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("500 tasks are refused before any is read", () => {
    const tasks = Array.from({ length: 500 }, (_, index) => ({
      id: index + 1,
      task: "summarization",
      args: { text: "x" },
    }));
    expect(error(parsePlan(JSON.stringify(tasks), INPUTS))).toBe(
      "the plan has 500 tasks; at most 20 are allowed in one request",
    );
  });

  it("a 1 MB text argument is refused, unparsed", () => {
    const raw = JSON.stringify([{ id: 1, task: "summarization", args: { text: "a".repeat(1_048_576) } }]);
    expect(error(parsePlan(raw, INPUTS))).toMatch(
      /^the answer is 1,048,6\d\d characters long; at most 256,000 are read$/,
    );
  });

  it("a text argument over the per-argument limit is refused", () => {
    const raw = JSON.stringify([{ id: 1, task: "summarization", args: { text: "a".repeat(20_000) } }]);
    expect(error(parsePlan(raw, INPUTS))).toBe(
      "task 1 (summarization) has a text of 20,000 characters; at most 10,000 are allowed",
    );
  });

  for (const name of ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"]) {
    it(`refuses ${name} as a task name`, () => {
      const raw = `[{"id": 1, "task": "${name}", "args": {"text": "x"}}]`;
      expect(error(parsePlan(raw, INPUTS))).toBe(`task 1 names an unknown task "${name}"`);
    });

    it(`refuses ${name} as an argument key`, () => {
      const raw = `[{"id": 1, "task": "summarization", "args": {"text": "x", "${name}": {"polluted": true}}}]`;
      expect(error(parsePlan(raw, INPUTS))).toContain(`task 1 (summarization) has no argument "${name}"`);
      const asString = `[{"id": 1, "task": "summarization", "args": {"text": "x", "${name}": "polluted"}}]`;
      expect(error(parsePlan(asString, INPUTS))).toContain(`has no argument "${name}"`);
    });
  }

  it("ignores __proto__ keys on the plan and on tasks without touching any prototype", () => {
    const raw =
      '{"__proto__": {"polluted": true}, "tasks": [{"__proto__": {"polluted": true}, "id": 1, "task": "summarization", "args": {"text": "x"}}]}';
    const plan = ok(parsePlan(raw, INPUTS));
    expect(plan.tasks).toEqual([
      { id: 1, task: "summarization", dep: [], args: { text: { type: "literal", text: "x" } } },
    ]);
    expect(Object.getPrototypeOf(plan.tasks[0]?.args)).toBe(Object.prototype);
  });

  it("survives an answer full of unclosed brackets quickly", () => {
    const started = performance.now();
    expect(parsePlan("[ x ".repeat(60_000), INPUTS).ok).toBe(false);
    expect(parsePlan("[".repeat(250_000), INPUTS).ok).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("does not let a hostile value flood the error message", () => {
    const raw = JSON.stringify([{ id: 1, task: "x".repeat(5_000), args: {} }]);
    expect(error(parsePlan(raw, INPUTS)).length).toBeLessThan(120);
  });
});
