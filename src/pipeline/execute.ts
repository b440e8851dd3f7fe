import { createHash } from "node:crypto";
import type Keyv from "keyv";
import { BotError, errorSummary, isBotError } from "../errors.js";
import type { Expert, ExpertArgs, ExpertSource } from "../experts/types.js";
import { ExpertError, outputFileName } from "../experts/types.js";
import type { LlmUsage } from "../llm/types.js";
import {
  type ArgName,
  type InputKind,
  isMedia,
  type Resource,
  resourceAs,
  resourceToText,
  TASKS,
} from "../tasks/index.js";
import { decodeResource, encodeResource } from "../tasks/resource-codec.js";
import { type ModelCallStatus, NO_TELEMETRY, type Telemetry } from "../telemetry.js";
import { sleep } from "../time.js";
import {
  competenceHint,
  languageMatters,
  type NeedTexts,
  noCompetentExpert,
  passOverReason,
  taskNeed,
} from "./competence.js";
import { startCpuMeter } from "./cpu-meter.js";
import { Limiter } from "./limiter.js";
import type { Backends } from "./select.js";
import type { PipelineSettings } from "./settings.js";
import type {
  ArgValue,
  Attempt,
  Candidate,
  ExpertUsage,
  NamedInput,
  PipelineEvent,
  Plan,
  PlannedTask,
  Selection,
  TaskResult,
} from "./types.js";

/** Fetches a URL that a request or plan gave as an argument, through the guarded fetch. */
export type UrlResolver = (url: string, kind: InputKind, signal: AbortSignal) => Promise<Resource>;
/** Checks that an input image decodes within the pixel limits; throws a BotError otherwise. */
export type ImageValidator = (bytes: Uint8Array, name: string) => Promise<void>;

export interface ExecuteDependencies {
  backends: Backends;
  settings: PipelineSettings;
  /** One limiter per backend, shared by every request of the process. */
  limiters: Record<ExpertSource, Limiter>;
  cache?: Keyv<string>;
  resolveUrl?: UrlResolver;
  validateImage?: ImageValidator;
  /** Each task a span; each call of a model recorded with its source and how it ended. */
  telemetry?: Telemetry;
}

export interface ExecuteRequest {
  plan: Plan;
  selections: Selection[];
  unavailable: Map<number, string>;
  inputs: NamedInput[];
  signal: AbortSignal;
  usage?: LlmUsage;
  /** Added to per expert call: hosted calls and their time, local CPU time. */
  expertUsage?: ExpertUsage;
  onEvent?: (event: PipelineEvent) => void;
}

const KIND_NOUNS: Record<InputKind, string> = { text: "a text", image: "an image", audio: "a recording" };
const MAX_LOADING_RETRIES = 3;
const MAX_RATE_LIMIT_RETRIES = 2;

/** A task's time budget. It starts when the task first gets a backend slot, not while it queues for one. */
interface TaskBudget {
  readonly signal: AbortSignal;
  readonly expired: boolean;
  start(): void;
  dispose(): void;
}

function createBudget(ms: number, parent: AbortSignal): TaskBudget {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    signal: AbortSignal.any([parent, controller.signal]),
    get expired() {
      return controller.signal.aborted;
    },
    start() {
      timer ??= setTimeout(
        () => controller.abort(new DOMException("the task ran out of time", "TimeoutError")),
        ms,
      );
    },
    dispose() {
      clearTimeout(timer);
    },
  };
}

export function createLimiters(maxParallel: number): Record<ExpertSource, Limiter> {
  return {
    local: new Limiter(maxParallel),
    endpoint: new Limiter(maxParallel),
    hosted: new Limiter(maxParallel),
    llm: new Limiter(maxParallel),
  };
}

/**
 * A failure as users read it in the summary: no addresses of model servers (internal hosts, tokens in
 * queries), no repetition of the model's name, one short line.
 */
export function briefError(error: string, model?: string): string {
  let text = error.replace(/\b[a-z][\w+.-]*:\/\/[^\s"')]+/gi, "the model server");
  if (model) text = text.replaceAll(`${model}: `, "").replaceAll(`${model} `, "");
  text = text.replace(/\s+/g, " ").trim();
  return text.length <= 160 ? text : `${text.slice(0, 159)}…`;
}

/**
 * Result files named by `outputFileName` with the task id in front (`1-object-detection-annotated.png`):
 * they say which task made them and are unique within the request, whatever the expert called them.
 */
function nameOutputFiles(output: Resource, task: PlannedTask): Resource {
  const fileName = (mime: string, annotated = false) =>
    `${task.id}-${outputFileName(task.task, mime, annotated)}`;
  if (isMedia(output)) return { ...output, name: fileName(output.mime) };
  if ((output.kind === "detections" || output.kind === "labels") && output.image) {
    return { ...output, image: { ...output.image, name: fileName(output.image.mime, true) } };
  }
  return output;
}

function cacheKey(task: PlannedTask, candidate: Candidate, args: ExpertArgs): string {
  const hash = createHash("sha256");
  hash.update(`${task.task}\0${candidate.source}\0${candidate.model.id}`);
  for (const name of Object.keys(args).sort()) {
    const resource = args[name as ArgName];
    if (!resource) continue;
    hash.update(`\0${name}\0`);
    if (isMedia(resource)) hash.update(resource.bytes);
    else hash.update(encodeResource(resource));
  }
  return hash.digest("hex");
}

/** The texts of the arguments a need is read from, and the media type of its image or recording. */
function argTexts(args: ExpertArgs): NeedTexts {
  const texts: NeedTexts = {};
  for (const name of ["language", "labels", "text"] as const) {
    const resource = args[name];
    const text = resource ? resourceToText(resource) : undefined;
    if (text !== undefined) texts[name] = text;
  }
  const media = args.audio ?? args.image;
  if (media && isMedia(media)) texts.media = media.mime;
  return texts;
}

/** How a call of a model that threw ended, for the metrics. */
function callStatus(error: unknown, budget: TaskBudget, request: AbortSignal): ModelCallStatus {
  if (request.aborted) return "cancelled";
  if (budget.expired) return "timeout";
  if (error instanceof ExpertError) {
    if (error.reason === "loading") return "loading";
    if (error.reason === "rate_limited") return "rate-limited";
  }
  return "failed";
}

function describeTask(task: PlannedTask): string {
  return `task ${task.id} (${task.task})`;
}

/**
 * Stage 3: a dependency-graph scheduler. Each task starts the moment its dependencies finish;
 * independent tasks run in parallel under the per-backend limits. A failed task's dependents are
 * skipped with its reason; independent branches still finish.
 */
export async function executePlan(request: ExecuteRequest, deps: ExecuteDependencies): Promise<TaskResult[]> {
  const telemetry = deps.telemetry ?? NO_TELEMETRY;
  const byId = new Map(request.plan.tasks.map((task) => [task.id, task]));
  const selections = new Map(request.selections.map((selection) => [selection.taskId, selection]));
  const inputs = new Map(request.inputs.map((input) => [input.name, input.resource]));
  const validatedImages = new Map<string, Promise<void>>();
  const running = new Map<number, Promise<TaskResult>>();

  const validateInput = (name: string, resource: Resource): Promise<void> => {
    if (resource.kind !== "image" || !deps.validateImage) return Promise.resolve();
    let validation = validatedImages.get(name);
    if (!validation) {
      validation = deps.validateImage(resource.bytes, name);
      validatedImages.set(name, validation);
    }
    return validation;
  };

  async function resolveArg(
    task: PlannedTask,
    name: ArgName,
    value: ArgValue,
    signal: AbortSignal,
  ): Promise<Resource> {
    const kind = TASKS.get(task.task)?.args[name]?.kind ?? "text";
    switch (value.type) {
      case "literal":
        return { kind: "text", text: value.text };
      case "ref": {
        const output = (await resultOf(value.task)).output;
        const converted = output ? resourceAs(output, kind) : undefined;
        if (!converted) {
          throw new BotError("plan_invalid", `task ${value.task} gave no ${kind} for ${describeTask(task)}`);
        }
        return converted;
      }
      case "input": {
        const resource = inputs.get(value.name);
        const converted = resource ? resourceAs(resource, kind) : undefined;
        if (!resource || !converted) {
          throw new BotError("input_invalid", `${value.name} is not a ${kind} input`, {
            userMessage: `${value.name} cannot be used as ${KIND_NOUNS[kind]}.`,
          });
        }
        await validateInput(value.name, converted);
        return converted;
      }
      case "url": {
        if (!deps.resolveUrl) {
          throw new BotError("url_refused", "links are not fetched in this setup", {
            userMessage: "I cannot fetch links in this setup.",
          });
        }
        const resource = await deps.resolveUrl(value.url, kind, signal);
        await validateInput(value.url, resource);
        return resource;
      }
    }
  }

  /** Runs one expert call, adding what it used to the request's counter: every try counts, failed ones too. */
  async function metered<T>(expert: Expert, call: () => Promise<T>): Promise<T> {
    const counter = request.expertUsage;
    if (!counter || (expert.source !== "hosted" && expert.source !== "local")) return call();
    const started = performance.now();
    const cpu = expert.source === "local" ? startCpuMeter() : undefined;
    try {
      return await call();
    } finally {
      if (cpu) counter.localCpuMs += cpu();
      else {
        counter.hostedCalls += 1;
        counter.hostedMs += performance.now() - started;
      }
    }
  }

  async function runExpert(
    expert: Expert,
    args: ExpertArgs,
    budget: TaskBudget,
    limiter: Limiter,
  ): Promise<Resource> {
    const { signal } = budget;
    let loadingRetries = 0;
    let loadingWaitedMs = 0;
    let rateLimitRetries = 0;
    for (;;) {
      const release = await limiter.acquire(signal);
      budget.start();
      const callStarted = performance.now();
      const called = (status: ModelCallStatus) =>
        telemetry.record({
          type: "model-call",
          source: expert.source,
          task: expert.task,
          status,
          ms: performance.now() - callStarted,
        });
      try {
        const output = await metered(expert, () =>
          expert.run(args, { signal, ...(request.usage ? { usage: request.usage } : {}) }),
        );
        called("ok");
        return output;
      } catch (error) {
        called(callStatus(error, budget, request.signal));
        if (!(error instanceof ExpertError) || signal.aborted) throw error;
        if (error.reason === "loading" && loadingRetries < MAX_LOADING_RETRIES) {
          // A model that needs longer than the loading allowance gives way to the next candidate
          // instead of spending the whole task budget waiting.
          const waitMs = error.retryAfterMs ?? 10_000;
          if (loadingWaitedMs + waitMs > deps.settings.maxLoadingWaitMs) throw error;
          loadingRetries += 1;
          loadingWaitedMs += waitMs;
          release();
          await sleep(waitMs, signal);
          continue;
        }
        if (error.reason === "rate_limited" && rateLimitRetries < MAX_RATE_LIMIT_RETRIES) {
          rateLimitRetries += 1;
          release();
          await sleep(Math.min(error.retryAfterMs ?? 1000 * 2 ** rateLimitRetries, 30_000), signal);
          continue;
        }
        throw error;
      } finally {
        release();
      }
    }
  }

  async function runTask(task: PlannedTask): Promise<TaskResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const attempts: Attempt[] = [];
    const failed = (error: string): TaskResult => {
      // The summary names the last model tried: "no model" would read as if none was found.
      const last = attempts.filter((attempt) => !attempt.passedOver).at(-1);
      return {
        id: task.id,
        task: task.task,
        status: "failed",
        ...(last ? { model: last.model, source: last.source } : {}),
        ms: elapsed(),
        error,
        attempts,
      };
    };

    const selection = selections.get(task.id);
    if (!selection) return failed(request.unavailable.get(task.id) ?? "no model was selected");

    const budget = createBudget(deps.settings.taskTimeoutMs, request.signal);
    try {
      return await runWithBudget(task, selection, budget, started, attempts, failed);
    } finally {
      budget.dispose();
    }
  }

  async function runWithBudget(
    task: PlannedTask,
    selection: Selection,
    budget: TaskBudget,
    started: number,
    attempts: Attempt[],
    failed: (error: string) => TaskResult,
  ): Promise<TaskResult> {
    const elapsed = () => Math.round(performance.now() - started);
    const { signal } = budget;
    let args: ExpertArgs;
    try {
      args = Object.create(null) as ExpertArgs;
      for (const [name, value] of Object.entries(task.args) as Array<[ArgName, ArgValue | undefined]>) {
        if (value) args[name] = await resolveArg(task, name, value, signal);
      }
    } catch (error) {
      if (request.signal.aborted) throw error;
      return failed(isBotError(error) ? error.userMessage : errorSummary(error));
    }

    for (const { model, source, reason } of selection.passedOver ?? []) {
      attempts.push({ model, source, ms: 0, error: reason, passedOver: true });
    }
    const candidates = [selection.chosen, ...selection.fallbacks];
    const need = await taskNeed(task.task, argTexts(args), languageMatters(candidates));
    // A detected language reaches the expert too: espeak-ng picks its voice by it.
    if (need.language && TASKS.get(task.task)?.languageOf && !args.language) {
      args.language = { kind: "text", text: need.language };
    }
    for (const candidate of candidates) {
      const unable = passOverReason(task.task, candidate, need);
      if (unable) {
        attempts.push({
          model: candidate.model.id,
          source: candidate.source,
          ms: 0,
          error: unable,
          passedOver: true,
        });
        continue;
      }
      const attemptStarted = performance.now();
      const expert = deps.backends[candidate.source]?.expert(task.task, candidate.model.id);
      if (!expert) {
        attempts.push({
          model: candidate.model.id,
          source: candidate.source,
          ms: 0,
          error: "cannot run here",
        });
        continue;
      }
      request.onEvent?.({
        type: "task-start",
        id: task.id,
        task: task.task,
        model: expert.model,
        source: expert.source,
      });
      const key = cacheKey(task, candidate, args);
      try {
        const cached = await deps.cache?.get(key);
        let raw = cached ? decodeResource(cached) : undefined;
        if (!raw) {
          raw = await runExpert(expert, args, budget, deps.limiters[candidate.source]);
          await deps.cache?.set(key, encodeResource(raw));
        }
        // Named after the cache, so that a cached result takes this task's id in its file name.
        const output = nameOutputFiles(raw, task);
        attempts.push({
          model: expert.model,
          source: expert.source,
          ms: Math.round(performance.now() - attemptStarted),
        });
        return {
          id: task.id,
          task: task.task,
          status: "ok",
          model: expert.model,
          source: expert.source,
          ms: elapsed(),
          output,
          attempts,
          ...(cached ? { cached: true } : {}),
        };
      } catch (error) {
        if (request.signal.aborted) throw request.signal.reason ?? error;
        const reason = budget.expired
          ? `timed out after ${Math.round(deps.settings.taskTimeoutMs / 1000)} s`
          : errorSummary(error);
        attempts.push({
          model: expert.model,
          source: expert.source,
          ms: Math.round(performance.now() - attemptStarted),
          error: reason,
        });
        if (budget.expired) break;
      }
    }
    const tried = attempts.filter((attempt) => !attempt.passedOver);
    if (tried.length === 0 && attempts.length > 0) {
      return failed(
        noCompetentExpert(task.task, need, attempts, competenceHint(deps.backends, deps.settings)),
      );
    }
    const last = tried.at(-1);
    const lastError = briefError(last?.error ?? "no model answered", last?.model);
    // Each attempt's own reason stays in `attempts` (logs, --json); the summary gets one short line.
    return failed(
      tried.length <= 1 ? lastError : `none of the ${tried.length} models answered (the last: ${lastError})`,
    );
  }

  function resultOf(id: number): Promise<TaskResult> {
    let promise = running.get(id);
    if (promise) return promise;
    const task = byId.get(id);
    if (!task) throw new Error(`task ${id} is not in the plan`);
    promise = (async () => {
      const dependencies = await Promise.all(task.dep.map((dep) => resultOf(dep)));
      const blocker = dependencies.find((result) => result.status !== "ok");
      const result: TaskResult = blocker
        ? {
            id: task.id,
            task: task.task,
            status: "skipped",
            ms: 0,
            // A chain of skips names the task that actually failed, not each link.
            error:
              blocker.status === "skipped"
                ? (blocker.error ?? "skipped")
                : `skipped because task ${blocker.id} (${blocker.task}) failed: ${blocker.error ?? "no output"}`,
            attempts: [],
          }
        : await telemetry.span(
            `task ${task.task}`,
            { attributes: { "hugginggpt.task.id": task.id, "hugginggpt.task.name": task.task } },
            async (span) => {
              const ran = await runTask(task);
              span.setAttributes({
                "hugginggpt.task.status": ran.status,
                "hugginggpt.task.attempts": ran.attempts.filter((attempt) => !attempt.passedOver).length,
                ...(ran.model ? { "hugginggpt.model": ran.model } : {}),
                ...(ran.source ? { "hugginggpt.model.source": ran.source } : {}),
                ...(ran.cached ? { "hugginggpt.task.cached": true } : {}),
              });
              if (ran.status === "failed") span.fail(ran.error ?? "failed");
              return ran;
            },
          );
      request.onEvent?.({ type: "task-end", result });
      return result;
    })();
    running.set(id, promise);
    return promise;
  }

  // Every task is started now; each awaits only its own dependencies.
  const results = await Promise.all(request.plan.tasks.map((task) => resultOf(task.id)));
  return results;
}
