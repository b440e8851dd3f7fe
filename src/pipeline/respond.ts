import { errorSummary } from "../errors.js";
import type { LlmClient, LlmUsage } from "../llm/types.js";
import { isMedia, type Resource, resourceFiles, resourceToText } from "../tasks/index.js";
import { shorten } from "../text.js";
import {
  answerLanguageInstruction,
  CHAT_SYSTEM_PROMPT,
  historyMessages,
  RESPOND_SYSTEM_PROMPT,
} from "./prompts/respond.js";
import type { ConversationTurn, Summary, SummaryRow, TaskResult } from "./types.js";

// The summary's plain-text form lives with its vocabulary on the ground floor; the pipeline keeps offering it.
export { catalogLabel, formatSummary } from "../summary.js";

const TEXT_LIMIT = 1500;
const LIST_LIMIT = 15;

/** Long texts keep their first `max` characters and say how many more there were. */
function cut(text: string, max = TEXT_LIMIT): string {
  return shorten(text, max, (length) => `${length - max} more characters`);
}

/** What a result says, without bytes and with long texts cut: the material of the answer prompt. */
export function compactOutput(output: Resource): string {
  if (isMedia(output)) return `a ${output.kind} file ${output.name}`;
  if (output.kind === "text" || output.kind === "json") return cut(output.text);
  const files = resourceFiles(output)
    .map((file) => file.name)
    .join(", ");
  const attached = files ? ` (attached: ${files})` : "";
  if (output.kind === "labels") {
    return `${resourceToText({ ...output, labels: output.labels.slice(0, LIST_LIMIT) })}${attached}`;
  }
  if (output.detections.length === 0) return `no objects found${attached}`;
  const listed = resourceToText({ ...output, detections: output.detections.slice(0, LIST_LIMIT) });
  return `${output.detections.length} objects: ${listed}${attached}`;
}

function taskLine(result: TaskResult): string {
  const who = result.model ? ` with ${result.model} (${result.source})` : "";
  if (result.status === "ok" && result.output) {
    return `Task ${result.id} ${result.task}${who}: ${compactOutput(result.output)}`;
  }
  return `Task ${result.id} ${result.task}${who}: ${result.status} (${cut(result.error ?? "no reason given", 300)})`;
}

/** The answer built from the results alone, used when the LLM cannot write one: results are never lost. */
export function deterministicAnswer(results: readonly TaskResult[]): string {
  if (results.length === 0) return "I had nothing to run for this request.";
  const lines = results.map((result) => {
    const head = `**${result.task}**${result.model ? ` (${result.model})` : ""}`;
    if (result.status !== "ok" || !result.output) {
      return `- ${head}: ${result.status === "skipped" ? "skipped" : "failed"}: ${cut(result.error ?? "no reason given", 300)}`;
    }
    const output = result.output;
    const files = resourceFiles(output).map((file) => file.name);
    const text = resourceToText(output);
    const body = text !== undefined ? cut(text, 1000) || "(empty)" : `${output.kind} ready`;
    return `- ${head}: ${body}${files.length > 0 ? ` (attached: ${files.join(", ")})` : ""}`;
  });
  return `Here is what the models produced:\n${lines.join("\n")}`;
}

export interface RespondOptions {
  llm?: LlmClient;
  history?: readonly ConversationTurn[];
  signal?: AbortSignal;
  usage?: LlmUsage;
  /** The language to answer in (a BCP-47 tag, set with `/settings`); undefined: the user's own. */
  language?: string;
}

/**
 * Stage 4. One LLM call writes the answer from a compact account of the results; if it fails, the
 * deterministic answer is used and a note says why.
 */
export async function writeAnswer(
  request: string,
  results: readonly TaskResult[],
  options: RespondOptions,
): Promise<{ answer: string; note?: string }> {
  if (!options.llm) return { answer: deterministicAnswer(results) };
  const language = options.language ? ` ${answerLanguageInstruction(options.language)}` : "";
  const messages =
    results.length === 0
      ? [
          { role: "system" as const, content: `${CHAT_SYSTEM_PROMPT}${language}` },
          ...historyMessages(options.history),
          { role: "user" as const, content: request },
        ]
      : [
          { role: "system" as const, content: `${RESPOND_SYSTEM_PROMPT}${language}` },
          {
            role: "user" as const,
            content: `Request: ${cut(request, 4000)}\n\nResults:\n${results.map(taskLine).join("\n")}`,
          },
        ];
  try {
    const answer = (
      await options.llm.chat({
        messages,
        temperature: 0.3,
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.usage ? { usage: options.usage } : {}),
      })
    ).trim();
    if (answer.length === 0) throw new Error("the LLM answered with an empty message");
    return { answer };
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return {
      answer:
        results.length === 0 ? "Sorry, I could not answer that right now." : deterministicAnswer(results),
      note: `The answer was composed without the LLM (${errorSummary(error)}).`,
    };
  }
}

/** The deterministic summary: per task, its type, model, where it ran, time and status. */
export function buildSummary(options: {
  planner: string;
  catalog: Summary["catalog"];
  results: readonly TaskResult[];
  totalMs: number;
  notes: string[];
}): Summary {
  const tasks: SummaryRow[] = options.results.map((result) => ({
    id: result.id,
    task: result.task,
    model: result.model ?? null,
    source: result.source ?? null,
    ms: result.ms,
    status: result.status,
    ...(result.error ? { error: result.error } : {}),
  }));
  return {
    planner: options.planner,
    catalog: options.catalog,
    tasks,
    totalMs: options.totalMs,
    notes: [...options.notes, ...passedOverNotes(options.results)],
  };
}

/**
 * "Task 1 (automatic-speech-recognition) passed over local/pocketsphinx-en-us: English only." for
 * each task that ran on another model than the one it would otherwise have tried. A task that no
 * candidate could do already says so in its error.
 */
function passedOverNotes(results: readonly TaskResult[]): string[] {
  return results.flatMap((result) => {
    const passed = result.attempts.filter((attempt) => attempt.passedOver);
    if (passed.length === 0 || passed.length === result.attempts.length) return [];
    const who = passed.map((attempt) => `${attempt.model}: ${attempt.error ?? "cannot"}`).join("; ");
    return [`Task ${result.id} (${result.task}) passed over ${who}.`];
  });
}
