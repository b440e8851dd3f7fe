import type { createClient, default as KeyvRedis } from "@keyv/redis";
import type { Backend } from "./backend.js";

export class RedisOfflineError extends Error {
  constructor(reason: string) {
    super(`Redis is not reachable: ${reason}`);
    this.name = "RedisOfflineError";
  }
}

function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}

/** The client: commands fail at once while disconnected; reconnects back off up to `maxDelayMs`. */
function newClient(create: typeof createClient, url: string, connectTimeoutMs: number, maxDelayMs: number) {
  return create({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: connectTimeoutMs,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, maxDelayMs),
    },
  });
}

/**
 * Redis through @keyv/redis, one client for every namespace; keys are `PREFIX::namespace:key`.
 *
 * The client never queues commands while disconnected (they fail at once, so a stopped Redis costs a
 * request nothing) and reconnects in the background for as long as the storage is open.
 *
 * @keyv/redis (with node-redis, some 400 modules and 17 MB of a process) is imported when a Redis
 * storage is opened, not with this module, so that a bot on SQLite or memory never loads it.
 */
export function openRedis(
  url: string,
  options: { prefix?: string; connectTimeoutMs?: number; maxReconnectDelayMs?: number } = {},
): Backend {
  const prefix = options.prefix ?? "hugginggpt-bot";
  const maxDelay = options.maxReconnectDelayMs ?? 5000;
  // Set once the module is loaded; every method waits for that in ready() before it uses them.
  let client!: ReturnType<typeof newClient>;
  let store!: KeyvRedis<string>;
  let everReady = false;
  let lastError: Error | undefined;
  let closed = false;
  const waiting = new Set<(error?: Error) => void>();
  const opening = import("@keyv/redis").then((module) => {
    client = newClient(module.createClient, url, options.connectTimeoutMs ?? 2000, maxDelay);
    client.on("ready", () => {
      everReady = true;
      for (const wake of waiting) wake();
    });
    // node-redis throws an error event that nobody listens to; this one is reported by the resilient layer.
    client.on("error", (error: unknown) => {
      lastError = error instanceof Error ? error : new Error(String(error));
      for (const wake of waiting) wake(lastError);
    });
    // Closed before the module was loaded: no connection is opened at all.
    if (!closed) client.connect().catch(() => undefined);

    store = new module.default<string>(client, {
      namespace: prefix,
      throwOnErrors: true,
      throwOnConnectError: true,
    });
    store.on("error", () => undefined);
  });
  // A failed import surfaces from the next call, never as an unhandled rejection.
  opening.catch(() => undefined);

  /** Until the first connection, wait for it (or its first failure); later, fail at once while down. */
  async function ready(): Promise<void> {
    if (closed) throw new RedisOfflineError("the storage is closed");
    await opening;
    if (closed) throw new RedisOfflineError("the storage is closed");
    if (client.isReady) return;
    if (everReady) throw new RedisOfflineError(lastError?.message ?? "reconnecting");
    await new Promise<void>((resolve, reject) => {
      const wake = (error?: Error): void => {
        waiting.delete(wake);
        if (error) reject(new RedisOfflineError(error.message));
        else resolve();
      };
      waiting.add(wake);
    });
  }

  return {
    name: "redis",
    async get(key) {
      await ready();
      const value: unknown = await store.get(key);
      return typeof value === "string" ? value : undefined;
    },
    async set(key, value, ttlMs) {
      await ready();
      await store.set(key, value, ttlMs !== undefined && ttlMs > 0 ? Math.ceil(ttlMs) : undefined);
    },
    async delete(key) {
      await ready();
      return store.delete(key);
    },
    async clear(keyPrefix) {
      await ready();
      const match = `${globEscape(store.createKeyPrefix(keyPrefix, prefix))}*`;
      for await (const keys of client.scanIterator({ MATCH: match, COUNT: 500 })) {
        if (keys.length > 0) await client.unlink(keys);
      }
    },
    async keys(keyPrefix) {
      await ready();
      // Keys come back with the storage's own prefix (`PREFIX::`), which the callers never see.
      const own = store.createKeyPrefix("", prefix);
      const match = `${globEscape(store.createKeyPrefix(keyPrefix, prefix))}*`;
      const found: string[] = [];
      for await (const keys of client.scanIterator({ MATCH: match, COUNT: 500 })) {
        for (const key of keys) found.push(key.slice(own.length));
      }
      return found;
    },
    async ping() {
      await ready();
      await client.ping();
    },
    async close() {
      closed = true;
      for (const wake of waiting) wake(new Error("the storage is closed"));
      if (!(await opening.then(() => true).catch(() => false))) return;
      if (client.isReady) {
        await client.close().catch(() => client.destroy());
      } else if (client.isOpen) {
        client.destroy();
      }
    },
  };
}
