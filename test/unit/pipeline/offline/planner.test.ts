import { describe, expect, it } from "vitest";
import {
  describeOfflineAbilities,
  OFFLINE_INTENTS,
  planOffline,
  type Servable,
} from "../../../../src/pipeline/offline/index.js";
import { parsePlanFor } from "../../../../src/pipeline/plan.js";
import type {
  ArgValue,
  ConversationTurn,
  NamedInput,
  Plan,
  PlannedTask,
} from "../../../../src/pipeline/types.js";
import type { ArgName, TaskName } from "../../../../src/tasks/index.js";

const media =
  (kind: "image" | "audio" | "video", mime: string) =>
  (name: string, origin: NamedInput["origin"] = "attachment"): NamedInput => ({
    name,
    origin,
    resource: { kind, mime, bytes: new Uint8Array([1, 2, 3]), name },
  });
const image = media("image", "image/jpeg");
const audio = media("audio", "audio/ogg");
const video = media("video", "video/webm");
const textFile = (name: string, text: string, origin: NamedInput["origin"] = "attachment"): NamedInput => ({
  name,
  origin,
  resource: { kind: "text", text },
});

const input = (name: string): ArgValue => ({ type: "input", name });
const ref = (task: number): ArgValue => ({ type: "ref", task });
const literal = (text: string): ArgValue => ({ type: "literal", text });

function task(
  id: number,
  name: TaskName,
  args: Partial<Record<ArgName, ArgValue>>,
  intent?: string,
): PlannedTask {
  const dep = Object.values(args).flatMap((value) => (value?.type === "ref" ? [value.task] : []));
  return {
    id,
    task: name,
    dep: [...new Set(dep)].sort((a, b) => a - b),
    args,
    ...(intent ? { intent } : {}),
  };
}

/** What local experts serve in the default setup. */
const LOCAL: ReadonlySet<TaskName> = new Set<TaskName>([
  "object-detection",
  "image-to-text",
  "document-question-answering",
  "text-to-speech",
  "automatic-speech-recognition",
  "text-classification",
]);
const local = (name: TaskName) => LOCAL.has(name);
const everything = () => true;

/** A thread whose last turn read a sign: its photo and its text are named inputs of origin "history". */
const SIGN_TURN: ConversationTurn = {
  user: "what does this sign say?",
  answer: "The text in the image reads: “STOP”.",
  resources: ["turn1-sign.jpg", "turn1-1-image-to-text.txt"],
};
const SIGN_INPUTS: NamedInput[] = [
  image("turn1-sign.jpg", "history"),
  textFile("turn1-1-image-to-text.txt", "STOP", "history"),
];
const CAPTION_TURN: ConversationTurn = {
  user: "caption this and transcribe the voice note",
  answer: "The image shows “a dog on a bench”. Transcript: “hello”.",
  resources: ["turn2-1-image-to-text.txt", "turn2-2-automatic-speech-recognition.txt"],
};
const CAPTION_INPUTS: NamedInput[] = [
  textFile("turn2-1-image-to-text.txt", "a dog on a bench", "history"),
  textFile("turn2-2-automatic-speech-recognition.txt", "hello", "history"),
];

/** A thread whose last turn made speech: its recording is a named input of origin "history". */
const SPEECH_TURN: ConversationTurn = {
  user: "say: what are we",
  answer: "Here is the speech (turn1-1-text-to-speech.wav).",
  resources: ["turn1-1-text-to-speech.wav"],
};
const SPEECH_INPUTS: NamedInput[] = [media("audio", "audio/wav")("turn1-1-text-to-speech.wav", "history")];

/** The local setup without a document reader: questions about a receipt fall back to reading it. */
const noDocuments = (name: TaskName) => name !== "document-question-answering" && local(name);

interface Case {
  text: string;
  inputs?: NamedInput[];
  history?: ConversationTurn[];
  servable?: (name: TaskName) => boolean;
  tasks: PlannedTask[];
}

const CASES: Case[] = [
  {
    text: "what is in this photo? read the answer aloud",
    inputs: [image("photo.jpg")],
    tasks: [
      task(1, "object-detection", { image: input("photo.jpg") }, "detect-objects"),
      task(2, "text-to-speech", { text: ref(1) }, "speak"),
    ],
  },
  {
    text: "What do you see?",
    inputs: [image("photo.jpg")],
    tasks: [task(1, "object-detection", { image: input("photo.jpg") }, "detect-objects")],
  },
  {
    text: "detect the cars",
    inputs: [image("street.png")],
    tasks: [task(1, "object-detection", { image: input("street.png") }, "detect-objects")],
  },
  {
    text: "count the sheep",
    inputs: [image("field.jpg")],
    tasks: [task(1, "object-detection", { image: input("field.jpg") }, "detect-objects")],
  },
  {
    text: "are there any dogs?",
    inputs: [image("park.jpg")],
    tasks: [task(1, "object-detection", { image: input("park.jpg") }, "detect-objects")],
  },
  {
    text: "what is in these photos?",
    inputs: [image("a.jpg"), image("b.jpg")],
    tasks: [
      task(1, "object-detection", { image: input("a.jpg") }, "detect-objects"),
      task(2, "object-detection", { image: input("b.jpg") }, "detect-objects"),
    ],
  },
  {
    text: "what is in these photos? then read it aloud",
    inputs: [image("a.jpg"), image("b.jpg")],
    tasks: [
      task(1, "object-detection", { image: input("a.jpg") }, "detect-objects"),
      task(2, "object-detection", { image: input("b.jpg") }, "detect-objects"),
      task(3, "text-to-speech", { text: ref(1) }, "speak"),
      task(4, "text-to-speech", { text: ref(2) }, "speak"),
    ],
  },
  {
    text: "read the text in this screenshot",
    inputs: [image("screen.png")],
    tasks: [task(1, "image-to-text", { image: input("screen.png") }, "read-text")],
  },
  {
    text: "OCR please",
    inputs: [image("scan.png")],
    tasks: [task(1, "image-to-text", { image: input("scan.png") }, "read-text")],
  },
  {
    text: "what does it say?",
    inputs: [image("sign.jpg")],
    tasks: [task(1, "image-to-text", { image: input("sign.jpg") }, "read-text")],
  },
  {
    text: "transcribe this sign",
    inputs: [image("sign.jpg")],
    tasks: [task(1, "image-to-text", { image: input("sign.jpg") }, "read-text")],
  },
  {
    text: "read this sign aloud",
    inputs: [image("sign.jpg")],
    tasks: [
      task(1, "image-to-text", { image: input("sign.jpg") }, "read-text"),
      task(2, "text-to-speech", { text: ref(1) }, "speak"),
    ],
  },
  {
    text: "What is the total on this receipt?",
    inputs: [image("receipt.jpg")],
    tasks: [
      task(
        1,
        "document-question-answering",
        {
          image: input("receipt.jpg"),
          text: literal("What is the total on this receipt?"),
        },
        "document-question",
      ),
    ],
  },
  {
    text: "transcribe this and read it back",
    inputs: [audio("memo.ogg")],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("memo.ogg") }, "transcribe"),
      task(2, "text-to-speech", { text: ref(1) }, "speak"),
    ],
  },
  {
    text: "what does she say?",
    inputs: [audio("call.ogg")],
    tasks: [task(1, "automatic-speech-recognition", { audio: input("call.ogg") }, "transcribe")],
  },
  {
    text: "what is said in this recording",
    inputs: [audio("talk.ogg")],
    tasks: [task(1, "automatic-speech-recognition", { audio: input("talk.ogg") }, "transcribe")],
  },
  {
    text: "",
    inputs: [audio("voice.ogg")],
    tasks: [task(1, "automatic-speech-recognition", { audio: input("voice.ogg") }, "transcribe")],
  },
  {
    text: "",
    inputs: [video("voice-note.webm")],
    tasks: [task(1, "automatic-speech-recognition", { audio: input("voice-note.webm") }, "transcribe")],
  },
  {
    text: "",
    inputs: [image("x.jpg")],
    tasks: [task(1, "object-detection", { image: input("x.jpg") }, "detect-objects")],
  },
  {
    text: "asdfgh qwerty",
    inputs: [image("x.jpg")],
    tasks: [task(1, "object-detection", { image: input("x.jpg") }, "detect-objects")],
  },
  {
    text: "here you go",
    inputs: [image("x.jpg"), audio("y.ogg")],
    tasks: [
      task(1, "object-detection", { image: input("x.jpg") }, "detect-objects"),
      task(2, "automatic-speech-recognition", { audio: input("y.ogg") }, "transcribe"),
    ],
  },
  {
    text: 'is "I love this phone" positive?',
    tasks: [task(1, "text-classification", { text: literal("I love this phone") }, "sentiment")],
  },
  {
    text: "what's the sentiment of: the food was cold and the waiter rude",
    tasks: [
      task(1, "text-classification", { text: literal("the food was cold and the waiter rude") }, "sentiment"),
    ],
  },
  {
    text: "how does this sound?",
    inputs: [audio("message.ogg")],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("message.ogg") }, "transcribe"),
      task(2, "text-classification", { text: ref(1) }, "sentiment"),
    ],
  },
  {
    text: "classify the tone of my review",
    inputs: [textFile("review.txt", "Great value, fast delivery.")],
    tasks: [task(1, "text-classification", { text: input("review.txt") }, "sentiment")],
  },
  {
    text: "what is in this photo? is this review positive?",
    inputs: [image("photo.jpg"), textFile("review.txt", "Great value.")],
    tasks: [
      task(1, "object-detection", { image: input("photo.jpg") }, "detect-objects"),
      task(2, "text-classification", { text: input("review.txt") }, "sentiment"),
    ],
  },
  {
    text: "say: hello there. How are you?",
    tasks: [task(1, "text-to-speech", { text: literal("hello there. How are you?") }, "speak")],
  },
  {
    text: 'read aloud "good morning"',
    tasks: [task(1, "text-to-speech", { text: literal("good morning") }, "speak")],
  },
  {
    text: "say good night",
    tasks: [task(1, "text-to-speech", { text: literal("good night") }, "speak")],
  },
  {
    text: "read that aloud",
    inputs: SIGN_INPUTS,
    history: [SIGN_TURN],
    tasks: [task(1, "text-to-speech", { text: input("turn1-1-image-to-text.txt") }, "speak")],
  },
  {
    text: "now read the answer aloud",
    inputs: SIGN_INPUTS,
    history: [SIGN_TURN],
    tasks: [task(1, "text-to-speech", { text: literal("The text in the image reads: “STOP”.") }, "speak")],
  },
  {
    text: "read that caption aloud",
    inputs: CAPTION_INPUTS,
    history: [CAPTION_TURN],
    tasks: [task(1, "text-to-speech", { text: input("turn2-1-image-to-text.txt") }, "speak")],
  },
  {
    text: "read the transcript aloud",
    inputs: CAPTION_INPUTS,
    history: [CAPTION_TURN],
    tasks: [task(1, "text-to-speech", { text: input("turn2-2-automatic-speech-recognition.txt") }, "speak")],
  },
  {
    text: "do the same for this one",
    inputs: [...SIGN_INPUTS, image("another-sign.jpg")],
    history: [SIGN_TURN],
    tasks: [task(1, "image-to-text", { image: input("another-sign.jpg") }, "read-text")],
  },
  {
    text: "detect objects in it",
    inputs: SIGN_INPUTS,
    history: [SIGN_TURN],
    tasks: [task(1, "object-detection", { image: input("turn1-sign.jpg") }, "detect-objects")],
  },
  {
    text: "what is in this photo and what does she say",
    inputs: [image("a.jpg"), audio("b.ogg")],
    tasks: [
      task(1, "object-detection", { image: input("a.jpg") }, "detect-objects"),
      task(2, "automatic-speech-recognition", { audio: input("b.ogg") }, "transcribe"),
    ],
  },
  {
    text: "what is in this photo? count the dogs",
    inputs: [image("a.jpg")],
    tasks: [task(1, "object-detection", { image: input("a.jpg") }, "detect-objects")],
  },
  {
    text: "translate good morning into German",
    servable: everything,
    tasks: [task(1, "translation", { text: literal("good morning"), language: literal("de") }, "translate")],
  },
  {
    text: "read it aloud, but translate it to French first",
    inputs: [audio("memo.ogg")],
    servable: everything,
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("memo.ogg") }, "transcribe"),
      task(2, "translation", { text: ref(1), language: literal("fr") }, "translate"),
      task(3, "text-to-speech", { text: ref(2) }, "speak"),
    ],
  },
  {
    text: "draw a lighthouse at sunset, then detect objects in it",
    servable: everything,
    tasks: [
      task(1, "text-to-image", { text: literal("a lighthouse at sunset") }, "draw"),
      task(2, "object-detection", { image: ref(1) }, "detect-objects"),
    ],
  },
  {
    text: "describe this picture",
    inputs: [image("cat.jpg")],
    servable: everything,
    tasks: [task(1, "image-to-text", { image: input("cat.jpg") }, "describe-image")],
  },
  {
    text: "what kind of bird is this?",
    inputs: [image("bird.jpg")],
    servable: everything,
    tasks: [task(1, "image-classification", { image: input("bird.jpg") }, "classify-image")],
  },
  {
    text: "where was this taken?",
    inputs: [image("beach.jpg")],
    servable: everything,
    tasks: [
      task(
        1,
        "visual-question-answering",
        {
          image: input("beach.jpg"),
          text: literal("where was this taken?"),
        },
        "image-question",
      ),
    ],
  },
  {
    text: "write me a poem about autumn",
    servable: everything,
    tasks: [task(1, "text-generation", { text: literal("write me a poem about autumn") }, "write")],
  },
  // A new attachment wins over the thread's earlier results.
  {
    text: "what does this sign say",
    inputs: [...SPEECH_INPUTS, image("sign.png")],
    history: [SPEECH_TURN],
    tasks: [task(1, "image-to-text", { image: input("sign.png") }, "read-text")],
  },
  {
    text: "what does it say?",
    inputs: [...SPEECH_INPUTS, image("receipt.jpg")],
    history: [SPEECH_TURN],
    tasks: [task(1, "image-to-text", { image: input("receipt.jpg") }, "read-text")],
  },
  {
    text: "transcribe the recording you made",
    inputs: [...SPEECH_INPUTS, image("sign.png")],
    history: [SPEECH_TURN],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("turn1-1-text-to-speech.wav") }, "transcribe"),
    ],
  },
  {
    text: "transcribe that",
    inputs: [...SPEECH_INPUTS, image("sign.png")],
    history: [SPEECH_TURN],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("turn1-1-text-to-speech.wav") }, "transcribe"),
    ],
  },
  {
    text: "transcribe the recording",
    inputs: [...SPEECH_INPUTS, image("sign.png")],
    history: [SPEECH_TURN],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("turn1-1-text-to-speech.wav") }, "transcribe"),
    ],
  },
  // Questions about a receipt that do not say "receipt".
  {
    text: "how much did I pay for milk?",
    inputs: [image("receipt.jpg")],
    tasks: [
      task(
        1,
        "document-question-answering",
        { image: input("receipt.jpg"), text: literal("how much did I pay for milk?") },
        "document-question",
      ),
    ],
  },
  {
    text: "how much did I pay for milk?",
    inputs: [image("receipt.jpg")],
    servable: noDocuments,
    tasks: [task(1, "image-to-text", { image: input("receipt.jpg") }, "read-text")],
  },
  {
    text: "when did I buy this?",
    inputs: [image("receipt.jpg")],
    tasks: [
      task(
        1,
        "document-question-answering",
        { image: input("receipt.jpg"), text: literal("when did I buy this?") },
        "document-question",
      ),
    ],
  },
  {
    text: "who is the customer?",
    inputs: [image("invoice.png")],
    tasks: [
      task(
        1,
        "document-question-answering",
        { image: input("invoice.png"), text: literal("who is the customer?") },
        "document-question",
      ),
    ],
  },
  {
    text: "is there any tax?",
    inputs: [image("receipt.jpg")],
    tasks: [
      task(
        1,
        "document-question-answering",
        { image: input("receipt.jpg"), text: literal("is there any tax?") },
        "document-question",
      ),
    ],
  },
  {
    text: "how many dogs are there?",
    inputs: [image("park.jpg")],
    tasks: [task(1, "object-detection", { image: input("park.jpg") }, "detect-objects")],
  },
  {
    text: "when was this taken?",
    inputs: [image("beach.jpg")],
    servable: everything,
    tasks: [
      task(
        1,
        "visual-question-answering",
        { image: input("beach.jpg"), text: literal("when was this taken?") },
        "image-question",
      ),
    ],
  },
  // Intents: reading and captioning one photo are two tasks; a text task reads a screenshot.
  {
    text: "read the text and describe this image",
    inputs: [image("poster.jpg")],
    servable: everything,
    tasks: [
      task(1, "image-to-text", { image: input("poster.jpg") }, "read-text"),
      task(2, "image-to-text", { image: input("poster.jpg") }, "describe-image"),
    ],
  },
  {
    text: "is this positive?",
    inputs: [image("review.png")],
    tasks: [
      task(1, "image-to-text", { image: input("review.png") }, "read-text"),
      task(2, "text-classification", { text: ref(1) }, "sentiment"),
    ],
  },
];

function planned(testCase: Case): Plan {
  const outcome = planOffline(
    {
      text: testCase.text,
      inputs: testCase.inputs ?? [],
      ...(testCase.history ? { history: testCase.history } : {}),
    },
    { servable: testCase.servable ?? local },
  );
  if (!outcome.ok) throw new Error(`expected a plan, got: ${outcome.message}`);
  return outcome.plan;
}

function refusal(
  text: string,
  inputs: NamedInput[] = [],
  servable: Servable = local,
  options: { history?: ConversationTurn[]; unservableHint?: string } = {},
): string {
  const outcome = planOffline(
    { text, inputs, ...(options.history ? { history: options.history } : {}) },
    { servable, ...(options.unservableHint ? { unservableHint: options.unservableHint } : {}) },
  );
  if (outcome.ok) throw new Error(`expected a refusal, got: ${JSON.stringify(outcome.plan)}`);
  return outcome.message;
}

describe("planOffline: requests to task graphs", () => {
  it("has a table of at least 30 requests", () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CASES.map((testCase) => [testCase.text || "(empty text)", testCase] as const))(
    "%s",
    (_name, testCase) => {
      console.log(
        "DUMP",
        JSON.stringify(testCase.text),
        JSON.stringify(planned(testCase).tasks.map((t) => t.intent ?? null)),
      );
      expect(planned(testCase).tasks).toEqual(testCase.tasks);
    },
  );

  it.each(CASES.map((testCase) => [testCase.text || "(empty text)", testCase] as const))(
    "passes the LLM plan's checks: %s",
    (_name, testCase) => {
      const plan = planned(testCase);
      const raw = plan.tasks.map((planned) => ({
        id: planned.id,
        task: planned.task,
        args: Object.fromEntries(
          Object.entries(planned.args).map(([name, value]) => [
            name,
            value?.type === "ref"
              ? `<resource>-${value.task}`
              : value?.type === "input"
                ? value.name
                : "some words",
          ]),
        ),
      }));
      const inputs = (testCase.inputs ?? []).map((named) => ({
        name: named.name,
        kind: named.resource.kind,
      }));
      const checked = parsePlanFor(JSON.stringify(raw), inputs);
      expect(checked.ok && checked.plan.tasks.map((planned) => planned.dep)).toEqual(
        plan.tasks.map((planned) => planned.dep),
      );
    },
  );
});

describe("planOffline: refusals", () => {
  it("says what it can do and how to add an LLM when nothing servable matches", () => {
    const message = refusal("write me a poem");
    expect(message).toMatch(/^Writing a text from a prompt \(text generation\) cannot run here/);
    expect(message).toContain("OPENAI_API_KEY");
    expect(message).toContain("OPENAI_BASE_URL and LLM_MODEL");
    expect(message).toContain("what is in this photo?");
    expect(message).not.toContain("write a haiku");
  });

  it("refuses a task that cannot run here", () => {
    expect(refusal("translate good morning into German")).toMatch(
      /^Translating a text cannot run here: no expert on this machine does it\. Set HF_TOKEN/,
    );
  });

  it("names an unservable task once, in words", () => {
    // OCR serves image-to-text in part; captioning needs an expert for the whole task.
    const ocrOnly: Servable = (name, fully) => local(name) && !(fully && name === "image-to-text");
    const message = refusal("describe this picture", [image("cat.jpg")], ocrOnly);
    expect(message).toMatch(
      /^Describing an image \(captioning\) cannot run here: no expert on this machine does it\. Set HF_TOKEN/,
    );
    expect(message).not.toContain("image-to-text");
    expect(refusal("", [image("x.jpg")], () => false)).toMatch(/^Object detection cannot run here:/);
  });

  it("says the hint it is given after an unservable task", () => {
    const hint = "INFERENCE_MODE=local keeps every task on this machine.";
    expect(refusal("translate hi into German", [], local, { unservableHint: hint })).toMatch(
      /^Translating a text cannot run here: no expert on this machine does it\. INFERENCE_MODE=local keeps/,
    );
  });

  it("refuses to read a new photo it cannot read rather than transcribe an old recording", () => {
    const noImageToText: Servable = (name) => name !== "image-to-text" && local(name);
    expect(
      refusal("what does this sign say", [...SPEECH_INPUTS, image("sign.png")], noImageToText, {
        history: [SPEECH_TURN],
      }),
    ).toMatch(/^Reading the text in an image \(OCR\) cannot run here/);
  });

  it("refuses a chain when one of its tasks cannot run", () => {
    expect(refusal("draw a cat, then read it aloud")).toMatch(/^Generating an image from a description/);
  });

  it("asks for the missing attachment", () => {
    expect(refusal("detect the objects")).toMatch(/^Object detection needs an image: attach one\./);
    expect(refusal("transcribe this")).toMatch(/^Automatic speech recognition needs a recording/);
    expect(refusal("read it aloud")).toMatch(/^Text-to-speech needs a text/);
  });

  it("does not recognise small talk", () => {
    expect(refusal("hello!")).toMatch(/^I can't tell which task "hello!" needs/);
    expect(refusal("")).toMatch(/^Send me a request/);
  });

  it("refuses an attachment when no default task can run for it", () => {
    expect(refusal("", [image("x.jpg")], () => false)).toContain("No model can run here");
  });

  it("keeps to the plan size limit", () => {
    const many = Array.from({ length: 21 }, (_, index) => image(`p${index}.jpg`));
    expect(refusal("what is in these photos?", many)).toMatch(/at most 20/);
  });
});

describe("the intents table", () => {
  it("has unique ids and an example that plans its own task", () => {
    expect(new Set(OFFLINE_INTENTS.map((intent) => intent.id)).size).toBe(OFFLINE_INTENTS.length);
    const inputs = [image("photo.jpg"), audio("voice.ogg")];
    for (const intent of OFFLINE_INTENTS) {
      const outcome = planOffline({ text: intent.example, inputs }, { servable: everything });
      expect(outcome.ok && outcome.plan.tasks.map((planned) => planned.task), intent.example).toContain(
        intent.task,
      );
    }
  });

  it("has a title for messages on every intent", () => {
    for (const intent of OFFLINE_INTENTS) expect(intent.title, intent.id).toMatch(/^[A-Z]\w+ \S/);
  });

  it("plans every task with the intent it serves, through the plan's checks", () => {
    const outcome = planOffline(
      { text: "read this sign aloud", inputs: [image("sign.jpg")] },
      { servable: local },
    );
    expect(outcome.ok && outcome.plan.tasks.map(({ intent, dep }) => ({ intent, dep }))).toEqual([
      { intent: "read-text", dep: [] },
      { intent: "speak", dep: [1] },
    ]);
  });

  it("lists only servable tasks in the help text", () => {
    const help = describeOfflineAbilities(local);
    expect(help).toContain("read the text in an image");
    expect(help).not.toContain("translate");
    expect(help).toContain("OPENAI_API_KEY");
  });
});
