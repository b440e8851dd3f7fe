/**
 * The counters admission shares between processes, each one Redis command or script, so that two
 * gateways cannot both win: the delivery ledger (SET NX: an event id is taken once), the rate limit
 * (a sliding-window log per user in a sorted set, read and written by one script), and the
 * reservations that keep the queue within its bound while jobs are being added.
 */
import type { Redis } from "ioredis";
import type { DeliveryLedger } from "../core/dedupe.js";
import type { RateLimiter, RateLimitSettings } from "../core/rate-limit.js";
import { errorSummary } from "../errors.js";
import { KEY_PREFIX } from "./redis.js";

/** Redeliveries dropped across gateways: the first SET NX of an event id wins. */
export function createRedisLedger(redis: Redis, ttlMs: number): DeliveryLedger {
  return {
    async firstSight(key, log) {
      try {
        const set = await redis.set(`${KEY_PREFIX}seen:${key}`, "1", "PX", ttlMs, "NX");
        return set === "OK";
      } catch (error) {
        // Redis is down: the request is refused by the queue next, with a notice; never dropped silently.
        log.warn("dedupe on Redis failed; letting the message through", { error: errorSummary(error) });
        return true;
      }
    },
  };
}

/**
 * KEYS[1] the user's log; ARGV now, window, limit, member. Drops what left the window, then either
 * counts this request or answers how long until the oldest counted one leaves.
 */
const SLIDING_WINDOW = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]) - tonumber(ARGV[2]))
local count = redis.call('ZCARD', KEYS[1])
local limit = tonumber(ARGV[3])
if count >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], count - limit, count - limit, 'WITHSCORES')
  return tonumber(oldest[2]) + tonumber(ARGV[2]) - tonumber(ARGV[1])
end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0
`;

/**
 * The same sliding window as the in-process limiter (core/rate-limit.ts), kept in Redis by one
 * script: every gateway counts against the same log, so a user's limit holds across them.
 */
export function createRedisRateLimiter(
  redis: Redis,
  settings: RateLimitSettings,
  now: () => number = Date.now,
): RateLimiter {
  let sequence = 0;
  return {
    async take(key) {
      if (settings.requests === 0) return { allowed: true };
      const at = now();
      // Unique per call, so two requests in one millisecond are two entries.
      const member = `${at}:${process.pid}:${sequence++}`;
      const wait = Number(
        await redis.eval(
          SLIDING_WINDOW,
          1,
          `${KEY_PREFIX}rate:${key}`,
          at,
          settings.windowMs,
          settings.requests,
          member,
        ),
      );
      return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
    },
  };
}
