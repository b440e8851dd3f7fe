/**
 * What a planned task asks of its expert beyond its task name (the language of its speech or text,
 * the labels it wants told apart, the length of its text), read from the plan before it runs and
 * from the resolved arguments once they are known, and what to say when no candidate can do it.
 */
import { detectLanguage, languageName, normalizeLanguage } from "../language/index.js";
import { judgeCompetence, type TaskNeed } from "../models/competence.js";
import { type TaskName, taskSpec } from "../tasks/index.js";
import type { Backends } from "./select.js";
import type { PipelineSettings } from "./settings.js";
import type { Attempt, Candidate } from "./types.js";

/** The texts a task's arguments hold, as far as they are known: what a need is read from. */
export interface NeedTexts {
  /** The `language` argument as planned ("de", "German"). */
  language?: string;
  /** The `labels` argument as planned. */
  labels?: string;
  /** The `text` argument (the text to speak, classify or summarize). */
  text?: string;
  /** Media type of the image or recording the task works on. */
  media?: string;
}

/**
 * The need of a task. The language is the planned one, else (when `detect` and the task works on
 * a text) the detected language of the text; an undetectable language stays unknown, and an
 * unknown language rules no expert out.
 */
export async function taskNeed(task: TaskName, texts: NeedTexts, detect: boolean): Promise<TaskNeed> {
  const spec = taskSpec(task);
  const need: TaskNeed = {};
  if (spec.languageOf) {
    const planned = texts.language === undefined ? undefined : normalizeLanguage(texts.language);
    const language =
      planned ??
      (detect && spec.languageOf === "text" && texts.text !== undefined
        ? await detectLanguage(texts.text)
        : undefined);
    if (language) need.language = language;
  }
  const labels = texts.labels?.trim();
  if (labels) need.labels = labels;
  if (texts.text !== undefined && spec.args.text) need.chars = texts.text.length;
  if (texts.media) need.media = texts.media;
  return need;
}

/** Whether judging candidates can depend on the language: some candidate declares its languages. */
export function languageMatters(candidates: readonly Candidate[]): boolean {
  return candidates.some((candidate) => candidate.model.competence?.languages !== undefined);
}

/** Why a candidate cannot do what the task needs ("English only"), or undefined when it can. */
export function passOverReason(task: TaskName, candidate: Candidate, need: TaskNeed): string | undefined {
  return judgeCompetence(task, candidate.model.competence, need);
}

const LANGUAGE_OF: Record<"text" | "audio" | "image", string> = {
  text: "text",
  audio: "speech",
  image: "text in images",
};

/**
 * The need in words: "German speech", "English text with the labels “spam, not spam”", "a text of
 * 9,000 characters".
 */
export function describeNeed(task: TaskName, need: TaskNeed): string {
  const spec = taskSpec(task);
  const what =
    need.language && spec.languageOf
      ? `${languageName(need.language)} ${LANGUAGE_OF[spec.languageOf]}`
      : need.media
        ? `${need.media} ${spec.args.audio ? "recordings" : "files"}`
        : need.chars !== undefined
          ? `a text of ${need.chars.toLocaleString("en-US")} characters`
          : "this input";
  return need.labels ? `${what} with the labels “${need.labels}”` : what;
}

/** What the operator can configure so that a model able to do it is offered ("" when nothing would help). */
export function competenceHint(backends: Backends, settings: Pick<PipelineSettings, "mode">): string {
  if (settings.mode === "local") {
    return "INFERENCE_MODE=local keeps every task on this machine: set INFERENCE_MODE=hybrid with HF_TOKEN, or LOCAL_INFERENCE_ENDPOINT, for a model that can.";
  }
  if (!backends.hosted && !backends.endpoint) {
    return "Set HF_TOKEN (or LOCAL_INFERENCE_ENDPOINT) for a model that can.";
  }
  return "";
}

/**
 * The failure of a task whose every candidate was passed over: what it needed, who could not and
 * why, and what to configure. "No expert here can do Automatic Speech Recognition on German speech
 * (local/pocketsphinx-en-us: English only). INFERENCE_MODE=local keeps …"
 */
export function noCompetentExpert(
  task: TaskName,
  need: TaskNeed,
  passedOver: readonly Attempt[],
  hint: string,
): string {
  const who = passedOver.map((attempt) => `${attempt.model}: ${attempt.error ?? "cannot"}`).join("; ");
  const sentence = `no expert here can do ${taskSpec(task).title} on ${describeNeed(task, need)} (${who}).`;
  return hint ? `${sentence} ${hint}` : sentence;
}
