/**
 * What every storage backend does, on whole keys (`namespace:key`) and the strings keyv has already
 * serialized (the value with its expiry). The resilient layer (resilient.ts) puts timeouts and the
 * in-memory fallback around a backend; backends themselves may throw or hang.
 */
export type BackendName = "memory" | "sqlite" | "redis";

export interface Backend {
  readonly name: BackendName;
  get(key: string): Promise<string | undefined>;
  /** `ttlMs`: the backend may drop the entry after that long (keyv checks the expiry anyway). */
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** Deletes every key that starts with `prefix`. */
  clear(prefix: string): Promise<void>;
  /**
   * The whole keys that start with `prefix`. May include entries that expired but were not yet
   * swept (SQLite keeps them until then): a get() tells.
   */
  keys(prefix: string): Promise<string[]>;
  /** Resolves when the backend answers. */
  ping(): Promise<void>;
  /** Drops expired entries the backend does not expire by itself. */
  sweep?(): Promise<void>;
  close(): Promise<void>;
}

export class StorageTimeoutError extends Error {
  constructor(backend: BackendName, operation: string, ms: number) {
    super(`${backend} ${operation} took longer than ${ms} ms`);
    this.name = "StorageTimeoutError";
  }
}

/** Rejects after `ms` with a StorageTimeoutError; the late result, if any, is ignored. */
export function withTimeout<T>(
  promise: Promise<T>,
  ms: number,
  backend: BackendName,
  operation: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StorageTimeoutError(backend, operation, ms)), ms);
    timer.unref?.();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
