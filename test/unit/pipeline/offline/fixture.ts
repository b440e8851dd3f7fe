/**
 * The offline planner's fixture: requests with the plan each should get, shared by the planner's unit
 * test (exact task graphs, exact refusals) and `bench/offline-planner.ts` (TaskBench's node and edge
 * F1 over the same table). Requests are single tasks, chains, parallel branches (several attachments,
 * or independent tasks on one), follow-ups on a thread's earlier results, and out-of-scope requests
 * that must be refused with a message saying why.
 */
import {
  type OfflinePlanOutcome,
  planOffline,
  type Servable,
} from "../../../../src/pipeline/offline/index.js";
import type { ArgValue, ConversationTurn, NamedInput, PlannedTask } from "../../../../src/pipeline/types.js";
import type { ArgName, TaskName } from "../../../../src/tasks/index.js";

export const media =
  (kind: "image" | "audio" | "video", mime: string) =>
  (name: string, origin: NamedInput["origin"] = "attachment"): NamedInput => ({
    name,
    origin,
    resource: { kind, mime, bytes: new Uint8Array([1, 2, 3]), name },
  });
export const image = media("image", "image/jpeg");
export const audio = media("audio", "audio/ogg");
export const video = media("video", "video/webm");
export const textFile = (
  name: string,
  text: string,
  origin: NamedInput["origin"] = "attachment",
): NamedInput => ({
  name,
  origin,
  resource: { kind: "text", text },
});

export const input = (name: string): ArgValue => ({ type: "input", name });
export const ref = (task: number): ArgValue => ({ type: "ref", task });
export const literal = (text: string): ArgValue => ({ type: "literal", text });

export function task(
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
export const LOCAL: ReadonlySet<TaskName> = new Set<TaskName>([
  "object-detection",
  "image-to-text",
  "document-question-answering",
  "text-to-speech",
  "automatic-speech-recognition",
  "text-classification",
]);
export const local: Servable = (name) => LOCAL.has(name);
export const everything: Servable = () => true;
/** The local setup without a document reader: questions about a receipt fall back to reading it. */
export const noDocuments: Servable = (name) => name !== "document-question-answering" && local(name);
/** OCR serves image-to-text in part; captioning needs an expert for the whole task. */
export const ocrOnly: Servable = (name, need) => local(name) && !(need?.fully && name === "image-to-text");

/** A thread whose last turn read a sign: its photo and its text are named inputs of origin "history". */
export const SIGN_TURN: ConversationTurn = {
  user: "what does this sign say?",
  answer: "The text in the image reads: “STOP”.",
  resources: ["turn1-sign.jpg", "turn1-1-image-to-text.txt"],
};
export const SIGN_INPUTS: NamedInput[] = [
  image("turn1-sign.jpg", "history"),
  textFile("turn1-1-image-to-text.txt", "STOP", "history"),
];
export const CAPTION_TURN: ConversationTurn = {
  user: "caption this and transcribe the voice note",
  answer: "The image shows “a dog on a bench”. Transcript: “hello”.",
  resources: ["turn2-1-image-to-text.txt", "turn2-2-automatic-speech-recognition.txt"],
};
export const CAPTION_INPUTS: NamedInput[] = [
  textFile("turn2-1-image-to-text.txt", "a dog on a bench", "history"),
  textFile("turn2-2-automatic-speech-recognition.txt", "hello", "history"),
];

/** A thread whose last turn made speech: its recording is a named input of origin "history". */
export const SPEECH_TURN: ConversationTurn = {
  user: "say: what are we",
  answer: "Here is the speech (turn1-1-text-to-speech.wav).",
  resources: ["turn1-1-text-to-speech.wav"],
};
export const SPEECH_INPUTS: NamedInput[] = [
  media("audio", "audio/wav")("turn1-1-text-to-speech.wav", "history"),
];

/** A thread whose last turn read a sign and translated it: two text results of two tasks. */
export const TRANSLATION_TURN: ConversationTurn = {
  user: "read this sign and translate it into French",
  answer: "The sign reads “STOP”; in French: “ARRÊT”.",
  resources: ["turn3-sign.jpg", "turn3-1-image-to-text.txt", "turn3-2-translation.txt"],
};
export const TRANSLATION_INPUTS: NamedInput[] = [
  image("turn3-sign.jpg", "history"),
  textFile("turn3-1-image-to-text.txt", "STOP", "history"),
  textFile("turn3-2-translation.txt", "ARRÊT", "history"),
];

export type PlannerCaseKind = "single" | "chain" | "parallel" | "follow-up" | "out-of-scope";

export interface PlannerCase {
  kind: PlannerCaseKind;
  text: string;
  inputs?: NamedInput[];
  history?: ConversationTurn[];
  /** What can run; `local` (the default setup's experts) when absent. */
  servable?: Servable;
  /** The expected task graph, exactly; empty for a request that must be refused. */
  tasks: PlannedTask[];
  /** For a refusal (`tasks: []`): what the message must match. */
  refusal?: RegExp;
  /**
   * A request the planner does not plan as expected yet, and what it does instead: the test checks
   * that it still differs (so a fix shows up and the note goes), the bench counts it as it is.
   */
  gap?: string;
}

/** Runs the offline planner on a case as the pipeline would: its inputs, thread and servable tasks. */
export function planCase(testCase: PlannerCase): OfflinePlanOutcome {
  return planOffline(
    {
      text: testCase.text,
      inputs: testCase.inputs ?? [],
      ...(testCase.history ? { history: testCase.history } : {}),
    },
    { servable: testCase.servable ?? local },
  );
}

/** The requests and the plans they should get. */
export const PLANNER_CASES: PlannerCase[] = [
  {
    kind: "chain",
    text: "what is in this photo? read the answer aloud",
    inputs: [image("photo.jpg")],
    tasks: [
      task(1, "object-detection", { image: input("photo.jpg") }, "detect-objects"),
      task(2, "text-to-speech", { text: ref(1) }, "speak"),
    ],
  },
  {
    kind: "single",
    text: "What do you see?",
    inputs: [image("photo.jpg")],
    tasks: [task(1, "object-detection", { image: input("photo.jpg") }, "detect-objects")],
  },
  {
    kind: "single",
    text: "detect the cars",
    inputs: [image("street.png")],
    tasks: [task(1, "object-detection", { image: input("street.png") }, "detect-objects")],
  },
  {
    kind: "single",
    text: "count the sheep",
    inputs: [image("field.jpg")],
    tasks: [task(1, "object-detection", { image: input("field.jpg") }, "detect-objects")],
  },
  {
    kind: "single",
    text: "are there any dogs?",
    inputs: [image("park.jpg")],
    tasks: [task(1, "object-detection", { image: input("park.jpg") }, "detect-objects")],
  },
  {
    kind: "parallel",
    text: "what is in these photos?",
    inputs: [image("a.jpg"), image("b.jpg")],
    tasks: [
      task(1, "object-detection", { image: input("a.jpg") }, "detect-objects"),
      task(2, "object-detection", { image: input("b.jpg") }, "detect-objects"),
    ],
  },
  {
    kind: "parallel",
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
    kind: "single",
    text: "read the text in this screenshot",
    inputs: [image("screen.png")],
    tasks: [task(1, "image-to-text", { image: input("screen.png") }, "read-text")],
  },
  {
    kind: "single",
    text: "OCR please",
    inputs: [image("scan.png")],
    tasks: [task(1, "image-to-text", { image: input("scan.png") }, "read-text")],
  },
  {
    kind: "single",
    text: "what does it say?",
    inputs: [image("sign.jpg")],
    tasks: [task(1, "image-to-text", { image: input("sign.jpg") }, "read-text")],
  },
  {
    kind: "single",
    text: "transcribe this sign",
    inputs: [image("sign.jpg")],
    tasks: [task(1, "image-to-text", { image: input("sign.jpg") }, "read-text")],
  },
  {
    kind: "chain",
    text: "read this sign aloud",
    inputs: [image("sign.jpg")],
    tasks: [
      task(1, "image-to-text", { image: input("sign.jpg") }, "read-text"),
      task(2, "text-to-speech", { text: ref(1) }, "speak"),
    ],
  },
  {
    kind: "single",
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
    kind: "chain",
    text: "transcribe this and read it back",
    inputs: [audio("memo.ogg")],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("memo.ogg") }, "transcribe"),
      task(2, "text-to-speech", { text: ref(1) }, "speak"),
    ],
  },
  {
    kind: "single",
    text: "what does she say?",
    inputs: [audio("call.ogg")],
    tasks: [task(1, "automatic-speech-recognition", { audio: input("call.ogg") }, "transcribe")],
  },
  {
    kind: "single",
    text: "what is said in this recording",
    inputs: [audio("talk.ogg")],
    tasks: [task(1, "automatic-speech-recognition", { audio: input("talk.ogg") }, "transcribe")],
  },
  {
    kind: "single",
    text: "",
    inputs: [audio("voice.ogg")],
    tasks: [task(1, "automatic-speech-recognition", { audio: input("voice.ogg") }, "transcribe")],
  },
  {
    kind: "single",
    text: "",
    inputs: [video("voice-note.webm")],
    tasks: [task(1, "automatic-speech-recognition", { audio: input("voice-note.webm") }, "transcribe")],
  },
  {
    kind: "single",
    text: "",
    inputs: [image("x.jpg")],
    tasks: [task(1, "object-detection", { image: input("x.jpg") }, "detect-objects")],
  },
  {
    kind: "single",
    text: "asdfgh qwerty",
    inputs: [image("x.jpg")],
    tasks: [task(1, "object-detection", { image: input("x.jpg") }, "detect-objects")],
  },
  {
    kind: "parallel",
    text: "here you go",
    inputs: [image("x.jpg"), audio("y.ogg")],
    tasks: [
      task(1, "object-detection", { image: input("x.jpg") }, "detect-objects"),
      task(2, "automatic-speech-recognition", { audio: input("y.ogg") }, "transcribe"),
    ],
  },
  {
    kind: "single",
    text: 'is "I love this phone" positive?',
    tasks: [task(1, "text-classification", { text: literal("I love this phone") }, "sentiment")],
  },
  {
    kind: "single",
    text: "what's the sentiment of: the food was cold and the waiter rude",
    tasks: [
      task(1, "text-classification", { text: literal("the food was cold and the waiter rude") }, "sentiment"),
    ],
  },
  {
    kind: "chain",
    text: "how does this sound?",
    inputs: [audio("message.ogg")],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("message.ogg") }, "transcribe"),
      task(2, "text-classification", { text: ref(1) }, "sentiment"),
    ],
  },
  {
    kind: "single",
    text: "classify the tone of my review",
    inputs: [textFile("review.txt", "Great value, fast delivery.")],
    tasks: [task(1, "text-classification", { text: input("review.txt") }, "sentiment")],
  },
  {
    kind: "parallel",
    text: "what is in this photo? is this review positive?",
    inputs: [image("photo.jpg"), textFile("review.txt", "Great value.")],
    tasks: [
      task(1, "object-detection", { image: input("photo.jpg") }, "detect-objects"),
      task(2, "text-classification", { text: input("review.txt") }, "sentiment"),
    ],
  },
  {
    kind: "single",
    text: "say: hello there. How are you?",
    tasks: [task(1, "text-to-speech", { text: literal("hello there. How are you?") }, "speak")],
  },
  {
    kind: "single",
    text: 'read aloud "good morning"',
    tasks: [task(1, "text-to-speech", { text: literal("good morning") }, "speak")],
  },
  {
    kind: "single",
    text: "say good night",
    tasks: [task(1, "text-to-speech", { text: literal("good night") }, "speak")],
  },
  {
    kind: "follow-up",
    text: "read that aloud",
    inputs: SIGN_INPUTS,
    history: [SIGN_TURN],
    tasks: [task(1, "text-to-speech", { text: input("turn1-1-image-to-text.txt") }, "speak")],
  },
  {
    kind: "follow-up",
    text: "now read the answer aloud",
    inputs: SIGN_INPUTS,
    history: [SIGN_TURN],
    tasks: [task(1, "text-to-speech", { text: literal("The text in the image reads: “STOP”.") }, "speak")],
  },
  {
    kind: "follow-up",
    text: "read that caption aloud",
    inputs: CAPTION_INPUTS,
    history: [CAPTION_TURN],
    tasks: [task(1, "text-to-speech", { text: input("turn2-1-image-to-text.txt") }, "speak")],
  },
  {
    kind: "follow-up",
    text: "read the transcript aloud",
    inputs: CAPTION_INPUTS,
    history: [CAPTION_TURN],
    tasks: [task(1, "text-to-speech", { text: input("turn2-2-automatic-speech-recognition.txt") }, "speak")],
  },
  {
    kind: "follow-up",
    text: "do the same for this one",
    inputs: [...SIGN_INPUTS, image("another-sign.jpg")],
    history: [SIGN_TURN],
    tasks: [task(1, "image-to-text", { image: input("another-sign.jpg") }, "read-text")],
  },
  {
    kind: "follow-up",
    text: "detect objects in it",
    inputs: SIGN_INPUTS,
    history: [SIGN_TURN],
    tasks: [task(1, "object-detection", { image: input("turn1-sign.jpg") }, "detect-objects")],
  },
  {
    kind: "parallel",
    text: "what is in this photo and what does she say",
    inputs: [image("a.jpg"), audio("b.ogg")],
    tasks: [
      task(1, "object-detection", { image: input("a.jpg") }, "detect-objects"),
      task(2, "automatic-speech-recognition", { audio: input("b.ogg") }, "transcribe"),
    ],
  },
  {
    kind: "single",
    text: "what is in this photo? count the dogs",
    inputs: [image("a.jpg")],
    tasks: [task(1, "object-detection", { image: input("a.jpg") }, "detect-objects")],
  },
  {
    kind: "single",
    text: "translate good morning into German",
    servable: everything,
    tasks: [task(1, "translation", { text: literal("good morning"), language: literal("de") }, "translate")],
  },
  {
    kind: "chain",
    text: "read it aloud, but translate it to French first",
    inputs: [audio("memo.ogg")],
    servable: everything,
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("memo.ogg") }, "transcribe"),
      task(2, "translation", { text: ref(1), language: literal("fr") }, "translate"),
      // The translation is French: read with espeak-ng's French voice.
      task(3, "text-to-speech", { text: ref(2), language: literal("fr") }, "speak"),
    ],
  },
  {
    kind: "chain",
    text: "draw a lighthouse at sunset, then detect objects in it",
    servable: everything,
    tasks: [
      task(1, "text-to-image", { text: literal("a lighthouse at sunset") }, "draw"),
      task(2, "object-detection", { image: ref(1) }, "detect-objects"),
    ],
  },
  {
    kind: "single",
    text: "describe this picture",
    inputs: [image("cat.jpg")],
    servable: everything,
    tasks: [task(1, "image-to-text", { image: input("cat.jpg") }, "describe-image")],
  },
  {
    kind: "single",
    text: "what kind of bird is this?",
    inputs: [image("bird.jpg")],
    servable: everything,
    tasks: [task(1, "image-classification", { image: input("bird.jpg") }, "classify-image")],
  },
  {
    kind: "single",
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
    kind: "single",
    text: "write me a poem about autumn",
    servable: everything,
    tasks: [task(1, "text-generation", { text: literal("write me a poem about autumn") }, "write")],
  },
  // A new attachment wins over the thread's earlier results.
  {
    kind: "follow-up",
    text: "what does this sign say",
    inputs: [...SPEECH_INPUTS, image("sign.png")],
    history: [SPEECH_TURN],
    tasks: [task(1, "image-to-text", { image: input("sign.png") }, "read-text")],
  },
  {
    kind: "follow-up",
    text: "what does it say?",
    inputs: [...SPEECH_INPUTS, image("receipt.jpg")],
    history: [SPEECH_TURN],
    tasks: [task(1, "image-to-text", { image: input("receipt.jpg") }, "read-text")],
  },
  {
    kind: "follow-up",
    text: "transcribe the recording you made",
    inputs: [...SPEECH_INPUTS, image("sign.png")],
    history: [SPEECH_TURN],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("turn1-1-text-to-speech.wav") }, "transcribe"),
    ],
  },
  {
    kind: "follow-up",
    text: "transcribe that",
    inputs: [...SPEECH_INPUTS, image("sign.png")],
    history: [SPEECH_TURN],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("turn1-1-text-to-speech.wav") }, "transcribe"),
    ],
  },
  {
    kind: "follow-up",
    text: "transcribe the recording",
    inputs: [...SPEECH_INPUTS, image("sign.png")],
    history: [SPEECH_TURN],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("turn1-1-text-to-speech.wav") }, "transcribe"),
    ],
  },
  // Questions about a receipt that do not say "receipt".
  {
    kind: "single",
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
    kind: "single",
    text: "how much did I pay for milk?",
    inputs: [image("receipt.jpg")],
    servable: noDocuments,
    tasks: [task(1, "image-to-text", { image: input("receipt.jpg") }, "read-text")],
  },
  {
    kind: "single",
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
    kind: "single",
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
    kind: "single",
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
    kind: "single",
    text: "how many dogs are there?",
    inputs: [image("park.jpg")],
    tasks: [task(1, "object-detection", { image: input("park.jpg") }, "detect-objects")],
  },
  {
    kind: "single",
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
    kind: "parallel",
    text: "read the text and describe this image",
    inputs: [image("poster.jpg")],
    servable: everything,
    tasks: [
      task(1, "image-to-text", { image: input("poster.jpg") }, "read-text"),
      task(2, "image-to-text", { image: input("poster.jpg") }, "describe-image"),
    ],
  },
  {
    kind: "chain",
    text: "is this positive?",
    inputs: [image("review.png")],
    tasks: [
      task(1, "image-to-text", { image: input("review.png") }, "read-text"),
      task(2, "text-classification", { text: ref(1) }, "sentiment"),
    ],
  },
  // ── More single tasks, in other words ──
  {
    kind: "single",
    text: "find the objects in this picture",
    inputs: [image("picture.jpg")],
    tasks: [task(1, "object-detection", { image: input("picture.jpg") }, "detect-objects")],
  },
  {
    kind: "single",
    text: "can you tell me what objects are in this image?",
    inputs: [image("room.jpg")],
    tasks: [task(1, "object-detection", { image: input("room.jpg") }, "detect-objects")],
  },
  {
    kind: "single",
    text: "how many people are in this picture?",
    inputs: [image("crowd.jpg")],
    tasks: [task(1, "object-detection", { image: input("crowd.jpg") }, "detect-objects")],
  },
  {
    kind: "single",
    text: "extract the text from this image",
    inputs: [image("slide.png")],
    tasks: [task(1, "image-to-text", { image: input("slide.png") }, "read-text")],
  },
  {
    kind: "single",
    text: "what's written on this label?",
    inputs: [image("label.jpg")],
    tasks: [task(1, "image-to-text", { image: input("label.jpg") }, "read-text")],
  },
  {
    kind: "single",
    text: "read this receipt",
    inputs: [image("receipt.jpg")],
    tasks: [task(1, "image-to-text", { image: input("receipt.jpg") }, "read-text")],
  },
  {
    kind: "single",
    text: "how much is the subtotal?",
    inputs: [image("receipt.jpg")],
    tasks: [
      task(
        1,
        "document-question-answering",
        { image: input("receipt.jpg"), text: literal("how much is the subtotal?") },
        "document-question",
      ),
    ],
  },
  {
    kind: "single",
    text: "which date is on this ticket?",
    inputs: [image("ticket.jpg")],
    tasks: [
      task(
        1,
        "document-question-answering",
        { image: input("ticket.jpg"), text: literal("which date is on this ticket?") },
        "document-question",
      ),
    ],
  },
  {
    kind: "single",
    text: "speech to text please",
    inputs: [audio("memo.ogg")],
    tasks: [task(1, "automatic-speech-recognition", { audio: input("memo.ogg") }, "transcribe")],
  },
  {
    kind: "single",
    text: "please convert this audio to text",
    inputs: [audio("interview.ogg")],
    tasks: [task(1, "automatic-speech-recognition", { audio: input("interview.ogg") }, "transcribe")],
  },
  {
    kind: "single",
    text: "listen to this and tell me what it says",
    inputs: [audio("voicemail.ogg")],
    tasks: [task(1, "automatic-speech-recognition", { audio: input("voicemail.ogg") }, "transcribe")],
  },
  {
    kind: "single",
    text: "text to speech: see you tomorrow",
    tasks: [task(1, "text-to-speech", { text: literal("see you tomorrow") }, "speak")],
  },
  {
    kind: "single",
    text: "pronounce 'Worcestershire'",
    tasks: [task(1, "text-to-speech", { text: literal("Worcestershire") }, "speak")],
  },
  {
    kind: "single",
    text: "turn this into speech: welcome home",
    tasks: [task(1, "text-to-speech", { text: literal("welcome home") }, "speak")],
  },
  {
    kind: "single",
    text: "what's the mood of this message?",
    inputs: [textFile("message.txt", "I am so happy for you!")],
    tasks: [task(1, "text-classification", { text: input("message.txt") }, "sentiment")],
  },
  {
    kind: "single",
    text: "is it positive?",
    inputs: [textFile("review.txt", "Broke after a week.")],
    tasks: [task(1, "text-classification", { text: input("review.txt") }, "sentiment")],
  },
  {
    kind: "single",
    text: "summarize this article",
    inputs: [textFile("article.txt", "A long article.")],
    servable: everything,
    tasks: [task(1, "summarization", { text: input("article.txt") }, "summarize")],
  },
  {
    kind: "single",
    text: "find the names in: Ada met Alan in London",
    servable: everything,
    tasks: [task(1, "token-classification", { text: literal("Ada met Alan in London") }, "entities")],
  },
  {
    kind: "single",
    text: "segment this image",
    inputs: [image("street.jpg")],
    servable: everything,
    tasks: [task(1, "image-segmentation", { image: input("street.jpg") }, "segment")],
  },
  {
    kind: "single",
    text: "make a depth map of this photo",
    inputs: [image("hall.jpg")],
    servable: everything,
    tasks: [task(1, "depth-estimation", { image: input("hall.jpg") }, "depth")],
  },
  {
    kind: "single",
    text: "what sound is this?",
    inputs: [audio("noise.ogg")],
    servable: everything,
    tasks: [task(1, "audio-classification", { audio: input("noise.ogg") }, "sound")],
  },
  {
    kind: "single",
    text: "what colour is the car?",
    inputs: [image("car.jpg")],
    servable: everything,
    tasks: [
      task(
        1,
        "visual-question-answering",
        { image: input("car.jpg"), text: literal("what colour is the car?") },
        "image-question",
      ),
    ],
  },
  {
    kind: "single",
    text: "classify this photo",
    inputs: [image("animal.jpg")],
    servable: everything,
    tasks: [task(1, "image-classification", { image: input("animal.jpg") }, "classify-image")],
  },
  {
    kind: "single",
    text: "draw a red bicycle",
    servable: everything,
    tasks: [task(1, "text-to-image", { text: literal("a red bicycle") }, "draw")],
  },
  {
    kind: "single",
    text: "caption this photo",
    inputs: [image("holiday.jpg")],
    servable: everything,
    tasks: [task(1, "image-to-text", { image: input("holiday.jpg") }, "describe-image")],
  },
  // ── More chains ──
  {
    kind: "chain",
    text: "transcribe this voice note and tell me if it is positive",
    inputs: [audio("note.ogg")],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("note.ogg") }, "transcribe"),
      task(2, "text-classification", { text: ref(1) }, "sentiment"),
    ],
  },
  {
    kind: "chain",
    text: "read the text in this image and read it aloud",
    inputs: [image("poster.png")],
    tasks: [
      task(1, "image-to-text", { image: input("poster.png") }, "read-text"),
      task(2, "text-to-speech", { text: ref(1) }, "speak"),
    ],
  },
  {
    kind: "chain",
    text: "read the text in this photo and tell me if it's positive",
    inputs: [image("comment.png")],
    tasks: [
      task(1, "image-to-text", { image: input("comment.png") }, "read-text"),
      task(2, "text-classification", { text: ref(1) }, "sentiment"),
    ],
  },
  {
    kind: "chain",
    text: "what is the total on this invoice? read the answer aloud",
    inputs: [image("invoice.png")],
    tasks: [
      task(
        1,
        "document-question-answering",
        { image: input("invoice.png"), text: literal("what is the total on this invoice?") },
        "document-question",
      ),
      task(2, "text-to-speech", { text: ref(1) }, "speak"),
    ],
  },
  {
    kind: "chain",
    text: "transcribe this recording and translate it into Spanish",
    inputs: [audio("talk.ogg")],
    servable: everything,
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("talk.ogg") }, "transcribe"),
      task(2, "translation", { text: ref(1), language: literal("es") }, "translate"),
    ],
  },
  {
    kind: "chain",
    text: "transcribe the voice message, then translate it to German and read it aloud",
    inputs: [audio("message.ogg")],
    servable: everything,
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("message.ogg") }, "transcribe"),
      task(2, "translation", { text: ref(1), language: literal("de") }, "translate"),
      task(3, "text-to-speech", { text: ref(2), language: literal("de") }, "speak"),
    ],
  },
  {
    kind: "chain",
    text: "transcribe this and summarize it",
    inputs: [audio("lecture.ogg")],
    servable: everything,
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("lecture.ogg") }, "transcribe"),
      task(2, "summarization", { text: ref(1) }, "summarize"),
    ],
  },
  {
    kind: "chain",
    text: "summarize this article, then read the summary aloud",
    inputs: [textFile("article.txt", "A long article.")],
    servable: everything,
    tasks: [
      task(1, "summarization", { text: input("article.txt") }, "summarize"),
      task(2, "text-to-speech", { text: ref(1) }, "speak"),
    ],
  },
  {
    kind: "chain",
    text: "read the text in this screenshot and summarize it",
    inputs: [image("thread.png")],
    servable: everything,
    tasks: [
      task(1, "image-to-text", { image: input("thread.png") }, "read-text"),
      task(2, "summarization", { text: ref(1) }, "summarize"),
    ],
  },
  {
    kind: "chain",
    text: "what does this sign say? translate it into French",
    inputs: [image("sign.jpg")],
    servable: everything,
    tasks: [
      task(1, "image-to-text", { image: input("sign.jpg") }, "read-text"),
      task(2, "translation", { text: ref(1), language: literal("fr") }, "translate"),
    ],
  },
  {
    kind: "chain",
    text: "translate 'good night' into Italian and say it",
    servable: everything,
    tasks: [
      task(1, "translation", { text: literal("good night"), language: literal("it") }, "translate"),
      task(2, "text-to-speech", { text: ref(1), language: literal("it") }, "speak"),
    ],
  },
  {
    kind: "chain",
    text: "draw a cat wearing a hat and then describe the picture",
    servable: everything,
    tasks: [
      task(1, "text-to-image", { text: literal("a cat wearing a hat") }, "draw"),
      task(2, "image-to-text", { image: ref(1) }, "describe-image"),
    ],
  },
  // ── More parallel branches ──
  {
    kind: "parallel",
    text: "what is in these pictures?",
    inputs: [image("a.jpg"), image("b.jpg"), image("c.jpg")],
    tasks: [
      task(1, "object-detection", { image: input("a.jpg") }, "detect-objects"),
      task(2, "object-detection", { image: input("b.jpg") }, "detect-objects"),
      task(3, "object-detection", { image: input("c.jpg") }, "detect-objects"),
    ],
  },
  {
    kind: "parallel",
    text: "identify the objects in each photo",
    inputs: [image("kitchen.jpg"), image("garden.jpg")],
    tasks: [
      task(1, "object-detection", { image: input("kitchen.jpg") }, "detect-objects"),
      task(2, "object-detection", { image: input("garden.jpg") }, "detect-objects"),
    ],
  },
  {
    kind: "parallel",
    text: "read the text in these screenshots",
    inputs: [image("one.png"), image("two.png")],
    tasks: [
      task(1, "image-to-text", { image: input("one.png") }, "read-text"),
      task(2, "image-to-text", { image: input("two.png") }, "read-text"),
    ],
  },
  {
    kind: "parallel",
    text: "transcribe these voice notes",
    inputs: [audio("monday.ogg"), audio("tuesday.ogg")],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("monday.ogg") }, "transcribe"),
      task(2, "automatic-speech-recognition", { audio: input("tuesday.ogg") }, "transcribe"),
    ],
  },
  {
    kind: "parallel",
    text: "transcribe both recordings",
    inputs: [audio("left.ogg"), audio("right.ogg")],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("left.ogg") }, "transcribe"),
      task(2, "automatic-speech-recognition", { audio: input("right.ogg") }, "transcribe"),
    ],
  },
  {
    kind: "parallel",
    text: "transcribe these and read them back",
    inputs: [audio("a.ogg"), audio("b.ogg")],
    tasks: [
      task(1, "automatic-speech-recognition", { audio: input("a.ogg") }, "transcribe"),
      task(2, "automatic-speech-recognition", { audio: input("b.ogg") }, "transcribe"),
      task(3, "text-to-speech", { text: ref(1) }, "speak"),
      task(4, "text-to-speech", { text: ref(2) }, "speak"),
    ],
  },
  {
    kind: "parallel",
    text: "detect objects in the photo and transcribe the recording",
    inputs: [image("desk.jpg"), audio("meeting.ogg")],
    tasks: [
      task(1, "object-detection", { image: input("desk.jpg") }, "detect-objects"),
      task(2, "automatic-speech-recognition", { audio: input("meeting.ogg") }, "transcribe"),
    ],
  },
  {
    kind: "parallel",
    text: "give me the sentiment of these reviews",
    inputs: [textFile("first.txt", "Lovely."), textFile("second.txt", "Awful.")],
    tasks: [
      task(1, "text-classification", { text: input("first.txt") }, "sentiment"),
      task(2, "text-classification", { text: input("second.txt") }, "sentiment"),
    ],
  },
  {
    kind: "parallel",
    text: "",
    inputs: [image("a.jpg"), audio("b.ogg"), textFile("c.txt", "notes")],
    tasks: [
      task(1, "object-detection", { image: input("a.jpg") }, "detect-objects"),
      task(2, "automatic-speech-recognition", { audio: input("b.ogg") }, "transcribe"),
    ],
  },
  {
    kind: "parallel",
    text: "what is in this photo? what does the sign say?",
    inputs: [image("street.jpg"), image("sign.jpg")],
    tasks: [
      task(1, "object-detection", { image: input("street.jpg") }, "detect-objects"),
      task(2, "image-to-text", { image: input("sign.jpg") }, "read-text"),
    ],
  },
  // ── More follow-ups on the thread ──
  {
    kind: "follow-up",
    text: "read the caption out loud",
    inputs: CAPTION_INPUTS,
    history: [CAPTION_TURN],
    tasks: [task(1, "text-to-speech", { text: input("turn2-1-image-to-text.txt") }, "speak")],
  },
  {
    kind: "follow-up",
    text: "is the transcript positive?",
    inputs: CAPTION_INPUTS,
    history: [CAPTION_TURN],
    tasks: [
      task(
        1,
        "text-classification",
        { text: input("turn2-2-automatic-speech-recognition.txt") },
        "sentiment",
      ),
    ],
  },
  {
    kind: "follow-up",
    text: "summarize the transcript",
    inputs: CAPTION_INPUTS,
    history: [CAPTION_TURN],
    servable: everything,
    tasks: [
      task(1, "summarization", { text: input("turn2-2-automatic-speech-recognition.txt") }, "summarize"),
    ],
  },
  {
    kind: "follow-up",
    text: "find the names in the transcript",
    inputs: CAPTION_INPUTS,
    history: [CAPTION_TURN],
    servable: everything,
    tasks: [
      task(
        1,
        "token-classification",
        { text: input("turn2-2-automatic-speech-recognition.txt") },
        "entities",
      ),
    ],
  },
  {
    kind: "follow-up",
    text: "translate that into German",
    inputs: SIGN_INPUTS,
    history: [SIGN_TURN],
    servable: everything,
    tasks: [
      task(
        1,
        "translation",
        { text: input("turn1-1-image-to-text.txt"), language: literal("de") },
        "translate",
      ),
    ],
  },
  {
    kind: "follow-up",
    text: "translate your answer into Spanish",
    inputs: SIGN_INPUTS,
    history: [SIGN_TURN],
    servable: everything,
    tasks: [
      task(
        1,
        "translation",
        { text: literal("The text in the image reads: “STOP”."), language: literal("es") },
        "translate",
      ),
    ],
  },
  {
    kind: "follow-up",
    text: "say your answer again",
    inputs: SIGN_INPUTS,
    history: [SIGN_TURN],
    tasks: [task(1, "text-to-speech", { text: literal("The text in the image reads: “STOP”.") }, "speak")],
  },
  {
    kind: "follow-up",
    text: "now count the objects in it",
    inputs: SIGN_INPUTS,
    history: [SIGN_TURN],
    tasks: [task(1, "object-detection", { image: input("turn1-sign.jpg") }, "detect-objects")],
  },
  {
    kind: "follow-up",
    text: "read the translation aloud",
    inputs: TRANSLATION_INPUTS,
    history: [TRANSLATION_TURN],
    tasks: [task(1, "text-to-speech", { text: input("turn3-2-translation.txt") }, "speak")],
  },
  {
    kind: "follow-up",
    text: "do the same for these",
    inputs: [...SIGN_INPUTS, image("exit.jpg"), image("entrance.jpg")],
    history: [SIGN_TURN],
    tasks: [
      task(1, "image-to-text", { image: input("exit.jpg") }, "read-text"),
      task(2, "image-to-text", { image: input("entrance.jpg") }, "read-text"),
    ],
  },
  // ── Out of scope: refused, with a message that says why ──
  {
    kind: "out-of-scope",
    text: "",
    tasks: [],
    refusal: /^Send me a request, a photo or a recording\./,
  },
  {
    kind: "out-of-scope",
    text: "hello!",
    tasks: [],
    refusal: /^I can't tell which task "hello!" needs/,
  },
  {
    kind: "out-of-scope",
    text: "what's the weather in Paris tomorrow?",
    tasks: [],
    refusal: /^I can't tell which task "what's the weather in Paris tomorrow\?" needs/,
  },
  {
    kind: "out-of-scope",
    text: "book me a flight to Rome",
    tasks: [],
    refusal: /^I can't tell which task "book me a flight to Rome" needs/,
  },
  {
    kind: "out-of-scope",
    text: "what is the capital of France?",
    tasks: [],
    refusal: /^I can't tell which task "what is the capital of France\?" needs/,
  },
  {
    kind: "out-of-scope",
    text: "set a timer for ten minutes",
    tasks: [],
    refusal: /^I can't tell which task "set a timer for ten minutes" needs/,
  },
  {
    kind: "out-of-scope",
    text: "what time is it?",
    tasks: [],
    refusal: /^I can't tell which task "what time is it\?" needs/,
  },
  {
    kind: "out-of-scope",
    text: "order a pizza",
    tasks: [],
    refusal: /^I can't tell which task "order a pizza" needs/,
  },
  {
    kind: "out-of-scope",
    text: "who won the world cup in 2018?",
    tasks: [],
    refusal: /^I can't tell which task "who won the world cup in 2018\?" needs/,
  },
  {
    kind: "out-of-scope",
    text: "write me a poem",
    tasks: [],
    refusal: /^Writing a text from a prompt \(text generation\) cannot run here/,
  },
  {
    kind: "out-of-scope",
    text: "tell me a joke",
    tasks: [],
    refusal: /^Writing a text from a prompt \(text generation\) cannot run here/,
  },
  {
    kind: "out-of-scope",
    text: "translate good morning into German",
    tasks: [],
    refusal: /^Translating a text cannot run here: no expert on this machine does it\. Set HF_TOKEN/,
  },
  {
    kind: "out-of-scope",
    text: "find the names in: Ada met Alan in London",
    tasks: [],
    refusal: /^Finding names in a text \(named entities\) cannot run here/,
  },
  {
    kind: "out-of-scope",
    text: "generate an image of a castle",
    tasks: [],
    refusal: /^Generating an image from a description cannot run here/,
  },
  {
    kind: "out-of-scope",
    text: "draw a cat, then read it aloud",
    tasks: [],
    refusal: /^Generating an image from a description cannot run here/,
  },
  {
    kind: "out-of-scope",
    text: "segment this image",
    inputs: [image("street.jpg")],
    tasks: [],
    refusal: /^Splitting a photo into regions \(segmentation\) cannot run here/,
  },
  {
    kind: "out-of-scope",
    text: "make a depth map of this photo",
    inputs: [image("hall.jpg")],
    tasks: [],
    refusal: /^Estimating the depth of a photo cannot run here/,
  },
  {
    kind: "out-of-scope",
    text: "summarize this article",
    inputs: [textFile("article.txt", "A long article.")],
    tasks: [],
    refusal: /^Summarizing a text cannot run here/,
  },
  {
    kind: "out-of-scope",
    text: "what sound is this?",
    inputs: [audio("noise.ogg")],
    tasks: [],
    refusal: /^Telling what a recording contains \(audio classification\) cannot run here/,
  },
  {
    kind: "out-of-scope",
    text: "describe this picture",
    inputs: [image("cat.jpg")],
    servable: ocrOnly,
    tasks: [],
    refusal: /^Describing an image \(captioning\) cannot run here: no expert on this machine does it\./,
  },
  {
    kind: "out-of-scope",
    text: "detect the objects",
    tasks: [],
    refusal: /^Object detection needs an image: attach one\./,
  },
  {
    kind: "out-of-scope",
    text: "transcribe this",
    tasks: [],
    refusal: /^Automatic speech recognition needs a recording/,
  },
  {
    kind: "out-of-scope",
    text: "read it aloud",
    tasks: [],
    refusal: /^Text-to-speech needs a text/,
  },
  {
    kind: "out-of-scope",
    text: "transcribe it again",
    inputs: CAPTION_INPUTS,
    history: [CAPTION_TURN],
    tasks: [],
    refusal: /^Automatic speech recognition needs a recording/,
  },
  {
    kind: "out-of-scope",
    text: "",
    inputs: [image("x.jpg")],
    servable: () => false,
    tasks: [],
    refusal: /^Object detection cannot run here:/,
  },
];

/** How many cases of each kind the fixture has. */
export function fixtureComposition(
  cases: readonly PlannerCase[] = PLANNER_CASES,
): Record<PlannerCaseKind, number> {
  const counts: Record<PlannerCaseKind, number> = {
    single: 0,
    chain: 0,
    parallel: 0,
    "follow-up": 0,
    "out-of-scope": 0,
  };
  for (const testCase of cases) counts[testCase.kind]++;
  return counts;
}
