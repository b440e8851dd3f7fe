import KeyvSqlite from "@keyv/sqlite";
import type { Backend } from "./backend.js";

const TABLE = "keyv";

function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

interface Connection {
  store: KeyvSqlite;
  /** Resolves with the error the open failed with, or undefined once the table is there. */
  opened: Promise<Error | undefined>;
}

/**
 * A SQLite file through @keyv/sqlite, one connection for every namespace. WAL journal and a busy
 * timeout let two processes (`chat` and `ask`) share the file: readers do not wait for the writer,
 * and a writer waits up to `busyTimeoutMs` for the other's write to end.
 */
/**
 * How long a write waits for another process's write on the same file. A lock held by a busy
 * neighbour is a wait, not an outage: on a loaded machine one second was seen to run out.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 4000;

export function openSqlite(file: string, options: { busyTimeoutMs?: number } = {}): Backend {
  const connect = (): Connection => {
    const store = new KeyvSqlite({
      uri: `sqlite://${file}`,
      table: TABLE,
      busyTimeout: options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS,
    });
    // An error event with no listener would throw out of the adapter's connect callback.
    store.on("error", () => undefined);
    // The first query attaches a handler to the adapter's connection promise: a file that cannot be
    // opened surfaces as failed operations, never as an unhandled rejection that ends the process.
    const opened = store.query("SELECT 1").then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
    );
    // Best effort: on a file system without shared memory the default journal still works.
    void opened.then((failure) =>
      failure ? undefined : store.query("PRAGMA journal_mode = WAL").catch(() => undefined),
    );
    return { store, opened };
  };
  let connection = connect();

  async function ready(): Promise<KeyvSqlite> {
    const { store, opened } = connection;
    const failure = await opened;
    if (failure) throw failure;
    return store;
  }

  return {
    name: "sqlite",
    async get(key) {
      const value: unknown = await (await ready()).get(key);
      return typeof value === "string" ? value : undefined;
    },
    async set(key, value) {
      await (await ready()).set(key, value);
    },
    async delete(key) {
      return (await ready()).delete(key);
    },
    async clear(prefix) {
      await (await ready()).query(`DELETE FROM ${TABLE} WHERE key LIKE ? ESCAPE '\\'`, likePrefix(prefix));
    },
    async keys(prefix) {
      const rows = await (await ready()).query(
        `SELECT key FROM ${TABLE} WHERE key LIKE ? ESCAPE '\\'`,
        likePrefix(prefix),
      );
      return (rows as Array<{ key: string }>).map((row) => row.key);
    },
    async ping() {
      const current = connection;
      // keyv's adapter keeps a failed open for good: open the file anew (the directory may be there now).
      if ((await current.opened) && connection === current) {
        connection = connect();
        current.store.disconnect().catch(() => undefined);
      }
      await (await ready()).query("SELECT 1");
    },
    async sweep() {
      // keyv keeps the expiry inside the serialized value; SQLite has no TTL of its own.
      await (await ready()).query(
        `DELETE FROM ${TABLE} WHERE (CASE WHEN json_valid(value) THEN json_extract(value, '$.expires') END) < ?`,
        Date.now(),
      );
    },
    async close() {
      await connection.store.disconnect().catch(() => undefined);
    },
  };
}
