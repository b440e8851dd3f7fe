/**
 * What the playground remembers: each browser session's threads and their messages, and the files
 * (uploads and results) by id. Messages and file records live in the bot's storage (the `web`
 * namespace, so they survive a restart with SQLite or Redis); file bytes live on disk under
 * DATA_DIR/web/files, named by id. Every change is also announced to the session's listeners (its
 * open event streams). Files are kept while their session is in use: the store notes each session's
 * last use, and its sweep removes the files of sessions unused for longer than the retention.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type Keyv from "keyv";
import type { Clock } from "../../src/core/clock.js";
import type { ThreadSummary, WebEvent, WebFile, WebMessage } from "./protocol.js";

/** How long a session's threads are kept after its last change. */
export const SESSION_TTL_MS = 30 * 24 * 3_600_000;
/** Threads kept per session (the oldest go first). */
const MAX_THREADS = 50;
/** Messages kept per thread (the oldest go first). */
const MAX_MESSAGES = 400;
/** A session's last use is written at most this often: a page that polls costs no write per request. */
const USE_RECORD_INTERVAL_MS = 60_000;

interface StoredThread extends ThreadSummary {
  messages: WebMessage[];
}

/**
 * What the `web` namespace holds: `session:<id>` (threads), `file:<id>` (a file's owner and type),
 * `used:<id>` (a session's last use), `newsessions:<address>` (when sessions were issued to a client
 * address: the times of the last hour) and `secret` (signs session cookies).
 */
export type WebRecord = { threads: StoredThread[] } | FileRecord | SessionUse | number[] | { secret: string };

/** When a session was last used (by the store's clock), recorded at most once a minute. */
export interface SessionUse {
  usedAt: number;
}

export interface FileRecord {
  session: string;
  name: string;
  mime: string;
  size: number;
}

/** A random id safe in URLs and file names. */
export function newId(bytes = 12): string {
  return randomBytes(bytes).toString("base64url");
}

/** The title of a thread from its first message: its first words. */
export function titleOf(text: string, fileNames: readonly string[]): string {
  const line = text.replace(/\s+/g, " ").trim() || fileNames.join(", ");
  if (line === "") return "New conversation";
  return line.length <= 60 ? line : `${line.slice(0, 59)}…`;
}

function summaryOf(thread: StoredThread): ThreadSummary {
  return { id: thread.id, title: thread.title, createdAt: thread.createdAt, updatedAt: thread.updatedAt };
}

export interface WebStore {
  threads(session: string): Promise<ThreadSummary[]>;
  createThread(session: string): Promise<ThreadSummary>;
  /** The thread with its messages, or undefined when it is not this session's. */
  thread(session: string, id: string): Promise<{ thread: ThreadSummary; messages: WebMessage[] } | undefined>;
  /** Adds a message, or replaces the message with the same id (progress updates). */
  put(session: string, threadId: string, message: WebMessage): Promise<void>;
  /** Stores bytes as a file of the session and returns it. */
  saveFile(session: string, file: { name: string; mime: string; bytes: Uint8Array }): Promise<WebFile>;
  /** Registers a file already written to `pathOf(id)` (uploads are streamed there). */
  registerFile(
    session: string,
    id: string,
    meta: { name: string; mime: string; size: number },
  ): Promise<WebFile>;
  /** The file's record and path when it belongs to the session. */
  file(session: string, id: string): Promise<(FileRecord & { path: string }) | undefined>;
  pathOf(id: string): string;
  /** Removes a file's bytes and its record (a refused message's uploads). */
  removeFile(id: string): Promise<void>;
  /** Listens to the session's changes; returns the unsubscribe function. */
  subscribe(session: string, listener: (event: WebEvent) => void): () => void;
  /** Notes that the session is in use (written at most once a minute per session). */
  recordUse(session: string): Promise<void>;
  /**
   * Removes the files whose session was last used more than the retention ago: a file stays while
   * its session is in use, however old the file. The last use counted is the later of the session's
   * recorded use and the file's own write, so a file being written now (an upload not yet registered)
   * is never taken, and a file without a record (its session long gone) goes a retention after it
   * was written.
   */
  sweep(): Promise<{ removed: number; kept: number }>;
}

export interface WebStoreOptions {
  kv: Keyv<WebRecord>;
  filesDir: string;
  /** Times of last use and of the sweep. */
  clock: Clock;
  /** How long a session's files are kept after its last use. */
  retentionMs: number;
}

export function createWebStore(options: WebStoreOptions): WebStore {
  const { kv, filesDir, clock, retentionMs } = options;
  /** When each session's use was last written, so that a busy session costs one write a minute. */
  const useWritten = new Map<string, number>();
  const listeners = new Map<string, Set<(event: WebEvent) => void>>();
  /** One chain of writes per session, so that concurrent updates never lose one another. */
  const queues = new Map<string, Promise<unknown>>();
  let madeDir: Promise<unknown> | undefined;

  function emit(session: string, event: WebEvent): void {
    for (const listener of listeners.get(session) ?? []) listener(event);
  }

  async function load(session: string): Promise<StoredThread[]> {
    const record = await kv.get(`session:${session}`);
    return record && "threads" in record ? record.threads : [];
  }

  function update<T>(session: string, change: (threads: StoredThread[]) => T): Promise<T> {
    const run = (queues.get(session) ?? Promise.resolve()).then(async () => {
      const threads = await load(session);
      const result = change(threads);
      await kv.set(`session:${session}`, { threads: threads.slice(-MAX_THREADS) }, SESSION_TTL_MS);
      return result;
    });
    queues.set(
      session,
      run.catch(() => undefined),
    );
    return run;
  }

  const pathOf = (id: string) => join(filesDir, id);

  function webFile(id: string, meta: { name: string; mime: string; size: number }): WebFile {
    return { id, name: meta.name, mime: meta.mime, size: meta.size, url: `/files/${id}` };
  }

  async function registerFile(
    session: string,
    id: string,
    meta: { name: string; mime: string; size: number },
  ): Promise<WebFile> {
    // No expiry: the record goes with the bytes, when the sweep finds the session unused.
    await kv.set(`file:${id}`, { session, ...meta }, 0);
    return webFile(id, meta);
  }

  async function lastUse(session: string): Promise<number | undefined> {
    const record = await kv.get(`used:${session}`);
    return record && "usedAt" in record ? record.usedAt : undefined;
  }

  return {
    async threads(session) {
      const threads = await load(session);
      return threads.map(summaryOf).sort((a, b) => b.updatedAt - a.updatedAt);
    },

    async createThread(session) {
      const now = Date.now();
      const thread: StoredThread = {
        id: newId(),
        title: "New conversation",
        createdAt: now,
        updatedAt: now,
        messages: [],
      };
      await update(session, (threads) => threads.push(thread));
      const summary = summaryOf(thread);
      emit(session, { type: "thread", thread: summary });
      return summary;
    },

    async thread(session, id) {
      const found = (await load(session)).find((thread) => thread.id === id);
      return found ? { thread: summaryOf(found), messages: found.messages } : undefined;
    },

    async put(session, threadId, message) {
      const renamed = await update(session, (threads) => {
        const thread = threads.find((candidate) => candidate.id === threadId);
        if (!thread) return undefined;
        const index = thread.messages.findIndex((existing) => existing.id === message.id);
        if (index >= 0) thread.messages[index] = message;
        else thread.messages.push(message);
        if (thread.messages.length > MAX_MESSAGES)
          thread.messages.splice(0, thread.messages.length - MAX_MESSAGES);
        thread.updatedAt = Date.now();
        if (message.kind === "user" && thread.title === "New conversation") {
          thread.title = titleOf(
            message.text,
            message.files.map((file) => file.name),
          );
          return summaryOf(thread);
        }
        return undefined;
      });
      emit(session, { type: "message", thread: threadId, message });
      if (renamed) emit(session, { type: "thread", thread: renamed });
    },

    async saveFile(session, file) {
      madeDir ??= mkdir(filesDir, { recursive: true });
      await madeDir;
      const id = newId();
      await writeFile(pathOf(id), file.bytes);
      return registerFile(session, id, { name: file.name, mime: file.mime, size: file.bytes.byteLength });
    },

    registerFile,

    async file(session, id) {
      if (!/^[\w-]{8,64}$/.test(id)) return undefined;
      const record = await kv.get(`file:${id}`);
      if (!record || !("session" in record) || record.session !== session) return undefined;
      return { ...record, path: pathOf(id) };
    },

    pathOf,

    async removeFile(id) {
      await removeStoredFile(pathOf(id));
      await kv.delete(`file:${id}`);
    },

    async recordUse(session) {
      const now = clock.now();
      const written = useWritten.get(session);
      if (written !== undefined && now - written < USE_RECORD_INTERVAL_MS) return;
      useWritten.set(session, now);
      // Expires when it no longer matters: a session unused this long has no files left.
      const use: SessionUse = { usedAt: now };
      await kv.set(`used:${session}`, use, retentionMs);
    },

    async sweep() {
      const now = clock.now();
      const names = await readdir(filesDir).catch(() => [] as string[]);
      const uses = new Map<string, number | undefined>();
      let removed = 0;
      let kept = 0;
      for (const name of names) {
        const path = pathOf(name);
        const info = await stat(path).catch(() => undefined);
        if (!info?.isFile()) continue;
        const record = /^[\w-]{8,64}$/.test(name) ? await kv.get(`file:${name}`) : undefined;
        let usedAt = info.mtimeMs;
        if (record && "session" in record) {
          if (!uses.has(record.session)) uses.set(record.session, await lastUse(record.session));
          usedAt = Math.max(usedAt, uses.get(record.session) ?? 0);
        }
        if (now - usedAt <= retentionMs) {
          kept++;
          continue;
        }
        await rm(path, { force: true });
        if (record) await kv.delete(`file:${name}`);
        removed++;
      }
      for (const [session, written] of useWritten) {
        if (now - written >= USE_RECORD_INTERVAL_MS) useWritten.delete(session);
      }
      return { removed, kept };
    },

    subscribe(session, listener) {
      let set = listeners.get(session);
      if (!set) {
        set = new Set();
        listeners.set(session, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(session);
      };
    },
  };
}

/** Reads a stored file's bytes (attachments are handed to the bot this way). */
export function readStoredFile(path: string): Promise<Buffer> {
  return readFile(path);
}

/** Removes a stored file (a refused upload). */
export async function removeStoredFile(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** The secret that signs session cookies: made once and kept, so that sessions survive a restart. */
export async function sessionSecret(kv: Keyv<WebRecord>): Promise<string> {
  const stored = await kv.get("secret");
  if (stored && "secret" in stored) return stored.secret;
  const secret = randomBytes(32).toString("base64url");
  await kv.set("secret", { secret });
  return secret;
}
