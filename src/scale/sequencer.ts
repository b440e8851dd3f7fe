/**
 * One request at a time per thread, in the order the platform stamped them, however many gateways
 * took them and however many workers run (BullMQ's open-source queue has no groups).
 *
 * Each thread has a sorted set of its requests, ordered by the platform's stamp (Slack's ts, a
 * Discord snowflake), and a lease naming the request that runs. A gateway adds a request to its
 * thread's set once its job is in the queue. A worker that takes a job first claims the thread: it
 * runs the job only when the job heads the set and no other job holds the lease; otherwise the job
 * goes back to the queue, delayed, to be tried again (and is promoted as soon as the one before it
 * ends). The lease expires on its own when the worker holding it dies, so a killed worker never
 * blocks its thread; a head whose job no longer exists (removed, failed for good) is dropped by the
 * next claim. Every step is one Lua script: atomic in Redis, whichever process runs it.
 */
import type { Redis } from "ioredis";
import { KEY_PREFIX, QUEUE_NAME } from "./redis.js";

/** Where BullMQ keeps a job: its hash, whose existence says the job still exists. */
export const JOB_KEY_PREFIX = `bull:${QUEUE_NAME}:`;

const orderKey = (thread: string) => `${KEY_PREFIX}order:${thread}`;
const leaseKey = (thread: string) => `${KEY_PREFIX}lease:${thread}`;

/** A request's place in its thread: the stamp sorts, the job id names it. */
export function memberOf(stamp: string, jobId: string): string {
  return `${stamp}|${jobId}`;
}

/**
 * KEYS: order, lease. ARGV: member, job id, lease ms, job key prefix.
 * Returns 1 (claimed), 0 (another job holds the lease), -1 (not the head yet).
 */
const CLAIM = `
local holder = redis.call('GET', KEYS[2])
if holder and holder ~= ARGV[2] then
  if redis.call('EXISTS', ARGV[4] .. holder) == 1 then return 0 end
  redis.call('DEL', KEYS[2])
end
redis.call('ZADD', KEYS[1], 'NX', 0, ARGV[1])
while true do
  local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  if head == ARGV[1] then break end
  local id = string.match(head, '|(.+)$')
  if redis.call('EXISTS', ARGV[4] .. id) == 1 then return -1 end
  redis.call('ZREM', KEYS[1], head)
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
return 1
`;

/** KEYS: order, lease. ARGV: member, job id. Ends the job's turn; returns the next head's job id. */
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
if not head then return false end
return string.match(head, '|(.+)$')
`;

/** KEYS: lease. ARGV: job id, lease ms. Keeps the lease while the job runs. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`;

export type Claim = "claimed" | "busy" | "not-yet";

export interface Sequencer {
  /** Adds a queued request to its thread's order. */
  enter(thread: string, member: string): Promise<void>;
  claim(thread: string, member: string, jobId: string): Promise<Claim>;
  /** Keeps a running job's lease; false when another job has it (this one's lease expired). */
  renew(thread: string, jobId: string): Promise<boolean>;
  /** Ends a job's turn (done, failed for good, withdrawn); the id of the thread's next job, if any. */
  release(thread: string, member: string, jobId: string): Promise<string | undefined>;
  /** The thread's requests in order (members), and the job that holds the lease. */
  inspect(thread: string): Promise<{ members: string[]; running: string | undefined }>;
}

export function createSequencer(redis: Redis, leaseMs: number): Sequencer {
  return {
    async enter(thread, member) {
      await redis.zadd(orderKey(thread), "NX", 0, member);
    },
    async claim(thread, member, jobId) {
      const result = Number(
        await redis.eval(
          CLAIM,
          2,
          orderKey(thread),
          leaseKey(thread),
          member,
          jobId,
          leaseMs,
          JOB_KEY_PREFIX,
        ),
      );
      return result === 1 ? "claimed" : result === 0 ? "busy" : "not-yet";
    },
    async renew(thread, jobId) {
      return Number(await redis.eval(RENEW, 1, leaseKey(thread), jobId, leaseMs)) === 1;
    },
    async release(thread, member, jobId) {
      const next = await redis.eval(RELEASE, 2, orderKey(thread), leaseKey(thread), member, jobId);
      return typeof next === "string" ? next : undefined;
    },
    async inspect(thread) {
      const [members, running] = await Promise.all([
        redis.zrange(orderKey(thread), 0, -1),
        redis.get(leaseKey(thread)),
      ]);
      return { members, running: running ?? undefined };
    },
  };
}
