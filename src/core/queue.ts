/**
 * What stands between admission and the turn: the queue of admitted requests. Requests of one thread
 * run one at a time in order; at most `maxConcurrent` run at once; at most `maxQueued` wait. The
 * in-process queue here serves `start`; the roles use the same interface over BullMQ on Redis
 * (src/scale/), so admission and the turn are the same code in both.
 */
import { BotError } from "../errors.js";
import type { Logger } from "../log.js";
import type { TurnJob, Turns } from "./turn.js";
import type { CancelOutcome, ReplyTarget, Request } from "./types.js";

/** A request admission accepted, on its way to a turn. */
export interface AdmittedRequest {
  request: Request;
  target: ReplyTarget;
  /** The thread key (`platform:channel:thread`). */
  thread: string;
  acceptedAt: number;
  logger: Logger;
}

/** Where an accepted request stands: `position` 0 starts at once; `behindThread` waits for its thread. */
export type QueueOffer =
  | { accepted: true; position: number; behindThread: boolean }
  | { accepted: false; queued: number; running: number };

export interface RequestQueue {
  /** Whether a request of this thread would be refused for a full queue now (checked before the rate limit). */
  full(thread: string): Promise<boolean>;
  /** Queues a request (logging "request accepted" before it can start); refused when the queue is full. */
  offer(job: AdmittedRequest): Promise<QueueOffer>;
  /** Aborts the thread's running request and withdraws its queued ones. */
  cancel(thread: string, by: string): Promise<CancelOutcome>;
  status(): Promise<{ running: number; queued: number }>;
  /** Withdraws the queued requests (each told) and stops the running ones, then waits for them. */
  close(notify: (job: AdmittedRequest, text: string) => Promise<void>): Promise<void>;
  /** Resolves when nothing runs or waits. */
  idle(): Promise<void>;
}

export interface LocalQueueOptions {
  turns: Turns;
  maxConcurrent: number;
  maxQueued: number;
}

interface LocalJob extends AdmittedRequest {
  controller: AbortController;
  stoppedBy?: "user" | "shutdown";
}

/** The words a request withdrawn by a shutdown gets. */
export const WITHDRAWN_BY_SHUTDOWN =
  "I am shutting down; this request was not run. Please send it again later.";

/** The in-process queue: the waiting requests in memory, turns run in this process. */
export function createLocalQueue(options: LocalQueueOptions): RequestQueue & {
  /** Synchronous counts, for the bot's own status. */
  counts(): { running: number; queued: number };
} {
  const { turns, maxConcurrent, maxQueued } = options;
  /** Waiting jobs over all threads, oldest first. */
  const waiting: LocalJob[] = [];
  /** The running job of each thread (one per thread at most). */
  const running = new Map<string, LocalJob>();
  let idleWaiters: Array<() => void> = [];

  const isIdle = () => running.size === 0 && waiting.length === 0;
  const checkIdle = () => {
    if (!isIdle()) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const resolve of waiters) resolve();
  };
  const mustWait = (thread: string) =>
    running.size >= maxConcurrent || running.has(thread) || waiting.some((job) => job.thread === thread);

  function turnJob(job: LocalJob): TurnJob {
    return {
      request: job.request,
      target: job.target,
      thread: job.thread,
      acceptedAt: job.acceptedAt,
      signal: job.controller.signal,
      logger: job.logger,
      stoppedBy: () => job.stoppedBy,
    };
  }

  /** Starts every waiting job that may start: its thread idle, a slot free; oldest first. */
  function pump(): void {
    for (let index = 0; index < waiting.length && running.size < maxConcurrent; ) {
      const job = waiting[index]!;
      if (running.has(job.thread)) {
        index += 1;
        continue;
      }
      waiting.splice(index, 1);
      running.set(job.thread, job);
      void turns.run(turnJob(job)).finally(() => {
        running.delete(job.thread);
        pump();
        checkIdle();
      });
    }
  }

  return {
    async full(thread) {
      return mustWait(thread) && waiting.length >= maxQueued;
    },

    async offer(admitted) {
      if (mustWait(admitted.thread) && waiting.length >= maxQueued) {
        return { accepted: false, queued: waiting.length, running: running.size };
      }
      const job: LocalJob = { ...admitted, controller: new AbortController() };
      job.logger.info("request accepted", { attachments: job.request.attachments.length });
      waiting.push(job);
      pump();
      const position = waiting.indexOf(job) + 1;
      return { accepted: true, position, behindThread: position > 0 && running.has(job.thread) };
    },

    async cancel(thread, by) {
      const job = running.get(thread);
      let stopped = false;
      if (job && !job.controller.signal.aborted) {
        job.stoppedBy = "user";
        job.controller.abort(new BotError("cancelled", `cancelled by ${by}`));
        stopped = true;
      }
      let withdrawn = 0;
      for (let index = waiting.length - 1; index >= 0; index--) {
        if (waiting[index]!.thread !== thread) continue;
        const [removed] = waiting.splice(index, 1);
        removed?.logger.info("request withdrawn by a cancel");
        withdrawn += 1;
      }
      checkIdle();
      return { running: stopped, queued: withdrawn };
    },

    async status() {
      return { running: running.size, queued: waiting.length };
    },

    counts: () => ({ running: running.size, queued: waiting.length }),

    async close(notify) {
      for (const job of waiting.splice(0)) {
        job.logger.info("request withdrawn by shutdown");
        await notify(job, WITHDRAWN_BY_SHUTDOWN);
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
      await new Promise<void>((resolve) => (isIdle() ? resolve() : idleWaiters.push(resolve)));
    },

    idle: () => new Promise<void>((resolve) => (isIdle() ? resolve() : idleWaiters.push(resolve))),
  };
}
