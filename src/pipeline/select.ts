import { z } from "zod";
import { errorSummary } from "../errors.js";
import type { ExpertBackend, ExpertSource } from "../experts/types.js";
import type { LlmClient, LlmUsage } from "../llm/types.js";
import { describeCompetence, judgeCompetence } from "../models/competence.js";
import type { CatalogOrigin, ModelCatalog, ModelInfo } from "../models/types.js";
import { TASKS, type TaskName } from "../tasks/index.js";
import { argValueText } from "./arg-value.js";
import { languageMatters, type NeedTexts, passOverReason, taskNeed } from "./competence.js";
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

/** Where a candidate runs, as the selecting LLM reads it. */
const WHERE: Record<ExpertSource, string> = {
  local: "this machine (free, private)",
  endpoint: "the operator's model server",
  hosted: "Hugging Face (metered)",
  llm: "the chat LLM",
};

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

/** Where a candidate runs, in the order of preference among equals: this machine, the operator's server, Hugging Face. */
const SOURCE_ORDER: Record<ExpertSource, number> = { local: 0, endpoint: 1, hosted: 2, llm: 3 };

/** A candidate's quality tier: its declared rank, else a hosted-class model (3). */
export function tierOf(candidate: Candidate): number {
  return candidate.model.rank?.tier ?? 3;
}

/**
 * The order candidates are tried in, by mode. Experts made for the planned intent come first in
 * every mode. `hybrid` and `local`: the strongest first (a local expert first among equals);
 * `local-first`: this machine, then the operator's server, then Hugging Face, each strongest first.
 * Ties keep the given order (most downloaded first).
 */
export function orderCandidates(
  candidates: readonly Candidate[],
  mode: PipelineSettings["mode"],
  intent?: string,
): Candidate[] {
  const madeFor = (candidate: Candidate) =>
    intent !== undefined && candidate.model.intents?.includes(intent) === true ? 0 : 1;
  const byTier = (a: Candidate, b: Candidate) => tierOf(b) - tierOf(a);
  const bySource = (a: Candidate, b: Candidate) => SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source];
  return [...candidates].sort(
    (a, b) =>
      madeFor(a) - madeFor(b) ||
      (mode === "local-first" ? bySource(a, b) || byTier(a, b) : byTier(a, b) || bySource(a, b)),
  );
}

/**
 * Candidates for one task, in the order they are tried: the LLM for text tasks when configured;
 * otherwise this machine's runners (not in hosted mode), the catalog's models on the operator's
 * endpoint (LOCAL_INFERENCE_ENDPOINT, not in hosted mode) and on Hugging Face (not in local mode),
 * ordered by `orderCandidates`, and last the local runners that serve the task only in part.
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
  const local = settings.mode !== "hosted" ? backends.local : undefined;
  const endpoint = settings.mode !== "hosted" ? backends.endpoint : undefined;
  const hosted = settings.mode !== "local" ? backends.hosted : undefined;
  await local?.ready?.();
  const candidates: Candidate[] = [];
  const serves = local?.supports(task) === true;
  if (serves) {
    for (const model of (local?.models?.(task, intent) ?? []).slice(0, settings.candidates)) {
      candidates.push({ model, source: "local" });
    }
  }
  const late: Candidate[] = serves
    ? (local?.fallbackModels?.(task, intent) ?? []).map((model) => ({ model, source: "local" as const }))
    : [];
  const catalogSources = [endpoint, hosted].filter((backend) => backend?.supports(task) === true);
  if (catalogSources.length === 0) {
    return { candidates: [...orderCandidates(candidates, settings.mode, intent), ...late] };
  }
  // Up to K models of the catalog on each: the local experts keep them as fallbacks, or as betters.
  const listing = await deps.catalog.list(task, {
    limit: settings.candidates,
    ...(signal ? { signal } : {}),
  });
  const ranked = [...listing.models].sort((a, b) => b.downloads - a.downloads);
  for (const backend of catalogSources) {
    const source = backend === endpoint ? "endpoint" : "hosted";
    for (const model of ranked) candidates.push({ model, source });
  }
  return {
    candidates: [...orderCandidates(candidates, settings.mode, intent), ...late],
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
  if (count === 0) return "no candidate can do what the task asks";
  return count === 1 ? "only candidate" : "first in the ranking";
}

/**
 * The candidates the choice is made among: those that can do what the plan already tells of the
 * task (its planned language and labels, the language of a literal text). In `local-first` mode
 * only this machine's experts when one of them can; otherwise every competent candidate, local
 * ones included, so that the selecting LLM weighs them with their limits.
 */
async function selectionPool(
  task: PlannedTask,
  candidates: readonly Candidate[],
  mode: PipelineSettings["mode"],
): Promise<{ pool: Candidate[]; unable: Map<Candidate, string> }> {
  const literal = (name: "language" | "labels" | "text") => {
    const value = task.args[name];
    return value?.type === "literal" ? value.text : undefined;
  };
  const texts: NeedTexts = {};
  for (const name of ["language", "labels", "text"] as const) {
    const text = literal(name);
    if (text !== undefined) texts[name] = text;
  }
  const need = await taskNeed(task.task, texts, languageMatters(candidates));
  const unable = new Map<Candidate, string>();
  for (const candidate of candidates) {
    const reason = passOverReason(task.task, candidate, need);
    if (reason) unable.set(candidate, reason);
  }
  const competent = candidates.filter((candidate) => !unable.has(candidate));
  const local = competent.filter((candidate) => candidate.source === "local");
  return { pool: mode === "local-first" && local.length > 0 ? local : competent, unable };
}

/**
 * The selection of a task: the chosen candidate, the competent rest in the mode's order as
 * fallbacks, and the incompetent ones the order put before the chosen as passed over (the summary
 * says why). With no competent candidate at all, every one stays for the executor to pass over.
 */
function settle(
  task: PlannedTask,
  candidates: readonly Candidate[],
  unable: ReadonlyMap<Candidate, string>,
  chosen: Candidate,
  reason: string,
): Selection {
  const selection = { taskId: task.id, task: task.task, chosen, reason };
  if (unable.size === candidates.length) {
    return { ...selection, fallbacks: candidates.filter((candidate) => candidate !== chosen) };
  }
  const before = candidates.slice(0, candidates.indexOf(chosen));
  return {
    ...selection,
    fallbacks: candidates.filter((candidate) => candidate !== chosen && !unable.has(candidate)),
    passedOver: before.flatMap((candidate) => {
      const why = unable.get(candidate);
      return why ? [{ model: candidate.model.id, source: candidate.source, reason: why }] : [];
    }),
  };
}

/**
 * Stage 2. One candidate: taken without asking. Several: ONE LLM call chooses for every ambiguous
 * task together (JARVIS makes one call per task). `MODEL_SELECTION=top` takes the most downloaded.
 * The choice is made among the candidates able to do what the plan tells of the task (in
 * local-first mode, among this machine's when one of them is); the others keep the mode's order.
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
  // A task the request's settings do not allow is refused like one nothing can serve: no model is sought.
  const allowed = deps.settings.allowedTasks;
  const planned = plan.tasks.filter((task) => {
    if (allowed === undefined || allowed.includes(task.task)) return true;
    outcome.unavailable.set(task.id, notAllowedReason(task.task));
    return false;
  });
  // One listing per task and intent: "read the text" and "describe it" are both image-to-text.
  const keyOf = (task: PlannedTask) => `${task.task}\0${task.intent ?? ""}`;
  const distinct = [...new Map(planned.map((task) => [keyOf(task), task])).values()];
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

  const ambiguous: Array<{
    task: PlannedTask;
    pool: Candidate[];
    candidates: Candidate[];
    unable: ReadonlyMap<Candidate, string>;
  }> = [];
  for (const task of planned) {
    const listed = listings.get(keyOf(task))?.candidates ?? [];
    const candidates = listed.filter((candidate) => suitsArgs(task, candidate.model));
    if (candidates.length === 0) {
      outcome.unavailable.set(task.id, noModelReason(task.task, deps));
      continue;
    }
    const { pool, unable } = await selectionPool(task, candidates, deps.settings.mode);
    if (pool.length <= 1 || deps.settings.selection === "top" || !deps.llm) {
      const chosen = pool[0] ?? candidates[0]!;
      outcome.selections.push(
        settle(task, candidates, unable, chosen, reasonFor(chosen.source, pool.length)),
      );
    } else {
      ambiguous.push({ task, pool, candidates, unable });
    }
  }

  if (ambiguous.length > 0 && deps.llm) {
    const choices = await askLlm(ambiguous, request, deps.llm, options, outcome.notes);
    for (const { task, pool, candidates, unable } of ambiguous) {
      const choice = choices.get(task.id);
      const chosenIndex = choice ? pool.findIndex((candidate) => candidate.model.id === choice.model) : -1;
      const chosen = pool[Math.max(0, chosenIndex)]!;
      const reason =
        chosenIndex >= 0
          ? `chosen by the LLM: ${choice?.reason || "best fit"}`
          : choice
            ? `top-ranked (the LLM named ${choice.model}, which is not a candidate)`
            : "top-ranked (the LLM gave no choice)";
      outcome.selections.push(settle(task, candidates, unable, chosen, reason));
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
    // One entry per model: the same model on the operator's server and on Hugging Face is one choice.
    candidates: [...new Map(pool.map((candidate) => [candidate.model.id, candidate])).values()].map(
      ({ model, source }) => ({
        id: model.id,
        where: WHERE[source],
        tier: model.rank?.tier ?? 3,
        downloads: model.downloads,
        likes: model.likes,
        tags: model.tags,
        description: model.description,
        limits: describeCompetence(model.competence),
      }),
    ),
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
 * it; with `labels`, only local runners that can tell them apart (without, those that answer the
 * task's usual question); with `media`, only those that read that type. Call after the backends are ready.
 */
export function servableTask(
  task: TaskName,
  backends: Backends,
  settings: Pick<PipelineSettings, "mode">,
  need: { fully?: boolean; labels?: string; media?: string } = {},
): boolean {
  const local = backends.local;
  const runners =
    local?.supports(task) === true
      ? [...(local.models?.(task) ?? []), ...(need.fully ? [] : (local.fallbackModels?.(task) ?? []))]
      : [];
  const asked = {
    ...(need.labels ? { labels: need.labels } : {}),
    ...(need.media ? { media: need.media } : {}),
  };
  const here = runners.some((model) => judgeCompetence(task, model.competence, asked) === undefined);
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

/** Why a planned task was not run: the workspace's or channel's settings leave it out (`/settings`). */
export function notAllowedReason(task: TaskName): string {
  const title = TASKS.get(task)?.title ?? task;
  return `${title} is not allowed here: an admin turned it off with /settings`;
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
