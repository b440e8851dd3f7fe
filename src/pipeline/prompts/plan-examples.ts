import type { ResourceKind } from "../../tasks/index.js";
import type { ConversationTurn } from "../types.js";

/** An input as the planning prompt shows it: a name to refer to, its kind, and where it came from. */
export interface PromptInput {
  name: string;
  kind: ResourceKind;
  origin: "attachment" | "history";
  /** A few words more, e.g. "image/jpeg" or "1,204 characters". */
  detail?: string;
}

export interface PlanExampleTask {
  id: number;
  task: string;
  dep: number[];
  args: Record<string, string>;
}

/** A worked example: shown to the planner as a user message and the answer it should give. */
export interface PlanExample {
  /** What the example teaches; not shown to the model. */
  teaches: string;
  request: string;
  inputs: PromptInput[];
  history?: ConversationTurn[];
  plan: { tasks: PlanExampleTask[] };
}

/**
 * The planner's worked examples. Each one must parse and validate with the very parser that reads
 * the model's answers (a test checks it): an example that breaks the rules teaches breaking them.
 */
export const PLAN_EXAMPLES: readonly PlanExample[] = [
  {
    teaches: "a single task on an attachment named by its file name",
    request: "What objects can you see in this picture?",
    inputs: [{ name: "street.jpg", kind: "image", origin: "attachment", detail: "image/jpeg" }],
    plan: {
      tasks: [{ id: 1, task: "object-detection", dep: [], args: { image: "street.jpg" } }],
    },
  },
  {
    teaches: "a chain: each step uses the previous step's output",
    request: "Transcribe this recording, translate it into German and read the translation aloud.",
    inputs: [{ name: "interview.ogg", kind: "audio", origin: "attachment", detail: "audio/ogg" }],
    plan: {
      tasks: [
        { id: 1, task: "automatic-speech-recognition", dep: [], args: { audio: "interview.ogg" } },
        { id: 2, task: "translation", dep: [1], args: { text: "<resource>-1", language: "de" } },
        { id: 3, task: "text-to-speech", dep: [2], args: { text: "<resource>-2" } },
      ],
    },
  },
  {
    teaches: "parallel branches: independent tasks on the same file do not depend on each other",
    request: "Describe garden.png in a sentence, estimate its depth, and tell me what kind of scene it is.",
    inputs: [{ name: "garden.png", kind: "image", origin: "attachment", detail: "image/png" }],
    plan: {
      tasks: [
        { id: 1, task: "image-to-text", dep: [], args: { image: "garden.png" } },
        { id: 2, task: "depth-estimation", dep: [], args: { image: "garden.png" } },
        { id: 3, task: "image-classification", dep: [], args: { image: "garden.png" } },
      ],
    },
  },
  {
    teaches: "a graph: one generated image feeds two tasks, and a later task uses one of them",
    request:
      "Make a picture of a lighthouse on a cliff at dawn, then caption it and find the objects in it, and read the caption aloud.",
    inputs: [],
    plan: {
      tasks: [
        {
          id: 1,
          task: "text-to-image",
          dep: [],
          args: { text: "a lighthouse on a cliff at dawn" },
        },
        { id: 2, task: "image-to-text", dep: [1], args: { image: "<resource>-1" } },
        { id: 3, task: "object-detection", dep: [1], args: { image: "<resource>-1" } },
        { id: 4, task: "text-to-speech", dep: [2], args: { text: "<resource>-2" } },
      ],
    },
  },
  {
    teaches: "two inputs joined: a spoken question about a photo",
    request: "The question is in question.wav; answer it about photo.jpg.",
    inputs: [
      { name: "photo.jpg", kind: "image", origin: "attachment", detail: "image/jpeg" },
      { name: "question.wav", kind: "audio", origin: "attachment", detail: "audio/wav" },
    ],
    plan: {
      tasks: [
        { id: 1, task: "automatic-speech-recognition", dep: [], args: { audio: "question.wav" } },
        {
          id: 2,
          task: "visual-question-answering",
          dep: [1],
          args: { image: "photo.jpg", text: "<resource>-1" },
        },
      ],
    },
  },
  {
    teaches: "an attached text file and a document image, each named by its file name",
    request: "Is the review in review.txt positive? And what is the total on invoice.png?",
    inputs: [
      { name: "review.txt", kind: "text", origin: "attachment", detail: "812 characters" },
      { name: "invoice.png", kind: "image", origin: "attachment", detail: "image/png" },
    ],
    plan: {
      tasks: [
        { id: 1, task: "text-classification", dep: [], args: { text: "review.txt" } },
        {
          id: 2,
          task: "document-question-answering",
          dep: [],
          args: { image: "invoice.png", text: "What is the total amount?" },
        },
      ],
    },
  },
  {
    teaches: "no task at all: small talk is answered as plain chat",
    request: "Thanks, that was really helpful!",
    inputs: [],
    history: [
      {
        user: "What is in this photo?",
        answer: "The photo shows two dogs playing on a beach.",
        resources: [],
      },
    ],
    plan: { tasks: [] },
  },
  {
    teaches: "a follow-up: an earlier turn's result is used by its name",
    request: "Now make it look like a watercolor painting.",
    inputs: [{ name: "image-1.png", kind: "image", origin: "history", detail: "image/png" }],
    history: [
      {
        user: "Draw a red fox sitting in the snow.",
        answer: "Here is a red fox sitting in the snow (image-1.png).",
        resources: ["image-1.png"],
      },
    ],
    plan: {
      tasks: [
        {
          id: 1,
          task: "image-to-image",
          dep: [],
          args: { image: "image-1.png", text: "turn it into a watercolor painting" },
        },
      ],
    },
  },
  {
    teaches: "a link in the request is passed on as it is",
    request: "What animal is in https://example.com/pets/cat.jpg? Tell me in German.",
    inputs: [],
    plan: {
      tasks: [
        { id: 1, task: "image-classification", dep: [], args: { image: "https://example.com/pets/cat.jpg" } },
        { id: 2, task: "translation", dep: [1], args: { text: "<resource>-1", language: "de" } },
      ],
    },
  },
];
