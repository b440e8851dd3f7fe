import type Keyv from "keyv";
import type { LlmClient, LlmUsage } from "../llm/types.js";
import type { Logger } from "../log.js";
import { silentLogger } from "../log.js";
import type { ModelCatalog } from "../models/types.js";
import { createLimiters, executePlan, type ImageValidator, type UrlResolver } from "./execute.js";
import { answerOffline, createOfflinePlanner } from "./offline/index.js";
import { createLlmPlanner, type Planner } from "./planner.js";
import { buildSummary, writeAnswer } from "./respond.js";
import { type ImageScreen, screenImages } from "./screen.js";
import { type Backends, selectModels, servableTask, unservableHint } from "./select.js";
import type { PipelineSettings } from "./settings.js";
import type {
  PipelineEvent,
  PipelineRequest,
  PipelineResult,
  Plan,
  Selection,
  Summary,
  TaskResult,
} from "./types.js";

export { catalogLabel, formatSummary } from "./respond.js";
export type { ImageScreen, ScreenVerdict } from "./screen.js";
export { DEFAULT_SETTINGS, type PipelineSettings } from "./settings.js";
export * from "./types.js";

export interface PipelineDependencies {
  llm?: LlmClient;
  catalog: ModelCatalog;
  backends: Backends;
  settings: PipelineSettings;
  cache?: Keyv<string>;
  resolveUrl?: UrlResolver;
  validateImage?: ImageValidator;
  /** Checks the images the bot is about to post (SAFETY_CHECK); flagged ones are withheld with a note. */
  screenImage?: ImageScreen;
  logger?: Logger;
}

/**
 * The planner of this setup, chosen here and nowhere else: the LLM when one is configured, else the
 * offline rules over what can run here.
 */
export function choosePlanner(deps: Pick<PipelineDependencies, "llm" | "backends" | "settings">): Planner {
  if (deps.llm) return createLlmPlanner(deps.llm, { maxTasks: deps.settings.maxTasks });
  return createOfflinePlanner({
    servable: (task, need) => servableTask(task, deps.backends, deps.settings, need),
    unservableHint: unservableHint(deps.backends, deps.settings),
    maxTasks: deps.settings.maxTasks,
  });
}

export interface Pipeline {
  run(request: PipelineRequest): Promise<PipelineResult>;
}

/**
 * HuggingGPT's four stages: plan → select → execute → respond. The pipeline knows nothing of chat
 * platforms: a request is text plus named inputs, the result is data plus an answer. Without an LLM
 * the plan comes from the offline rules (src/pipeline/offline) and the answer is composed from the
 * results, so the local experts answer with no key configured.
 */
export function createPipeline(deps: PipelineDependencies): Pipeline {
  const logger = deps.logger ?? silentLogger;
  // One set of limits for the whole process, so concurrent requests share each backend's cap.
  const limiters = createLimiters(deps.settings.maxParallel);
  const planner = choosePlanner(deps);

  return {
    async run(request) {
      const signal = request.signal ?? new AbortController().signal;
      const usage: LlmUsage = request.usage ?? { calls: 0 };
      const started = performance.now();
      const mark = () => performance.now();
      const llm = deps.llm;
      await Promise.all(Object.values(deps.backends).map((backend) => backend?.ready?.()));

      const planStarted = mark();
      const planned = await planner.plan(
        {
          text: request.text,
          inputs: request.inputs,
          ...(request.history ? { history: request.history } : {}),
        },
        { signal, usage },
      );
      const plan: Plan = planned.kind === "plan" ? planned.plan : { tasks: [] };
      const planMs = mark() - planStarted;
      request.onEvent?.({ type: "plan", plan });

      const selectStarted = mark();
      const selected = await selectModels(
        plan,
        request.text,
        { catalog: deps.catalog, backends: deps.backends, llm, settings: deps.settings },
        { signal, usage },
      );
      const selections: Selection[] = selected.selections;
      const selectMs = mark() - selectStarted;
      request.onEvent?.({ type: "select", selections });

      const executeStarted = mark();
      const screening = deps.screenImage ? screenImages(deps.screenImage, signal, logger) : undefined;
      const onEvent = (event: PipelineEvent) => {
        if (event.type === "task-end") screening?.start(event.result);
        request.onEvent?.(event);
      };
      const results: TaskResult[] = await executePlan(
        {
          plan,
          selections,
          unavailable: selected.unavailable,
          inputs: request.inputs,
          signal,
          usage,
          ...(request.expertUsage ? { expertUsage: request.expertUsage } : {}),
          onEvent,
        },
        {
          backends: deps.backends,
          settings: deps.settings,
          limiters,
          ...(deps.cache ? { cache: deps.cache } : {}),
          ...(deps.resolveUrl ? { resolveUrl: deps.resolveUrl } : {}),
          ...(deps.validateImage ? { validateImage: deps.validateImage } : {}),
        },
      );
      const executeMs = mark() - executeStarted;

      const respondStarted = mark();
      const write = async (): Promise<{ answer: string; note?: string }> =>
        planned.kind === "reply"
          ? { answer: planned.message }
          : llm
            ? writeAnswer(request.text, results, {
                llm,
                signal,
                usage,
                ...(request.history ? { history: request.history } : {}),
              })
            : { answer: answerOffline(results, request.text) };
      // The answer is written while the last images are checked; one written before an image was
      // withheld is written again without it.
      const [screenNotes, first] = await Promise.all([screening?.finish(results) ?? [], write()]);
      const written = screenNotes.length > 0 ? await write() : first;
      const respondMs = mark() - respondStarted;
      request.onEvent?.({ type: "answer" });
      if (written.note) logger.warn("answer composed without the LLM", { reason: written.note });

      const origins = selected.catalogOrigins;
      const catalog: Summary["catalog"] =
        origins.size === 0 ? "none" : origins.size > 1 ? "mixed" : origins.has("hub") ? "hub" : "builtin";
      const totalMs = mark() - started;
      const summary = buildSummary({
        planner: planner.name,
        catalog,
        results,
        totalMs: Math.round(totalMs),
        notes: [
          ...(planned.kind === "plan" ? planned.notes : []),
          ...selected.notes,
          ...screenNotes,
          ...(written.note ? [written.note] : []),
        ],
      });
      return {
        request: request.text,
        plan,
        selections,
        results,
        answer: written.answer,
        summary,
        stats: {
          llmCalls: usage.calls,
          ms: {
            plan: Math.round(planMs),
            select: Math.round(selectMs),
            execute: Math.round(executeMs),
            respond: Math.round(respondMs),
            total: Math.round(totalMs),
          },
        },
      };
    },
  };
}
