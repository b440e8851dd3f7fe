import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import Keyv, { type KeyvStoreAdapter, type StoredData } from "keyv";
import type { Config } from "../config/index.js";
import { type Logger, silentLogger } from "../log.js";
import type { Backend, BackendName } from "./backend.js";
import { MemoryBackend } from "./memory.js";
import { openRedis } from "./redis.js";
import { type BackendStatus, ResilientBackend } from "./resilient.js";
import { openSqlite, SQLITE_BUSY_TIMEOUT_MS } from "./sqlite.js";

export type { Backend, BackendName, BackendStatus };

/** The namespaces the bot keeps, each with its own time to live. */
export type NamespaceName =
  | "results"
  | "catalog"
  | "dedupe"
  | "ratelimit"
  | "memory"
  | "web"
  | "slack-installations"
  /** What admins set per workspace and channel (`/settings`), and its audit. */
  | "settings"
  | "settings-audit"
  | "usage";

/** The SQLite file's name inside DATA_DIR. */
export const SQLITE_FILE = "storage.sqlite";

export interface Storage {
  /**
   * A keyv store for one namespace; entries expire after `ttlMs` unless a set() says otherwise.
   * From createStorage, its calls never throw for a backend that is down: memory answers until it is back.
   */
  namespace<Value>(name: NamespaceName, ttlMs: number): Keyv<Value>;
  /**
   * The keys of a namespace (as its keyv store takes them), for the few namespaces that are listed
   * (installations). It may name entries that have just expired: a get() tells.
   */
  keys(name: NamespaceName): Promise<string[]>;
  close(): Promise<void>;
}

/** The storage createStorage builds: a backend with timeouts and the in-memory fallback around it. */
export interface ManagedStorage extends Storage {
  /** Where values live: memory (tests), a SQLite file, or Redis. */
  readonly backend: BackendName;
  /** Whether the backend answers, or memory does while it is down. */
  status(): BackendStatus;
}

export interface StorageTuning {
  /** Lines about outages and recoveries (once each, not per call). */
  logger?: Logger;
  /** The longest one backend call may take (default 1500 ms); then memory answers. */
  timeoutMs?: number;
  /** First retry of a backend that is down (default 2000 ms, doubling up to `maxRetryMs`). */
  retryMs?: number;
  maxRetryMs?: number;
  /** How often expired entries are dropped from SQLite and memory (default 10 min). */
  sweepIntervalMs?: number;
}

export type StorageOptions = StorageTuning &
  (
    | { backend?: "memory" }
    | { backend: "sqlite"; file: string; busyTimeoutMs?: number }
    | { backend: "redis"; url: string; prefix?: string; connectTimeoutMs?: number }
  );

/** Keyv's view of one namespace: keys arrive as `namespace:key` and values already serialized. */
class NamespaceStore implements KeyvStoreAdapter {
  opts = { dialect: "hugginggpt-bot" };
  namespace: string | undefined;

  constructor(
    private readonly backend: ResilientBackend,
    private readonly prefix: string,
  ) {}

  async get<Value>(key: string): Promise<StoredData<Value> | undefined> {
    // keyv deserializes the string it stored; the adapter's type cannot say so.
    return (await this.backend.get(key)) as StoredData<Value> | undefined;
  }

  async set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    await this.backend.set(key, typeof value === "string" ? value : JSON.stringify(value), ttl);
    return true;
  }

  delete(key: string): Promise<boolean> {
    return this.backend.delete(key);
  }

  clear(): Promise<void> {
    return this.backend.clear(this.prefix);
  }

  /** No events: failures are handled (and logged) below, never thrown or emitted. */
  on(): this {
    return this;
  }
}

function redisLocation(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || "6379"}`;
  } catch {
    return "redis";
  }
}

/** Storage over memory (the default: tests), a SQLite file, or Redis. */
export function createStorage(options: StorageOptions = {}): ManagedStorage {
  switch (options.backend) {
    case "sqlite": {
      const busyTimeoutMs = options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS;
      // The backend is only declared down once a call has outlasted its own wait for the lock.
      return createStorageOver(openSqlite(options.file, { busyTimeoutMs }), {
        ...options,
        timeoutMs: options.timeoutMs ?? busyTimeoutMs + 1000,
        location: options.file,
      });
    }
    case "redis":
      return createStorageOver(
        openRedis(options.url, {
          ...(options.prefix !== undefined ? { prefix: options.prefix } : {}),
          ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
        }),
        { ...options, location: redisLocation(options.url) },
      );
    default:
      return createStorageOver(new MemoryBackend(), options);
  }
}

/** Storage over any backend, with the timeouts and the in-memory fallback around it. */
export function createStorageOver(
  primary: Backend,
  options: StorageTuning & { location?: string } = {},
): ManagedStorage {
  const backend = new ResilientBackend(primary, {
    logger: options.logger ?? silentLogger,
    ...(options.location !== undefined ? { location: options.location } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.retryMs !== undefined ? { retryMs: options.retryMs } : {}),
    ...(options.maxRetryMs !== undefined ? { maxRetryMs: options.maxRetryMs } : {}),
  });

  const sweepEvery = options.sweepIntervalMs ?? 10 * 60_000;
  const sweep = (): void => void backend.sweep();
  // SQLite keeps expired rows until they are read; Redis expires them itself.
  const first = setTimeout(sweep, Math.min(sweepEvery, 5_000));
  const timer = setInterval(sweep, sweepEvery);
  first.unref();
  timer.unref();

  return {
    backend: primary.name,
    namespace<Value>(name: NamespaceName, ttlMs: number): Keyv<Value> {
      return new Keyv<Value>({ store: new NamespaceStore(backend, `${name}:`), namespace: name, ttl: ttlMs });
    },
    async keys(name: NamespaceName): Promise<string[]> {
      const prefix = `${name}:`;
      return (await backend.keys(prefix)).map((key) => key.slice(prefix.length));
    },
    status: () => backend.status(),
    async close() {
      clearTimeout(first);
      clearInterval(timer);
      await backend.close();
    },
  };
}

/**
 * The storage the configuration asks for: Redis when REDIS_URL is set, else a SQLite file in
 * DATA_DIR (created if missing; relative to `cwd`, the process's by default).
 */
export function createStorageFromConfig(
  config: Pick<Config, "DATA_DIR" | "REDIS_URL">,
  logger: Logger,
  options: StorageTuning & { cwd?: string } = {},
): ManagedStorage {
  const { cwd, ...tuning } = options;
  const log = (tuning.logger ?? logger).child({ component: "storage" });
  if (config.REDIS_URL) {
    return createStorage({ ...tuning, logger: log, backend: "redis", url: config.REDIS_URL });
  }
  const dir = resolve(cwd ?? process.cwd(), config.DATA_DIR);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    // The file cannot open either: the first call reports it (once) and memory answers.
    log.debug("cannot create the data directory", { dir, error });
  }
  return createStorage({ ...tuning, logger: log, backend: "sqlite", file: resolve(dir, SQLITE_FILE) });
}
