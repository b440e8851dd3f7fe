/**
 * The queue as a gateway sees it: admitted requests become BullMQ jobs on Redis, which workers on
 * any machine take. The job id comes from the platform's event id, so an event delivered to two
 * gateways is one job; the thread's order is kept by the sequencer; the queue bound holds across
 * gateways through reservations counted in Redis while a job is being added. A cancel withdraws the
 * thread's waiting jobs here and reaches the worker running its request through Redis pub/sub.
 */
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { AdmittedRequest, QueueOffer, RequestQueue } from "../core/queue.js";
import { errorSummary } from "../errors.js";
import type { Logger } from "../log.js";
import { jobDataOf, jobIdOf, stampOf } from "./job.js";
import { KEY_PREFIX, QUEUE_NAME } from "./redis.js";
import { memberOf, type Sequencer } from "./sequencer.js";

/** The pub/sub channel on which cancels reach the workers. */
export const CANCEL_CHANNEL = `${KEY_PREFIX}cancel`;

/** What a cancel message carries. */
export interface CancelMessage {
  thread: string;
  by: string;
}

const RESERVATIONS = `${KEY_PREFIX}reserved`;
/** A reservation left by a gateway that died while adding a job is forgotten after this. */
const RESERVATION_MS = 30_000;

/** Jobs kept after they end, for inspection; failed ones longer. */
export const JOB_RETENTION = {
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
} as const;

/** Infrastructure failures of a job (Redis, a worker's own error) are retried; a turn never throws. */
export const JOB_ATTEMPTS = { attempts: 3, backoff: { type: "exponential", delay: 1_000 } } as const;

export interface RedisQueueOptions {
  /** A fail-fast connection (redis.ts): a gateway tells the user at once when Redis is down. */
  redis: Redis;
  sequencer: Sequencer;
  maxQueued: number;
  /** Requests one worker runs at once: with the workers' count, how many can start without waiting. */
  workerConcurrency: number;
  logger: Logger;
}

export interface RedisQueue extends RequestQueue {
  readonly queue: Queue;
}

const WAITING_STATES = ["wait", "delayed", "prioritized"] as const;

/** The jobs waiting (for a worker, or delayed for their thread) and running, over every worker. */
export async function jobCounts(queue: Queue): Promise<{ waiting: number; active: number }> {
  const found = await queue.getJobCounts(...WAITING_STATES, "active");
  const waiting = WAITING_STATES.reduce((sum, state) => sum + (found[state] ?? 0), 0);
  return { waiting, active: found.active ?? 0 };
}

export function createRedisQueue(options: RedisQueueOptions): RedisQueue {
  const { redis, sequencer, maxQueued, logger } = options;
  const queue = new Queue(QUEUE_NAME, { connection: redis });
  queue.on("error", (error) => logger.warn("queue connection error", { error: errorSummary(error) }));
  const counts = () => jobCounts(queue);

  /** Reserves a place; the count of waiting jobs and places reserved by others, or undefined when full. */
  async function reserve(): Promise<{ waiting: number; active: number } | undefined> {
    const reserved = await redis.incr(RESERVATIONS);
    await redis.pexpire(RESERVATIONS, RESERVATION_MS);
    const now = await counts();
    if (now.waiting + reserved - 1 >= maxQueued) {
      await redis.decr(RESERVATIONS);
      return undefined;
    }
    return now;
  }

  return {
    queue,

    async full() {
      return (await counts()).waiting >= maxQueued;
    },

    async offer(admitted: AdmittedRequest): Promise<QueueOffer> {
      const before = await reserve();
      if (!before) {
        const now = await counts();
        return { accepted: false, queued: now.waiting, running: now.active };
      }
      try {
        const jobId = jobIdOf(admitted.request);
        const member = memberOf(stampOf(admitted.request), jobId);
        const earlier = await sequencer.inspect(admitted.thread);
        const data = jobDataOf(
          admitted.request,
          admitted.target,
          admitted.thread,
          admitted.acceptedAt,
          member,
        );
        await queue.add("request", data, { jobId, ...JOB_RETENTION, ...JOB_ATTEMPTS });
        // After the job exists: a claim drops heads whose job does not exist.
        await sequencer.enter(admitted.thread, member);
        admitted.logger.info("request accepted", {
          attachments: admitted.request.attachments.length,
          job: jobId,
        });
        const behindThread = earlier.members.length > 0;
        const capacity = (await queue.getWorkersCount()) * options.workerConcurrency;
        const free = Math.max(0, capacity - before.active);
        const position = behindThread ? earlier.members.length : Math.max(0, before.waiting + 1 - free);
        return { accepted: true, position, behindThread };
      } finally {
        await redis.decr(RESERVATIONS).catch(() => undefined);
      }
    },

    async cancel(thread, by) {
      const { members, running } = await sequencer.inspect(thread);
      let withdrawn = 0;
      for (const member of members) {
        const jobId = member.slice(member.lastIndexOf("|") + 1);
        if (jobId === running) continue;
        // A job a worker holds cannot be removed: it is the running one (or about to find it is not its turn).
        const removed = await queue.remove(jobId).catch(() => 0);
        if (removed === 1) {
          await sequencer.release(thread, member, jobId);
          withdrawn += 1;
        }
      }
      const message: CancelMessage = { thread, by };
      const heard = running ? await redis.publish(CANCEL_CHANNEL, JSON.stringify(message)) : 0;
      if (running && heard === 0) logger.warn("cancel published but no worker listens", { thread });
      return { running: running !== undefined, queued: withdrawn };
    },

    async status() {
      const now = await counts();
      return { running: now.active, queued: now.waiting };
    },

    async close() {
      // Queued jobs belong to the workers, not to this gateway: they stay.
      await queue.close();
    },

    async idle() {
      for (;;) {
        const now = await counts();
        if (now.waiting === 0 && now.active === 0) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}
