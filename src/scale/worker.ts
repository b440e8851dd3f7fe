/**
 * A worker (`start --role worker`): takes request jobs from the queue, claims their thread's turn,
 * rebuilds the request's attachments and reply target through the platform's postman (API
 * credentials only, no gateway connection), and runs the same turn as `start` does. A job that is
 * not its thread's turn yet goes back, delayed, and is promoted when the one before it ends.
 *
 * - Killed (SIGKILL): its jobs' locks expire and BullMQ runs them again on another worker; the
 *   delivery journal makes the second run edit the progress message the first one posted and skip
 *   what it sent, so the user sees one answer. A job whose turn had ended (and was recorded so)
 *   before its worker died is completed without running again.
 * - Stopped (SIGTERM): it takes no new job and lets the running ones finish within `drainMs`; what is
 *   still running then is left to another worker, as after a kill.
 * - A cancel published by any gateway aborts the turn of its thread here.
 */
import { DelayedError, Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { TurnJob, Turns } from "../core/turn.js";
import type { Postman, Request } from "../core/types.js";
import { BotError, errorSummary } from "../errors.js";
import type { Logger } from "../log.js";
import { jobDataSchema } from "./job.js";
import { createRedisJournal } from "./journal.js";
import { CANCEL_CHANNEL, type CancelMessage, JOB_ATTEMPTS, jobCounts } from "./queue.js";
import { isReady, KEY_PREFIX, QUEUE_NAME } from "./redis.js";
import type { Sequencer } from "./sequencer.js";

/** Where a job's end of turn is recorded, and for how long: longer than any job's life. */
const doneKey = (jobId: string) => `${KEY_PREFIX}done:${jobId}`;
const DONE_MS = 24 * 3_600_000;

export interface RedisWorkerOptions {
  /** A connection that waits for Redis (redis.ts `wait`): BullMQ's and the journal's. */
  redis: Redis;
  /** A connection of its own for the cancel channel (a subscribed connection runs nothing else). */
  subscriber: Redis;
  sequencer: Sequencer;
  turns: Turns;
  postmen: readonly Postman[];
  concurrency: number;
  /** How long a job's lock lasts without renewal: a killed worker's jobs run again after about this. */
  lockMs: number;
  /** How long a job waits before trying again when its thread is busy (it is promoted sooner). */
  retryMs?: number;
  logger: Logger;
}

export interface RedisWorker {
  /** Takes no new job, lets the running ones finish within `drainMs`, then leaves the rest to others. */
  close(drainMs: number): Promise<void>;
  running(): number;
  /** The queue's jobs over every worker (one Redis call), for the metrics; throws while Redis is down. */
  queueDepth(): Promise<{ running: number; queued: number }>;
}

interface Running {
  controller: AbortController;
  stoppedBy?: "user" | "shutdown";
}

export function createRedisWorker(options: RedisWorkerOptions): RedisWorker {
  const { redis, sequencer, turns, logger } = options;
  const postmen = new Map(options.postmen.map((postman) => [postman.platform, postman]));
  const retryMs = options.retryMs ?? 1_000;
  const queue = new Queue(QUEUE_NAME, { connection: redis });
  /** The turns running here, by thread. */
  const running = new Map<string, Running>();

  async function process(job: Job, token: string | undefined, signal: AbortSignal | undefined) {
    const parsed = jobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      // Nothing can answer a job that does not say where: failed for good, and logged.
      logger.error("job data does not match the schema", { job: job.id, error: parsed.error.message });
      throw new BotError("internal", "invalid job data");
    }
    const data = parsed.data;
    const jobId = job.id ?? "";
    // A run that ended its turn, then lost the job before BullMQ heard of it (Redis went away
    // between the two): the request is answered, and running it again would run it out of its
    // thread's order, after the requests that came next.
    if ((await redis.exists(doneKey(jobId))) === 1) {
      logger.info("job already answered; not run again", { job: jobId });
      await finishTurn(data.thread, data.member, jobId, logger);
      return;
    }
    const claim = await sequencer.claim(data.thread, data.member, jobId);
    if (claim !== "claimed") {
      await job.moveToDelayed(Date.now() + retryMs, token);
      throw new DelayedError();
    }
    const log = logger.child({
      request: data.request.id,
      platform: data.request.platform,
      thread: data.request.thread,
      user: data.request.author.id,
      job: jobId,
      run: job.attemptsStarted,
    });
    const postman = postmen.get(data.request.platform);
    const entry: Running = { controller: new AbortController() };
    running.set(data.thread, entry);
    const renewal = setInterval(
      () => {
        void sequencer.renew(data.thread, jobId).catch((error: unknown) => {
          log.warn("thread lease could not be renewed", { error: errorSummary(error) });
        });
      },
      Math.max(250, Math.floor(options.lockMs / 3)),
    );
    // BullMQ's own signal fires when the job is cancelled on this worker (forced close).
    signal?.addEventListener("abort", () => {
      entry.stoppedBy ??= "shutdown";
      entry.controller.abort(
        new BotError("cancelled", "the worker is stopping", {
          userMessage: "I was stopped before I could finish this request. Please send it again later.",
        }),
      );
    });
    try {
      if (!postman) {
        log.error("no postman for this platform on this worker", { platform: data.request.platform });
        throw new BotError("internal", `no ${data.request.platform} credentials on this worker`);
      }
      const request: Request = {
        ...data.request,
        attachments: data.request.attachments.map((ref) =>
          postman.attachment({ ...ref, size: ref.size ?? Number.NaN }, data.address),
        ),
      };
      const turn: TurnJob = {
        request,
        target: postman.target(
          data.address,
          createRedisJournal(redis, jobId, { rerun: job.stalledCounter > 0 || job.attemptsMade > 0 }),
        ),
        thread: data.thread,
        acceptedAt: data.acceptedAt,
        signal: entry.controller.signal,
        logger: log,
        stoppedBy: () => entry.stoppedBy,
      };
      const result = await turns.run(turn);
      await redis.set(doneKey(jobId), "1", "PX", DONE_MS).catch((error: unknown) => {
        log.warn("the end of the turn could not be recorded", { error: errorSummary(error) });
      });
      return result;
    } finally {
      clearInterval(renewal);
      running.delete(data.thread);
      await finishTurn(data.thread, data.member, jobId, log);
    }
  }

  /** Ends the thread's turn and wakes the next job of the thread, which waits delayed. */
  async function finishTurn(thread: string, member: string, jobId: string, log: Logger): Promise<void> {
    try {
      const next = await sequencer.release(thread, member, jobId);
      if (!next) return;
      const waiting = await Job.fromId(queue, next);
      if (waiting && (await waiting.isDelayed())) await waiting.promote();
    } catch (error) {
      // The next job still runs: its delay ends, or the lease expires.
      log.debug("next job of the thread not promoted", { error: errorSummary(error) });
    }
  }

  const worker = new Worker(QUEUE_NAME, process, {
    connection: redis,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    maxStalledCount: 2,
  });
  worker.on("error", (error) => logger.warn("worker connection error", { error: errorSummary(error) }));
  worker.on("failed", (job, error) => {
    if (!job || error instanceof DelayedError) return;
    const final = job.attemptsMade >= JOB_ATTEMPTS.attempts;
    logger.warn(final ? "job failed for good" : "job failed; it will be tried again", {
      job: job.id,
      error: errorSummary(error),
    });
    const parsed = jobDataSchema.safeParse(job.data);
    if (final && parsed.success) {
      void finishTurn(parsed.data.thread, parsed.data.member, job.id ?? "", logger);
      const postman = postmen.get(parsed.data.request.platform);
      void postman
        ?.target(parsed.data.address, createRedisJournal(redis, job.id ?? ""))
        .notice("I could not finish this request because of a problem on my side. Please send it again.")
        .catch(() => undefined);
    }
  });

  void options.subscriber.subscribe(CANCEL_CHANNEL).catch((error: unknown) => {
    logger.error("cannot listen for cancels", { error: errorSummary(error) });
  });
  options.subscriber.on("message", (channel: string, text: string) => {
    if (channel !== CANCEL_CHANNEL) return;
    let message: CancelMessage;
    try {
      message = JSON.parse(text) as CancelMessage;
    } catch {
      return;
    }
    const entry = running.get(message.thread);
    if (!entry || entry.controller.signal.aborted) return;
    entry.stoppedBy = "user";
    entry.controller.abort(new BotError("cancelled", `cancelled by ${message.by}`));
    logger.info("request cancelled on this worker", { thread: message.thread });
  });

  return {
    running: () => running.size,
    async queueDepth() {
      // The worker's connection queues commands while Redis is down: a scrape must not wait for it.
      if (!isReady(redis)) throw new BotError("internal", "the queue's Redis is not connected");
      const counts = await jobCounts(queue);
      return { running: counts.active, queued: counts.waiting };
    },
    async close(drainMs) {
      const drained = worker.close();
      const timer = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), drainMs).unref(),
      );
      if ((await Promise.race([drained, timer])) === "timeout") {
        logger.warn("requests still running at the end of the drain; another worker takes them over", {
          running: running.size,
        });
        await worker.close(true);
      }
      await queue.close();
      await options.subscriber.quit().catch(() => undefined);
    },
  };
}
