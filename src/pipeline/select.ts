import { z } from "zod";
import { errorSummary } from "../errors.js";
import type { ExpertBackend, ExpertSource } from "../experts/types.js";
import type { LlmClient, LlmUsage } from "../llm/types.js";
import type { CatalogOrigin, ModelCatalog, ModelInfo } from "../models/types.js";
import { TASKS, type TaskName } from "../tasks/index.js";
import { argValueText } from "./arg-value.js";
import { extractJson } from "./extract-json.js";
import { SELECT_FORMAT, type SelectionPromptTask, selectionMessages } from "./prompts/select.js";
import type { PipelineSettings } from "./settings.js";
import type { Candidate, Plan, PlannedTask, Selection } from "./types.js";

/** The backends by the source they report: the executor finds a candidate's backend by its source. */
export interface Backends {
  local?: ExpertBackend;
  /** LOCAL_INFERENCE_ENDPOINT: the operator's own model server, for any model of the catalog. */
  endpoint?: ExpertBackend;
  hosted?: ExpertBackend;
  llm?: ExpertBackend;
}

export interface SelectDependencies {
  catalog: ModelCatalog;
  backends: Backends;
  llm?: LlmClient;
  settings: PipelineSettings;
}

export interface SelectOutcome {
  selections: Selection[];
  /** Tasks for which no model is available, with the reason. */
  unavailable: Map<number, string>;
  /** Where the hosted listings came from, for the summary. */
  catalogOrigins: Set<CatalogOrigin>;
  notes: string[];
}

const ChoicesSchema = z.object({
  choices: z.array(
    z.object({ id: z.coerce.number().int(), model: z.string(), reason: z.string().default("") }),
  ),
});

function llmModelInfo(task: TaskName, model: string): ModelInfo {
  return {
    id: model,
    task,
    downloads: 0,
    likes: 0,
    tags: ["llm"],
    description: "the configured chat LLM",
    providers: [],
  };
}

/**
 * Candidates for one task, in the order they are tried: the LLM for text tasks when configured;
 * otherwise this machine's runners first (not in hosted mode), then the catalog's models on the
 * operator's endpoint (LOCAL_INFERENCE_ENDPOINT, not in hosted mode) and on Hugging Face (not in
 * local mode), each ranked by downloads, and last the local runners that serve the task only in part.
 */
export async function candidatesFor(
  task: TaskName,
  deps: SelectDependencies,
  signal: AbortSignal | undefined,
  intent?: string,
): Promise<{ candidates: Candidate[]; origin?: CatalogOrigin; note?: string }> {
  const { backends, settings } = deps;
  const llmBackend = backends.llm;
  if (settings.llmTextTasks && deps.llm && llmBackend?.supports(task)) {
    return { candidates: [{ model: llmModelInfo(task, deps.llm.model), source: "llm" }] };
  }
  const byDownloads = (a: ModelInfo, b: ModelInfo) => b.downloads - a.downloads;
  const local = settings.mode !== "hosted" ? backends.local : undefined;
  const endpoint = settings.mode !== "hosted" ? backends.endpoint : undefined;
  const hosted = settings.mode !== "local" ? backends.hosted : undefined;
  await local?.ready?.();
  const candidates: Candidate[] = [];
  const serves = local?.supports(task) === true;
  if (serves) {
    // The backend's own order: the runners made for the intent first (a stable sort keeps it).
    for (const model of [...(local?.models?.(task, intent) ?? [])]
      .sort(byDownloads)
      .slice(0, settings.candidates)) {
      candidates.push({ model, source: "local" });
    }
  }
  const late: Candidate[] = serves
    ? (local?.fallbackModels?.(task, intent) ?? []).map((model) => ({ model, source: "local" as const }))
    : [];
  const catalogSources = [endpoint, hosted].filter((backend) => backend?.supports(task) === true);
  if (catalogSources.length === 0) return { candidates: [...candidates, ...late] };
  // Up to K models of the catalog on each: hybrid mode always keeps hosted fallbacks after local ones.
  const listing = await deps.catalog.list(task, {
    limit: settings.candidates,
    ...(signal ? { signal } : {}),
  });
  const ranked = [...listing.models].sort(byDownloads);
  for (const backend of catalogSources) {
    const source = backend === endpoint ? "endpoint" : "hosted";
    for (const model of ranked) candidates.push({ model, source });
  }
  return {
    candidates: [...candidates, ...late],
    origin: listing.origin,
    ...(listing.note ? { note: listing.note } : {}),
  };
}

/**
 * Whether a model can do what this task's arguments ask: a single-pair translation model
 * (Helsinki-NLP's `opus-mt-en-es`) cannot translate into German, whatever its downloads; falling
 * back to it would answer in the wrong language.
 */
export function suitsArgs(task: PlannedTask, model: ModelInfo): boolean {
  if (task.task !== "translation") return true;
  const language = task.args.language;
  if (language?.type !== "literal") return true;
  const pair = /opus-mt-(?:tc-big-)?[a-z]{2,3}-([a-z]{2,3})\b/i.exec(model.id);
  return !pair || pair[1]?.toLowerCase() === language.text.trim().toLowerCase();
}

function describeArgs(task: PlannedTask): string {
  return Object.entries(task.args)
    .map(([name, value]) => `${name}: ${value ? JSON.stringify(argValueText(value).slice(0, 200)) : ""}`)
    .join("; ");
}

function reasonFor(source: ExpertSource, count: number): string {
  if (source === "llm") return "text task answered by the LLM";
  return count === 1 ? "only candidate" : "top-ranked by downloads";
}

/**
 * Stage 2. One candidate: taken without asking. Several: ONE LLM call chooses for every ambiguous
 * task together (JARVIS makes one call per task). `MODEL_SELECTION=top` takes the most downloaded.
 * In hybrid mode the choice is among local runners when there are any; hosted models stay fallbacks.
 */
export async function selectModels(
  plan: Plan,
  request: string,
  deps: SelectDependencies,
  options: { signal?: AbortSignal; usage?: LlmUsage } = {},
): Promise<SelectOutcome> {
  const outcome: SelectOutcome = {
    selections: [],
    unavailable: new Map(),
    catalogOrigins: new Set(),
    notes: [],
  };
  // One listing per task and intent: "read the text" and "describe it" are both image-to-text.
  const keyOf = (task: PlannedTask) => `${task.task}\0${task.intent ?? ""}`;
  const distinct = [...new Map(plan.tasks.map((task) => [keyOf(task), task])).values()];
  const listings = new Map(
    await Promise.all(
      distinct.map(
        async (task) =>
          [keyOf(task), await candidatesFor(task.task, deps, options.signal, task.intent)] as const,
      ),
    ),
  );
  for (const listing of listings.values()) {
    if (listing.origin) outcome.catalogOrigins.add(listing.origin);
    if (listing.note && !outcome.notes.includes(listing.note)) outcome.notes.push(listing.note);
  }

  const ambiguous: Array<{ task: PlannedTask; pool: Candidate[]; rest: Candidate[] }> = [];
  for (const task of plan.tasks) {
    const listed = listings.get(keyOf(task))?.candidates ?? [];
    const candidates = listed.filter((candidate) => suitsArgs(task, candidate.model));
    if (candidates.length === 0) {
      outcome.unavailable.set(task.id, noModelReason(task.task, deps));
      continue;
    }
    // The choice is made within the first tier (local before hosted); the other tier stays as fallbacks.
    const firstSource = candidates[0]!.source;
    const pool = candidates.filter((candidate) => candidate.source === firstSource);
    const rest = candidates.filter((candidate) => candidate.source !== firstSource);
    if (pool.length === 1 || deps.settings.selection === "top" || !deps.llm) {
      outcome.selections.push({
        taskId: task.id,
        task: task.task,
        chosen: pool[0]!,
        fallbacks: [...pool.slice(1), ...rest],
        reason: reasonFor(pool[0]!.source, pool.length),
      });
    } else {
      ambiguous.push({ task, pool, rest });
    }
  }

  if (ambiguous.length > 0 && deps.llm) {
    const choices = await askLlm(ambiguous, request, deps.llm, options, outcome.notes);
    for (const { task, pool, rest } of ambiguous) {
      const choice = choices.get(task.id);
      const chosenIndex = choice ? pool.findIndex((candidate) => candidate.model.id === choice.model) : -1;
      const index = Math.max(0, chosenIndex);
      const chosen = pool[index]!;
      outcome.selections.push({
        taskId: task.id,
        task: task.task,
        chosen,
        fallbacks: [...pool.filter((_, i) => i !== index), ...rest],
        reason:
          chosenIndex >= 0
            ? `chosen by the LLM: ${choice?.reason || "best fit"}`
            : choice
              ? `top-ranked (the LLM named ${choice.model}, which is not a candidate)`
              : "top-ranked (the LLM gave no choice)",
      });
    }
  }
  outcome.selections.sort((a, b) => a.taskId - b.taskId);
  return outcome;
}

async function askLlm(
  ambiguous: Array<{ task: PlannedTask; pool: Candidate[] }>,
  request: string,
  llm: LlmClient,
  options: { signal?: AbortSignal; usage?: LlmUsage },
  notes: string[],
): Promise<Map<number, { model: string; reason: string }>> {
  const promptTasks: SelectionPromptTask[] = ambiguous.map(({ task, pool }) => ({
    id: task.id,
    task: task.task,
    args: describeArgs(task),
    candidates: pool.map(({ model }) => ({
      id: model.id,
      downloads: model.downloads,
      likes: model.likes,
      tags: model.tags,
      description: model.description,
    })),
  }));
  try {
    const raw = await llm.chat({
      messages: selectionMessages(request, promptTasks),
      json: SELECT_FORMAT,
      temperature: 0,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.usage ? { usage: options.usage } : {}),
    });
    const extracted = extractJson(raw, hasChoices, '{"choices": [...]} object');
    if (!extracted.ok) throw new Error(extracted.error);
    const parsed = ChoicesSchema.safeParse(extracted.value);
    if (!parsed.success) throw new Error("the answer does not have the {choices: [...]} shape");
    return new Map(parsed.data.choices.map((choice) => [choice.id, choice]));
  } catch (error) {
    if (options.signal?.aborted) throw error;
    notes.push(`Model selection fell back to the most downloaded models (${errorSummary(error)}).`);
    return new Map();
  }
}

function hasChoices(value: unknown): boolean {
  return typeof value === "object" && value !== null && Object.hasOwn(value, "choices");
}

/**
 * Whether some backend could run the task in this mode, before any model is chosen (the offline
 * planner plans only such tasks); with `fully`, not counting local runners that serve only a part of
 * it. Call after the backends are ready.
 */
export function servableTask(
  task: TaskName,
  backends: Backends,
  settings: Pick<PipelineSettings, "mode">,
  fully = false,
): boolean {
  const local = backends.local;
  const here = local?.supports(task) === true && (!fully || (local.models?.(task) ?? []).length > 0);
  const nearby = settings.mode !== "hosted" && (here || backends.endpoint?.supports(task) === true);
  const far = settings.mode !== "local" && backends.hosted?.supports(task) === true;
  return nearby || far;
}

/** How a task no expert here serves could be served in this setup (the offline planner says it). */
export function unservableHint(backends: Backends, settings: Pick<PipelineSettings, "mode">): string {
  if (settings.mode === "local") return "INFERENCE_MODE=local keeps every task on this machine.";
  if (settings.mode === "hosted" && !backends.hosted) {
    return "INFERENCE_MODE=hosted runs nothing here: set HF_TOKEN to use Hugging Face's models.";
  }
  if (!backends.hosted) return "Set HF_TOKEN to use Hugging Face's models for it.";
  return "";
}

export function noModelReason(
  task: TaskName,
  deps: Pick<SelectDependencies, "settings" | "backends">,
): string {
  const title = TASKS.get(task)?.title ?? task;
  if (deps.settings.mode === "local") {
    return `no local expert can run ${title} and INFERENCE_MODE=local forbids hosted models`;
  }
  if (!deps.backends.hosted && !deps.backends.endpoint) {
    return `no local expert can run ${title}; set HF_TOKEN to use Hugging Face's hosted models`;
  }
  return `no available model for ${title}`;
}
