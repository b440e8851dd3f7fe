/**
 * What the playground remembers: each browser session's threads and their messages, and the files
 * (uploads and results) by id. Messages and file records live in the bot's storage (the `web`
 * namespace, so they survive a restart with SQLite or Redis); file bytes live on disk under
 * DATA_DIR/web/files, named by id. Every change is also announced to the session's listeners (its
 * open event streams).
 */
import { randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type Keyv from "keyv";
import type { ThreadSummary, WebEvent, WebFile, WebMessage } from "./protocol.js";

/** How long a session's threads are kept after its last change. */
export const SESSION_TTL_MS = 30 * 24 * 3_600_000;
/** Threads kept per session (the oldest go first). */
const MAX_THREADS = 50;
/** Messages kept per thread (the oldest go first). */
const MAX_MESSAGES = 400;

interface StoredThread extends ThreadSummary {
  messages: WebMessage[];
}

/** What the `web` namespace holds under `session:<id>`, `file:<id>` and `secret` (signs session cookies). */
export type WebRecord = { threads: StoredThread[] } | FileRecord | { secret: string };

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
  /** Listens to the session's changes; returns the unsubscribe function. */
  subscribe(session: string, listener: (event: WebEvent) => void): () => void;
}

export function createWebStore(options: { kv: Keyv<WebRecord>; filesDir: string }): WebStore {
  const { kv, filesDir } = options;
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
    await kv.set(`file:${id}`, { session, ...meta }, SESSION_TTL_MS);
    return webFile(id, meta);
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

/** Removes the files of `dir` not changed for `maxAgeMs` (their sessions have expired); returns how many. */
export async function sweepOldFiles(dir: string, maxAgeMs: number, now = Date.now()): Promise<number> {
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile() && now - info.mtimeMs > maxAgeMs) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}

/** The secret that signs session cookies: made once and kept, so that sessions survive a restart. */
export async function sessionSecret(kv: Keyv<WebRecord>): Promise<string> {
  const stored = await kv.get("secret");
  if (stored && "secret" in stored) return stored.secret;
  const secret = randomBytes(32).toString("base64url");
  await kv.set("secret", { secret });
  return secret;
}
