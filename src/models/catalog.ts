/**
 * The model catalog: the Hub's live listing when it answers, cached for a while; the built-in list
 * when it does not, with a note that says why, so that a Hub outage degrades the choice of models
 * instead of failing the request.
 */
import { z } from "zod";
import { errorSummary } from "../errors.js";
import { type TaskName, taskSpec } from "../tasks/index.js";
import { shorten } from "../text.js";
import { untilAborted } from "../time.js";
import { builtinModels, compareByDownloads, findBuiltin } from "./builtin.js";
import { competenceFromTags } from "./competence.js";
import { type HubModel, hubQueryFor, listHubModels, MAX_HUB_LIMIT, usefulTags } from "./hub.js";
import type { ModelCatalog, ModelInfo, ModelListing } from "./types.js";

/**
 * The part of a keyv store the catalog uses. A `Keyv` of any value type fits; values are checked on
 * the way out because a persistent store may hold entries written by another version of the bot.
 */
export interface CatalogCache {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttl?: number): Promise<unknown>;
}

export interface ModelCatalogOptions {
  /** The Hub's base URL ($HF_ENDPOINT). */
  hubEndpoint: string;
  token?: string;
  fetch?: typeof fetch;
  cache: CatalogCache;
  /** How long a live listing is reused before the Hub is asked again. */
  ttlMs: number;
  /** How long to wait for the Hub before using the built-in list. */
  timeoutMs: number;
  /** false: never ask the Hub (offline, tests, local-only inference). */
  live: boolean;
  /** Which inference providers count as serving a model: "all" (default) or a comma-separated list. */
  provider?: string;
  /**
   * How long a failed Hub call is remembered, so that during an outage each request does not wait
   * `timeoutMs` again for every task. Default: the smaller of `ttlMs` and 30 s. 0 turns it off.
   */
  failureTtlMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

const DEFAULT_FAILURE_TTL_MS = 30_000;

/** What the cache holds for one task and limit: the Hub's answer, before descriptions are added. */
const CachedListingSchema = z.object({
  fetchedAt: z.number(),
  models: z.array(
    z.object({
      id: z.string(),
      downloads: z.number(),
      likes: z.number(),
      tags: z.array(z.string()),
      providers: z.array(z.string()),
    }),
  ),
});
export type CachedListing = z.infer<typeof CachedListingSchema>;

type HubOutcome = { ok: true; models: HubModel[] } | { ok: false; reason: string };

export function createModelCatalog(options: ModelCatalogOptions): ModelCatalog {
  const now = options.now ?? Date.now;
  const provider = options.provider ?? "all";
  const failureTtlMs = options.failureTtlMs ?? Math.min(options.ttlMs, DEFAULT_FAILURE_TTL_MS);
  // Several tasks of one plan, or several users at once, often ask for the same listing together.
  const inFlight = new Map<string, Promise<HubOutcome>>();
  const recentFailures = new Map<string, { until: number; reason: string }>();

  const cacheKey = (task: TaskName, limit: number) =>
    // The endpoint and provider are part of the key: a persistent cache must not answer for another Hub.
    `hub-listing:v1:${options.hubEndpoint}:${provider}:${task}:${limit}`;

  async function readCache(key: string, task: TaskName): Promise<HubModel[] | undefined> {
    let stored: unknown;
    try {
      stored = await options.cache.get(key);
    } catch {
      // A cache that cannot be read is a cache miss, not a failed request.
      return undefined;
    }
    const parsed = CachedListingSchema.safeParse(stored);
    if (!parsed.success) return undefined;
    // Checked here as well as by the store's TTL, so that the injected clock governs expiry.
    if (now() - parsed.data.fetchedAt >= options.ttlMs) return undefined;
    return parsed.data.models.map((model) => ({ ...model, task }));
  }

  async function writeCache(key: string, models: HubModel[]): Promise<void> {
    const value: CachedListing = {
      fetchedAt: now(),
      models: models.map(({ id, downloads, likes, tags, providers }) => ({
        id,
        downloads,
        likes,
        tags: [...tags],
        providers: [...providers],
      })),
    };
    try {
      await options.cache.set(key, value, options.ttlMs);
    } catch {
      // Not cached this time; the next request asks the Hub again.
    }
  }

  function askHub(key: string, task: TaskName, limit: number): Promise<HubOutcome> {
    const pending = inFlight.get(key);
    if (pending) return pending;
    const outcome = (async (): Promise<HubOutcome> => {
      try {
        // No caller signal here: the call is shared, and one caller giving up must not fail the others.
        const models = await listHubModels({
          endpoint: options.hubEndpoint,
          task,
          limit,
          provider,
          timeoutMs: options.timeoutMs,
          ...(options.token ? { token: options.token } : {}),
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
        await writeCache(key, models);
        return { ok: true, models };
      } catch (error) {
        const reason = errorSummary(error);
        if (failureTtlMs > 0) recentFailures.set(key, { until: now() + failureTtlMs, reason });
        return { ok: false, reason };
      } finally {
        inFlight.delete(key);
      }
    })();
    inFlight.set(key, outcome);
    return outcome;
  }

  async function liveOutcome(task: TaskName, limit: number, signal?: AbortSignal): Promise<HubOutcome> {
    const key = cacheKey(task, limit);
    const cached = await readCache(key, task);
    if (cached) return { ok: true, models: cached };
    const failure = recentFailures.get(key);
    if (failure && failure.until > now()) return { ok: false, reason: failure.reason };
    recentFailures.delete(key);
    return untilAborted(askHub(key, task, limit), signal);
  }

  return {
    async list(task, { limit, signal }): Promise<ModelListing> {
      signal?.throwIfAborted();
      const wanted = Number.isFinite(limit) ? Math.max(0, Math.min(MAX_HUB_LIMIT, Math.floor(limit))) : 0;
      if (!options.live) return builtinListing(task, wanted);
      if (wanted === 0) return { task, models: [], origin: "hub" };

      const outcome = await liveOutcome(task, wanted, signal);
      if (!outcome.ok) {
        return builtinListing(task, wanted, `the Hub could not be reached: ${outcome.reason}`);
      }
      if (outcome.models.length === 0) {
        return builtinListing(
          task,
          wanted,
          `the Hub lists no ${task} model that an inference provider serves`,
        );
      }
      const models = outcome.models.map(describeHubModel).sort(compareByDownloads).slice(0, wanted);
      return { task, models, origin: "hub" };
    },
  };
}

function builtinListing(task: TaskName, limit: number, note?: string): ModelListing {
  const listing: ModelListing = { task, models: builtinModels(task).slice(0, limit), origin: "builtin" };
  if (note) listing.note = note;
  return listing;
}

/** A Hub entry with a description: ours when we know the model, else one pieced together from its tags. */
function describeHubModel(model: HubModel): ModelInfo {
  const known = findBuiltin(model.id, model.task);
  const description = known?.description ?? describeFromTags(model);
  // From all its tags, before they are cut to the useful few: Whisper lists a hundred languages.
  const competence = known?.competence ?? competenceFromTags(model.task, model.tags);
  return { ...model, tags: usefulTags(model.tags), description, ...(competence ? { competence } : {}) };
}

const LANGUAGE_TAG = /^[a-z]{2,3}$/;
// Libraries and formats say how a model is packaged, which is worth a word, but not a description.
const LIBRARY_TAGS = new Set([
  "transformers",
  "diffusers",
  "sentence-transformers",
  "timm",
  "onnx",
  "safetensors",
  "pytorch",
  "tf",
  "jax",
  "gguf",
  "peft",
  "mlx",
  "transformers.js",
]);
const MAX_DESCRIPTION = 160;

/** "Text generation model by Qwen, fine-tuned from Qwen/Qwen2.5-7B; en, zh; chat, conversational." */
export function describeFromTags(model: Pick<HubModel, "id" | "task" | "tags">): string {
  const title = taskSpec(model.task).title.replace(/-/g, " ");
  const owner = model.id.includes("/") ? model.id.split("/")[0] : undefined;
  const base = model.tags
    .find((tag) => tag.startsWith("base_model:") && tag.split(":").length === 2)
    ?.slice("base_model:".length);
  const pipelineTag = hubQueryFor(model.task).pipelineTag;
  const languages = model.tags.filter((tag) => LANGUAGE_TAG.test(tag)).slice(0, 4);
  const topics = usefulTags(model.tags).filter(
    (tag) =>
      !LANGUAGE_TAG.test(tag) &&
      !LIBRARY_TAGS.has(tag) &&
      !tag.includes(":") &&
      tag !== model.task &&
      tag !== pipelineTag &&
      tag !== "model-index",
  );

  let text = `${capitalize(title.toLowerCase())} model${owner ? ` by ${owner}` : ""}`;
  if (base && base.toLowerCase() !== model.id.toLowerCase()) text += `, based on ${base}`;
  if (languages.length > 0) text += `; ${languages.join(", ")}`;
  if (topics.length > 0) text += `; ${topics.slice(0, 5).join(", ")}`;
  text += ".";
  return shorten(text, MAX_DESCRIPTION);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
