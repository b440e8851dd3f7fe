import {
  type Label,
  type Resource,
  resourceFiles,
  resourceToText,
  type TaskName,
} from "../../tasks/index.js";
import { shorten } from "../../text.js";
import type { Plan, TaskResult } from "../types.js";
import { taskTitle } from "./planner.js";

/** Longest text quoted in an answer; the platforms split long messages, this keeps one result from drowning the rest. */
const TEXT_LIMIT = 3_000;
/** Distinct labels listed before "and N more". */
const LABEL_LIMIT = 12;
/** Scores shown for a label found several times. */
const SCORES_PER_LABEL = 3;
const REASON_LIMIT = 200;

/**
 * The answer without an LLM: a sentence or two per result, in the order the tasks ran, each step
 * mentioned once. The wording follows what ran (an OCR model's text "reads", a captioner's "shows")
 * and the plan's intents where the model does not say; of the request's words only what a count
 * asks for ("how many dogs…"), which the detections answer first.
 *
 * @example
 * answerOffline([detectionResult], "what is in this photo?")
 * // "I found 3 objects: dog (0.91), bicycle (0.47), car (0.55). The annotated image is attached."
 */
export function answerOffline(results: readonly TaskResult[], request: string, plan?: Plan): string {
  if (results.length === 0) return "I had nothing to run for this request.";
  const intents = new Map((plan?.tasks ?? []).map((task) => [task.id, task.intent]));
  const counted = countedThing(request);
  const ordered = [...results].sort((a, b) => a.id - b.id);
  const repeated = new Set(
    ordered.map((result) => result.task).filter((task, index, all) => all.indexOf(task) !== index),
  );
  return ordered
    .map((result) => {
      const intent = intents.get(result.id);
      const sentence = describeResult(result, {
        ...(result.model ? { model: result.model } : {}),
        ...(intent ? { intent } : {}),
        ...(counted ? { counted } : {}),
      });
      // Several runs of one task (one per photo) need telling apart.
      return repeated.has(result.task) ? `Task ${result.id} (${words(result.task)}): ${sentence}` : sentence;
    })
    .join("\n");
}

/** What ran for a result: the model that answered and the intent the plan gave the task. */
interface ResultContext {
  model?: string;
  intent?: string;
  /** What the request asks to count ("how many dogs"): its label, singular and plural. */
  counted?: { label: string; plural: string };
}

/** Labels' plurals that are not the label with an s. */
const PLURALS: Readonly<Record<string, string>> = {
  person: "people",
  bus: "buses",
  knife: "knives",
  mouse: "mice",
  sheep: "sheep",
  bench: "benches",
};

/** "how many dogs are there?" → dog, dogs; "how many people" → person, people. */
function countedThing(request: string): { label: string; plural: string } | undefined {
  const word = /\bhow many\s+([a-z]+)/i.exec(request)?.[1]?.toLowerCase();
  if (!word) return undefined;
  const label =
    Object.entries(PLURALS).find(([, plural]) => plural === word)?.[0] ?? word.replace(/(?<=[^s])s$/, "");
  return { label, plural: PLURALS[label] ?? `${label}s` };
}

function describeResult(result: TaskResult, context: ResultContext): string {
  if (result.status === "skipped") return `${taskTitle(result.task)} was skipped: ${reason(result.error)}.`;
  if (result.status !== "ok" || !result.output)
    return `${taskTitle(result.task)} failed: ${reason(result.error)}.`;
  const describe = DESCRIBERS[result.task] ?? describeOutput;
  return describe(result.output, context);
}

type Describer = (output: Resource, context: ResultContext) => string;

/** How each task's result reads; a task not listed reads as its output does (describeOutput). */
const DESCRIBERS: Partial<Record<TaskName, Describer>> = {
  "object-detection": (output, context) => {
    if (output.kind !== "detections") return describeOutput(output);
    const found = output.detections.length;
    // Nothing is marked on an image without detections: it is not worth a mention.
    const counted = context.counted;
    const matching = counted
      ? output.detections.filter((detection) => detection.label.toLowerCase() === counted.label).length
      : 0;
    const count = counted
      ? matching === 0
        ? `I see no ${counted.plural}. `
        : `There ${matching === 1 ? `is 1 ${counted.label}` : `are ${matching} ${counted.plural}`}. `
      : "";
    if (found === 0) return `${count}I found no objects.`;
    const head = `${count}I found ${found} ${found === 1 ? "object" : "objects"}: ${listLabels(output.detections)}.`;
    return withFiles(head, output, "The annotated image is attached.");
  },
  "image-segmentation": (output) => {
    if (output.kind !== "labels") return describeOutput(output);
    const head =
      output.labels.length === 0
        ? "I found no regions."
        : `I found these regions: ${listLabels(output.labels)}.`;
    return withFiles(head, output, "The segmented image is attached.");
  },
  "image-to-text": (output, context) => {
    const text = textOf(output);
    if (!readsText(context))
      return text ? `The image shows${quoteText(text)}` : "I could not describe the image.";
    return text ? `The text in the image reads:${quoteText(text)}` : "I found no text in the image.";
  },
  "document-question-answering": (output) => {
    // The local reader says so itself when no line matches, and quotes the document: no "The answer is".
    const text = textOf(output);
    if (text?.startsWith(NO_MATCHING_LINE)) return text;
    return answerSentence(output, "I found no answer in the document.");
  },
  "visual-question-answering": (output) => answerSentence(output, "I found no answer in the image."),
  "question-answering": (output) => answerSentence(output, "I found no answer in the text."),
  "automatic-speech-recognition": (output) => {
    const text = textOf(output);
    return text ? `Transcript:${quoteText(text)}` : "I heard no speech in the recording.";
  },
  "text-to-speech": (output) => fileSentence(output, "Here is the speech"),
  "text-to-image": (output) => fileSentence(output, "Here is the image"),
  "image-to-image": (output) => fileSentence(output, "Here is the edited image"),
  "depth-estimation": (output) => fileSentence(output, "Here is the depth map"),
  "text-to-video": (output) => fileSentence(output, "Here is the video"),
  "audio-to-audio": (output) => fileSentence(output, "Here is the processed recording"),
  "text-classification": (output, context) => sentimentSentence(output, context),
  "image-classification": (output) =>
    output.kind === "labels" && output.verdict
      ? verdictSentence(output.verdict, output.labels)
      : labelList(output, "The image looks like"),
  "audio-classification": (output) => labelList(output, "The recording sounds like"),
  translation: (output) => prefixed(output, "Translation"),
  summarization: (output) => prefixed(output, "Summary"),
  "token-classification": (output) => prefixed(output, "Named entities"),
};

/** How the local document reader (src/experts/local/ocr.ts) begins when no line answers the question. */
const NO_MATCHING_LINE = "No line of the document matches the question";

/** Image-to-text models that read the text in an image: local Tesseract, TrOCR, anything named OCR. */
const OCR_MODEL = /^local\/tesseract|trocr|(?:^|[-_/])ocr(?:$|[-_/])/i;

/**
 * Whether an image-to-text result is the text in the image rather than a caption of it: decided by
 * the model that ran; by the task's intent ("read-text") only when the result does not name its model.
 */
function readsText(context: ResultContext): boolean {
  if (context.model) return OCR_MODEL.test(context.model);
  return context.intent === "read-text";
}

/** The local word-list sentiment model (src/experts/local/sentiment.ts). */
const LOCAL_SENTIMENT = /^local\/sentiment/;

/**
 * The best label ("The text sounds positive (0.87)."), with two cases of their own: the local word
 * list labels a text "neutral" alone when none of its words carries a sentiment, which says nothing
 * of the text; and a tie ("as positive as negative") has no best label.
 */
function sentimentSentence(output: Resource, context: ResultContext): string {
  if (output.kind !== "labels") return describeOutput(output);
  const only = output.labels.length === 1 ? output.labels[0] : undefined;
  if (only?.label.toLowerCase() === "neutral" && LOCAL_SENTIMENT.test(context.model ?? ""))
    return "I found no words that carry a sentiment in the text, so I can't tell whether it is positive or negative.";
  const [first, second] = [...output.labels].sort((a, b) => b.score - a.score);
  if (first && second && formatScore(first.score) === formatScore(second.score))
    return `The text sounds as ${first.label.toLowerCase()} as ${second.label.toLowerCase()} (${formatScore(first.score)} each).`;
  return topLabel(output, (label) => `The text sounds ${label}`);
}

/** "dog ×2 (0.93, 0.88), bicycle (0.47)": labels grouped in order of first sight, best scores first. */
function listLabels(labels: readonly Label[]): string {
  const groups = new Map<string, number[]>();
  for (const { label, score } of labels) groups.set(label, [...(groups.get(label) ?? []), score]);
  const entries = [...groups.entries()];
  const shown = entries.slice(0, LABEL_LIMIT).map(([label, scores]) => {
    const best = [...scores].sort((a, b) => b - a);
    const listed = best.slice(0, SCORES_PER_LABEL).map(formatScore).join(", ");
    const more = best.length > SCORES_PER_LABEL ? ", …" : "";
    return best.length > 1 ? `${label} ×${best.length} (${listed}${more})` : `${label} (${listed})`;
  });
  const left = entries.length - shown.length;
  return left > 0 ? `${shown.join(", ")} and ${left} more` : shown.join(", ");
}

function topLabel(output: Resource, sentence: (label: string) => string): string {
  if (output.kind !== "labels") return describeOutput(output);
  const best = [...output.labels].sort((a, b) => b.score - a.score)[0];
  if (!best) return "The model gave no label.";
  return `${sentence(best.label.toLowerCase())} (${formatScore(best.score)}).`;
}

const TOP_LABELS = 3;

/** "Safe to share (Neutral 0.93, Drawing 0.04)." from a classifier that gives a verdict. */
function verdictSentence(verdict: string, labels: readonly Label[]): string {
  const best = [...labels].sort((a, b) => b.score - a.score).slice(0, 2);
  const scores = best.map((label) => `${label.label} ${formatScore(label.score)}`).join(", ");
  return `${verdict.charAt(0).toUpperCase()}${verdict.slice(1)}${scores ? ` (${scores})` : ""}.`;
}

function labelList(output: Resource, lead: string): string {
  if (output.kind !== "labels") return describeOutput(output);
  const best = [...output.labels].sort((a, b) => b.score - a.score).slice(0, TOP_LABELS);
  if (best.length === 0) return "The model gave no label.";
  return `${lead}: ${best.map((label) => `${label.label} (${formatScore(label.score)})`).join(", ")}.`;
}

function answerSentence(output: Resource, none: string): string {
  const text = textOf(output);
  return text ? `The answer is${quoteText(text)}` : none;
}

function prefixed(output: Resource, lead: string): string {
  const text = textOf(output);
  return text ? `${lead}:${quoteText(text)}` : `${lead}: (empty).`;
}

function fileSentence(output: Resource, lead: string): string {
  const names = resourceFiles(output).map((file) => file.name);
  if (names.length === 0) return describeOutput(output);
  return `${lead} (${names.join(", ")}).`;
}

/** A result of a task without its own wording: its text, or the files it made. */
function describeOutput(output: Resource): string {
  const text = textOf(output);
  if (text) return withFiles(`Result:${quoteText(text)}`, output, "");
  const names = resourceFiles(output).map((file) => file.name);
  return names.length > 0
    ? `Here is the ${output.kind} (${names.join(", ")}).`
    : "The task gave an empty result.";
}

function withFiles(head: string, output: Resource, sentence: string): string {
  const files = resourceFiles(output);
  if (files.length === 0) return head;
  return sentence
    ? `${head} ${sentence}`
    : `${head} (attached: ${files.map((file) => file.name).join(", ")})`;
}

function textOf(output: Resource): string | undefined {
  const text = resourceToText(output)?.trim();
  return text ? text : undefined;
}

/** A one-line text in quotes with a full stop, after a space; a longer one on lines of its own. */
function quoteText(text: string): string {
  const cut = shorten(text, TEXT_LIMIT, (length) => `${length - TEXT_LIMIT} more characters`);
  return cut.includes("\n") ? `\n${cut}` : ` “${cut}”.`;
}

/** The first line of an error, without a stack: users see what went wrong, the log keeps the rest. */
function reason(error: string | undefined): string {
  const line = (error ?? "")
    .split("\n")
    .map((part) => part.trim())
    .find((part) => part !== "" && !part.startsWith("at "));
  const text = (line ?? "no reason given").replace(/[.\s]+$/, "");
  return shorten(text, REASON_LIMIT);
}

function formatScore(score: number): string {
  return score.toFixed(2);
}

/** "object-detection" → "object detection". */
function words(task: TaskName): string {
  return taskTitle(task).toLowerCase();
}
