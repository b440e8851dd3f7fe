/**
 * An in-memory chat platform for tests of the bot loop and of anything built on BotHandle: it
 * normalizes test messages into `Request`s the way a real adapter does, and records everything the bot
 * sends back (progress messages and their edits, replies, notices) in one transcript per thread, each
 * entry stamped with the clock's time.
 *
 * ```ts
 * const clock = createManualClock();
 * const adapter = createTestAdapter({ clock });
 * await adapter.start(createBot({ pipeline, storage, settings, clock, commands: COMMANDS }));
 * await adapter.send({ text: "draw a cat", thread: "t1" });   // → { status: "accepted", position: 0 }
 * await adapter.bot.idle();
 * adapter.replies("t1")[0]?.text;
 * ```
 *
 * Also here: `testAttachment` (an Attachment whose fetch a test controls and counts) and
 * `createManualClock` (time that moves only when a test says so).
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../src/core/clock.js";
import type {
  Adapter,
  Attachment,
  BotHandle,
  CommandOptions,
  Disposition,
  ProgressMessage,
  Reply,
  ReplyTarget,
  Request,
} from "../../src/core/types.js";

export type TranscriptEntry = { request: string; at: number } & (
  | { type: "progress-open"; progress: number; text: string }
  | { type: "progress-edit"; progress: number; text: string }
  | { type: "progress-finish"; progress: number; text: string }
  | { type: "reply"; reply: Reply }
  | { type: "notice"; text: string }
);

/** A message as a test writes it; everything but the text has a default. */
export interface TestMessage {
  text?: string;
  /** Default "user-1". */
  user?: string;
  isBot?: boolean;
  /** Default "thread-1". */
  thread?: string;
  /** Default "channel-1". */
  channel?: string;
  /** Default "workspace-1"; null for a direct message outside any workspace. */
  workspace?: string | null;
  attachments?: Attachment[];
  /** Default: a new id per message; give the same id twice to simulate a redelivery. */
  eventId?: string;
  /** Default: a new id per message. */
  id?: string;
  /** Whether the platform says the author administers the workspace; default: it says nothing. */
  admin?: boolean;
}

/** The progress messages of a transcript, one per request that opened one. */
export interface RecordedProgress {
  request: string;
  opened: { text: string; at: number };
  edits: Array<{ text: string; at: number }>;
  finished?: { text: string; at: number };
}

export interface TestAdapter extends Adapter {
  /** The bot given to `start`. */
  readonly bot: BotHandle;
  /** Delivers a message as the platform would, and returns the bot's disposition. */
  send(message: TestMessage): Promise<Disposition>;
  /** Runs a command as a slash command would. */
  command(name: string, options: CommandOptions, message?: TestMessage): Promise<Disposition>;
  /** The request the last `send` or `command` built. */
  readonly lastRequest: Request | undefined;
  /** Everything the bot sent to a thread, in order (all threads when none is given). */
  transcript(thread?: string): TranscriptEntry[];
  notices(thread?: string): string[];
  replies(thread?: string): Reply[];
  progress(thread?: string): RecordedProgress[];
  /** Makes the target's next `count` calls of this kind reject, as a platform outage would. */
  failNext(kind: "open" | "edit" | "send" | "notice", count?: number): void;
}

// Random, not counted: event ids must not repeat across test runs over a storage file that persists.
const nextId = (prefix: string) => `${prefix}-${randomUUID()}`;

/** The in-memory test platform (platform "test"); `clock` stamps the transcript (default Date.now). */
export function createTestAdapter(options: { clock?: Pick<Clock, "now"> } = {}): TestAdapter {
  const now = () => options.clock?.now() ?? Date.now();
  const entries: Array<TranscriptEntry & { thread: string }> = [];
  const failures = { open: 0, edit: 0, send: 0, notice: 0 };
  let bot: BotHandle | undefined;
  let lastRequest: Request | undefined;
  let progressCount = 0;

  const maybeFail = (kind: keyof typeof failures) => {
    if (failures[kind] > 0) {
      failures[kind] -= 1;
      throw new Error(`test platform: ${kind} failed`);
    }
  };

  function requestOf(message: TestMessage): Request {
    const id = message.id ?? nextId("request");
    const workspace = message.workspace === undefined ? "workspace-1" : message.workspace;
    return {
      id,
      platform: "test",
      eventId: message.eventId ?? nextId("event"),
      author: { id: message.user ?? "user-1", isBot: message.isBot ?? false },
      ...(workspace === null ? {} : { workspace }),
      channel: message.channel ?? "channel-1",
      thread: message.thread ?? "thread-1",
      text: message.text ?? "",
      attachments: message.attachments ?? [],
      receivedAt: now(),
      ...(message.admin === undefined ? {} : { isAdmin: async () => message.admin === true }),
    };
  }

  function targetFor(request: Request): ReplyTarget {
    const record = (entry: TranscriptEntry) => entries.push({ ...entry, thread: request.thread });
    return {
      async openProgress(text) {
        maybeFail("open");
        const progress = ++progressCount;
        record({ type: "progress-open", progress, text, request: request.id, at: now() });
        const message: ProgressMessage = {
          async edit(next) {
            maybeFail("edit");
            record({ type: "progress-edit", progress, text: next, request: request.id, at: now() });
          },
          async finish(last) {
            record({ type: "progress-finish", progress, text: last, request: request.id, at: now() });
          },
        };
        return message;
      },
      async send(reply) {
        maybeFail("send");
        record({ type: "reply", reply, request: request.id, at: now() });
      },
      async notice(text) {
        maybeFail("notice");
        record({ type: "notice", text, request: request.id, at: now() });
      },
    };
  }

  const transcript = (thread?: string): TranscriptEntry[] =>
    entries.filter((entry) => thread === undefined || entry.thread === thread);

  return {
    platform: "test",
    get bot() {
      if (!bot) throw new Error("the test adapter was not started");
      return bot;
    },
    get lastRequest() {
      return lastRequest;
    },
    async start(started) {
      bot = started;
    },
    async stop() {
      bot = undefined;
    },
    send(message) {
      if (!bot) throw new Error("the test adapter was not started");
      const request = requestOf(message);
      lastRequest = request;
      return bot.receive(request, targetFor(request));
    },
    command(name, commandOptions, message = {}) {
      if (!bot) throw new Error("the test adapter was not started");
      const request = requestOf(message);
      lastRequest = request;
      return bot.command(name, commandOptions, request, targetFor(request));
    },
    transcript,
    notices: (thread) => transcript(thread).flatMap((entry) => (entry.type === "notice" ? [entry.text] : [])),
    replies: (thread) => transcript(thread).flatMap((entry) => (entry.type === "reply" ? [entry.reply] : [])),
    progress(thread) {
      const byNumber = new Map<number, RecordedProgress>();
      for (const entry of transcript(thread)) {
        if (entry.type === "progress-open") {
          byNumber.set(entry.progress, {
            request: entry.request,
            opened: { text: entry.text, at: entry.at },
            edits: [],
          });
        } else if (entry.type === "progress-edit") {
          byNumber.get(entry.progress)?.edits.push({ text: entry.text, at: entry.at });
        } else if (entry.type === "progress-finish") {
          const progress = byNumber.get(entry.progress);
          if (progress) progress.finished = { text: entry.text, at: entry.at };
        }
      }
      return [...byNumber.values()];
    },
    failNext(kind, count = 1) {
      failures[kind] += count;
    },
  };
}

/** An attachment whose download a test controls: bytes, a hang until aborted, or any function. */
export function testAttachment(options: {
  name: string;
  bytes?: Uint8Array;
  /** The size the platform reports; default the bytes' length. */
  size?: number;
  mime?: string;
  /** Never answers until the signal aborts (a stalled CDN). */
  hang?: boolean;
  /** Never answers at all, abort or not (a platform client that ignores the signal). */
  deaf?: boolean;
}): Attachment & { fetchCalls: number } {
  const bytes = options.bytes ?? new Uint8Array();
  const attachment = {
    name: options.name,
    mime: options.mime ?? "application/octet-stream",
    size: options.size ?? bytes.byteLength,
    url: `https://files.test/${encodeURIComponent(options.name)}`,
    fetchCalls: 0,
    fetch({ signal }: { signal: AbortSignal; maxBytes: number }): Promise<Uint8Array> {
      attachment.fetchCalls += 1;
      if (options.deaf) return new Promise<Uint8Array>(() => undefined);
      if (!options.hang) return Promise.resolve(bytes);
      return new Promise((_resolve, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
      });
    },
  };
  return attachment;
}

/** Lets pending promise chains and I/O callbacks run (a few turns of the event loop). */
export async function settle(turns = 5): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
}

export interface ManualClock extends Clock {
  /** Moves time forward, firing due timers in order and letting their work run after each. */
  advance(ms: number): Promise<void>;
  /** Timers not yet fired. */
  pending(): number;
}

/** A clock that moves only when `advance` is called; timers fire during `advance`. */
export function createManualClock(start = 1_000_000): ManualClock {
  let current = start;
  let sequence = 0;
  const timers = new Map<number, { at: number; callback: () => void }>();
  return {
    now: () => current,
    setTimer(callback, ms) {
      const id = ++sequence;
      timers.set(id, { at: current + Math.max(0, ms), callback });
      return () => timers.delete(id);
    },
    async advance(ms) {
      const target = current + ms;
      await settle();
      for (;;) {
        let next: [number, { at: number; callback: () => void }] | undefined;
        for (const entry of timers) {
          if (entry[1].at <= target && (!next || entry[1].at < next[1].at)) next = entry;
        }
        if (!next) break;
        timers.delete(next[0]);
        current = Math.max(current, next[1].at);
        next[1].callback();
        await settle();
      }
      current = target;
      await settle();
    },
    pending: () => timers.size,
  };
}
