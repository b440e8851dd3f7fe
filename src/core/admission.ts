/**
 * Admission: what happens to a message before any work, in the process that received it (`start`,
 * or a gateway). Bots and the bot itself are ignored, the allowlists applied, redeliveries dropped,
 * command words routed to their command, oversized attachments refused before download, the user's
 * rate limit and the queue bound applied; then the request joins the queue. It resolves as soon as
 * the message is accepted or refused, so that adapters acknowledge at once.
 */
import { BotError, errorSummary, userMessageOf } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import { NO_TELEMETRY, type RequestOutcome, type Telemetry } from "../telemetry.js";
import { oversizedAttachments } from "./attachments.js";
import { type Clock, formatWait, systemClock } from "./clock.js";
import type { DeliveryLedger } from "./dedupe.js";
import { KeyedQueue } from "./keyed-queue.js";
import type { RequestQueue } from "./queue.js";
import type { RateLimiter } from "./rate-limit.js";
import type { BotSettings } from "./settings.js";
import type { SettingsDesk } from "./settings-desk.js";
import { notify } from "./turn.js";
import type {
  Attachment,
  BotHandle,
  BotServices,
  CommandDefinition,
  CommandOptions,
  Disposition,
  RefusalReason,
  ReplyTarget,
  Request,
} from "./types.js";
import type { UsageAccounting } from "./usage.js";

export interface AdmissionOptions {
  settings: BotSettings;
  queue: RequestQueue;
  ledger: DeliveryLedger;
  limiter: RateLimiter;
  /** Clears a thread's memory (the `forget` command). */
  forget(thread: string): Promise<void>;
  /** The commands a message or an adapter can run (`commands/`'s COMMANDS). None: every message is a request. */
  commands?: readonly CommandDefinition[];
  /** The `models TASK` text (src/pipeline/models-report.ts in the app). */
  listModels?: (task: string) => Promise<string>;
  /** `/settings`: the settings of workspaces and channels, for admins. */
  settingsDesk?: SettingsDesk;
  /** Budgets checked (and the request counted) before it is queued; none: nothing is counted. */
  usage?: UsageAccounting;
  clock?: Clock;
  logger?: Logger;
  /** Refusals and dropped redeliveries are recorded (accepted requests by their turn, when over). */
  telemetry?: Telemetry;
}

/** Admission as the bot composes it: an adapter's BotHandle, and its own shutdown. */
export interface Admission extends BotHandle {
  /** Refuses new requests from now on (each refusal told), withdraws the queued ones, stops the running ones. */
  close(): Promise<void>;
}

/** The thread key: memory and order are per thread. */
export function threadKeyOf(request: Pick<Request, "platform" | "channel" | "thread">): string {
  return `${request.platform}:${request.channel}:${request.thread}`;
}

/** The refusals of a request that count as its outcome (a command's own refusals do not). */
const REFUSAL_OUTCOMES: Partial<Record<RefusalReason, RequestOutcome>> = {
  "queue-full": "queue-full",
  "attachment-too-large": "too-large",
  "shutting-down": "shutting-down",
  unavailable: "unavailable",
};

/** What a disposition says of the request's outcome, when admission decided it. */
function outcomeOf(disposition: Disposition): RequestOutcome | undefined {
  switch (disposition.status) {
    case "duplicate":
      return "duplicate";
    case "rate-limited":
      return "rate-limited";
    case "refused":
      return REFUSAL_OUTCOMES[disposition.reason];
    default:
      return undefined;
  }
}

function isAttachment(value: string | Attachment | undefined): value is Attachment {
  return typeof value === "object" && value !== null && typeof value.fetch === "function";
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

export function createAdmission(options: AdmissionOptions): Admission {
  const { settings, queue, ledger, limiter } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const telemetry = options.telemetry ?? NO_TELEMETRY;
  const commands = options.commands ?? [];
  /** Admission in arrival order per thread: awaits on storage must not let a later message overtake. */
  const intake = new KeyedQueue();
  /** Commands in flight, so `idle()` waits for their answers too. */
  const pendingCommands = new Set<Promise<unknown>>();
  let closed = false;

  const requestLogger = (request: Request) =>
    logger.child({
      request: request.id,
      platform: request.platform,
      thread: request.thread,
      user: request.author.id,
    });

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

  /** Records the outcome of a message that admission settled (a refusal, a redelivery). */
  function counted(request: Request, disposition: Disposition): Disposition {
    const outcome = outcomeOf(disposition);
    if (outcome) telemetry.record({ type: "request", platform: request.platform, outcome });
    return disposition;
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
    if (!(await ledger.firstSight(`${request.platform}:${request.eventId}`, log))) {
      log.info("dropped: duplicate delivery", { eventId: request.eventId });
      return counted(request, { status: "duplicate" });
    }
    return undefined;
  }

  async function refuseQueueFull(
    target: ReplyTarget,
    log: Logger,
    counts: { queued: number; running: number },
  ): Promise<Disposition> {
    const message = `I am busy with ${counts.running + counts.queued} requests right now and my queue is full. Please send this again in a few minutes.`;
    log.warn("refused: queue full", counts);
    await notify(target, message, log);
    return { status: "refused", reason: "queue-full", message };
  }

  /** Queues a request that passed admission (size check, queue bound, rate limit, budgets), recording a refusal. */
  async function submitAdmitted(request: Request, target: ReplyTarget, log: Logger): Promise<Disposition> {
    return counted(request, await queueAdmitted(request, target, log));
  }

  /** Size check, queue bound, rate limit, then the queue. */
  async function queueAdmitted(request: Request, target: ReplyTarget, log: Logger): Promise<Disposition> {
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
    try {
      // Checked before the rate limit too, so a refusal for a full queue does not cost the user a request.
      if (await queue.full(thread)) return refuseQueueFull(target, log, await queue.status());

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

      // At admission, not at the turn's start on a worker: refused at once, before the request waits
      // in a queue, and the count is taken where every process shares it before any work is queued.
      let release: (() => Promise<void>) | undefined;
      if (options.usage) {
        const budget = await options.usage.reserve(request);
        if (!budget.allowed) {
          await notify(target, budget.message, log);
          return { status: "refused", reason: "over-budget", message: budget.message };
        }
        release = budget.release;
      }

      let offer: Awaited<ReturnType<RequestQueue["offer"]>>;
      try {
        offer = await queue.offer({ request, target, thread, acceptedAt: clock.now(), logger: log });
      } catch (error) {
        await release?.();
        throw error;
      }
      if (!offer.accepted) {
        // Refused after all: the request it counted is given back.
        await release?.();
        return refuseQueueFull(target, log, offer);
      }
      if (offer.position > 0) {
        log.info("request queued", { position: offer.position });
        await notify(
          target,
          `You're number ${offer.position} in the queue. I'll start on this ${offer.behindThread ? "once the earlier request in this thread is answered" : "as soon as a slot is free"}.`,
          log,
        );
      }
      return { status: "accepted", position: offer.position };
    } catch (error) {
      // The queue itself is unreachable (Redis down for a gateway): said, never dropped silently.
      log.error("request could not be queued", { error: errorSummary(error) });
      const message =
        "I cannot take requests right now: my queue is unreachable. Nothing was run; please send this again in a minute.";
      await notify(target, message, log);
      return { status: "refused", reason: "unavailable", message };
    }
  }

  const services: BotServices = {
    submit: (request, target) => {
      const log = requestLogger(request);
      return intake.run(threadKeyOf(request), () => submitAdmitted(request, target, log));
    },
    async cancel(request) {
      const outcome = await queue.cancel(threadKeyOf(request), request.author.id);
      requestLogger(request).info("cancel", { running: outcome.running, withdrawn: outcome.queued });
      return outcome;
    },
    async forget(request) {
      await options.forget(threadKeyOf(request));
      requestLogger(request).info("memory forgotten");
    },
    async usage(request) {
      if (!options.usage) return "Usage is not counted by this bot.";
      return options.usage.describe(request);
    },
    async listModels(task) {
      if (!options.listModels) {
        throw new BotError("internal", "no model listing configured", {
          userMessage: "The model listing is not available here.",
        });
      }
      return options.listModels(task);
    },
    ...(options.settingsDesk ? { settings: options.settingsDesk } : {}),
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
    const tracked: Promise<Disposition> = run.finally(() => pendingCommands.delete(tracked));
    pendingCommands.add(tracked);
    return tracked;
  }

  async function idle(): Promise<void> {
    // A command may queue a request (`ask`), and a turn may end while a command runs: until both rest.
    while (pendingCommands.size > 0) {
      await Promise.allSettled([...pendingCommands]);
    }
    await queue.idle();
    if (pendingCommands.size > 0) await idle();
  }

  return {
    allows: allowed,
    ...(options.settingsDesk ? { settings: options.settingsDesk } : {}),

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

    async close() {
      closed = true;
      await queue.close((job, text) => notify(job.target, text, job.logger));
      await idle();
    },
  };
}
