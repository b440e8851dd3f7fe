import type Keyv from "keyv";
import type { Clock } from "./clock.js";
import { KeyedQueue } from "./keyed-queue.js";

/** How many requests one user may make per window; `requests: 0` means no limit. */
export interface RateLimitSettings {
  requests: number;
  windowMs: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

export interface RateLimiter {
  /** Counts a request of `key` if it is within the limit; otherwise says when the next one will be. */
  take(key: string): Promise<RateDecision>;
}

/**
 * A sliding-window log per user in a keyv namespace: the times of the requests of the last window.
 * A sliding window, not fixed buckets, so nobody gets twice the limit across a bucket boundary, and
 * the wait it announces is exact: when the oldest counted request leaves the window. Updates of one
 * key are serialized in this process; several bot processes on one Redis may let a burst through
 * by a request or two, which a rate limit of this kind can afford.
 */
export function createRateLimiter(
  store: Keyv<number[]>,
  settings: RateLimitSettings,
  clock: Clock,
): RateLimiter {
  const queue = new KeyedQueue();
  return {
    take(key) {
      if (settings.requests === 0) return Promise.resolve({ allowed: true });
      return queue.run(key, async () => {
        const now = clock.now();
        const since = now - settings.windowMs;
        const times = ((await store.get(key)) ?? []).filter((time) => time > since);
        if (times.length >= settings.requests) {
          const oldest = times[times.length - settings.requests] ?? now;
          return { allowed: false, retryAfterMs: Math.max(1, oldest + settings.windowMs - now) };
        }
        times.push(now);
        await store.set(key, times, settings.windowMs);
        return { allowed: true };
      });
    },
  };
}
