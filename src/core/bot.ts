import { randomUUID } from "node:crypto";
import { BotError, errorSummary, isBotError, userMessageOf } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import type { Pipeline } from "../pipeline/index.js";
import type { NamedInput, PipelineResult } from "../pipeline/types.js";
import type { Storage } from "../storage/index.js";
import { resourceFiles } from "../tasks/index.js";
import { downloadAttachments, oversizedAttachments } from "./attachments.js";
import { type Clock, formatWait, systemClock } from "./clock.js";
import { KeyedQueue } from "./keyed-queue.js";
import { type ConversationMemory, createConversationMemory, type RecalledConversation } from "./memory.js";
import { ProgressState, ThrottledProgress } from "./progress.js";
import { createRateLimiter, type RateLimiter } from "./rate-limit.js";
import type { BotSettings } from "./settings.js";
import type {
  Attachment,
  BotHandle,
  BotServices,
  CancelOutcome,
  CommandDefinition,
  CommandOptions,
  Disposition,
  ProgressMessage,
  Reply,
  ReplyFile,
  ReplyTarget,
  Request,
} from "./types.js";

/** What the bot needs: the pipeline to run, storage for its namespaces, its limits. */
export interface BotOptions {
  pipeline: Pipeline;
  storage: Storage;
  settings: BotSettings;
  logger?: Logger;
  /** The commands a message or an adapter can run (`commands/`'s COMMANDS). None: every message is a request. */
  commands?: readonly CommandDefinition[];
  /** The `models TASK` text (src/pipeline/models-report.ts in the app). */
  listModels?: (task: string) => Promise<string>;
  clock?: Clock;
  /** Called once per accepted request when it is over, for benchmarks and metrics. */
  onSettled?: (report: RequestReport) => void;
}

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
}

/** The bot loop as the composition root sees it: an adapter's BotHandle plus status and shutdown. */
export interface Bot extends BotHandle {
  status(): { running: number; queued: number };
  /** Refuses new requests, withdraws the queued ones and aborts the running ones, then waits for them. */
  close(): Promise<void>;
}

interface Job {
  request: Request;
  target: ReplyTarget;
  thread: string;
  controller: AbortController;
  logger: Logger;
  acceptedAt: number;
  /** Who stopped it, if anyone: the user's `cancel`, or the bot shutting down. */
  stoppedBy?: "user" | "shutdown";
}

/** Event ids remembered in-process too, so redeliveries are dropped even while storage is down. */
const RECENT_EVENTS_KEPT = 10_000;
/** What the planner gets when a message is only files. */
const FILES_ONLY_REQUEST = "Describe the attached files.";

const noProgress: ProgressMessage = { edit: async () => undefined, finish: async () => undefined };

function threadKeyOf(request: Request): string {
  return `${request.platform}:${request.channel}:${request.thread}`;
}

function isAttachment(value: string | Attachment | undefined): value is Attachment {
  return typeof value === "object" && value !== null && typeof value.fetch === "function";
}

/** The reply to a finished pipeline: the answer, every result file, the summary. */
export function replyOf(result: PipelineResult): Reply {
  const files: ReplyFile[] = result.results.flatMap((task) =>
    task.status === "ok" && task.output
      ? resourceFiles(task.output).map((file) => ({ name: file.name, mime: file.mime, bytes: file.bytes }))
      : [],
  );
  return { text: result.answer, files, summary: result.summary };
}

/** The words of a command message: "models object-detection" → ["models", "object-detection"]. */
function commandWords(text: string): { word: string; rest: string } | undefined {
  // "/forget" (as typed in a terminal) and "forget." are the command too.
  const cleaned = text
    .trim()
    .replace(/^[/!]/, "")
    .replace(/[.!?]+$/, "")
    .trim();
  if (cleaned === "" || cleaned.length > 100) return undefined;
  const [word = "", ...rest] = cleaned.split(/\s+/);
  return { word: word.toLowerCase(), rest: rest.join(" ") };
}

/**
 * The bot loop (DESIGN.md, Flow 2): every platform's messages go through here.
 *
 * - `receive` admits a message: bots and the bot itself are ignored, allowlists applied, redeliveries
 *   dropped by event id (in the `dedupe` namespace, 24 h), command words routed to their command,
 *   oversized attachments refused before download, the user's rate limit applied; then the request is
 *   queued. It resolves once the message is accepted or refused, so adapters acknowledge at once.
 * - Requests of one thread run one at a time, in the order they came; at most `maxConcurrent` run over
 *   all threads; at most `maxQueued` wait, each told its place. Nothing is dropped silently: a refusal
 *   is always a notice.
 * - A running request has one progress message, edited at most about once a second, finished with the
 *   outcome and the total time; then the reply (answer, result files, summary) is sent and the turn is
 *   remembered for follow-ups in the thread.
 * - Any failure reaches the user as a notice with the error's user message only: never a stack, never a
 *   secret. Every step is logged with the request id.
 *
 * ```ts
 * const bot = createBot({ pipeline, storage, settings: botSettingsFrom(config), commands: COMMANDS });
 * await adapter.start(bot);
 * ```
 */
export function createBot(options: BotOptions): Bot {
  const { pipeline, settings } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const commands = options.commands ?? [];
  const dedupe = options.storage.namespace<boolean>("dedupe", settings.dedupeTtlMs);
  const limiter: RateLimiter = createRateLimiter(
    options.storage.namespace<number[]>("ratelimit", Math.max(settings.rateLimit.windowMs, 1_000)),
    settings.rateLimit,
    clock,
  );
  const memory: ConversationMemory = createConversationMemory(
    options.storage.namespace<string>("memory", settings.memory.ttlMs),
    settings.memory,
  );

  /** Admission in arrival order per thread: awaits on storage must not let a later message overtake. */
  const intake = new KeyedQueue();
  /**
   * Memory reads and writes of a thread in the order they were asked for: a `forget` typed while a
   * turn is being written clears that turn too, and the next request reads only after the forget.
   */
  const memoryOrder = new KeyedQueue();
  /** Event ids seen by this process, with when each may be forgotten (oldest first). */
  const recentEvents = new Map<string, number>();
  /** Waiting jobs over all threads, oldest first. */
  const waiting: Job[] = [];
  /** The running job of each thread (one per thread at most). */
  const running = new Map<string, Job>();
  /** Commands in flight, so `idle()` waits for their answers too. */
  const pendingCommands = new Set<Promise<unknown>>();
  /** Bumped by `forget`, so a request that was running at the time does not write its turn back. */
  const memoryGenerations = new Map<string, number>();
  let idleWaiters: Array<() => void> = [];
  let closed = false;

  const idle = (): Promise<void> =>
    isIdle() ? Promise.resolve() : new Promise((resolve) => idleWaiters.push(resolve));
  const isIdle = () => running.size === 0 && waiting.length === 0 && pendingCommands.size === 0;
  const checkIdle = () => {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };

  const requestLogger = (request: Request) =>
    logger.child({
      request: request.id,
      platform: request.platform,
      thread: request.thread,
      user: request.author.id,
    });

  /** Sends a notice; a platform failure is logged, never thrown into the loop. */
  async function notify(target: ReplyTarget, text: string, log: Logger): Promise<void> {
    try {
      await target.notice(text);
    } catch (error) {
      log.warn("notice could not be sent", { error: errorSummary(error) });
    }
  }

  function allowed(request: Pick<Request, "platform" | "workspace" | "channel">): boolean {
    // The terminal and the local web playground belong to whoever runs the bot.
    if (request.platform === "console" || request.platform === "web") return true;
    const listed = (list: readonly string[], id: string | undefined) =>
      id !== undefined && (list.includes(id) || list.includes(`${request.platform}:${id}`));
    if (settings.allowedWorkspaces.length > 0 && !listed(settings.allowedWorkspaces, request.workspace)) {
      return false;
    }
    return settings.allowedChannels.length === 0 || listed(settings.allowedChannels, request.channel);
  }

  /** True the second time an event id is seen. Storage failing is logged and the message let through. */
  async function seenBefore(request: Request, log: Logger): Promise<boolean> {
    const key = `${request.platform}:${request.eventId}`;
    const now = clock.now();
    const until = recentEvents.get(key);
    if (until !== undefined && until > now) return true;
    // Deleted first so that a re-added id moves to the end: the map stays oldest first.
    recentEvents.delete(key);
    recentEvents.set(key, now + settings.dedupeTtlMs);
    if (recentEvents.size > RECENT_EVENTS_KEPT) {
      const oldest = recentEvents.keys().next().value;
      if (oldest !== undefined) recentEvents.delete(oldest);
    }
    try {
      if (await dedupe.get(key)) return true;
      await dedupe.set(key, true);
    } catch (error) {
      log.warn("dedupe storage failed; continuing with this process's memory", {
        error: errorSummary(error),
      });
    }
    return false;
  }

  /** The checks every message passes before anything else: bots, allowlists, redeliveries. */
  async function admit(request: Request, log: Logger): Promise<Disposition | undefined> {
    if (request.author.isBot) {
      log.debug("ignored: a bot's message");
      return { status: "ignored", reason: "bot" };
    }
    if (!allowed(request)) {
      // Silent on purpose: answering in channels the operator did not allow is what the list prevents.
      log.info("ignored: not in the allowlists", { workspace: request.workspace, channel: request.channel });
      return { status: "ignored", reason: "not-allowed" };
    }
    if (await seenBefore(request, log)) {
      log.info("dropped: duplicate delivery", { eventId: request.eventId });
      return { status: "duplicate" };
    }
    return undefined;
  }

  function queueFullMessage(): string {
    return `I am busy with ${settings.maxConcurrent + waiting.length} requests right now and my queue is full. Please send this again in a few minutes.`;
  }

  /** Queues a request that passed admission: size check, rate limit, queue bound, then the queue. */
  async function submitAdmitted(request: Request, target: ReplyTarget, log: Logger): Promise<Disposition> {
    if (closed) {
      const message = "I am shutting down and cannot take new requests. Please try again shortly.";
      await notify(target, message, log);
      return { status: "refused", reason: "shutting-down", message };
    }
    const oversized = oversizedAttachments(request.attachments, settings.maxFileBytes);
    if (oversized.length > 0) {
      const message = `${oversized.join(" ")} Nothing was run: please send smaller files.`;
      log.info("refused: attachment over the size limit", { files: oversized.length });
      await notify(target, message, log);
      return { status: "refused", reason: "attachment-too-large", message };
    }
    const thread = threadKeyOf(request);
    const mustWait = () =>
      running.size >= settings.maxConcurrent ||
      running.has(thread) ||
      waiting.some((job) => job.thread === thread);
    // Checked before the rate limit too, so a refusal for a full queue does not cost the user a request.
    if (mustWait() && waiting.length >= settings.maxQueued) return refuseQueueFull(target, log);

    let decision: Awaited<ReturnType<RateLimiter["take"]>>;
    try {
      decision = await limiter.take(`${request.platform}:${request.author.id}`);
    } catch (error) {
      log.warn("rate-limit storage failed; request let through", { error: errorSummary(error) });
      decision = { allowed: true };
    }
    if (!decision.allowed) {
      const { requests, windowMs } = settings.rateLimit;
      log.info("refused: rate limit", { retryAfterMs: decision.retryAfterMs });
      await notify(
        target,
        `You have sent ${requests} ${requests === 1 ? "request" : "requests"} in the last ${formatWait(windowMs)}, my limit per person. Please try again in ${formatWait(decision.retryAfterMs)}.`,
        log,
      );
      return { status: "rate-limited", retryAfterMs: decision.retryAfterMs };
    }
    if (mustWait() && waiting.length >= settings.maxQueued) return refuseQueueFull(target, log);

    const job: Job = {
      request,
      target,
      thread,
      controller: new AbortController(),
      logger: log,
      acceptedAt: clock.now(),
    };
    log.info("request accepted", { attachments: request.attachments.length });
    waiting.push(job);
    pump();
    const position = waiting.indexOf(job) + 1;
    if (position > 0) {
      log.info("request queued", { position, running: running.size });
      const behindThread = running.has(thread);
      await notify(
        target,
        `You're number ${position} in the queue. I'll start on this ${behindThread ? "once the earlier request in this thread is answered" : "as soon as a slot is free"}.`,
        log,
      );
    }
    return { status: "accepted", position };
  }

  async function refuseQueueFull(target: ReplyTarget, log: Logger): Promise<Disposition> {
    const message = queueFullMessage();
    log.warn("refused: queue full", { queued: waiting.length, running: running.size });
    await notify(target, message, log);
    return { status: "refused", reason: "queue-full", message };
  }

  /** Starts every waiting job that may start: its thread idle, a slot free; oldest first. */
  function pump(): void {
    for (let index = 0; index < waiting.length && running.size < settings.maxConcurrent; ) {
      const job = waiting[index]!;
      if (running.has(job.thread)) {
        index += 1;
        continue;
      }
      waiting.splice(index, 1);
      running.set(job.thread, job);
      void work(job).finally(() => {
        running.delete(job.thread);
        pump();
        checkIdle();
      });
    }
  }

  async function recall(job: Job): Promise<RecalledConversation> {
    try {
      return await memoryOrder.run(job.thread, () => memory.recall(job.thread));
    } catch (error) {
      job.logger.warn("memory could not be read; answering without the thread's history", {
        error: errorSummary(error),
      });
      return { history: [], inputs: [] };
    }
  }

  /** One request, from its start to its reply. Never throws: every outcome reaches the user. */
  async function work(job: Job): Promise<void> {
    const { request, target, logger: log, controller } = job;
    const signal = controller.signal;
    const startedAt = clock.now();
    const started = performance.now();
    const generation = memoryGenerations.get(job.thread) ?? 0;
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
    });

    let outcome: RequestReport["outcome"] = "answered";
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
      state.setStage("planning");
      progress.update(state.render(), state.snapshot());

      mark = performance.now();
      const recalled = await recall(job);
      ms.recall = performance.now() - mark;

      const text = request.text.trim() || FILES_ONLY_REQUEST;
      const attachmentNames = new Set(attachments.map((input) => input.name));
      mark = performance.now();
      const result = await pipeline.run({
        text,
        // This message's files win over an earlier result of the same name: they are what the user means now.
        inputs: [...attachments, ...recalled.inputs.filter((input) => !attachmentNames.has(input.name))],
        history: recalled.history,
        signal,
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
      ms.reply = performance.now() - mark;

      mark = performance.now();
      if ((memoryGenerations.get(job.thread) ?? 0) === generation) {
        await memoryOrder
          .run(job.thread, () => memory.remember(job.thread, { user: text, attachments, result }))
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
      const stoppedBy = job.stoppedBy;
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
    options.onSettled?.({
      requestId: request.id,
      thread: job.thread,
      outcome,
      queuedMs: ms.queue ?? 0,
      workMs: performance.now() - started,
      pipelineMs,
    });
  }

  function cancel(request: Request): CancelOutcome {
    const thread = threadKeyOf(request);
    const job = running.get(thread);
    let stopped = false;
    if (job && !job.controller.signal.aborted) {
      job.stoppedBy = "user";
      job.controller.abort(new BotError("cancelled", `cancelled by ${request.author.id}`));
      stopped = true;
    }
    let withdrawn = 0;
    for (let index = waiting.length - 1; index >= 0; index--) {
      if (waiting[index]!.thread !== thread) continue;
      const [removed] = waiting.splice(index, 1);
      removed?.logger.info("request withdrawn by a cancel");
      withdrawn += 1;
    }
    requestLogger(request).info("cancel", { running: stopped, withdrawn });
    checkIdle();
    return { running: stopped, queued: withdrawn };
  }

  const services: BotServices = {
    submit: (request, target) => {
      const log = requestLogger(request);
      return intake.run(threadKeyOf(request), () => submitAdmitted(request, target, log));
    },
    cancel,
    async forget(request) {
      const thread = threadKeyOf(request);
      memoryGenerations.set(thread, (memoryGenerations.get(thread) ?? 0) + 1);
      await memoryOrder.run(thread, () => memory.forget(thread));
      requestLogger(request).info("memory forgotten");
    },
    async listModels(task) {
      if (!options.listModels) {
        throw new BotError("internal", "no model listing configured", {
          userMessage: "The model listing is not available here.",
        });
      }
      return options.listModels(task);
    },
  };

  function findCommand(name: string): CommandDefinition | undefined {
    const word = name.toLowerCase();
    return commands.find((command) => command.name === word || command.aliases?.includes(word));
  }

  /** The command a typed message is, if it is exactly a command word (and its accepted options). */
  function commandOfText(
    request: Request,
  ): { command: CommandDefinition; options: CommandOptions } | undefined {
    if (request.attachments.length > 0) return undefined;
    const words = commandWords(request.text);
    if (!words) return undefined;
    const command = findCommand(words.word);
    if (!command) return undefined;
    if (command.parseText) {
      const parsed = command.parseText(words.rest);
      return parsed ? { command, options: parsed } : undefined;
    }
    return words.rest === "" ? { command, options: {} } : undefined;
  }

  /** Checks a command's options against its definition; the user is told the usage when they do not fit. */
  function optionProblem(command: CommandDefinition, values: CommandOptions): string | undefined {
    for (const option of command.options) {
      const value = values[option.name];
      const missing = value === undefined || (typeof value === "string" && value.trim() === "");
      if (missing && option.required) return `${command.name} needs ${option.name}: ${option.description}`;
      if (missing) continue;
      if (option.type === "attachment" && !isAttachment(value)) return `${option.name} must be a file.`;
      if (option.type === "string" && typeof value !== "string") return `${option.name} must be text.`;
    }
    return undefined;
  }

  /**
   * Starts a command. Its handler begins at once (a cancel aborts before this returns) and finishes in
   * the background, tracked for `idle()`; a failure becomes a notice. The promise returned resolves
   * to the command's disposition (see `BotHandle.command`); nothing need wait for it.
   */
  function startCommand(
    command: CommandDefinition,
    values: CommandOptions,
    request: Request,
    target: ReplyTarget,
    log: Logger,
  ): Promise<Disposition> {
    log.info("command", { command: command.name });
    const done: Disposition = { status: "command", command: command.name };
    const problem = optionProblem(command, values);
    const run: Promise<Disposition> = problem
      ? notify(target, problem, log).then(() => ({
          status: "refused",
          reason: "invalid-options",
          message: problem,
        }))
      : command.run({ request, target, options: values, bot: services, commands }).then(
          (disposition) => disposition ?? done,
          async (error: unknown) => {
            log.warn("command failed", { command: command.name, error: errorSummary(error) });
            await notify(target, userMessageOf(error), log);
            return done;
          },
        );
    const tracked: Promise<Disposition> = run.finally(() => {
      pendingCommands.delete(tracked);
      checkIdle();
    });
    pendingCommands.add(tracked);
    return tracked;
  }

  return {
    allows: allowed,

    receive(request, target) {
      const log = requestLogger(request);
      return intake.run(threadKeyOf(request), async () => {
        const refused = await admit(request, log);
        if (refused) return refused;
        const routed = commandOfText(request);
        if (routed) {
          startCommand(routed.command, routed.options, request, target, log);
          return { status: "command", command: routed.command.name };
        }
        if (request.text.trim() === "" && request.attachments.length === 0) {
          log.debug("ignored: empty message");
          return { status: "ignored", reason: "empty" };
        }
        return submitAdmitted(request, target, log);
      });
    },

    async command(name, values, request, target) {
      const log = requestLogger(request);
      const refused = await intake.run(threadKeyOf(request), () => admit(request, log));
      if (refused) return refused;
      const command = findCommand(name);
      if (!command) {
        log.info("unknown command", { command: name });
        const message = `I do not know the command "${name}". Try help.`;
        await notify(target, message, log);
        return { status: "refused", reason: "unknown-command", message };
      }
      return startCommand(command, values, request, target, log);
    },

    idle,

    status: () => ({ running: running.size, queued: waiting.length }),

    async close() {
      closed = true;
      for (const job of waiting.splice(0)) {
        job.logger.info("request withdrawn by shutdown");
        await notify(
          job.target,
          "I am shutting down; this request was not run. Please send it again later.",
          job.logger,
        );
      }
      for (const job of running.values()) {
        job.stoppedBy = "shutdown";
        job.controller.abort(
          new BotError("cancelled", "the bot is shutting down", {
            userMessage: "I was stopped before I could finish this request. Please send it again later.",
          }),
        );
      }
      checkIdle();
      await idle();
    },
  };
}

/** A request id for adapters that have none of their own. */
export function newRequestId(): string {
  return randomUUID();
}
