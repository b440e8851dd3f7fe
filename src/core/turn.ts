/**
 * The turn: one admitted request from its start to its reply. It opens the request's progress
 * message, downloads the attachments, recalls the thread's memory, runs the pipeline, sends the
 * reply and remembers the turn. It runs wherever the request is taken from the queue: in the
 * process that admitted it (`start`), or in a worker (`start --role worker`).
 */
import { errorSummary, isBotError, userMessageOf } from "../errors.js";
import type { LlmUsage } from "../llm/types.js";
import type { Logger } from "../log.js";
import type { Pipeline } from "../pipeline/index.js";
import type { ExpertUsage, NamedInput, PipelineResult } from "../pipeline/types.js";
import { type Resource, resourceFiles, resourceToText } from "../tasks/index.js";
import { NO_TELEMETRY, type Telemetry, type TelemetrySpan } from "../telemetry.js";
import type { WorkspaceSettingsStore } from "../workspace-settings/index.js";
import { downloadAttachments } from "./attachments.js";
import type { Clock } from "./clock.js";
import { KeyedQueue } from "./keyed-queue.js";
import type { ConversationMemory, RecalledConversation } from "./memory.js";
import { ProgressState, ThrottledProgress } from "./progress.js";
import type { BotSettings } from "./settings.js";
import { requestSettingsOf, settingsInForce } from "./settings-desk.js";
import type { ProgressMessage, Reply, ReplyFile, ReplyTarget, Request } from "./types.js";
import { noUsage, type UsageAccounting } from "./usage.js";

/** How one accepted request went, in milliseconds of the bot's own measurement. */
export interface RequestReport {
  requestId: string;
  thread: string;
  outcome: "answered" | "failed" | "cancelled";
  /** From acceptance to the start of its pipeline (waiting for its thread or a slot). */
  queuedMs: number;
  /** From the start to the end of the work (download, pipeline, reply, memory). */
  workMs: number;
  /** The pipeline's own time; `workMs - pipelineMs` is what the bot added. */
  pipelineMs: number;
  /** What its pipeline asked of the LLM, counted also when it failed or was cancelled. */
  llm: { calls: number; tokens: { prompt: number; completion: number } };
}

/** A request the queue hands to a turn. */
export interface TurnJob {
  request: Request;
  target: ReplyTarget;
  /** The thread key (`platform:channel:thread`): memory and order are per thread. */
  thread: string;
  /** When admission accepted it (the clock's milliseconds). */
  acceptedAt: number;
  signal: AbortSignal;
  logger: Logger;
  /** Who stopped it, once the signal has fired: the user's `cancel`, or the bot shutting down. */
  stoppedBy(): "user" | "shutdown" | undefined;
}

export interface TurnOptions {
  pipeline: Pipeline;
  memory: ConversationMemory;
  settings: BotSettings;
  clock: Clock;
  /**
   * The settings admins set per workspace and channel (`/settings`), read for every request; without
   * it, the environment's settings apply everywhere.
   */
  workspaceSettings?: Pick<WorkspaceSettingsStore, "forChannel" | "environment">;
  /** Called once per request when it is over, for benchmarks and metrics. */
  onSettled?: (report: RequestReport) => void;
  /** Each turn a span (the request's, which its stages and tasks nest in); outcomes and times recorded. */
  telemetry?: Telemetry;
  /** Where what each request used is added (tokens, model calls, CPU, bytes); none: not counted. */
  usage?: UsageAccounting;
}

/** Runs turns; `forget` clears a thread's memory in order with the turns' own reads and writes. */
export interface Turns {
  /** One request, from its start to its reply. Never throws: every outcome reaches the user. */
  run(job: TurnJob): Promise<RequestReport["outcome"]>;
  forget(thread: string): Promise<void>;
}

/** What the planner gets when a message is only files. */
const FILES_ONLY_REQUEST = "Describe the attached files.";

const noProgress: ProgressMessage = { edit: async () => undefined, finish: async () => undefined };

/** The reply to a finished pipeline: the answer, every result file, the summary. */
export function replyOf(result: PipelineResult): Reply {
  const files: ReplyFile[] = result.results.flatMap((task) =>
    task.status === "ok" && task.output
      ? resourceFiles(task.output).map((file) => ({ name: file.name, mime: file.mime, bytes: file.bytes }))
      : [],
  );
  return { text: result.answer, files, summary: result.summary };
}

/** The bytes of an attachment as downloaded: its file's, or its text's (a .txt file). */
function resourceBytes(resource: Resource): number {
  const files = resourceFiles(resource);
  if (files.length > 0) return files.reduce((sum, file) => sum + file.bytes.byteLength, 0);
  return Buffer.byteLength(resourceToText(resource) ?? "");
}

/** Sends a notice; a platform failure is logged, never thrown. */
export async function notify(target: ReplyTarget, text: string, log: Logger): Promise<void> {
  try {
    await target.notice(text);
  } catch (error) {
    log.warn("notice could not be sent", { error: errorSummary(error) });
  }
}

export function createTurns(options: TurnOptions): Turns {
  const { pipeline, memory, settings, clock } = options;
  const telemetry = options.telemetry ?? NO_TELEMETRY;
  /**
   * Memory reads and writes of a thread in the order they were asked for: a `forget` typed while a
   * turn is being written clears that turn too, and the next request reads only after the forget.
   */
  const memoryOrder = new KeyedQueue();

  async function recall(job: TurnJob): Promise<RecalledConversation> {
    try {
      return await memoryOrder.run(job.thread, () => memory.recall(job.thread));
    } catch (error) {
      job.logger.warn("memory could not be read; answering without the thread's history", {
        error: errorSummary(error),
      });
      return { history: [], inputs: [] };
    }
  }

  function run(job: TurnJob): Promise<RequestReport["outcome"]> {
    const { request } = job;
    return telemetry.span(
      "request",
      { attributes: { "hugginggpt.request.id": request.id, "hugginggpt.platform": request.platform } },
      (span) => runTurn(job, span),
    );
  }

  async function runTurn(job: TurnJob, span: TelemetrySpan): Promise<RequestReport["outcome"]> {
    const { request, target, logger: log, signal } = job;
    const startedAt = clock.now();
    const started = performance.now();
    const ms: Record<string, number> = { queue: startedAt - job.acceptedAt };
    let pipelineMs = 0;
    const state = new ProgressState();
    state.setStage(request.attachments.length > 0 ? "downloading" : "planning");
    log.info("request started", { queuedMs: ms.queue });

    let message = noProgress;
    try {
      message = await target.openProgress(state.render(), state.snapshot());
    } catch (error) {
      log.warn("progress message could not be opened", { error: errorSummary(error) });
    }
    const progress = new ThrottledProgress(message, state.render(), {
      clock,
      intervalMs: settings.progressIntervalMs,
      logger: log,
      onEdit: (ok) => telemetry.record({ type: "progress-edit", platform: request.platform, ok }),
    });
    const usage: LlmUsage = { calls: 0 };

    let outcome: RequestReport["outcome"] = "answered";
    // Filled as the work goes, so a request that fails half-way still counts what it used.
    const used = noUsage();
    const expertUsage: ExpertUsage = { hostedCalls: 0, hostedMs: 0, localCpuMs: 0 };
    try {
      let mark = performance.now();
      const attachments: NamedInput[] = await downloadAttachments(request.attachments, {
        maxBytes: settings.maxFileBytes,
        timeoutMs: settings.downloadTimeoutMs,
        clock,
        signal,
        logger: log,
      });
      ms.download = performance.now() - mark;
      for (const input of attachments) used.bytesIn += resourceBytes(input.resource);
      state.setStage("planning");
      progress.update(state.render(), state.snapshot());

      mark = performance.now();
      // Read for every request, so that a change made with /settings applies from the next one on.
      const inForce = options.workspaceSettings
        ? await settingsInForce(options.workspaceSettings, request, log)
        : undefined;
      ms.settings = performance.now() - mark;
      // Memory off: the thread's earlier turns are not recalled, and this one is not remembered.
      const remembers = inForce?.memory ?? true;
      mark = performance.now();
      const recalled: RecalledConversation = remembers ? await recall(job) : { history: [], inputs: [] };
      ms.recall = performance.now() - mark;

      const text = request.text.trim() || FILES_ONLY_REQUEST;
      const attachmentNames = new Set(attachments.map((input) => input.name));
      mark = performance.now();
      const result = await pipeline.run({
        text,
        // This message's files win over an earlier result of the same name: they are what the user means now.
        inputs: [...attachments, ...recalled.inputs.filter((input) => !attachmentNames.has(input.name))],
        history: recalled.history,
        ...(inForce ? { settings: requestSettingsOf(inForce) } : {}),
        signal,
        usage,
        expertUsage,
        onEvent(event) {
          state.apply(event);
          progress.update(state.render(), state.snapshot());
        },
      });
      pipelineMs = performance.now() - mark;
      ms.pipeline = pipelineMs;
      // A pipeline that finished despite a cancel: the user asked for no answer.
      if (signal.aborted) throw signal.reason;

      const elapsed = clock.now() - startedAt;
      await progress.finish(state.renderFinal("done", elapsed), state.snapshot("done", elapsed));
      mark = performance.now();
      const reply = replyOf(result);
      await target.send(reply);
      for (const file of reply.files) used.bytesOut += file.bytes.byteLength;
      ms.reply = performance.now() - mark;

      mark = performance.now();
      if (remembers) {
        await memoryOrder
          .run(job.thread, () =>
            memory.remember(job.thread, { user: text, attachments, result }, recalled.generation),
          )
          .catch((error: unknown) =>
            log.warn("memory could not be written; this turn will be missing from follow-ups", {
              error: errorSummary(error),
            }),
          );
      }
      ms.remember = performance.now() - mark;
      log.info("request answered", {
        ms: { ...ms, stages: result.stats.ms, total: performance.now() - started },
        llmCalls: result.stats.llmCalls,
        tasks: result.results.map((task) => `${task.id}:${task.task}:${task.status}`),
        files: reply.files.length,
      });
    } catch (error) {
      const stoppedBy = job.stoppedBy();
      outcome = stoppedBy ? "cancelled" : "failed";
      const elapsed = clock.now() - startedAt;
      await progress.finish(state.renderFinal(outcome, elapsed), state.snapshot(outcome, elapsed));
      if (stoppedBy === "user") {
        // The cancel command has said so already.
        log.info("request cancelled", { ms: { ...ms, total: performance.now() - started } });
      } else {
        log.warn(stoppedBy ? "request stopped by shutdown" : "request failed", {
          code: isBotError(error) ? error.code : undefined,
          error: errorSummary(error),
          ms: { ...ms, total: performance.now() - started },
        });
        await notify(target, userMessageOf(error), log);
      }
    }
    if (options.usage) {
      used.promptTokens = usage.promptTokens ?? 0;
      used.completionTokens = usage.completionTokens ?? 0;
      used.hostedCalls = expertUsage.hostedCalls;
      used.hostedMs = Math.round(expertUsage.hostedMs);
      used.localCpuMs = Math.round(expertUsage.localCpuMs);
      await options.usage.record(request, used);
    }
    const report: RequestReport = {
      requestId: request.id,
      thread: job.thread,
      outcome,
      queuedMs: ms.queue ?? 0,
      workMs: performance.now() - started,
      pipelineMs,
      llm: {
        calls: usage.calls,
        tokens: { prompt: usage.promptTokens ?? 0, completion: usage.completionTokens ?? 0 },
      },
    };
    telemetry.record({ type: "request", platform: request.platform, outcome });
    telemetry.record({
      type: "turn",
      platform: request.platform,
      queuedMs: report.queuedMs,
      workMs: report.workMs,
    });
    span.setAttributes({
      "hugginggpt.request.outcome": outcome,
      "hugginggpt.request.queued_ms": Math.round(report.queuedMs),
      "hugginggpt.llm.calls": report.llm.calls,
      "hugginggpt.llm.prompt_tokens": report.llm.tokens.prompt,
      "hugginggpt.llm.completion_tokens": report.llm.tokens.completion,
    });
    if (outcome === "failed") span.fail("the request failed");
    options.onSettled?.(report);
    return outcome;
  }

  return {
    run,
    async forget(thread) {
      await memoryOrder.run(thread, () => memory.forget(thread));
    },
  };
}
