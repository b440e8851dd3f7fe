import { randomUUID } from "node:crypto";
import { type Logger, silentLogger } from "../log.js";
import type { Pipeline } from "../pipeline/index.js";
import type { Storage } from "../storage/index.js";
import type { Telemetry } from "../telemetry.js";
import type { WorkspaceSettingsStore } from "../workspace-settings/index.js";
import { createAdmission } from "./admission.js";
import { type Clock, systemClock } from "./clock.js";
import { createStoredLedger } from "./dedupe.js";
import { createConversationMemory } from "./memory.js";
import { createLocalQueue } from "./queue.js";
import { createRateLimiter } from "./rate-limit.js";
import type { BotSettings } from "./settings.js";
import { createSettingsDesk } from "./settings-desk.js";
import { createTurns, type RequestReport } from "./turn.js";
import type { BotHandle, CommandDefinition } from "./types.js";
import type { UsageAccounting } from "./usage.js";

export type { RequestReport } from "./turn.js";
export { replyOf } from "./turn.js";

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
  /**
   * The settings admins set per workspace and channel: read for every request, and changed with
   * `/settings`. Without it the environment's settings apply everywhere and `/settings` is not offered.
   */
  workspaceSettings?: WorkspaceSettingsStore;
  /** SETTINGS_ADMINS: who may use `/settings` besides the platform's admins. */
  settingsAdmins?: readonly string[];
  clock?: Clock;
  /** Called once per accepted request when it is over, for benchmarks and metrics. */
  onSettled?: (report: RequestReport) => void;
  /** Where admission and the turns report (src/ops: metrics and traces); default: nowhere. */
  telemetry?: Telemetry;
  /** Usage counted and budgets applied (src/usage/); none: nothing is counted. */
  usage?: UsageAccounting;
}

/** The bot loop as the composition root sees it: an adapter's BotHandle plus status and shutdown. */
export interface Bot extends BotHandle {
  status(): { running: number; queued: number };
  /** Refuses new requests, withdraws the queued ones and aborts the running ones, then waits for them. */
  close(): Promise<void>;
}

/**
 * The bot loop of one process (DESIGN.md, Flow 2): every platform's messages go through here.
 *
 * - Admission (`admission.ts`) takes a message: bots and the bot itself are ignored, allowlists
 *   applied, redeliveries dropped by event id (the `dedupe` namespace, 24 h), command words routed to
 *   their command, oversized attachments refused before download, the user's rate limit and the
 *   budgets applied (a request over budget is refused before anything runs); then the request is queued. It resolves once the message is accepted or refused, so adapters
 *   acknowledge at once.
 * - The queue (`queue.ts`, in this process): requests of one thread run one at a time, in the order
 *   they came; at most `maxConcurrent` run over all threads; at most `maxQueued` wait, each told its
 *   place. Nothing is dropped silently: a refusal is always a notice.
 * - The turn (`turn.ts`): one progress message, edited at most about once a second, finished with
 *   the outcome and the total time; then the reply (answer, result files, summary) and the turn
 *   remembered for follow-ups in the thread. Any failure reaches the user as a notice with the
 *   error's user message only: never a stack, never a secret.
 *
 * The roles (`start --role gateway|worker`) compose the same admission and turn around a queue on
 * Redis instead (src/scale/).
 *
 * ```ts
 * const bot = createBot({ pipeline, storage, settings: botSettingsFrom(config), commands: COMMANDS });
 * await adapter.start(bot);
 * ```
 */
export function createBot(options: BotOptions): Bot {
  const { settings } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const memory = createConversationMemory(
    options.storage.namespace<string>("memory", settings.memory.ttlMs),
    settings.memory,
  );
  const turns = createTurns({
    pipeline: options.pipeline,
    memory,
    settings,
    clock,
    ...(options.workspaceSettings ? { workspaceSettings: options.workspaceSettings } : {}),
    ...(options.onSettled ? { onSettled: options.onSettled } : {}),
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    ...(options.usage ? { usage: options.usage } : {}),
  });
  const queue = createLocalQueue({
    turns,
    maxConcurrent: settings.maxConcurrent,
    maxQueued: settings.maxQueued,
  });
  const admission = createAdmission({
    settings,
    queue,
    ledger: createStoredLedger(
      options.storage.namespace<boolean>("dedupe", settings.dedupeTtlMs),
      settings.dedupeTtlMs,
      clock,
    ),
    limiter: createRateLimiter(
      options.storage.namespace<number[]>("ratelimit", Math.max(settings.rateLimit.windowMs, 1_000)),
      settings.rateLimit,
      clock,
    ),
    forget: (thread) => turns.forget(thread),
    ...(options.commands ? { commands: options.commands } : {}),
    ...(options.listModels ? { listModels: options.listModels } : {}),
    ...(options.workspaceSettings
      ? {
          settingsDesk: createSettingsDesk({
            store: options.workspaceSettings,
            admins: options.settingsAdmins ?? [],
            logger,
          }),
        }
      : {}),
    ...(options.usage ? { usage: options.usage } : {}),
    clock,
    logger,
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
  });
  return { ...admission, status: () => queue.counts() };
}

/** A request id for adapters that have none of their own. */
export function newRequestId(): string {
  return randomUUID();
}
