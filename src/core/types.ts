import type { Summary, TaskStatus } from "../summary.js";
import type { TaskName } from "../tasks/index.js";
import type { SettingsDesk } from "./settings-desk.js";

/**
 * The summary's vocabulary, as the `Reply` carries it (defined on the ground floor, src/summary.ts, where
 * the pipeline that writes it can reach it too): adapters name it from here.
 */
export type { ExpertSource, Summary, SummaryRow, TaskStatus } from "../summary.js";
/**
 * What the bot reports to operators (src/telemetry.ts, on the ground floor like the summary): adapters
 * name it from here, and record what only they see (a platform's 429s).
 */
export type { Telemetry, TelemetryEvent } from "../telemetry.js";

/** The chat platforms (and local front ends) the bot answers on. */
export type Platform = "discord" | "slack" | "console" | "web" | "test";

/**
 * A file that came with a message. Bytes are fetched lazily, with the platform's authentication,
 * and only after `size` has been checked against the limit: Discord's CDN links are signed and
 * expire, Slack's need the bot token.
 */
export interface Attachment {
  name: string;
  /** The platform's word for the type; the bytes' magic number decides in the end. */
  mime: string;
  /** Bytes, as the platform reported it before download. */
  size: number;
  url: string;
  fetch(options: { signal: AbortSignal; maxBytes: number }): Promise<Uint8Array>;
}

export interface Author {
  id: string;
  name?: string;
  /** Messages of bots (this one included) are ignored. */
  isBot: boolean;
  /**
   * Whether the platform says this person administers the workspace (Discord: Manage Server in the
   * interaction's `member.permissions`; Slack: `users.info`'s is_admin or is_owner). Asked only by
   * `/settings`, so Slack is asked only then; absent where the platform cannot tell.
   */
  isWorkspaceAdmin?: () => Promise<boolean>;
}

/** One incoming message, normalized by an adapter. */
export interface Request {
  /** Unique for this request (for logs and cancellation). */
  id: string;
  platform: Platform;
  /** The platform's id of the delivery, used to drop redeliveries (Slack's event_id, Discord's message id). */
  eventId: string;
  author: Author;
  /** Discord guild, Slack workspace; undefined in DMs and local front ends. */
  workspace?: string;
  channel: string;
  /** The conversation: a Discord/Slack thread, a DM channel, the terminal. Memory and ordering are per thread. */
  thread: string;
  text: string;
  attachments: Attachment[];
  receivedAt: number;
  /**
   * The platform's own order of messages in the thread, as a string that sorts (Slack's ts, a
   * Discord snowflake padded to 20 digits): requests of a thread run in this order in every process.
   */
  stamp?: string;
}

export interface ReplyFile {
  name: string;
  mime: string;
  bytes: Uint8Array;
}

/** What the bot answers: the text, the result files, and the summary as data for each platform to render. */
export interface Reply {
  text: string;
  files: ReplyFile[];
  summary?: Summary;
}

/** Where a request is: a stage while it runs, then how it ended. */
export type ProgressStage =
  | "queued"
  | "downloading"
  | "planning"
  | "selecting"
  | "running"
  | "answering"
  | "done"
  | "failed"
  | "cancelled";

/** One planned task as the progress shows it. */
export interface ProgressTask {
  id: number;
  task: TaskName;
  /** The tasks it waits for: what a drawing of the plan shows as arrows. */
  dep: number[];
  status: "planned" | "running" | TaskStatus;
  model?: string;
  ms?: number;
  error?: string;
}

/** The progress as data, beside its text: for adapters that draw it (the web page's task graph). */
export interface ProgressSnapshot {
  stage: ProgressStage;
  tasks: ProgressTask[];
  /** Set once the request has ended. */
  elapsedMs?: number;
}

/** The one progress message of a request, edited as stages advance. */
export interface ProgressMessage {
  edit(text: string, snapshot?: ProgressSnapshot): Promise<void>;
  /** The last edit: the request is done (answer sent, failed or cancelled). */
  finish(text: string, snapshot?: ProgressSnapshot): Promise<void>;
}

/** Where an adapter sends things for one request: its thread on its platform. */
export interface ReplyTarget {
  openProgress(text: string, snapshot?: ProgressSnapshot): Promise<ProgressMessage>;
  send(reply: Reply): Promise<void>;
  /** A short message outside the progress message: queue position, rate limit, cancellation, errors. */
  notice(text: string): Promise<void>;
  /**
   * The target as data, from which another process rebuilds it (`Postman.target`): present where the
   * platform can be answered through its API alone (Discord, Slack), so a worker can run the turn.
   */
  address?(): ReplyAddress;
}

/**
 * A reply target as data (JSON): the platform, the conversation, and what answering there needs
 * besides the bot's own credentials, which every process has (an interaction's token, the message a
 * thread is to be started on). Tokens that are the bot's own never go in here.
 */
export interface ReplyAddress {
  platform: Platform;
  workspace?: string;
  channel: string;
  thread: string;
  /** A Discord interaction answered through its token, which lives 15 minutes. */
  interaction?: { applicationId: string; token: string; expiresAt: number };
  /** The progress message posted at admission, if any, edited from then on. */
  progressMessageId?: string;
  /** What else the platform's target needs (the upload limit, a thread still to start). */
  extra?: Record<string, string | number | boolean>;
}

/** An attachment as data: what a worker needs to fetch it again with the platform's authentication. */
export type AttachmentRef = Pick<Attachment, "name" | "mime" | "size" | "url">;

/**
 * What a step of answering did, kept per request so that a request run again (its worker was killed)
 * does not post twice: the progress message is edited instead of posted again, the files already
 * uploaded are not uploaded again.
 */
export interface DeliveryJournal {
  /**
   * Runs `step` once per request: a run again gets what the first run recorded (a message id). Two
   * runs at once: one posts, the other waits for its record. `run` gets a marker naming this step of
   * this request, to put on what it posts where the platform keeps it (Slack's message metadata,
   * Discord's nonce); a run again after a crash first asks `find` whether the run before posted it
   * already without recording so, and takes what it finds.
   */
  once<T extends string | number | boolean | null>(
    step: string,
    run: (marker: string | undefined) => Promise<T>,
    find?: (marker: string) => Promise<T | undefined>,
  ): Promise<T>;
}

/** A journal that keeps nothing: one process, one run (`start`). */
export const UNJOURNALED: DeliveryJournal = { once: (_step, run) => run(undefined) };

/**
 * Rebuilds, in any process, what an adapter made in the process that received the message: the
 * reply target from its address, an attachment's download from its reference. A worker holds one
 * per platform; it needs the bot's API credentials, never a gateway connection.
 */
export interface Postman {
  readonly platform: Platform;
  target(address: ReplyAddress, journal: DeliveryJournal): ReplyTarget;
  attachment(ref: AttachmentRef, address: ReplyAddress): Attachment;
  /** Closes what it opened (HTTP agents). */
  close?(): Promise<void>;
}

/** What the bot does with a message an adapter hands it. */
export type Disposition =
  | { status: "accepted"; position: number }
  | { status: "duplicate" }
  | { status: "ignored"; reason: "bot" | "not-allowed" | "empty" }
  | { status: "rate-limited"; retryAfterMs: number }
  | { status: "command"; command: string }
  /** Refused with a notice already sent to the user (`message` is that notice). */
  | { status: "refused"; reason: RefusalReason; message: string };

/**
 * Why an admitted request (not a bot, allowed, not a redelivery) was refused: the user is told.
 * The last two come only from `BotHandle.command`: a command name or options that do not fit.
 */
export type RefusalReason =
  | "queue-full"
  | "attachment-too-large"
  | "shutting-down"
  /** The queue cannot be reached (a gateway whose Redis is down). */
  | "unavailable"
  /** A budget of the user's or the workspace's is spent (src/usage/); the notice says which and when it resets. */
  | "over-budget"
  | "unknown-command"
  | "invalid-options"
  /** A command only admins may use (`/settings`), from someone who is not one. */
  | "forbidden";

/** The bot as adapters see it. */
export interface BotHandle {
  /**
   * Takes a message: drops duplicates and bots, checks allowlists and rate limits, handles commands
   * (cancel, forget, help, ...) and queues requests per thread. Resolves once the message is accepted
   * or refused, NOT when it is answered, so adapters can acknowledge at once.
   */
  receive(request: Request, target: ReplyTarget): Promise<Disposition>;
  /**
   * Runs a named command (slash commands) as if typed in the thread, with the same admission as a
   * message (bots, allowlists, redeliveries). Resolves to what happened, so that an adapter which has
   * acknowledged already (Discord's deferred reply) can finish it when the bot said nothing:
   * - a refusal by admission (`ignored` not-allowed/bot, `duplicate`): nothing was sent to the user;
   * - `refused` unknown-command/invalid-options: the notice was sent;
   * - the command's own disposition when it has one (`ask`: its request's `accepted`, `rate-limited`,
   *   `refused`…, resolved at admission, not when answered);
   * - else `{ status: "command" }` once the command has finished.
   */
  command(
    name: string,
    options: Record<string, string | Attachment | undefined>,
    request: Request,
    target: ReplyTarget,
  ): Promise<Disposition>;
  /** Resolves when every accepted request has been answered (for shutdown and scripted chats). */
  idle(): Promise<void>;
  /**
   * Whether the allowlists let the bot answer in this channel: for adapters that must post before a
   * request exists (Slack's `/ask` posts the request to answer in its thread), so they post nothing
   * where the bot is not enabled.
   */
  allows(place: Pick<Request, "platform" | "workspace" | "channel">): boolean;
  /**
   * The settings of workspaces and channels (`/settings`), for adapters that show them in a form of
   * their own (Slack's modal); absent where the bot keeps none.
   */
  readonly settings?: SettingsDesk;
}

/** A platform's transport: verify, acknowledge, normalize, render. Nothing else. */
export interface Adapter {
  readonly platform: Platform;
  start(bot: BotHandle): Promise<void>;
  stop(): Promise<void>;
}

/** The type of a command option: adapters map it to their own (Discord's String and Attachment options). */
export type CommandOptionType = "string" | "attachment";

/** One option of a command, as a slash command declares it. */
export interface CommandOption {
  name: string;
  description: string;
  type: CommandOptionType;
  required: boolean;
  /** The only values a string option takes (Discord offers them as choices; at most 25). */
  choices?: readonly string[];
}

/** The values of a command's options, by name: text for string options, files for attachment options. */
export type CommandOptions = Record<string, string | Attachment | undefined>;

/** What a command can ask of the bot: the bot implements it, commands only call it. */
export interface BotServices {
  /** Queues a request for the pipeline, with every check a typed message gets (rate limit, queue bound). */
  submit(request: Request, target: ReplyTarget): Promise<Disposition>;
  /** Aborts the thread's running request (in whichever process runs it) and withdraws its queued ones. */
  cancel(request: Request): Promise<CancelOutcome>;
  /** Clears the thread's conversation memory. */
  forget(request: Request): Promise<void>;
  /** The candidates of a task and where they run (the `models` command's text). */
  listModels(task: string): Promise<string>;
  /** The settings of workspaces and channels (`/settings`); absent where the bot keeps none. */
  readonly settings?: SettingsDesk;
  /** The requester's usage and budgets, and the workspace's for its admins (the `usage` command's text). */
  usage(request: Request): Promise<string>;
}

/** What a cancel found to stop in a thread. */
export interface CancelOutcome {
  running: boolean;
  queued: number;
}

/** Everything a command handler gets. */
export interface CommandContext {
  request: Request;
  target: ReplyTarget;
  options: CommandOptions;
  bot: BotServices;
  /** Every registered command (for `help`). */
  commands: readonly CommandDefinition[];
}

/**
 * A platform-neutral command (`ask`, `tasks`, `models`, `forget`, `help`, `cancel`). Adapters translate
 * the definition (Discord slash commands, Slack slash commands); the bot also routes a message whose
 * text is exactly the command word (and what `parseText` accepts) to it.
 */
export interface CommandDefinition {
  name: string;
  description: string;
  options: readonly CommandOption[];
  /** Other words that run this command when typed alone ("stop" for cancel). */
  aliases?: readonly string[];
  /**
   * The options from the words typed after the command word, or undefined when the message is not
   * this command but an ordinary request ("models for my cat photo"). Without it, only the bare word
   * is the command.
   */
  parseText?(rest: string): CommandOptions | undefined;
  /**
   * How a user types it, when more than its name and options say (`help` shows it): "settings
   * [history | [workspace] NAME=VALUE…]".
   */
  usage?: string;
  /**
   * Answered to its user alone where a platform can (Discord's ephemeral reply, Slack's ephemeral
   * response to a slash command); typed as a message, it is answered in the thread as usual.
   */
  private?: boolean;
  /**
   * Runs the command; a command that submits a request resolves to that request's disposition, one
   * that refused (a non-admin's `/settings`) to its refusal, once told.
   */
  run(context: CommandContext): Promise<void> | Promise<Disposition | undefined>;
}
