/**
 * What the web playground's server and page say to each other: the JSON of its HTTP API and of its
 * server-sent events. The page (public/app.js, plain JavaScript served as is) reads exactly these.
 *
 * Routes (all on the server's own origin; a browser session is a cookie, `hgb_session`):
 * - `GET /` the page, with a new session cookie for a browser without one; 429 with Retry-After (and
 *   the page, without a cookie) when the client's address has had its new sessions this hour, and then
 *   the API answers that browser 429 `ApiError` saying when to come back.
 *   `GET /assets/app.js`, `GET /assets/app.css` its assets.
 * - `GET /api/session` → `SessionInfo`.
 * - `GET /api/threads` → `{ threads: ThreadSummary[] }` (this session's, newest first).
 * - `POST /api/threads` → 201 `{ thread: ThreadSummary }` (a new, empty thread).
 * - `GET /api/threads/:id` → `{ thread: ThreadSummary, messages: WebMessage[] }`; 404 for another
 *   session's thread.
 * - `POST /api/threads/:id/messages` (multipart/form-data: a `text` field and any number of `files`)
 *   → 202 `{ message: WebMessage, disposition }`: the user's message as stored; what follows (progress,
 *   answer, notices) arrives as events. 413 `ApiError` when a file is over the limit, 400 for an empty
 *   message or a malformed form.
 * - `POST /api/threads/:id/cancel`, `POST /api/threads/:id/forget` → 200 `{ ok: true }`; what the bot
 *   says about it arrives as a notice.
 * - `GET /api/events` → `text/event-stream` of `WebEvent` (as `data:` JSON lines, `event: message`),
 *   for every thread of the session; a comment line every 15 s keeps it open.
 * - `GET /files/:id` → the bytes of an attachment or a result file of this session (inline, with its
 *   type); 404 otherwise.
 * Errors are `ApiError` with a status: 400, 403 (another origin or host), 404, 413, 429.
 */
import type { ProgressSnapshot, Summary } from "../../src/core/types.js";

export interface SessionInfo {
  /** Largest file accepted, in bytes (MAX_FILE_MB). */
  maxFileBytes: number;
  /** Files per message. */
  maxFiles: number;
  /** Whether an LLM plans requests (false: the offline rules). */
  llm: boolean;
  /** The bot's commands, typed as messages ("forget", "tasks"). */
  commands: Array<{ name: string; description: string }>;
}

export interface ThreadSummary {
  id: string;
  /** The first words of its first message ("New conversation" before one). */
  title: string;
  createdAt: number;
  updatedAt: number;
}

/** A file of a message: an attachment of the user's or a result of the bot's. */
export interface WebFile {
  id: string;
  name: string;
  mime: string;
  size: number;
  /** `/files/<id>`. */
  url: string;
}

export type WebMessage =
  | { kind: "user"; id: string; at: number; text: string; files: WebFile[] }
  /** The one progress message of a request, updated in place (same id) until `done`. */
  | { kind: "progress"; id: string; at: number; text: string; snapshot?: ProgressSnapshot; done: boolean }
  /** The answer (Markdown), its result files and the summary (task, model, where it ran, time, status). */
  | { kind: "answer"; id: string; at: number; text: string; files: WebFile[]; summary?: Summary }
  /** A short message outside the progress: queue position, rate limit, cancellation, errors. */
  | { kind: "notice"; id: string; at: number; text: string };

export type WebEvent =
  /** A message added to a thread, or a progress message updated (same id: replace it). */
  | { type: "message"; thread: string; message: WebMessage }
  /** A thread created or renamed. */
  | { type: "thread"; thread: ThreadSummary };

export interface ApiError {
  error: string;
}
