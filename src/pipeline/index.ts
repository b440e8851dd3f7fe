import type Keyv from "keyv";
import { addUsage, type LlmClient, type LlmUsage } from "../llm/types.js";
import type { Logger } from "../log.js";
import { silentLogger } from "../log.js";
import type { ModelCatalog } from "../models/types.js";
import { NO_TELEMETRY, type Telemetry, type TelemetryStage } from "../telemetry.js";
import { createLimiters, executePlan, type ImageValidator, type UrlResolver } from "./execute.js";
import { answerOffline, createOfflinePlanner } from "./offline/index.js";
import { createLlmPlanner, type Planner } from "./planner.js";
import { buildSummary, writeAnswer } from "./respond.js";
import { type ImageScreen, screenImages } from "./screen.js";
import { type Backends, selectModels, servableTask, unservableHint } from "./select.js";
import { type PipelineSettings, settingsForRequest } from "./settings.js";
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
export {
  DEFAULT_SETTINGS,
  type PipelineSettings,
  type RequestSettings,
  settingsForRequest,
} from "./settings.js";
export * from "./types.js";

export interface PipelineDependencies {
  llm?: LlmClient;
  catalog: ModelCatalog;
  backends: Backends;
  settings: PipelineSettings;
  cache?: Keyv<string>;
  resolveUrl?: UrlResolver;
  validateImage?: ImageValidator;
  /**
   * Checks the images the bot is about to post; flagged ones are withheld with a note. Used when the
   * request's `safetyCheck` setting is on (SAFETY_CHECK, or the channel's `/settings`).
   */
  screenImage?: ImageScreen;
  logger?: Logger;
  /** Each stage, task and screened image a span; stage times, LLM usage and model calls recorded. */
  telemetry?: Telemetry;
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
  const telemetry = deps.telemetry ?? NO_TELEMETRY;
  // One set of limits for the whole process, so concurrent requests share each backend's cap.
  const limiters = createLimiters(deps.settings.maxParallel);
  // The offline planner plans only what can run in the request's mode: one planner per mode asked for.
  const planners = new Map<PipelineSettings["mode"], Planner>();
  const plannerFor = (settings: PipelineSettings): Planner => {
    let planner = planners.get(settings.mode);
    if (!planner) {
      planner = choosePlanner({ ...deps, settings });
      planners.set(settings.mode, planner);
    }
    return planner;
  };
  plannerFor(deps.settings);

  return {
    async run(request) {
      const settings = settingsForRequest(deps.settings, request.settings);
      const planner = plannerFor(settings);
      const signal = request.signal ?? new AbortController().signal;
      const usage: LlmUsage = { calls: 0, promptTokens: 0, completionTokens: 0 };
      const started = performance.now();
      const mark = () => performance.now();
      const llm = deps.llm;
      const stageMs: Record<TelemetryStage, number> = {
        plan: 0,
        select: 0,
        execute: 0,
        screen: 0,
        respond: 0,
      };
      /**
       * One stage: its span, its time and its LLM usage, each reported whether it finishes or throws;
       * the usage also goes into the run's total and the caller's `request.usage`.
       */
      const stage = async <T>(name: TelemetryStage, work: (usage: LlmUsage) => Promise<T>): Promise<T> => {
        const own: LlmUsage = { calls: 0, promptTokens: 0, completionTokens: 0 };
        const stageStarted = mark();
        try {
          return await telemetry.span(name, {}, () => work(own));
        } finally {
          stageMs[name] = mark() - stageStarted;
          telemetry.record({ type: "stage", stage: name, ms: stageMs[name] });
          reportUsage(name, own);
        }
      };
      const reportUsage = (name: TelemetryStage, own: LlmUsage) => {
        addUsage(usage, own);
        if (request.usage) addUsage(request.usage, own);
        if (own.calls === 0) return;
        telemetry.record({
          type: "llm",
          stage: name,
          calls: own.calls,
          promptTokens: own.promptTokens ?? 0,
          completionTokens: own.completionTokens ?? 0,
        });
      };
      await Promise.all(Object.values(deps.backends).map((backend) => backend?.ready?.()));

      const planned = await stage("plan", (own) =>
        planner.plan(
          {
            text: request.text,
            inputs: request.inputs,
            ...(request.history ? { history: request.history } : {}),
          },
          { signal, usage: own },
        ),
      );
      const plan: Plan = planned.kind === "plan" ? planned.plan : { tasks: [] };
      request.onEvent?.({ type: "plan", plan });

      const selected = await stage("select", (own) =>
        selectModels(
          plan,
          request.text,
          { catalog: deps.catalog, backends: deps.backends, llm, settings },
          { signal, usage: own },
        ),
      );
      const selections: Selection[] = selected.selections;
      request.onEvent?.({ type: "select", selections });

      // The screen runs beside execute and respond: its stage is from its first check to its last.
      const screenTimes = { first: Number.POSITIVE_INFINITY, last: 0 };
      const screenImage = settings.safetyCheck ? deps.screenImage : undefined;
      const screen: ImageScreen | undefined = screenImage
        ? (bytes, screenSignal) => {
            screenTimes.first = Math.min(screenTimes.first, mark());
            return telemetry
              .span("screen", {}, () => screenImage(bytes, screenSignal))
              .finally(() => {
                screenTimes.last = Math.max(screenTimes.last, mark());
              });
          }
        : undefined;
      const screening = screen ? screenImages(screen, signal, logger) : undefined;
      const onEvent = (event: PipelineEvent) => {
        if (event.type === "task-end") screening?.start(event.result);
        request.onEvent?.(event);
      };
      const results: TaskResult[] = await stage("execute", (own) =>
        executePlan(
          {
            plan,
            selections,
            unavailable: selected.unavailable,
            inputs: request.inputs,
            signal,
            usage: own,
            ...(request.expertUsage ? { expertUsage: request.expertUsage } : {}),
            onEvent,
          },
          {
            backends: deps.backends,
            settings,
            limiters,
            telemetry,
            ...(deps.cache ? { cache: deps.cache } : {}),
            ...(deps.resolveUrl ? { resolveUrl: deps.resolveUrl } : {}),
            ...(deps.validateImage ? { validateImage: deps.validateImage } : {}),
          },
        ),
      );

      const written = await stage("respond", async (own) => {
        const write = async (): Promise<{ answer: string; note?: string }> =>
          planned.kind === "reply"
            ? { answer: planned.message }
            : llm
              ? writeAnswer(request.text, results, {
                  llm,
                  signal,
                  usage: own,
                  ...(request.history ? { history: request.history } : {}),
                  ...(settings.language ? { language: settings.language } : {}),
                })
              : { answer: answerOffline(results, request.text) };
        // The answer is written while the last images are checked; one written before an image was
        // withheld is written again without it.
        const [notes, first] = await Promise.all([screening?.finish(results) ?? [], write()]);
        if (screenTimes.last > 0) {
          telemetry.record({ type: "stage", stage: "screen", ms: screenTimes.last - screenTimes.first });
        }
        return { notes, ...(notes.length > 0 ? await write() : first) };
      });
      const screenNotes = written.notes;
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
          tokens: { prompt: usage.promptTokens ?? 0, completion: usage.completionTokens ?? 0 },
          ms: {
            plan: Math.round(stageMs.plan),
            select: Math.round(stageMs.select),
            execute: Math.round(stageMs.execute),
            respond: Math.round(stageMs.respond),
            total: Math.round(totalMs),
          },
        },
      };
    },
  };
}
