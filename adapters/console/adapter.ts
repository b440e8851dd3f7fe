import { randomBytes } from "node:crypto";
import { hostname, userInfo } from "node:os";
import { isAbsolute, join, relative } from "node:path";
import { createInterface, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { formatWait } from "../../src/core/clock.js";
import type {
  Adapter,
  Attachment,
  Author,
  BotHandle,
  Disposition,
  ProgressMessage,
  Reply,
  ReplyTarget,
  Request,
} from "../../src/core/types.js";
import { userMessageOf } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";
import { formatSummary } from "../../src/summary.js";
import { formatSize, localAttachment, writeReplyFiles } from "./files.js";
import { type ChatLine, parseChatLine } from "./parse.js";
import { createPlainScreen, createSparseProgress, createTtyScreen, oneLine, type Screen } from "./screen.js";

export interface ConsoleAdapterOptions {
  input: Readable & { isTTY?: boolean };
  output: Writable & { isTTY?: boolean; columns?: number };
  /**
   * A terminal on both ends: a prompt, the progress line redrawn in place, Ctrl-C to cancel.
   * Default: input and output are both TTYs.
   */
  interactive?: boolean;
  /** Where relative `/attach` paths start. */
  cwd: string;
  /** Result files go to `<filesDir>/<request id>/`. */
  filesDir: string;
  /** The size cap of attachments, checked when a file is attached (before anything is read). */
  maxFileBytes: number;
  /** The conversation: one per terminal user and machine, the same in every `chat` process. */
  thread?: string;
  user?: Author;
  /** Without a terminal, the least time between two progress lines of a request (default 3 s). */
  progressIntervalMs?: number;
  /** Lines shown when the chat starts (what is not configured, for example). */
  notes?: string[];
  logger?: Logger;
}

export interface ConsoleAdapter extends Adapter {
  /** Resolves when the input has ended (or /quit) and every accepted request has been answered. */
  readonly finished: Promise<void>;
}

/** Without a terminal, a progress update is printed at most this often (the last one always). */
const PLAIN_PROGRESS_INTERVAL_MS = 3_000;

const HELP = `Type a request and press Enter. In this terminal:
  /attach PATH      attach a local file to your next request (or write @PATH in the request)
  /attach           list what is attached; /detach drops it
  /cancel           stop the running request (Ctrl-C does too)
  /forget           start this conversation afresh (it otherwise continues in the next chat)
  /tasks, /models TASK   what I can do, and the models for a task
  /quit             leave once the pending answers are in (or Ctrl-D)`;

/**
 * The terminal's conversation: one per user and machine (`me@laptop`, or `me@laptop/NAME` for a named
 * one), the same in every `chat` process, so a later chat continues it until `forget`.
 */
export function defaultConsoleThread(name?: string): string {
  return `${safeUserName()}@${hostname()}${name ? `/${name}` : ""}`;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? "user";
  }
}

/** A request id that sorts by time and names a directory: 20250131-142501-3fa2c1. */
export function newRequestId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

function shownPath(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside !== "" && !inside.startsWith("..") && !isAbsolute(inside) ? inside : path;
}

/**
 * The terminal chat as an adapter of the bot: lines in, progress line and answers out. It reads a
 * terminal interactively or piped input line by line (`/attach PATH` lines attach to the next
 * request); at the end of input it waits for the pending answers.
 *
 * @example
 * const chat = createConsoleAdapter({ input: process.stdin, output: process.stdout, cwd, filesDir, maxFileBytes });
 * await chat.start(bot);
 * await chat.finished;
 * await chat.stop();
 */
export function createConsoleAdapter(options: ConsoleAdapterOptions): ConsoleAdapter {
  const interactive = options.interactive ?? Boolean(options.input.isTTY && options.output.isTTY);
  const thread = options.thread ?? defaultConsoleThread();
  const progressIntervalMs = options.progressIntervalMs ?? PLAIN_PROGRESS_INTERVAL_MS;
  const author: Author = options.user ?? { id: safeUserName(), name: safeUserName(), isBot: false };
  /** Files attached with /attach, for the next request. */
  let pendingAttachments: Attachment[] = [];
  const activeProgress = new Map<symbol, string>();
  let lines: Interface | undefined;
  let screen: Screen = createPlainScreen(options.output);
  /** The request whose output came last, to head another request's output with its text. */
  let lastSpeaker: string | undefined;
  /** Set by stop(): no more resending. */
  let stopping = false;
  let resolveFinished: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    resolveFinished = resolve;
  });

  const say = (text: string) => screen.print(text);

  /** The progress line shows the latest open progress message (one at a time in a single thread). */
  const showProgress = () => {
    screen.status([...activeProgress.values()].at(-1));
  };

  function targetFor(request: Request, headline: string): ReplyTarget {
    const head = () => {
      if (lastSpeaker === request.id) return;
      lastSpeaker = request.id;
      say(`> ${headline}`);
    };
    const speak = (text: string) => {
      head();
      say(text);
    };
    return {
      async openProgress(text): Promise<ProgressMessage> {
        const key = Symbol(request.id);
        activeProgress.set(key, text);
        // On a terminal: the one progress line. Otherwise: plain lines, only what is new, sparsely.
        const sparse = interactive ? undefined : createSparseProgress(speak, text, progressIntervalMs);
        if (interactive) {
          head();
          showProgress();
        }
        return {
          async edit(next) {
            if (!activeProgress.has(key)) return;
            activeProgress.set(key, next);
            if (sparse) {
              sparse.update(next);
              return;
            }
            head();
            showProgress();
          },
          async finish(last) {
            if (!activeProgress.delete(key)) return;
            sparse?.stop();
            if (interactive) showProgress();
            // Its first line says how it ended and when; the per-task lines are in the summary that follows.
            speak(last.split("\n").find((line) => line.trim() !== "") ?? last);
          },
        };
      },
      async send(reply: Reply) {
        const directory = join(options.filesDir, request.id);
        const parts = [reply.text.trim()];
        if (reply.summary) parts.push(formatSummary(reply.summary));
        const { written, failed } = await writeReplyFiles(directory, reply.files).catch((error: unknown) => ({
          written: [],
          failed: reply.files.map((file) => ({ name: file.name, error })),
        }));
        if (written.length > 0) {
          parts.push(`Files:\n${written.map((path) => `  ${shownPath(path, options.cwd)}`).join("\n")}`);
        }
        if (failed.length > 0) {
          options.logger?.warn("result files could not be written", {
            requestId: request.id,
            directory,
            files: failed.map((file) => file.name),
            error: failed[0]?.error,
          });
          parts.push(
            `Not written (see the log): ${failed.map((file) => file.name).join(", ")} in ${shownPath(directory, options.cwd)}`,
          );
        }
        speak(`${parts.filter((part) => part !== "").join("\n\n")}\n`);
      },
      async notice(text) {
        speak(text);
      },
    };
  }

  function newRequest(text: string, attachments: Attachment[]): Request {
    const id = newRequestId();
    return {
      id,
      platform: "console",
      eventId: id,
      author,
      channel: "terminal",
      thread,
      text,
      attachments,
      receivedAt: Date.now(),
    };
  }

  /**
   * Hands one message to the bot; true when it was accepted as a request. Without a terminal (a
   * script), a message over the rate limit is sent again once the limit allows, so no line is lost.
   */
  async function send(
    bot: BotHandle,
    text: string,
    attachments: Attachment[],
    typed: string,
  ): Promise<boolean> {
    const names = attachments.map((attachment) => attachment.name);
    const headline = `${oneLine(typed, 100)}${names.length > 0 ? ` [+ ${names.join(", ")}]` : ""}`;
    for (;;) {
      // A new id each time: a resent message is a new delivery, not a duplicate.
      const request = newRequest(text, attachments);
      if (interactive) lastSpeaker = request.id;
      let disposition: Disposition;
      try {
        disposition = await bot.receive(request, targetFor(request, headline));
      } catch (error) {
        options.logger?.warn("the bot refused a terminal message", { requestId: request.id, error });
        say(`Sorry: ${userMessageOf(error)}`);
        return false;
      }
      options.logger?.debug("terminal message", { requestId: request.id, disposition: disposition.status });
      if (disposition.status !== "rate-limited" || interactive || stopping) {
        return disposition.status === "accepted";
      }
      say(`(Sending it again in ${formatWait(disposition.retryAfterMs)}.)`);
      await new Promise((resolve) => setTimeout(resolve, disposition.retryAfterMs + 50));
    }
  }

  async function attach(path: string): Promise<Attachment | undefined> {
    try {
      return await localAttachment(path, { cwd: options.cwd, maxBytes: options.maxFileBytes });
    } catch (error) {
      const message = userMessageOf(error);
      say(`${message}${/[.!?]$/.test(message) ? "" : "."} Nothing was attached.`);
      return undefined;
    }
  }

  async function handle(bot: BotHandle, line: ChatLine, typed: string): Promise<"quit" | undefined> {
    switch (line.kind) {
      case "empty":
        return undefined;
      case "quit":
        return "quit";
      case "help":
        say(HELP);
        await send(bot, "help", [], typed);
        return undefined;
      case "unknown":
        say(`Unknown command ${line.command}. /help lists the commands.`);
        return undefined;
      case "attachments":
        say(
          pendingAttachments.length === 0
            ? "Nothing is attached. /attach PATH attaches a file to your next request."
            : `Attached to your next request: ${pendingAttachments.map((file) => `${file.name} (${formatSize(file.size)})`).join(", ")}`,
        );
        return undefined;
      case "detach":
        say(
          pendingAttachments.length === 0
            ? "Nothing was attached."
            : `Dropped ${pendingAttachments.map((file) => file.name).join(", ")}.`,
        );
        pendingAttachments = [];
        return undefined;
      case "attach": {
        const attachment = await attach(line.path);
        if (attachment) {
          pendingAttachments.push(attachment);
          say(`Attached ${attachment.name} (${formatSize(attachment.size)}) to your next request.`);
        }
        return undefined;
      }
      case "command":
        await send(bot, `${line.name === "stop" ? "cancel" : line.name} ${line.args}`.trim(), [], typed);
        return undefined;
      case "request": {
        const inline: Attachment[] = [];
        for (const path of line.paths) {
          const attachment = await attach(path);
          // A request whose file is missing is not sent half-equipped: the user fixes the path first.
          if (!attachment) return undefined;
          inline.push(attachment);
        }
        const attachments = [...pendingAttachments, ...inline];
        const accepted = await send(bot, line.text, attachments, typed);
        // A command or a refused request leaves the attached files for the next request.
        if (accepted) pendingAttachments = [];
        return undefined;
      }
    }
  }

  async function run(bot: BotHandle, reader: Interface): Promise<void> {
    let quitting = false;
    reader.on("SIGINT", () => {
      if (quitting) {
        // A second Ctrl-C while answers are pending: leave now.
        screen.close();
        resolveFinished();
        return;
      }
      if (activeProgress.size > 0) {
        say("^C");
        void send(bot, "cancel", [], "cancel");
        return;
      }
      quitting = true;
      reader.close();
    });
    for await (const raw of reader) {
      screen.entered(raw);
      const outcome = await handle(bot, parseChatLine(raw), raw.trim()).catch((error: unknown) => {
        options.logger?.warn("terminal line failed", { error });
        say(`Sorry: ${userMessageOf(error)}`);
        return undefined;
      });
      if (outcome === "quit") break;
      // A script's lines run one after the other, as written: a `forget` after a request forgets it
      // too, and a long script never overflows the queue. (A terminal lets you type ahead.)
      if (!interactive) await bot.idle();
    }
    quitting = true;
    if (pendingAttachments.length > 0) {
      // A script that ends with `/attach` lines: say so rather than drop the files without a word.
      const names = pendingAttachments.map((file) => file.name);
      const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
      say(
        names.length === 1
          ? `${list} was attached, but no request came after it, so it was not sent.`
          : `${list} were attached, but no request came after them, so they were not sent.`,
      );
      pendingAttachments = [];
    }
    if (activeProgress.size > 0 && interactive) say("Waiting for the pending answers (Ctrl-C leaves now)…");
    await bot.idle();
    resolveFinished();
  }

  return {
    platform: "console",
    finished,
    async start(bot) {
      const reader = createInterface({
        input: options.input,
        output: options.output,
        terminal: interactive,
        prompt: "> ",
        historySize: interactive ? 100 : 0,
      });
      lines = reader;
      screen = interactive ? createTtyScreen(options.output, reader) : createPlainScreen(options.output);
      if (interactive) {
        say("hugginggpt-bot — terminal chat. Type a request; /help lists the commands, Ctrl-D leaves.");
        say(
          `This conversation (${thread}) continues in your next chat until /forget. Result files go to ${shownPath(options.filesDir, options.cwd)}.`,
        );
      }
      for (const note of options.notes ?? []) say(note);
      if (interactive) reader.prompt();
      run(bot, reader).catch((error: unknown) => {
        options.logger?.error("the terminal chat stopped", { error });
        say(`Sorry: ${userMessageOf(error)}`);
        resolveFinished();
      });
    },
    async stop() {
      stopping = true;
      screen.close();
      lines?.close();
      resolveFinished();
    },
  };
}
