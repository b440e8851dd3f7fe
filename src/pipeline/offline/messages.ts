/**
 * What the offline planner says when it does not plan: what cannot run here and how to change that,
 * what input is missing, and what it can do without a language model.
 */
import { type InputKind, type TaskName, taskSpec } from "../../tasks/index.js";
import { shorten } from "../../text.js";
import { OFFLINE_INTENTS } from "./intent-table.js";
import type { OfflineIntent } from "./lexicon.js";

/** Whether some expert here can run a task, for what the intent asks of it. */
export type Servable = (
  task: TaskName,
  need?: { fully?: boolean; labels?: string; media?: string },
) => boolean;

export const LLM_HINT =
  "To handle any request, set OPENAI_API_KEY, or OPENAI_BASE_URL and LLM_MODEL for a local server such as Ollama.";

export const HF_TOKEN_HINT = "Set HF_TOKEN to use Hugging Face's models for it.";

export type Failure =
  | { type: "unknown"; text: string }
  | { type: "unservable"; intent: OfflineIntent }
  | { type: "missing"; intent: OfflineIntent; kind: InputKind }
  | { type: "invalid"; error: string };

/** Whether an intent can run here as it asks (with its labels, captioning fully). */
export function intentServable(intent: OfflineIntent, servable: Servable, media?: string): boolean {
  if (!intent.task) return false;
  return servable(intent.task, {
    ...(intent.fully ? { fully: true } : {}),
    ...(intent.labels ? { labels: intent.labels } : {}),
    ...(media ? { media } : {}),
  });
}

/** The help text: what can run without an LLM now, with an example each, and how to add one. */
export function describeOfflineAbilities(servable: Servable): string {
  const usable = OFFLINE_INTENTS.filter((intent) => intentServable(intent, servable));
  if (usable.length === 0) return `No model can run here without a language model right now.\n${LLM_HINT}`;
  const lines = usable.map((intent) => `- ${intent.summary}: "${intent.example}"`);
  return `Without a language model I can:\n${lines.join("\n")}\n${LLM_HINT}`;
}

const KIND_WORDS: Readonly<Record<InputKind, string>> = {
  image: "an image: attach one",
  audio: "a recording: attach one",
  text: 'a text: put it in quotes or after a colon, as in say: "good morning"',
};

/** "Object Detection" → "Object detection", for the start of a sentence. */
export function taskTitle(task: TaskName): string {
  const title = taskSpec(task).title;
  return title.charAt(0) + title.slice(1).toLowerCase();
}

/** The first sentence of a refusal: why this request cannot be planned here. */
export function reasonSentence(reason: Failure, unservableHint: string): string {
  switch (reason.type) {
    case "unknown":
      return reason.text === ""
        ? "Send me a request, a photo or a recording."
        : `I can't tell which task "${shorten(reason.text, 80)}" needs without a language model.`;
    case "unservable":
      return `${reason.intent.title} cannot run here: no expert on this machine does it.${unservableHint ? ` ${unservableHint}` : ""}`;
    case "missing":
      return `${reason.intent.task ? taskTitle(reason.intent.task) : reason.intent.title} needs ${KIND_WORDS[reason.kind]}.`;
    case "invalid":
      return `I couldn't build a plan I can run: ${reason.error}.`;
  }
}

/** A whole refusal: the reason, then what can run here. */
export function failureMessage(reason: Failure, servable: Servable, unservableHint?: string): string {
  return `${reasonSentence(reason, unservableHint ?? HF_TOKEN_HINT)}\n\n${describeOfflineAbilities(servable)}`;
}
