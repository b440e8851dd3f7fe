/**
 * The two roles beyond one process, made of the same admission and turn as `start`:
 *
 * - a gateway (`start --role gateway`) admits (allowlists, dedupe, rate limits, commands, sizes,
 *   the queue bound, all counted in Redis so that every gateway sees the same) and queues one BullMQ
 *   job per request; no pipeline runs there;
 * - a worker (`start --role worker`) runs the turns of those jobs.
 */
import type { Redis } from "ioredis";
import { createAdmission } from "../core/admission.js";
import type { Bot } from "../core/bot.js";
import { systemClock } from "../core/clock.js";
import { createConversationMemory } from "../core/memory.js";
import type { BotSettings } from "../core/settings.js";
import type { SettingsDesk } from "../core/settings-desk.js";
import { createTurns, type RequestReport } from "../core/turn.js";
import type { CommandDefinition, Postman } from "../core/types.js";
import type { UsageAccounting } from "../core/usage.js";
import { errorSummary } from "../errors.js";
import type { Logger } from "../log.js";
import type { Pipeline } from "../pipeline/index.js";
import type { Storage } from "../storage/index.js";
import type { Telemetry } from "../telemetry.js";
import type { UsageLedger } from "../usage/types.js";
import type { WorkspaceSettingsStore } from "../workspace-settings/index.js";
import { createRedisLedger, createRedisRateLimiter } from "./counters.js";
import { createRedisQueue } from "./queue.js";
import { connectRedis } from "./redis.js";
import { createSequencer } from "./sequencer.js";
import { createRedisUsageLedger } from "./usage-ledger.js";
import { createRedisWorker, type RedisWorker } from "./worker.js";

/** A thread's lease outlives a job's lock: a worker that lost its lock to a short outage keeps its thread. */
const LEASE_PER_LOCK = 2;

export interface GatewayOptions {
  redisUrl: string;
  storage: Storage;
  settings: BotSettings;
  commands: readonly CommandDefinition[];
  listModels?: (task: string) => Promise<string>;
  /** `/settings`, answered by the gateway that receives it. */
  settingsDesk?: SettingsDesk;
  /** Requests one worker runs at once (MAX_CONCURRENT_REQUESTS of the workers). */
  workerConcurrency: number;
  lockMs: number;
  logger: Logger;
  /** Where admission reports its refusals (src/ops). */
  telemetry?: Telemetry;
  /**
   * Budgets checked and requests counted at admission, on a ledger made on this gateway's Redis
   * connection (src/scale/usage-ledger.ts); none: nothing is counted.
   */
  usage?: (ledger: UsageLedger) => UsageAccounting;
}

export interface Gateway {
  bot: Bot;
  /** The gateway's Redis connection, for readiness. */
  redis: Redis;
  /** The queue's jobs over every worker (one Redis call), for the metrics; throws while Redis is down. */
  queueDepth(): Promise<{ running: number; queued: number }>;
}

/** A gateway's bot: admission over the queue on Redis. */
export function createGateway(options: GatewayOptions): Gateway {
  const { settings, logger } = options;
  const redis = connectRedis(options.redisUrl, "fail-fast", "gateway");
  redis.on("error", (error) => logger.debug("gateway Redis connection", { error: errorSummary(error) }));
  const sequencer = createSequencer(redis, options.lockMs * LEASE_PER_LOCK);
  const queue = createRedisQueue({
    redis,
    sequencer,
    maxQueued: settings.maxQueued,
    workerConcurrency: options.workerConcurrency,
    logger,
  });
  const memory = createConversationMemory(
    options.storage.namespace<string>("memory", settings.memory.ttlMs),
    settings.memory,
  );
  let counts = { running: 0, queued: 0 };
  const admission = createAdmission({
    settings,
    queue: {
      ...queue,
      async offer(job) {
        const offer = await queue.offer(job);
        counts = offer.accepted
          ? { running: counts.running, queued: offer.position }
          : { running: offer.running, queued: offer.queued };
        return offer;
      },
    },
    ledger: createRedisLedger(redis, settings.dedupeTtlMs),
    limiter: createRedisRateLimiter(redis, settings.rateLimit),
    forget: async (thread) => {
      await memory.forget(thread);
    },
    commands: options.commands,
    ...(options.listModels ? { listModels: options.listModels } : {}),
    ...(options.settingsDesk ? { settingsDesk: options.settingsDesk } : {}),
    ...(options.usage ? { usage: options.usage(createRedisUsageLedger(redis)) } : {}),
    logger,
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
  });
  return {
    redis,
    queueDepth: () => queue.status(),
    bot: {
      ...admission,
      status: () => counts,
      async close() {
        await admission.close();
        await redis.quit().catch(() => undefined);
      },
    },
  };
}

export interface WorkerOptions {
  redisUrl: string;
  pipeline: Pipeline;
  storage: Storage;
  settings: BotSettings;
  postmen: readonly Postman[];
  /** The settings per workspace and channel, read for every request (shared with the gateways in Redis). */
  workspaceSettings?: WorkspaceSettingsStore;
  lockMs: number;
  logger: Logger;
  onSettled?: (report: RequestReport) => void;
  /** Where the turns report (src/ops). */
  telemetry?: Telemetry;
  /** What each request used added to the counts, on this worker's Redis connection; none: not counted. */
  usage?: (ledger: UsageLedger) => UsageAccounting;
}

export interface Worker extends RedisWorker {
  redis: Redis;
}

/** A worker: the turns of queued requests, as many at once as MAX_CONCURRENT_REQUESTS. */
export function startWorker(options: WorkerOptions): Worker {
  const { settings, logger } = options;
  const redis = connectRedis(options.redisUrl, "wait", "worker");
  redis.on("error", (error) => logger.debug("worker Redis connection", { error: errorSummary(error) }));
  const subscriber = connectRedis(options.redisUrl, "wait", "worker-cancels");
  subscriber.on("error", () => undefined);
  const memory = createConversationMemory(
    options.storage.namespace<string>("memory", settings.memory.ttlMs),
    settings.memory,
  );
  const turns = createTurns({
    pipeline: options.pipeline,
    memory,
    settings,
    clock: systemClock,
    ...(options.workspaceSettings ? { workspaceSettings: options.workspaceSettings } : {}),
    ...(options.onSettled ? { onSettled: options.onSettled } : {}),
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    ...(options.usage ? { usage: options.usage(createRedisUsageLedger(redis)) } : {}),
  });
  const worker = createRedisWorker({
    redis,
    subscriber,
    sequencer: createSequencer(redis, options.lockMs * LEASE_PER_LOCK),
    turns,
    postmen: options.postmen,
    concurrency: settings.maxConcurrent,
    lockMs: options.lockMs,
    logger,
  });
  return {
    redis,
    running: worker.running,
    queueDepth: worker.queueDepth,
    async close(drainMs) {
      await worker.close(drainMs);
      await Promise.all(options.postmen.map((postman) => postman.close?.()));
      await redis.quit().catch(() => undefined);
    },
  };
}
