import type { LabelAspect } from "./label-aspects.js";
import { type InputKind, kindFeeds, type ResourceKind } from "./resource.js";

/** The 24 HuggingGPT tasks, named as Hugging Face's pipeline tags are. */
export const TASK_NAMES = [
  "text-classification",
  "token-classification",
  "text2text-generation",
  "summarization",
  "translation",
  "question-answering",
  "conversational",
  "text-generation",
  "sentence-similarity",
  "tabular-classification",
  "object-detection",
  "image-classification",
  "image-to-text",
  "image-to-image",
  "text-to-image",
  "image-segmentation",
  "depth-estimation",
  "visual-question-answering",
  "document-question-answering",
  "text-to-video",
  "text-to-speech",
  "automatic-speech-recognition",
  "audio-to-audio",
  "audio-classification",
] as const;

export type TaskName = (typeof TASK_NAMES)[number];

/** Argument names a planned task may use; each task declares which it takes and of what kind. */
export const ARG_NAMES = ["text", "image", "audio", "context", "language", "labels"] as const;
export type ArgName = (typeof ARG_NAMES)[number];

export interface ArgSpec {
  kind: InputKind;
  required: boolean;
  /** What the argument means, shown to the planner. */
  description: string;
}

export interface TaskSpec {
  name: TaskName;
  /** TaskBench-style title, also accepted as a name. */
  title: string;
  description: string;
  args: Partial<Record<ArgName, ArgSpec>>;
  output: ResourceKind;
  /** The output carries the input image with the result drawn on it (boxes, masks), which feeds image arguments. */
  drawsImage?: boolean;
  /** Text in, text out: the LLM itself may answer it when LLM_TEXT_TASKS is on. */
  textOnly: boolean;
  /** Other names users, planners and benchmarks use for this task. */
  aliases: readonly string[];
  /**
   * The argument whose language the `language` argument gives (the speech, the text to read or
   * classify, the text in the image). Absent when `language` is something else (translation's target).
   */
  languageOf?: "text" | "audio" | "image";
  /** For classifiers: what a request that names no `labels` wants told apart ("classify this text"). */
  defaultAspect?: LabelAspect;
}

const text = (description: string, required = true): ArgSpec => ({ kind: "text", required, description });
const image = (description = "the image", required = true): ArgSpec => ({
  kind: "image",
  required,
  description,
});
const audio = (description = "the recording"): ArgSpec => ({ kind: "audio", required: true, description });
/** The language of the speech or text a task works on: optional, planned when it is known. */
const language = (of: string): ArgSpec =>
  text(`the language of ${of} as an ISO 639-1 code (e.g. de), when known`, false);
const labels = (examples: string): ArgSpec =>
  text(
    `what to tell apart, as comma-separated labels (e.g. ${examples}); omit for the model's own labels`,
    false,
  );

const SPECS: readonly TaskSpec[] = [
  {
    name: "text-classification",
    title: "Text Classification",
    description: "label a text (sentiment, topic, toxicity) with scores",
    args: {
      text: text("the text to classify"),
      language: language("the text"),
      labels: labels('"positive, negative" or "spam, not spam"'),
    },
    output: "labels",
    textOnly: false,
    aliases: ["sentiment-analysis", "sentiment", "text-labeling"],
    languageOf: "text",
    defaultAspect: "sentiment",
  },
  {
    name: "token-classification",
    title: "Token Classification",
    description: "find named entities (people, places, organisations) in a text",
    args: { text: text("the text to tag") },
    output: "json",
    textOnly: false,
    aliases: ["ner", "named-entity-recognition", "entity-recognition"],
  },
  {
    name: "text2text-generation",
    title: "Text2Text Generation",
    description: "rewrite a text by an instruction (paraphrase, correct, answer)",
    args: { text: text("the instruction and the text") },
    output: "text",
    textOnly: true,
    aliases: ["text2text", "text-to-text-generation", "text-to-text"],
  },
  {
    name: "summarization",
    title: "Summarization",
    description: "shorten a long text to its main points",
    args: { text: text("the text to summarize"), language: language("the text") },
    output: "text",
    textOnly: true,
    aliases: ["summarize", "summary", "text-summarization"],
    languageOf: "text",
  },
  {
    name: "translation",
    title: "Translation",
    description: "translate a text into another language",
    args: {
      text: text("the text to translate"),
      language: text("the target language as an ISO 639-1 code, e.g. de", false),
    },
    output: "text",
    textOnly: true,
    aliases: ["translate", "machine-translation"],
  },
  {
    name: "question-answering",
    title: "Question Answering",
    description: "answer a question from a given context text",
    args: { text: text("the question"), context: text("the text that holds the answer") },
    output: "text",
    textOnly: true,
    aliases: ["qa", "extractive-question-answering"],
  },
  {
    name: "conversational",
    title: "Conversational",
    description: "reply to a message as a chat assistant",
    args: { text: text("the message to reply to") },
    output: "text",
    textOnly: true,
    aliases: ["chat", "conversation", "chatbot", "dialogue"],
  },
  {
    name: "text-generation",
    title: "Text Generation",
    description: "continue or write a text from a prompt",
    args: { text: text("the prompt") },
    output: "text",
    textOnly: true,
    aliases: ["generate-text", "text-completion", "completion"],
  },
  {
    name: "sentence-similarity",
    title: "Sentence Similarity",
    description: "score how similar one sentence is to others",
    args: { text: text("the source sentence"), context: text("the sentences to compare, one per line") },
    output: "json",
    textOnly: false,
    aliases: ["similarity", "semantic-similarity", "text-similarity"],
  },
  {
    name: "tabular-classification",
    title: "Tabular Classification",
    description: "classify the rows of a table given as CSV text",
    args: { text: text("the table as CSV with a header row") },
    output: "json",
    textOnly: false,
    aliases: ["table-classification"],
  },
  {
    name: "object-detection",
    title: "Object Detection",
    description: "find objects in an image with boxes, labels and scores; draws the boxes",
    args: { image: image() },
    output: "detections",
    drawsImage: true,
    textOnly: false,
    aliases: ["detection", "detect-objects", "object-recognition"],
  },
  {
    name: "image-classification",
    title: "Image Classification",
    description: "label what an image shows, with scores; or whether it is safe to share",
    args: { image: image(), labels: labels('"safe to share, explicit" or "cat, dog"') },
    output: "labels",
    textOnly: false,
    aliases: ["classify-image", "image-recognition", "image-labeling"],
    defaultAspect: "objects",
  },
  {
    name: "image-to-text",
    title: "Image-to-Text",
    description: "describe an image in a sentence (captioning) or read its text",
    args: { image: image(), language: language("the text in the image") },
    output: "text",
    textOnly: false,
    aliases: ["image-captioning", "captioning", "caption", "ocr", "image-caption"],
    languageOf: "image",
  },
  {
    name: "image-to-image",
    title: "Image-to-Image",
    description: "transform an image by an instruction (style, edit, restore)",
    args: { image: image(), text: text("what to change", false) },
    output: "image",
    textOnly: false,
    aliases: ["image-editing", "image-transformation", "edit-image"],
  },
  {
    name: "text-to-image",
    title: "Text-to-Image",
    description: "generate an image from a description",
    args: { text: text("the description of the image") },
    output: "image",
    textOnly: false,
    aliases: ["image-generation", "generate-image", "text2image"],
  },
  {
    name: "image-segmentation",
    title: "Image Segmentation",
    description: "split an image into labelled regions; draws the masks",
    args: { image: image() },
    output: "labels",
    drawsImage: true,
    textOnly: false,
    aliases: ["segmentation", "segment-image", "panoptic-segmentation", "semantic-segmentation"],
  },
  {
    name: "depth-estimation",
    title: "Depth Estimation",
    description: "estimate the depth of each pixel; gives a depth map image",
    args: { image: image() },
    output: "image",
    textOnly: false,
    aliases: ["depth", "depth-map", "monocular-depth-estimation"],
  },
  {
    name: "visual-question-answering",
    title: "Visual Question Answering",
    description: "answer a question about an image",
    args: { image: image(), text: text("the question") },
    output: "text",
    textOnly: false,
    aliases: ["vqa", "image-question-answering"],
  },
  {
    name: "document-question-answering",
    title: "Document Question Answering",
    description: "answer a question about a scanned document or form",
    args: {
      image: image("the document image"),
      text: text("the question"),
      language: language("the document"),
    },
    output: "text",
    textOnly: false,
    aliases: ["document-qa", "docqa", "document-vqa"],
    languageOf: "image",
  },
  {
    name: "text-to-video",
    title: "Text-to-Video",
    description: "generate a short video from a description",
    args: { text: text("the description of the video") },
    output: "video",
    textOnly: false,
    aliases: ["video-generation", "generate-video", "text2video"],
  },
  {
    name: "text-to-speech",
    title: "Text-to-Speech",
    description: "read a text aloud",
    args: { text: text("the text to speak"), language: language("the text") },
    output: "audio",
    textOnly: false,
    aliases: ["tts", "speech-synthesis", "text-to-audio", "read-aloud"],
    languageOf: "text",
  },
  {
    name: "automatic-speech-recognition",
    title: "Automatic Speech Recognition",
    description: "transcribe speech in a recording to text",
    args: { audio: audio(), language: language("the speech") },
    output: "text",
    textOnly: false,
    aliases: ["asr", "speech-recognition", "speech-to-text", "transcription", "transcribe"],
    languageOf: "audio",
  },
  {
    name: "audio-to-audio",
    title: "Audio-to-Audio",
    description: "transform a recording (denoise, separate voices, enhance)",
    args: { audio: audio() },
    output: "audio",
    textOnly: false,
    aliases: ["speech-enhancement", "audio-enhancement", "audio-source-separation", "denoise"],
  },
  {
    name: "audio-classification",
    title: "Audio Classification",
    description: "label what a recording contains (sounds, emotion, language), with scores",
    args: { audio: audio() },
    output: "labels",
    textOnly: false,
    aliases: ["sound-classification", "speech-emotion-recognition"],
  },
];

/** The registry, keyed by canonical name. A Map so that "__proto__" or "constructor" is never a task. */
export const TASKS: ReadonlyMap<TaskName, TaskSpec> = new Map(SPECS.map((spec) => [spec.name, spec]));

function normalizeName(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-")
    .replace(/-+/g, "-");
}

const LOOKUP: ReadonlyMap<string, TaskName> = new Map(
  SPECS.flatMap((spec) =>
    [spec.name, spec.title, ...spec.aliases].map((alias) => [normalizeName(alias), spec.name] as const),
  ),
);

/** The canonical task name for a name, a TaskBench title ("Image Classification") or an alias. */
export function resolveTaskName(name: string): TaskName | undefined {
  return LOOKUP.get(normalizeName(name));
}

export function taskSpec(name: TaskName): TaskSpec {
  const spec = TASKS.get(name);
  if (!spec) throw new Error(`unknown task ${name}`);
  return spec;
}

/** Whether a task's output can feed an argument of this kind (labels feed images only when drawn). */
export function taskFeeds(spec: TaskSpec, input: InputKind): boolean {
  if (input === "image" && (spec.output === "labels" || spec.output === "detections"))
    return spec.drawsImage === true;
  return kindFeeds(spec.output, input);
}

export function isTaskName(name: string): name is TaskName {
  return TASKS.has(name as TaskName);
}
