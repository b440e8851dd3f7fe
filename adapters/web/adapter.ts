import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type Keyv from "keyv";
import { type Clock, formatWait, systemClock } from "../../src/core/clock.js";
import { createRateLimiter, type RateLimiter } from "../../src/core/rate-limit.js";
import type {
  Adapter,
  Attachment,
  BotHandle,
  CommandDefinition,
  Disposition,
  ProgressMessage,
  ReplyTarget,
  Request,
} from "../../src/core/types.js";
import { BotError, errorSummary } from "../../src/errors.js";
import { type Logger, silentLogger } from "../../src/log.js";
import { createPostsOnce, idempotencyKeyOf } from "./idempotency.js";
import type { ApiError, SessionInfo, WebEvent, WebFile, WebMessage } from "./protocol.js";
import {
  allowedHosts,
  clientAddress,
  createSessions,
  FILE_CSP,
  PAGE_CSP,
  refusal,
  type Sessions,
} from "./security.js";
import {
  createWebStore,
  newId,
  readStoredFile,
  SESSION_TTL_MS,
  sessionSecret,
  type WebRecord,
  type WebStore,
} from "./store.js";
import { HttpError, readUpload, type Upload, type UploadedFile } from "./uploads.js";

export interface WebAdapterOptions {
  /** WEB_PORT (0: any free port). */
  port: number;
  /** WEB_HOST (default 127.0.0.1: only this machine). */
  host?: string;
  /** Where uploads and result files are written (DATA_DIR/web). */
  dataDir: string;
  /** The `web` namespace of the bot's storage: threads and file records. */
  kv: Keyv<WebRecord>;
  /** Largest file accepted (MAX_FILE_MB in bytes). */
  maxFileBytes: number;
  /** Whether an LLM plans requests (the page says so). */
  llm: boolean;
  commands: readonly CommandDefinition[];
  /**
   * WEB_NEW_SESSIONS_PER_HOUR: sessions (cookies) issued to one client address in any hour (0: no
   * limit). Without it, taking a fresh cookie before each request would dodge the rate limit, which
   * counts per session. Default 10.
   */
  newSessionsPerHour?: number;
  /** How long a session's files are kept after its last use (default 30 days). */
  fileRetentionMs?: number;
  /** How often the files are swept while the server runs (default hourly). */
  sweepIntervalMs?: number;
  /** Times of session use, of the limits and of the sweep (tests move it by hand). */
  clock?: Clock;
  logger?: Logger;
}

export interface WebAdapter extends Adapter {
  /** The page's address once started ("http://127.0.0.1:3000"). */
  readonly url: string | undefined;
}

/** Files one message may carry: as many as the other platforms take (Slack's form: 10). */
const MAX_FILES = 10;
const MAX_TEXT_CHARS = 8000;
/** A comment line this often keeps event streams open through proxies and idle timeouts. */
const KEEPALIVE_MS = 15_000;
const HOUR_MS = 3_600_000;
const DEFAULT_NEW_SESSIONS_PER_HOUR = 10;

const PUBLIC_DIR = fileURLToPath(new URL("./public/", import.meta.url));
const ASSETS: Record<string, { file: string; type: string }> = {
  "/": { file: "index.html", type: "text/html; charset=utf-8" },
  "/assets/app.js": { file: "app.js", type: "text/javascript; charset=utf-8" },
  "/assets/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
};

/** Types a stored file is served as; anything else is a download. */
const INLINE_TYPES = /^(image\/(png|jpeg|gif|webp)|audio\/[\w.+-]+|video\/(mp4|webm|ogg)|text\/plain)$/;

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    ...headers,
  });
  response.end(text);
}

function sendError(
  response: ServerResponse,
  status: number,
  error: string,
  headers?: Record<string, string>,
) {
  const body: ApiError = { error };
  sendJson(response, status, body, headers);
}

/** The note under an answer whose result files could not be stored (the disk is full, the folder unwritable). */
function unstoredNote(names: readonly string[]): string {
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return `Not attached: ${list}. The server could not store ${names.length === 1 ? "it" : "them"} (see its log).`;
}

/** What a client over the limit on new sessions is told, on the page and by the API. */
function tooManySessions(retryAfterMs: number): { message: string; headers: Record<string, string> } {
  return {
    message: `Too many new sessions were started from your address. Please try again in ${formatWait(retryAfterMs)} (a browser that keeps its cookie keeps its session).`,
    headers: { "retry-after": String(Math.ceil(retryAfterMs / 1000)) },
  };
}

/** "photo.png" in a Content-Disposition header, whatever characters the name has. */
function disposition(kind: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * The local web playground: the bot's threads in a browser, through the same bot loop as every
 * platform. A browser session (a cookie) is one user; each of its threads is one conversation.
 * Progress, answers and notices reach the page as server-sent events; files are served by id to
 * their session only.
 */
export function createWebAdapter(options: WebAdapterOptions): WebAdapter {
  const logger = options.logger ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const host = options.host ?? "127.0.0.1";
  const filesDir = join(options.dataDir, "files");
  const store: WebStore = createWebStore({
    kv: options.kv,
    filesDir,
    clock,
    retentionMs: options.fileRetentionMs ?? SESSION_TTL_MS,
  });
  const sweepIntervalMs = options.sweepIntervalMs ?? HOUR_MS;
  // Counted in the bot's storage, so that a restart does not hand out a fresh allowance.
  const newSessions: RateLimiter = createRateLimiter(
    options.kv,
    { requests: options.newSessionsPerHour ?? DEFAULT_NEW_SESSIONS_PER_HOUR, windowMs: HOUR_MS },
    clock,
  );
  /**
   * Addresses refused a session, until when: the page they were shown asks the API next, without a
   * cookie, and is told why instead of "open the page first".
   */
  const refusedUntil = new Map<string, number>();
  let cancelSweep: (() => void) | undefined;
  const assets = new Map<string, Buffer>();
  let server: Server | undefined;
  let url: string | undefined;
  let hosts = new Set<string>();
  const anyHost = host === "0.0.0.0" || host === "::";
  const streams = new Set<ServerResponse>();
  /** Made at start, with the secret kept in storage. */
  let sessions: Sessions | undefined;
  /** Progress messages of requests this process is running: any other unfinished one was interrupted. */
  const inProgress = new Set<string>();
  /** The responses to posts made with an Idempotency-Key, for their repeats. */
  const posts = createPostsOnce<{ message: WebMessage; disposition: Disposition }>();

  function targetFor(session: string, threadId: string, log: Logger): ReplyTarget {
    const put = (message: WebMessage) => store.put(session, threadId, message);
    return {
      async openProgress(text, snapshot): Promise<ProgressMessage> {
        const id = newId();
        const at = Date.now();
        const show = (next: string, nextSnapshot: typeof snapshot, done: boolean) =>
          put({
            kind: "progress",
            id,
            at,
            text: next,
            ...(nextSnapshot ? { snapshot: nextSnapshot } : {}),
            done,
          });
        inProgress.add(id);
        await show(text, snapshot, false);
        return {
          edit: (next, nextSnapshot) => show(next, nextSnapshot, false),
          finish: (next, nextSnapshot) => {
            inProgress.delete(id);
            return show(next, nextSnapshot, true);
          },
        };
      },
      async send(reply) {
        const files: WebFile[] = [];
        const unstored: string[] = [];
        for (const file of reply.files) {
          // A file that cannot be stored must not take the answer's text with it.
          try {
            files.push(await store.saveFile(session, file));
          } catch (error) {
            log.warn("a result file could not be stored", { file: file.name, error: errorSummary(error) });
            unstored.push(file.name);
          }
        }
        await put({
          kind: "answer",
          id: newId(),
          at: Date.now(),
          text: unstored.length > 0 ? `${reply.text}\n\n${unstoredNote(unstored)}` : reply.text,
          files,
          ...(reply.summary ? { summary: reply.summary } : {}),
        });
        log.debug("answer shown", { files: files.length, unstored: unstored.length });
      },
      async notice(text) {
        await put({ kind: "notice", id: newId(), at: Date.now(), text });
      },
    };
  }

  function attachmentOf(file: UploadedFile): Attachment {
    return {
      name: file.name,
      mime: file.mime,
      size: file.size,
      url: `/files/${file.id}`,
      async fetch({ maxBytes }) {
        if (file.size > maxBytes) {
          throw new BotError("input_too_large", `${file.name} is ${file.size} bytes`);
        }
        return new Uint8Array(await readStoredFile(file.path));
      },
    };
  }

  function requestOf(
    session: string,
    threadId: string,
    text: string,
    attachments: Attachment[],
    eventId?: string,
  ): Request {
    const id = newId();
    return {
      id,
      platform: "web",
      eventId: eventId ?? id,
      author: { id: session, name: "you", isBot: false },
      channel: `web:${session}`,
      thread: `web:${threadId}`,
      text,
      attachments,
      receivedAt: Date.now(),
    };
  }

  async function postMessage(
    request: IncomingMessage,
    response: ServerResponse,
    session: string,
    threadId: string,
    bot: BotHandle,
  ) {
    if (!(await store.thread(session, threadId))) return sendError(response, 404, "No such conversation.");
    const key = idempotencyKeyOf(request.headers["idempotency-key"]);
    if (key === null) {
      return sendError(response, 400, "The Idempotency-Key header must be 8 to 128 letters, digits, - or _.");
    }
    const upload = await readUpload(
      request,
      filesDir,
      { maxFileBytes: options.maxFileBytes, maxFiles: MAX_FILES, maxTextChars: MAX_TEXT_CHARS },
      store.pathOf,
    );
    const text = upload.text.trim();
    if (text === "" && upload.files.length === 0) {
      return sendError(response, 400, "Write a request or attach a file.");
    }
    const scoped = key === undefined ? undefined : `${session}:${threadId}:${key}`;
    const { result, repeated } = await posts.once(scoped, () =>
      takeMessage(session, threadId, upload, text, bot, scoped),
    );
    // A repeat's files were read again; the first post's are the ones in use.
    if (repeated) await Promise.all(upload.files.map((file) => store.removeFile(file.id)));
    sendJson(response, 202, result);
  }

  /** Stores a posted message in its thread and hands it to the bot: the body of the 202. */
  async function takeMessage(
    session: string,
    threadId: string,
    upload: Upload,
    text: string,
    bot: BotHandle,
    eventId: string | undefined,
  ): Promise<{ message: WebMessage; disposition: Disposition }> {
    const files = await Promise.all(
      upload.files.map((file) =>
        store.registerFile(session, file.id, { name: file.name, mime: file.mime, size: file.size }),
      ),
    );
    const message: WebMessage = { kind: "user", id: newId(), at: Date.now(), text, files };
    await store.put(session, threadId, message);
    const log = logger.child({ session: session.slice(0, 6), thread: threadId });
    const disposition: Disposition = await bot.receive(
      requestOf(session, threadId, text, upload.files.map(attachmentOf), eventId),
      targetFor(session, threadId, log),
    );
    if (disposition.status !== "accepted" && disposition.status !== "command" && files.length > 0) {
      // Refused (rate limit, full queue…): nothing will read the files, so they are not kept.
      await Promise.all(upload.files.map((file) => store.removeFile(file.id)));
      const kept: WebMessage = { ...message, files: [] };
      await store.put(session, threadId, kept);
      return { message: kept, disposition };
    }
    return { message, disposition };
  }

  async function runCommand(
    response: ServerResponse,
    session: string,
    threadId: string,
    name: "cancel" | "forget",
    bot: BotHandle,
  ) {
    if (!(await store.thread(session, threadId))) return sendError(response, 404, "No such conversation.");
    const log = logger.child({ session: session.slice(0, 6), thread: threadId, command: name });
    await bot.command(name, {}, requestOf(session, threadId, name, []), targetFor(session, threadId, log));
    sendJson(response, 200, { ok: true });
  }

  /**
   * A progress message left unfinished by a process that stopped without finishing it (a crash):
   * shown, and stored, as interrupted, so that the page does not wait for it forever.
   */
  async function settleInterrupted(session: string, threadId: string, messages: WebMessage[]) {
    const settled: WebMessage[] = [];
    for (const message of messages) {
      if (message.kind !== "progress" || message.done || inProgress.has(message.id)) {
        settled.push(message);
        continue;
      }
      const interrupted: WebMessage = {
        ...message,
        text: "✗ Interrupted: the bot stopped before this request finished. Please send it again.",
        done: true,
        ...(message.snapshot ? { snapshot: { ...message.snapshot, stage: "failed" as const } } : {}),
      };
      await store.put(session, threadId, interrupted);
      settled.push(interrupted);
    }
    return settled;
  }

  async function serveFile(response: ServerResponse, session: string, id: string) {
    const file = await store.file(session, id);
    const size = file
      ? await stat(file.path).then(
          (info) => info.size,
          () => undefined,
        )
      : undefined;
    if (!file || size === undefined) return sendError(response, 404, "No such file.");
    const inline = INLINE_TYPES.test(file.mime);
    response.writeHead(200, {
      "content-type": inline ? file.mime : "application/octet-stream",
      "content-length": String(size),
      "content-disposition": disposition(inline ? "inline" : "attachment", file.name),
      "content-security-policy": FILE_CSP,
      "x-content-type-options": "nosniff",
      "cache-control": "private, max-age=86400",
    });
    createReadStream(file.path).pipe(response);
  }

  function openEvents(request: IncomingMessage, response: ServerResponse, session: string) {
    response.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-content-type-options": "nosniff",
    });
    response.write(": connected\n\n");
    const send = (event: WebEvent) => response.write(`event: message\ndata: ${JSON.stringify(event)}\n\n`);
    const unsubscribe = store.subscribe(session, send);
    const keepAlive = setInterval(() => response.write(": keep-alive\n\n"), KEEPALIVE_MS);
    streams.add(response);
    const close = () => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(response);
    };
    request.on("close", close);
    response.on("close", close);
  }

  /**
   * The page's session for a browser without one: a new cookie, unless its address has had its share
   * of new sessions this hour (then the page is still shown, with 429, and its first API call says why).
   */
  async function issueSession(address: string, headers: Record<string, string>): Promise<number> {
    if (!sessions) return 200;
    const decision = await newSessions.take(`newsessions:${address}`);
    if (decision.allowed) {
      headers["set-cookie"] = sessions.issue().cookie;
      return 200;
    }
    const now = clock.now();
    for (const [refused, until] of refusedUntil) if (until <= now) refusedUntil.delete(refused);
    refusedUntil.set(address, now + decision.retryAfterMs);
    Object.assign(headers, tooManySessions(decision.retryAfterMs).headers);
    logger.warn("new web session refused: too many from one address", { address });
    return 429;
  }

  async function route(request: IncomingMessage, response: ServerResponse, bot: BotHandle): Promise<void> {
    const refused = refusal(request, hosts, anyHost);
    if (refused) return sendError(response, 403, refused);
    const method = request.method ?? "GET";
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const session = sessions?.of(request);
    if (session) await store.recordUse(session);

    const asset = ASSETS[path];
    if (asset && (method === "GET" || method === "HEAD")) {
      const headers: Record<string, string> = {
        "content-type": asset.type,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        "content-security-policy": PAGE_CSP,
        "referrer-policy": "no-referrer",
      };
      // The page gives a browser its session; its assets and the API only read it.
      const status = path === "/" && !session ? await issueSession(clientAddress(request), headers) : 200;
      response.writeHead(status, headers);
      response.end(method === "HEAD" ? undefined : assets.get(asset.file));
      return;
    }

    if (!session) {
      const retryAfterMs = (refusedUntil.get(clientAddress(request)) ?? 0) - clock.now();
      if (retryAfterMs > 0) {
        const { message, headers } = tooManySessions(retryAfterMs);
        return sendError(response, 429, message, headers);
      }
      return sendError(response, 403, "Open the page first: it starts your session.");
    }
    const parts = path.split("/").filter(Boolean);

    if (method === "GET" && path === "/api/session") {
      const info: SessionInfo = {
        maxFileBytes: options.maxFileBytes,
        maxFiles: MAX_FILES,
        llm: options.llm,
        commands: options.commands.map((command) => ({
          name: command.name,
          description: command.description,
        })),
      };
      return sendJson(response, 200, info);
    }
    if (method === "GET" && path === "/api/events") return openEvents(request, response, session);
    if (path === "/api/threads") {
      if (method === "GET") return sendJson(response, 200, { threads: await store.threads(session) });
      if (method === "POST") return sendJson(response, 201, { thread: await store.createThread(session) });
    }
    if (parts[0] === "api" && parts[1] === "threads" && parts[2]) {
      const threadId = parts[2];
      if (parts.length === 3 && method === "GET") {
        const found = await store.thread(session, threadId);
        if (!found) return sendError(response, 404, "No such conversation.");
        return sendJson(response, 200, {
          ...found,
          messages: await settleInterrupted(session, threadId, found.messages),
        });
      }
      if (parts.length === 4 && method === "POST") {
        if (parts[3] === "messages") return postMessage(request, response, session, threadId, bot);
        if (parts[3] === "cancel" || parts[3] === "forget")
          return runCommand(response, session, threadId, parts[3], bot);
      }
    }
    if (parts[0] === "files" && parts[1] && parts.length === 2 && method === "GET") {
      return serveFile(response, session, parts[1]);
    }
    return sendError(response, 404, "Not found.");
  }

  /** Removes the files of sessions unused for longer than the retention; never throws. */
  async function sweepFiles(): Promise<void> {
    try {
      const { removed, kept } = await store.sweep();
      if (removed > 0) logger.info("old web files removed", { files: removed });
      logger.debug("web files swept", { removed, kept });
    } catch (error) {
      logger.warn("web files could not be swept", { error: errorSummary(error) });
    }
  }

  /** The next sweep, one interval after the last one ended (so that two never overlap). */
  function scheduleSweep(): void {
    cancelSweep = clock.setTimer(() => {
      void sweepFiles().finally(() => {
        cancelSweep = undefined;
        if (server) scheduleSweep();
      });
    }, sweepIntervalMs);
  }

  return {
    platform: "web",
    get url() {
      return url;
    },
    async start(bot) {
      for (const asset of Object.values(ASSETS))
        assets.set(asset.file, await readFile(join(PUBLIC_DIR, asset.file)));
      sessions = createSessions(await sessionSecret(options.kv));
      await sweepFiles();
      const running = createServer((request, response) => {
        route(request, response, bot).catch((error: unknown) => {
          if (error instanceof HttpError) {
            if (!response.headersSent) sendError(response, error.status, error.message);
            else response.end();
            // The rest of a refused upload is not read: close the connection instead.
            request.resume();
            return;
          }
          logger.error("web request failed", { path: request.url, error: errorSummary(error) });
          if (!response.headersSent) sendError(response, 500, "Something went wrong on my side.");
          else response.end();
        });
      });
      await new Promise<void>((resolve, reject) => {
        running.once("error", reject);
        running.listen(options.port, host, () => {
          running.off("error", reject);
          resolve();
        });
      }).catch((error: unknown) => {
        throw new BotError("config_invalid", `web server: ${errorSummary(error)}`, {
          userMessage: `The web playground could not listen on ${host}:${options.port} (${errorSummary(error)}). Set WEB_PORT to a free port.`,
          cause: error,
        });
      });
      server = running;
      if (!cancelSweep) scheduleSweep();
      const port = (running.address() as AddressInfo).port;
      hosts = allowedHosts(host, port);
      const shown = anyHost || host === "::1" ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
      url = `http://${shown}:${port}`;
      logger.info("web playground listening", { url });
    },
    async stop() {
      const running = server;
      server = undefined;
      cancelSweep?.();
      cancelSweep = undefined;
      for (const stream of streams) stream.end();
      running?.closeAllConnections();
      await new Promise<void>((resolve) => (running ? running.close(() => resolve()) : resolve()));
    },
  };
}
