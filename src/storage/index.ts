import Keyv, { type KeyvStoreAdapter } from "keyv";

/** The namespaces the bot keeps, each with its own time to live. */
export type NamespaceName = "results" | "catalog" | "dedupe" | "ratelimit" | "memory";

export interface Storage {
  /** A keyv store for one namespace; entries expire after `ttlMs` unless a set() says otherwise. */
  namespace<Value>(name: NamespaceName, ttlMs: number): Keyv<Value>;
  close(): Promise<void>;
}

/**
 * Storage over one keyv backend. With no store adapter, values live in memory (tests, `ask`).
 */
export function createStorage(options: { store?: KeyvStoreAdapter } = {}): Storage {
  const opened: Keyv[] = [];
  return {
    namespace<Value>(name: NamespaceName, ttlMs: number): Keyv<Value> {
      const keyv = new Keyv<Value>({
        namespace: name,
        ttl: ttlMs,
        ...(options.store ? { store: options.store } : {}),
      });
      opened.push(keyv as Keyv);
      return keyv;
    },
    async close() {
      await Promise.all(opened.map((keyv) => keyv.disconnect().catch(() => undefined)));
    },
  };
}
