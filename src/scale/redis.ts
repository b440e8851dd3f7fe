/**
 * The Redis connections of the roles. A gateway's calls fail at once while Redis is down (no offline
 * queue), so it can tell the user instead of waiting; a worker's wait and retry until Redis is back,
 * as BullMQ asks of its workers. Keys of the bot's own (order, dedupe, counters) share one prefix.
 */
import { Redis, type RedisOptions } from "ioredis";

/** The prefix of every key the roles keep besides BullMQ's own (`bull:`). */
export const KEY_PREFIX = "hgb:";

/** The BullMQ queue every request goes through. */
export const QUEUE_NAME = "hugginggpt-requests";

export type ConnectionRole = "fail-fast" | "wait";

/** A connection for one use; `fail-fast` for calls that answer a user now, `wait` for workers. */
export function connectRedis(url: string, role: ConnectionRole, name: string): Redis {
  const options: RedisOptions = {
    connectionName: `hugginggpt-bot:${name}`,
    // BullMQ needs this on workers (blocking commands); a gateway fails fast through the offline queue instead.
    maxRetriesPerRequest: role === "wait" ? null : 1,
    enableOfflineQueue: role === "wait",
    // Reconnect forever, from 0.5 s up to 5 s apart: Redis coming back is picked up within seconds.
    retryStrategy: (times) => Math.min(500 * times, 5_000),
    lazyConnect: false,
  };
  return new Redis(url, options);
}

/** Whether a connection answers now. */
export function isReady(redis: Redis): boolean {
  return redis.status === "ready";
}
