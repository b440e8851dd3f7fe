/**
 * The live listing: the most downloaded models of a task that an inference provider serves, as the
 * Hugging Face Hub reports them.
 *
 *   GET $HF_ENDPOINT/api/models?pipeline_tag=TAG&inference_provider=all&sort=downloads&direction=-1
 *       &limit=K&expand[]=downloads&expand[]=likes&expand[]=tags&expand[]=pipeline_tag
 *       &expand[]=inferenceProviderMapping
 *
 * `inference_provider=all` keeps only models served by at least one provider (a comma-separated
 * list of provider names narrows it). Asking for any `expand[]` makes the Hub return only the
 * expanded fields (plus `id`), so every field we read is expanded explicitly. The answer is a JSON
 * array; `inferenceProviderMapping` is an array of `{ provider, providerId, status, task }` on
 * today's Hub and was an object keyed by provider before, so both shapes are accepted.
 *
 * The Hub URL comes from the operator's configuration, never from a user or a plan, so this does not
 * go through the guarded fetch for user links.
 */
import { z } from "zod";
import { BotError, errorSummary, isAbortError } from "../errors.js";
import type { TaskName } from "../tasks/index.js";
import type { ModelInfo } from "./types.js";

/** A model as the Hub lists it: everything a ModelInfo has except the description, which the Hub does not give. */
export type HubModel = Omit<ModelInfo, "description">;

export interface HubQuery {
  /** The Hub's pipeline tag for the task. */
  pipelineTag: string;
  /** Tags a model must also carry (the Hub's `filter` parameter). */
  tags: readonly string[];
}

/**
 * Where our task names differ from today's Hub. HuggingGPT's 24 tasks date from 2023; since then the
 * Hub folded "conversational" and "text2text-generation" into "text-generation" as subtasks, so no
 * model carries them as its pipeline tag any more. Chat models are text-generation models that carry
 * the "conversational" tag (the Hub's own sign that a model has a chat template), hence the filter.
 * text2text-generation maps to text-generation unfiltered: today's instruction-tuned generators are
 * what rewrites a text by an instruction. All other task names are Hub pipeline tags as they are.
 */
const HUB_QUERY_OVERRIDES: Partial<Record<TaskName, HubQuery>> = {
  conversational: { pipelineTag: "text-generation", tags: ["conversational"] },
  "text2text-generation": { pipelineTag: "text-generation", tags: [] },
};

export function hubQueryFor(task: TaskName): HubQuery {
  return HUB_QUERY_OVERRIDES[task] ?? { pipelineTag: task, tags: [] };
}

// The Hub caps a page at 1000; a selection prompt never needs more than a few dozen.
export const MAX_HUB_LIMIT = 100;

const EXPANDED_FIELDS = ["downloads", "likes", "tags", "pipeline_tag", "inferenceProviderMapping"] as const;

export interface HubListRequest {
  /** The Hub's base URL ($HF_ENDPOINT), e.g. https://huggingface.co. */
  endpoint: string;
  task: TaskName;
  limit: number;
  /** Which providers count: "all" (any provider, the default) or a comma-separated list of names. */
  provider?: string;
}

/** The listing URL for a task, with the provider restriction and the fields we read. */
export function hubModelsUrl(request: HubListRequest): URL {
  const base = request.endpoint.replace(/\/+$/, "");
  const url = new URL(`${base}/api/models`);
  const query = hubQueryFor(request.task);
  const limit = Math.max(1, Math.min(MAX_HUB_LIMIT, Math.floor(request.limit)));
  url.searchParams.set("pipeline_tag", query.pipelineTag);
  for (const tag of query.tags) url.searchParams.append("filter", tag);
  url.searchParams.set("inference_provider", request.provider ?? "all");
  url.searchParams.set("sort", "downloads");
  url.searchParams.set("direction", "-1");
  url.searchParams.set("limit", String(limit));
  for (const field of EXPANDED_FIELDS) url.searchParams.append("expand[]", field);
  return url;
}

const MappingEntrySchema = z.object({
  status: z.string().nullish(),
  providerId: z.string().nullish(),
  task: z.string().nullish(),
});

const ProviderMappingSchema = z.union([
  z.array(MappingEntrySchema.extend({ provider: z.string() })),
  z.record(z.string(), MappingEntrySchema),
]);

const HubModelSchema = z.object({
  id: z.string().min(1),
  downloads: z.number().nonnegative().nullish(),
  likes: z.number().nonnegative().nullish(),
  tags: z.array(z.string()).nullish(),
  pipeline_tag: z.string().nullish(),
  inferenceProviderMapping: ProviderMappingSchema.nullish(),
});

type RawHubModel = z.infer<typeof HubModelSchema>;

/**
 * Providers that serve the model now. "staging" mappings are a provider still testing the model,
 * not open to callers. `undefined` when the Hub sent no mapping at all: the `inference_provider`
 * filter already vouched for the model, we just cannot name the provider.
 */
function liveProviders(mapping: RawHubModel["inferenceProviderMapping"]): string[] | undefined {
  if (!mapping) return undefined;
  const entries = Array.isArray(mapping)
    ? mapping
    : Object.entries(mapping).map(([provider, entry]) => ({ ...entry, provider }));
  const live = entries.filter((entry) => entry.status == null || entry.status === "live");
  return [...new Set(live.map((entry) => entry.provider))];
}

// Tags that say where or how a repository is hosted, not what the model does; they would only
// crowd the selection prompt.
const NOISE_TAG =
  /^(region:|arxiv:|doi:|deploy:|base_model:|co2_eq_emissions|endpoints_compatible$|autotrain_compatible$|has_space$|text-generation-inference$|template:)/;
const MAX_TAGS = 12;

export function usefulTags(tags: readonly string[]): string[] {
  return tags.filter((tag) => !NOISE_TAG.test(tag)).slice(0, MAX_TAGS);
}

function toHubModel(task: TaskName, raw: RawHubModel): HubModel | undefined {
  const providers = liveProviders(raw.inferenceProviderMapping);
  // A mapping with no live provider means nobody serves it yet: not a candidate.
  if (providers && providers.length === 0) return undefined;
  return {
    id: raw.id,
    task,
    downloads: raw.downloads ?? 0,
    likes: raw.likes ?? 0,
    tags: raw.tags ?? [],
    providers: providers ?? [],
  };
}

/** Turns the Hub's answer into models, dropping entries we cannot read rather than the whole answer. */
export function parseHubModels(task: TaskName, body: unknown): HubModel[] {
  const list = z.array(z.unknown()).safeParse(body);
  if (!list.success) {
    throw new BotError("fetch_failed", "the Hub's answer was not a list of models");
  }
  const models: HubModel[] = [];
  let unreadable = 0;
  for (const item of list.data) {
    const parsed = HubModelSchema.safeParse(item);
    if (!parsed.success) {
      unreadable += 1;
      continue;
    }
    const model = toHubModel(task, parsed.data);
    if (model) models.push(model);
  }
  // One odd entry is the Hub evolving; nothing readable at all means we do not understand the answer.
  if (unreadable > 0 && unreadable === list.data.length) {
    throw new BotError("fetch_failed", "the Hub's answer did not describe models as expected");
  }
  return models;
}

export interface HubListOptions extends HubListRequest {
  /** A Hugging Face token; raises rate limits and shows gated models. */
  token?: string;
  fetch?: typeof fetch;
  timeoutMs: number;
  signal?: AbortSignal;
}

// A listing of at most 100 models is a few hundred KiB at most; anything far larger is not one.
const MAX_BODY_BYTES = 8 * 1024 * 1024;

/**
 * The Hub's listing for a task, in the Hub's order. Throws a BotError ("fetch_failed") whose message
 * says why in a few words when the Hub cannot be reached or answers with something else than a
 * listing; rethrows the caller's abort reason when `signal` aborts.
 */
export async function listHubModels(options: HubListOptions): Promise<HubModel[]> {
  const url = hubModelsUrl(options);
  const doFetch = options.fetch ?? fetch;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const headers: Record<string, string> = { accept: "application/json" };
  if (options.token) headers.authorization = `Bearer ${options.token}`;

  let text: string;
  try {
    const response = await doFetch(url, { headers, signal });
    if (!response.ok) {
      // Free the connection; the body of an error page is of no use here.
      await response.body?.cancel().catch(() => undefined);
      throw new BotError("fetch_failed", `HTTP ${response.status}`);
    }
    text = await readCapped(response, MAX_BODY_BYTES);
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (error instanceof BotError) throw error;
    if (timeout.aborted || isAbortError(error)) {
      throw new BotError("fetch_failed", `no answer within ${options.timeoutMs} ms`, {
        cause: error,
      });
    }
    throw new BotError("fetch_failed", `network error: ${networkReason(error)}`, {
      cause: error,
    });
  }

  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new BotError("fetch_failed", "the Hub's answer was not valid JSON", { cause: error });
  }
  return parseHubModels(options.task, body);
}

/** The body as text, refused as soon as it grows past `maxBytes` (a listing is a few hundred KB). */
async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new BotError("fetch_failed", `the Hub's answer was too large (over ${maxBytes} bytes)`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

// Node's fetch says only "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND) is in the cause.
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  const code =
    typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
      ? cause.code
      : undefined;
  return code ?? errorSummary(error);
}
