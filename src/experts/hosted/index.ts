/**
 * The hosted expert backend: every HuggingGPT task on a Hugging Face model through
 * `@huggingface/inference` v4's InferenceClient.
 *
 * - With `endpointUrl` (HF_INFERENCE_ENDPOINT), model M is called at `${endpointUrl}/models/M` in the
 *   hf-inference formats, like a self-hosted model server.
 * - Without it, the client routes through Hugging Face's inference providers (`provider`, "auto" by
 *   default: the first provider that serves the model).
 *
 * The client's own 503 loop is turned off (`retry_on_error: false`): failures come out as
 * ExpertError (loading / rate_limited / bad_input / failed) and the executor decides how long to wait.
 */
import {
  InferenceClient,
  type Logger as InferenceLogger,
  type InferenceProviderOrPolicy,
  setLogger,
} from "@huggingface/inference";
import { isTaskName, type Resource, TASKS, type TaskName } from "../../tasks/index.js";
import { type Expert, type ExpertArgs, type ExpertBackend, ExpertError } from "../types.js";
import { errorMessageOf, parseRetryAfter, type ResponseObservation, toExpertError } from "./errors.js";
import { type HostedRun, RUNNERS } from "./tasks.js";

const HUB_URL = "https://huggingface.co";
const ROUTER_URL = "https://router.huggingface.co";

export interface HostedBackendOptions {
  /** HF_TOKEN: sent as `Authorization: Bearer <token>`. Without it, calls go unauthenticated. */
  token?: string;
  /** HF_INFERENCE_ENDPOINT: the base of a self-hosted hf-inference server (model M at `/models/M`). */
  endpointUrl?: string;
  /** Provider policy without an endpoint: "auto" (default) or one provider, e.g. "hf-inference". */
  provider?: InferenceProviderOrPolicy;
  /**
   * HF_ENDPOINT: the Hub that says which provider serves a model. The client has huggingface.co built
   * in, so its requests there are rewritten to this base.
   */
  hubUrl?: string;
  /** The inference router (default https://router.huggingface.co); rewritten like `hubUrl`. */
  routerUrl?: string;
  fetch?: typeof fetch;
  /** Token budget for text-generation and conversational answers (default 512). */
  maxNewTokens?: number;
  /**
   * Where the client's own chatter goes ("Auto selected provider: ..." is printed with console.log by
   * default, which would corrupt `ask --json`). The client's logger is global: the last backend wins.
   */
  libraryLogger?: InferenceLogger;
  /**
   * What the summary calls it: `hosted` (Hugging Face, HF_INFERENCE_ENDPOINT) or `endpoint` (the
   * operator's own server, LOCAL_INFERENCE_ENDPOINT, tried before Hugging Face).
   */
  source?: "hosted" | "endpoint";
}

export interface HostedBackend extends ExpertBackend {
  readonly source: "hosted" | "endpoint";
  /**
   * Providers serving a model, live: from the Hub's `inferenceProviderMapping`, or `["hf-inference"]`
   * for a configured endpoint (it serves whatever it is asked). Empty when the Hub does not know the
   * model; throws ExpertError when the Hub cannot be reached.
   */
  providersFor(model: string, options?: { signal?: AbortSignal }): Promise<string[]>;
  /** Whether at least one provider serves the model (see providersFor). */
  isServed(model: string, options?: { signal?: AbortSignal }): Promise<boolean>;
}

const QUIET_LOGGER: InferenceLogger = {
  debug: () => {},
  info: () => {},
  log: () => {},
  warn: () => {},
  error: () => {},
};

/**
 * A Hub model id ("owner/name" or "name"): letters, digits, `-`, `_`, `.`; never `..` nor a URL. It
 * goes into request paths, so anything else is refused before a request is made.
 */
export function isModelId(model: string): boolean {
  return (
    /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/.test(model) && !model.includes("..") && model.length <= 200
  );
}

function trimSlashes(url: string): string {
  return url.replace(/\/+$/, "");
}

/** The URL model M is called at on a self-hosted hf-inference server. */
function hostedModelUrl(endpointUrl: string, model: string): string {
  return `${trimSlashes(endpointUrl)}/models/${model}`;
}

function requestUrl(input: string | URL | Request): string | undefined {
  if (typeof input === "string") return input;
  if (input instanceof URL) return input.href;
  return undefined;
}

export function createHostedBackend(options: HostedBackendOptions = {}): HostedBackend {
  setLogger(options.libraryLogger ?? QUIET_LOGGER);
  const baseFetch = options.fetch ?? globalThis.fetch;
  const token = options.token || undefined;
  const client = new InferenceClient(token ?? "");
  const endpointUrl = options.endpointUrl ? trimSlashes(options.endpointUrl) : undefined;
  const hubUrl = trimSlashes(options.hubUrl ?? HUB_URL);
  const routerUrl = trimSlashes(options.routerUrl ?? ROUTER_URL);
  const provider = options.provider ?? "auto";
  const maxNewTokens = options.maxNewTokens ?? 512;

  /** Sends the client's built-in huggingface.co URLs to the configured Hub and router. */
  function rewrite(url: string): string {
    for (const [builtIn, configured] of [
      [ROUTER_URL, routerUrl],
      [HUB_URL, hubUrl],
    ] as const) {
      if (configured !== builtIn && (url === builtIn || url.startsWith(`${builtIn}/`)))
        return configured + url.slice(builtIn.length);
    }
    return url;
  }

  function fetchFor(observation: ResponseObservation): typeof fetch {
    return async (input, init) => {
      const url = requestUrl(input);
      const response = await baseFetch(url === undefined ? input : rewrite(url), init);
      // The client turns a failure into an error without its headers; keep what Retry-After said.
      if (!response.ok) observation.retryAfterMs = parseRetryAfter(response.headers.get("retry-after"));
      return response;
    };
  }

  async function run(
    task: TaskName,
    model: string,
    args: ExpertArgs,
    signal: AbortSignal,
  ): Promise<Resource> {
    signal.throwIfAborted();
    const observation: ResponseObservation = {};
    const hostedRun: HostedRun = {
      task,
      model,
      client,
      target: endpointUrl ? { model, endpointUrl: hostedModelUrl(endpointUrl, model) } : { model, provider },
      options: { fetch: fetchFor(observation), signal, retry_on_error: false },
      rawUrl: endpointUrl ? hostedModelUrl(endpointUrl, model) : `${routerUrl}/hf-inference/models/${model}`,
      token,
      maxNewTokens,
    };
    try {
      return await RUNNERS[task](hostedRun, args);
    } catch (error) {
      throw toExpertError(error, model, observation, signal);
    }
  }

  async function providersFor(
    model: string,
    requestOptions: { signal?: AbortSignal } = {},
  ): Promise<string[]> {
    if (!isModelId(model)) return [];
    if (endpointUrl) return ["hf-inference"];
    const url = `${hubUrl}/api/models/${model}?expand[]=inferenceProviderMapping`;
    let response: Response;
    try {
      response = await baseFetch(url, {
        headers: { accept: "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
        ...(requestOptions.signal ? { signal: requestOptions.signal } : {}),
      });
    } catch (error) {
      if (requestOptions.signal?.aborted) throw error;
      throw new ExpertError("failed", `the Hub could not be reached: ${String(error)}`, { cause: error });
    }
    if (response.status === 404 || response.status === 401) return [];
    if (!response.ok) {
      const body: unknown = await response.json().catch(() => undefined);
      const said = errorMessageOf(body);
      throw new ExpertError("failed", `the Hub answered HTTP ${response.status}${said ? `: ${said}` : ""}`, {
        status: response.status,
      });
    }
    const body = (await response.json()) as { inferenceProviderMapping?: unknown };
    return liveProviders(body.inferenceProviderMapping);
  }

  const source = options.source ?? "hosted";
  return {
    source,
    supports: (task) => TASKS.has(task),
    expert(task, model): Expert | undefined {
      if (!isTaskName(task) || !isModelId(model)) return undefined;
      return {
        task,
        model,
        source,
        run: (args, runOptions) => run(task, model, args, runOptions.signal),
      };
    },
    providersFor,
    async isServed(model, requestOptions) {
      return (await providersFor(model, requestOptions)).length > 0;
    },
  };
}

/** "live" (or "prod" in the Hub's older form); "staging" and "error" mappings serve nobody. */
function isLive(status: unknown): boolean {
  return status !== "staging" && status !== "error";
}

/** Providers with a live mapping, from either form the Hub has used (array, or object by provider). */
function liveProviders(mapping: unknown): string[] {
  if (Array.isArray(mapping)) {
    return mapping
      .filter((entry): entry is { provider: string; status?: unknown } => {
        return (
          typeof entry === "object" &&
          entry !== null &&
          typeof (entry as { provider?: unknown }).provider === "string"
        );
      })
      .filter((entry) => isLive(entry.status))
      .map((entry) => entry.provider);
  }
  if (typeof mapping === "object" && mapping !== null) {
    return Object.entries(mapping)
      .filter(([, entry]) => {
        return isLive((entry as { status?: unknown } | null)?.status);
      })
      .map(([name]) => name);
  }
  return [];
}
