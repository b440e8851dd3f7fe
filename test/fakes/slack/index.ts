/**
 * A fake Slack for tests: the Web API, the `url_private` file host, the upload URLs of
 * `files.uploadV2`, Socket Mode and a sender of signed Events API / slash command / interactivity
 * requests, all on one 127.0.0.1 port. It speaks the wire formats `@slack/web-api` 7 and `@slack/bolt`
 * 4 use, so they run against it unchanged: `new WebClient(token, { slackApiUrl: fake.apiUrl })`,
 * Bolt `clientOptions: { slackApiUrl: fake.apiUrl }` (Socket Mode: `installerOptions.clientOptions`).
 *
 * Workspace: team `T0FAKE`, bot user `U0BOT` / bot `B0BOT`, app `A0APP`, user `U0USER`; channels
 * `C0GENERAL` (bot is a member), `C0RANDOM` (bot is not), DM `D0DM`; `addChannel()` for more. The app
 * is installed there from the start, with `botToken`.
 *
 * ## More workspaces and the install flow (see workspaces.ts and oauth.ts)
 * `addTeam({ id, name, enterpriseId? })` adds a workspace (its user `U{id}USER`, channel `C{id}GENERAL`
 * with the bot in it, DM `D{id}DM`) where the app is not installed yet. `GET /oauth/v2/authorize` and
 * `oauth.v2.access` install it (`approveNextInstall({ team | enterprise, deny })` decides what the
 * next visitor of the authorize page does; `setRedirectUrl` is the app's Redirect URL): each
 * installation has its own bot user (`U{id}BOT`), bot id and bot token, which acts only in the
 * workspaces it serves (elsewhere `channel_not_found`, as Slack answers). `installation(team)` is the
 * installation; `uninstall(team)` revokes its tokens and sends `tokens_revoked` and `app_uninstalled`;
 * `revokeInstallationTokens(team, { bot, user })` sends `tokens_revoked`; `auth.revoke` revokes the
 * calling token. Events, commands and files carry the team of their channel, and the envelope's
 * `authorizations` name the installation that serves it.
 *
 * ## Web API (`${url}/api/{method}`, form-encoded or JSON bodies, token from `Authorization: Bearer` or `token=`)
 * - Tokens: `botToken` (xoxb), `appToken` (xapp, only for `apps.connections.open`); `revokeToken(t,
 *   "token_revoked" | "token_expired" | "invalid_auth" | "account_inactive")`. No token: `not_authed`;
 *   unknown: `invalid_auth`. Every call is recorded in `calls` (method, parsed args, token, HTTP status,
 *   response body). Responses carry `x-oauth-scopes`; a method whose scope is missing
 *   (`removeScope`) answers `missing_scope` with `needed` and `provided`.
 * - `auth.test` → `{ url, team, user, team_id, user_id, bot_id, is_enterprise_install }`.
 * - `chat.postMessage` / `chat.update` / `chat.postEphemeral`: limits from limits.ts (`msg_too_long`,
 *   `no_text`, `invalid_blocks` with `errors`, `msg_blocks_too_long`); `channel_not_found`; `not_in_channel` where the bot is not
 *   a member; `thread_ts` of a reply is moved to its parent, an unknown one is `thread_not_found`;
 *   `chat.update` of a message that is not the bot's is `cant_update_message`, of none
 *   `message_not_found`; text without blocks removes the blocks (as Slack does).
 * - `conversations.replies` (parent with reply_count/reply_users/latest_reply, then the replies),
 *   `conversations.history` (top-level, newest first), `conversations.info`, `users.info`,
 *   `reactions.add` (`already_reacted`), `files.info` (`file_not_found`).
 * - `views.open`: `trigger_id` issued by `sendCommand`, usable once within `triggerTtlMs` (3 s); unknown
 *   → `invalid_arguments` ("invalid `trigger_id`"), used → `exchanged_trigger_id`, late →
 *   `expired_trigger_id`. Views up to 100 blocks. Opened views are in `views`.
 * - Uploads: `files.getUploadURLExternal` (filename, length ≥ 1 and ≤ `uploadLimitBytes`, else
 *   `invalid_arguments` / `file_too_large`) → `upload_url` = `${url}/upload/v1/{id}`; POST the bytes there
 *   (raw or multipart, as web-api sends them; over the limit → 413); `files.completeUploadExternal`
 *   (`files` JSON `[{id,title}]`, `channel_id`, `thread_ts`, `initial_comment`, `blocks`) shares all the
 *   files as ONE message (subtype-less, `upload: true`, `files[]`) in the channel or thread.
 * - Faults: `failNext(method | "*", fault, { times })`: `{ error: "not_in_channel" }`, `{ error:
 *   "missing_scope", needed: "files:write" }`, `{ error: "ratelimited", retryAfter: 1 }` (HTTP 429 +
 *   `Retry-After`), `{ error, status: 500 }`, `{ delayMs }` (answer normally, later).
 *
 * ## File host
 * `url_private` = `${url}/files-pri/{team}-{file}/{name}`, `url_private_download` =
 * `.../download/{name}`: the bytes only with `Authorization: Bearer {bot token}` of a token with
 * files:read; otherwise 200 with an HTML login page (what Slack does). `addUserFile(bytes, { name, mimetype })` registers a file a user
 * shared; `fileObject(file)` is its `files[]` entry for events, `files.info` and `file_input` values.
 *
 * ## Requests to the app (`setAppUrl(url)`, e.g. `http://127.0.0.1:3000/slack/events`)
 * `sendEvent(event, { retryNum, eventId, badSignature, staleTimestamp })` wraps the event in an
 * `event_callback` envelope; `sendUrlVerification()`; `sendCommand({ command, text, channel_id, user_id
 * })` posts a slash command form (issuing a `trigger_id` and a `response_url` served here, see
 * `responseUrlPosts`); `sendViewSubmission(view, user)` posts `payload=` JSON. Each resolves with the
 * HTTP status, body and `ackMs` (all kept in `deliveries`; `ackPercentile(50 | 95)`). Event builders
 * record the user's message in the state and return the event: `mention()`, `directMessage()`,
 * `userMessage()` (threads, files); `eventFor(message)` is the `message` event of a stored message
 * (the bot's own replies, which Slack also delivers).
 *
 * ## Socket Mode
 * `apps.connections.open` (app token) returns `ws://127.0.0.1:{port}/link/?ticket=…&app_id=…` (the
 * shape of Slack's `wss://` URL, without TLS); the socket gets `hello`, `pushSocketEvent(event)` sends an
 * `events_api` envelope and resolves with the client's `{ envelope_id }` ack.
 *
 * ```ts
 * const slack = await startFakeSlack();
 * const web = new WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
 * const png = slack.addUserFile(pngBytes, { name: "cat.png", mimetype: "image/png" });
 * slack.setAppUrl(`http://127.0.0.1:${port}/slack/events`);
 * const mention = slack.mention({ text: "what is this?", files: [png] }); // stored + app_mention event
 * const sent = await slack.sendEvent(mention);
 * sent.status; // 200, sent.ackMs < 3000
 * slack.thread(slack.generalChannel, mention.ts); // the parent and the bot's replies
 * await slack.close();
 * ```
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { delay, readBody, sendBytes, sendJson, startHttpServer } from "../http-server.js";
import { blockErrors, blocksTextLength, SLACK_LIMITS } from "./limits.js";
import { type AuthorizeVisit, type Consent, createFakeOAuth } from "./oauth.js";
import { postSigned, type SignedResponse } from "./signing.js";
import {
  botIdentity,
  createWorkspaces,
  type FakeInstallation,
  type FakeSlackTeam,
  type Json,
  SlackError,
  str,
  type TokenOwner,
} from "./workspaces.js";

export { blockErrors, blocksTextLength, SLACK_LIMITS } from "./limits.js";
export type { AuthorizeVisit, Consent } from "./oauth.js";
export { postSigned, type SignedResponse, slackSignature } from "./signing.js";
export type { FakeInstallation, FakeSlackTeam, Json } from "./workspaces.js";

export interface FakeSlackOptions {
  teamId?: string;
  teamDomain?: string;
  botToken?: string;
  appToken?: string;
  signingSecret?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** A user of the workspace who writes to the bot (default U0USER). */
  userId?: string;
  /** Largest upload accepted (default 1 GiB, as Slack). */
  uploadLimitBytes?: number;
  /** How long a `trigger_id` is usable (default 3000 ms). */
  triggerTtlMs?: number;
  /** Scopes the bot token has (default: all the fake knows). */
  scopes?: string[];
  /** The app's Client ID and Client Secret (oauth.v2.access). */
  clientId?: string;
  clientSecret?: string;
  /** How long an install's code may be exchanged (default 10 minutes, as Slack). */
  codeTtlMs?: number;
  /** Token rotation on: bot tokens from the install flow live this long and come with a refresh token. */
  tokenExpiresInSeconds?: number;
}

export interface FakeSlackFile {
  id: string;
  /** The workspace the file was shared in. */
  teamId: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  size: number;
  user: string;
  created: number;
  bytes: Buffer;
  /** False between files.getUploadURLExternal and the POST to the upload URL. */
  uploaded: boolean;
  /** Channels the file was shared to (files.completeUploadExternal). */
  channels: string[];
  url_private: string;
  url_private_download: string;
  permalink: string;
}

export interface FakeSlackMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  blocks?: unknown[];
  /** Ids of the files shared with the message. */
  files?: string[];
  user?: string;
  bot_id?: string;
  app_id?: string;
  subtype?: string;
  upload?: boolean;
  edited?: { user: string; ts: string };
  reactions: Array<{ name: string; users: string[] }>;
}

export interface FakeSlackChannel {
  id: string;
  name: string;
  /** The workspace the channel belongs to. */
  teamId: string;
  isIm: boolean;
  isPrivate: boolean;
  /** Whether the bot is a member (else posting answers `not_in_channel`). */
  botIsMember: boolean;
  /** For DMs: the other user. */
  user?: string;
  messages: FakeSlackMessage[];
}

export interface RecordedSlackCall {
  method: string;
  args: Json;
  token: string | undefined;
  status: number;
  response: Json;
  at: number;
}

export type SlackFault =
  | { error: string; needed?: string; status?: number; retryAfter?: number }
  | { delayMs: number };

export interface SlackEventOptions {
  eventId?: string;
  retryNum?: number;
  retryReason?: string;
  badSignature?: boolean;
  staleTimestamp?: boolean;
  /** Where to send (default: `setAppUrl`). */
  url?: string;
  /** The workspace of an event that names none (default: the event's `team`, else the default workspace). */
  team?: string;
}

export interface SentEvent extends SignedResponse {
  eventId: string;
  envelope: Json;
  event: Json & { ts?: string; channel?: string };
}

export interface SlashCommand {
  command?: string;
  text?: string;
  channel_id?: string;
  user_id?: string;
  /** Default: a fresh one the fake will accept in views.open. */
  trigger_id?: string;
  response_url?: string;
}

export interface SentCommand extends SignedResponse {
  form: Record<string, string>;
  triggerId: string;
  responseUrl: string;
}

export interface ViewSubmission {
  /** The id of a view opened with views.open (its callback_id, private_metadata and blocks are used). */
  id?: string;
  callback_id?: string;
  private_metadata?: string;
  /** `state.values`: block_id → action_id → value (see `plainTextValue`, `fileInputValue`). */
  values: Record<string, Record<string, unknown>>;
}

export interface SentInteraction extends SignedResponse {
  payload: Json;
}

export interface UserMessageInput {
  text: string;
  /** Default: the default workspace's general channel. */
  channel?: string;
  user?: string;
  thread_ts?: string;
  files?: FakeSlackFile[];
}

/** One signed request sent to the app. */
export interface Delivery {
  kind: "event" | "url_verification" | "command" | "view_submission";
  status: number;
  ackMs: number;
  eventId?: string;
  retryNum?: number;
}

export interface SocketAck {
  envelopeId: string;
  ack: Json;
  ackMs: number;
}

export interface FakeSlack {
  readonly url: string;
  /** `${url}/api/` — what `slackApiUrl` takes. */
  readonly apiUrl: string;
  /** The default workspace. */
  readonly teamId: string;
  /** The bot token of the app's installation in the default workspace. */
  readonly botToken: string;
  readonly appToken: string;
  readonly signingSecret: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;
  readonly userId: string;
  /** A public channel the bot is in (C0GENERAL). */
  readonly generalChannel: string;
  /** A public channel the bot is not in (C0RANDOM): posting there is `not_in_channel`. */
  readonly randomChannel: string;
  /** The DM between `userId` and the bot (D0DM). */
  readonly dmChannel: string;
  readonly channels: Map<string, FakeSlackChannel>;
  readonly files: Map<string, FakeSlackFile>;
  readonly calls: RecordedSlackCall[];
  readonly views: Json[];
  readonly ephemerals: Json[];
  readonly responseUrlPosts: Array<{ path: string; body: Json }>;
  /** Users whom users.info reports as workspace admins (`is_admin`); add to it to make one. */
  readonly admins: Set<string>;
  readonly socketAcks: SocketAck[];
  /** Every signed request sent to the app, with its status and time to acknowledge. */
  readonly deliveries: Delivery[];
  uploadLimitBytes: number;
  /** The app's Client ID and Client Secret. */
  readonly clientId: string;
  readonly clientSecret: string;
  readonly teams: ReadonlyMap<string, FakeSlackTeam>;
  /** Every visit of the authorize page, with where it sent the browser. */
  readonly authorizeVisits: AuthorizeVisit[];

  /** Calls of one method (successful or not). */
  callsTo(method: string): RecordedSlackCall[];
  /** A channel's messages (top level and replies) in order. */
  messages(channel: string): FakeSlackMessage[];
  /** A thread: the parent then its replies. */
  thread(channel: string, threadTs: string): FakeSlackMessage[];
  /** The messages the bot posted (anywhere, or in one thread). */
  botMessages(channel?: string, threadTs?: string): FakeSlackMessage[];
  addChannel(channel: {
    id: string;
    name: string;
    botIsMember?: boolean;
    isPrivate?: boolean;
    /** Default: the default workspace. */
    team?: string;
  }): FakeSlackChannel;
  /** A workspace where the app is not installed yet (see the module's comment). */
  addTeam(team: {
    id: string;
    name: string;
    domain?: string;
    enterpriseId?: string;
    enterpriseName?: string;
  }): FakeSlackTeam;
  /** The installation that serves a workspace (by team id), or an org-wide one (by enterprise id). */
  installation(id: string): FakeInstallation | undefined;
  /** The app's Redirect URL (OAuth & Permissions): where the authorize page sends the browser. */
  setRedirectUrl(url: string): void;
  /** What the next visitor of the authorize page does (default: approve for the default workspace). */
  approveNextInstall(consent: Consent): void;
  /**
   * Uninstalls the app from a workspace (or an org-wide install by enterprise id): its tokens are
   * revoked, and Slack sends `tokens_revoked` then `app_uninstalled` to the app URL (`deliver: "none"`: no events).
   */
  uninstall(id: string, options?: { deliver?: "http" | "none" }): Promise<SentEvent[]>;
  /** Revokes an installation's bot and/or user token and sends `tokens_revoked`. */
  revokeInstallationTokens(id: string, which: { bot?: boolean; user?: boolean }): Promise<SentEvent>;
  revokeToken(
    token: string,
    error?: "token_revoked" | "token_expired" | "invalid_auth" | "account_inactive",
  ): void;
  removeScope(scope: string): void;
  /** Gives the bot token a scope again (after `removeScope`). */
  addScope(scope: string): void;
  failNext(method: string, fault: SlackFault, options?: { times?: number }): void;

  addUserFile(
    bytes: Uint8Array,
    meta: { name: string; mimetype?: string; user?: string; title?: string; team?: string },
  ): FakeSlackFile;
  fileObject(file: FakeSlackFile | string): Json;
  fileBytes(id: string): Buffer | undefined;

  setAppUrl(url: string): void;
  userMessage(input: UserMessageInput): Json & { ts: string; channel: string };
  mention(
    input: Omit<UserMessageInput, "channel"> & { channel?: string },
  ): Json & { ts: string; channel: string };
  /** A DM to the bot in the default workspace, or in `team`'s. */
  directMessage(
    input: Omit<UserMessageInput, "channel"> & { team?: string },
  ): Json & { ts: string; channel: string };
  /** The `message` event Slack would send for a stored message (e.g. the bot's own reply, to check it is ignored). */
  eventFor(message: FakeSlackMessage): Json & { ts: string; channel: string };
  /** Percentiles (0..100) of `ackMs` over the deliveries answered 200 (undefined when none). */
  ackPercentile(percentile: number): number | undefined;
  sendEvent(event: Json, options?: SlackEventOptions): Promise<SentEvent>;
  sendUrlVerification(options?: SlackEventOptions): Promise<SignedResponse & { challenge: string }>;
  sendCommand(command: SlashCommand, options?: SlackEventOptions): Promise<SentCommand>;
  sendViewSubmission(
    view: ViewSubmission,
    user?: string,
    options?: SlackEventOptions,
  ): Promise<SentInteraction>;
  plainTextValue(value: string): Json;
  fileInputValue(files: Array<FakeSlackFile | string>): Json;

  /** Open Socket Mode connections that got `hello`. */
  socketCount(): number;
  waitForSocket(timeoutMs?: number): Promise<void>;
  pushSocketEvent(
    event: Json,
    options?: { eventId?: string; retryAttempt?: number; timeoutMs?: number },
  ): Promise<SocketAck>;
  close(): Promise<void>;
}

const ALL_SCOPES = [
  "app_mentions:read",
  "channels:history",
  "channels:read",
  "chat:write",
  "commands",
  "files:read",
  "files:write",
  "groups:history",
  "groups:read",
  "im:history",
  "im:read",
  "reactions:write",
  "users:read",
];

const METHOD_SCOPES: Record<string, string | ((channel: FakeSlackChannel | undefined) => string)> = {
  "chat.postMessage": "chat:write",
  "chat.update": "chat:write",
  "chat.postEphemeral": "chat:write",
  "reactions.add": "reactions:write",
  "files.info": "files:read",
  "files.getUploadURLExternal": "files:write",
  "files.completeUploadExternal": "files:write",
  "conversations.replies": (c) =>
    c?.isIm ? "im:history" : c?.isPrivate ? "groups:history" : "channels:history",
  "users.info": "users:read",
  "conversations.history": (c) =>
    c?.isIm ? "im:history" : c?.isPrivate ? "groups:history" : "channels:history",
  "conversations.info": (c) => (c?.isIm ? "im:read" : c?.isPrivate ? "groups:read" : "channels:read"),
};

/** Arguments Slack takes as JSON strings in form posts. */
const JSON_ARGS = new Set(["blocks", "attachments", "files", "view", "metadata", "unfurl"]);

const LOGIN_PAGE = `<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>Slack</title></head>
<body><div id="page"><h1>Sign in to Slack</h1><form id="signin_form" action="/" method="post">
<input type="email" name="email" placeholder="name@work-email.com"><button type="submit">Sign In With Email</button>
</form></div></body></html>`;

const EXTENSION_MIME: Record<string, [string, string]> = {
  png: ["image/png", "png"],
  jpg: ["image/jpeg", "jpg"],
  jpeg: ["image/jpeg", "jpg"],
  gif: ["image/gif", "gif"],
  webp: ["image/webp", "webp"],
  mp3: ["audio/mpeg", "mp3"],
  wav: ["audio/wav", "wav"],
  flac: ["audio/flac", "flac"],
  ogg: ["audio/ogg", "ogg"],
  m4a: ["audio/mp4", "m4a"],
  mp4: ["video/mp4", "mp4"],
  pdf: ["application/pdf", "pdf"],
  txt: ["text/plain", "text"],
  json: ["application/json", "json"],
};

function typesOf(name: string, mimetype?: string): { mimetype: string; filetype: string } {
  const extension = name.includes(".") ? name.split(".").pop()!.toLowerCase() : "";
  const known = EXTENSION_MIME[extension];
  if (mimetype) {
    const byMime = Object.values(EXTENSION_MIME).find(([mime]) => mime === mimetype);
    return { mimetype, filetype: byMime?.[1] ?? known?.[1] ?? (extension || "binary") };
  }
  if (known) return { mimetype: known[0], filetype: known[1] };
  return { mimetype: "application/octet-stream", filetype: "binary" };
}

/** Values of a multipart body's file part (or of its only part). */
function multipartFile(body: Buffer, contentType: string): Buffer | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const mark = boundary?.[1] ?? boundary?.[2];
  if (!mark) return undefined;
  const delimiter = Buffer.from(`--${mark}`);
  const parts: Array<{ headers: string; content: Buffer }> = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2); // skip CRLF after mark, before next
    const split = part.indexOf("\r\n\r\n");
    if (split !== -1)
      parts.push({ headers: part.subarray(0, split).toString("utf8"), content: part.subarray(split + 4) });
    start = next;
  }
  const file = parts.find((p) => /filename=/i.test(p.headers)) ?? parts[0];
  return file?.content;
}

function parseArgs(raw: Buffer, contentType: string): Json {
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  if (raw.length === 0) return {};
  if (type === "application/json") {
    const parsed: unknown = JSON.parse(raw.toString("utf8"));
    return typeof parsed === "object" && parsed !== null ? (parsed as Json) : {};
  }
  const args: Json = {};
  for (const [key, value] of new URLSearchParams(raw.toString("utf8"))) {
    if (JSON_ARGS.has(key) && /^\s*[[{]/.test(value)) {
      try {
        args[key] = JSON.parse(value);
        continue;
      } catch {
        // Slack would answer invalid_arguments; keep the string so the method sees it.
      }
    }
    args[key] = value;
  }
  return args;
}

/** Who called a Web API method: the token's installation, acting in its workspaces. */
interface Caller extends TokenOwner {
  token: string;
  /** The user the token acts as: the installation's bot user, or the person of a user token. */
  userId: string;
  scopes: Set<string>;
  /** The workspace answers speak of (the installation's, or its organization's first workspace). */
  team: FakeSlackTeam;
}

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const teamId = options.teamId ?? "T0FAKE";
  const teamDomain = options.teamDomain ?? "fake-team";
  const botToken = options.botToken ?? "xoxb-0000-fake-bot-token";
  const appToken = options.appToken ?? "xapp-1-A0APP-0000-fake-app-token";
  const signingSecret = options.signingSecret ?? "fake-signing-secret";
  const botUserId = options.botUserId ?? "U0BOT";
  const botId = options.botId ?? "B0BOT";
  const appId = options.appId ?? "A0APP";
  const userId = options.userId ?? "U0USER";
  const triggerTtlMs = options.triggerTtlMs ?? 3000;
  const scopes = new Set(options.scopes ?? ALL_SCOPES);
  const clientId = options.clientId ?? "1000000000.2000000000";
  const clientSecret = options.clientSecret ?? "fake-client-secret-0123456789";
  const workspaces = createWorkspaces();
  const { revoked } = workspaces;
  const defaultTeam = workspaces.addTeam({
    id: teamId,
    name: "Fake Team",
    domain: teamDomain,
    userId,
    generalChannel: "C0GENERAL",
    dmChannel: "D0DM",
  });
  // The app is installed in the default workspace from the start, with the fake's bot token.
  workspaces.install({
    key: teamId,
    teamId,
    enterpriseId: undefined,
    isEnterpriseInstall: false,
    botToken,
    botUserId,
    botId,
    scopes,
    userId,
    userToken: undefined,
    userScopes: new Set(),
    refreshToken: undefined,
    expiresAt: undefined,
    installedAt: Date.now(),
  });
  const oauth = createFakeOAuth(
    {
      clientId,
      clientSecret,
      appId,
      defaultTeamId: teamId,
      // Scopes only a user token has, besides those both kinds may have.
      knownScopes: [...ALL_SCOPES, "search:read"],
      codeTtlMs: options.codeTtlMs ?? 600_000,
      tokenExpiresInSeconds: options.tokenExpiresInSeconds,
    },
    workspaces,
  );
  const faults: Array<{ method: string; fault: SlackFault; times: number }> = [];
  const triggers = new Map<string, { issuedAt: number; used: boolean }>();
  const channels = new Map<string, FakeSlackChannel>();
  const files = new Map<string, FakeSlackFile>();
  const calls: RecordedSlackCall[] = [];
  const views: Json[] = [];
  const ephemerals: Json[] = [];
  const responseUrlPosts: Array<{ path: string; body: Json }> = [];
  const admins = new Set<string>();
  const socketAcks: SocketAck[] = [];
  const deliveries: Delivery[] = [];
  const sockets = new Set<WebSocket>();
  const tickets = new Set<string>();
  const pendingAcks = new Map<string, (ack: Json) => void>();
  let appUrl: string | undefined;
  let idCounter = 0;
  let tsCounter = 0;

  const nextId = (prefix: string) => `${prefix}${(++idCounter).toString(36).toUpperCase().padStart(8, "0")}`;
  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++tsCounter).padStart(6, "0")}`;

  const addChannel: FakeSlack["addChannel"] = (channel) => {
    const created: FakeSlackChannel = {
      id: channel.id,
      name: channel.name,
      teamId: channel.team ?? teamId,
      isIm: channel.id.startsWith("D"),
      isPrivate: channel.isPrivate ?? false,
      botIsMember: channel.botIsMember ?? true,
      messages: [],
    };
    channels.set(channel.id, created);
    return created;
  };
  addChannel({ id: "C0GENERAL", name: "general" });
  addChannel({ id: "C0RANDOM", name: "random", botIsMember: false });
  const dm = addChannel({ id: "D0DM", name: userId });
  dm.user = userId;

  const addTeam: FakeSlack["addTeam"] = (input) => {
    const id = input.id.replace(/^T/, "");
    const team = workspaces.addTeam({
      id: input.id,
      name: input.name,
      domain: input.domain ?? input.name.toLowerCase().replace(/[^a-z0-9]+/g, "-"),
      ...(input.enterpriseId ? { enterpriseId: input.enterpriseId } : {}),
      ...(input.enterpriseName ? { enterpriseName: input.enterpriseName } : {}),
      userId: `U${id}USER`,
      generalChannel: `C${id}GENERAL`,
      dmChannel: `D${id}DM`,
    });
    addChannel({ id: team.generalChannel, name: "general", team: team.id });
    const teamDm = addChannel({ id: team.dmChannel, name: team.userId, team: team.id });
    teamDm.user = team.userId;
    return team;
  };

  function teamOf(id: string): FakeSlackTeam {
    const team = workspaces.team(id);
    if (!team) throw new Error(`fake Slack: no workspace ${id}`);
    return team;
  }

  /** The workspace an installation answers for (an org-wide one: the first of its organization). */
  function homeTeam(installation: FakeInstallation): FakeSlackTeam {
    const own = installation.teamId ? workspaces.team(installation.teamId) : undefined;
    const member = [...workspaces.teams.values()].find(
      (team) => installation.enterpriseId !== undefined && team.enterpriseId === installation.enterpriseId,
    );
    return own ?? member ?? defaultTeam;
  }

  const wss = new WebSocketServer({ noServer: true });

  const http = await startHttpServer(async (request, response) => {
    const path = new URL(request.url ?? "/", "http://fake").pathname;
    if (request.method === "POST" && path.startsWith("/api/"))
      return webApi(path.slice(5), request, response);
    if (request.method === "POST" && path.startsWith("/upload/v1/"))
      return upload(path.slice(11), request, response);
    if (request.method === "GET" && path.startsWith("/files-pri/")) return fileHost(path, request, response);
    if (request.method === "GET" && path === "/oauth/v2/authorize")
      return oauth.authorize(new URL(request.url ?? "/", base), response);
    if (request.method === "POST" && path.startsWith("/commands/")) {
      const raw = await readBody(request);
      let body: Json;
      try {
        body = parseArgs(raw, request.headers["content-type"] ?? "application/json");
      } catch {
        return sendJson(response, 400, { ok: false, error: "invalid_payload" });
      }
      responseUrlPosts.push({ path, body });
      return sendJson(response, 200, { ok: true });
    }
    sendJson(response, 404, { ok: false, error: "unknown_method" });
  });
  const base = http.url;

  http.server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? "/", "http://fake");
    const ticket = url.searchParams.get("ticket") ?? "";
    if (url.pathname !== "/link/" || !tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      sockets.add(ws);
      ws.on("close", () => sockets.delete(ws));
      ws.on("message", (data) => {
        let message: Json;
        try {
          message = JSON.parse(data.toString()) as Json;
        } catch {
          return;
        }
        const envelopeId = str(message, "envelope_id");
        if (envelopeId) pendingAcks.get(envelopeId)?.(message);
      });
      ws.send(
        JSON.stringify({
          type: "hello",
          num_connections: sockets.size,
          debug_info: { host: "applink-fake", build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: appId },
        }),
      );
    });
  });

  /** A channel the caller can see: another workspace's channel, like a missing one, is `channel_not_found`. */
  function channelOrThrow(id: string | undefined, caller: Caller): FakeSlackChannel {
    const channel = id ? channels.get(id) : undefined;
    if (!channel || !workspaces.serves(caller.installation, channel.teamId))
      throw new SlackError("channel_not_found");
    if (channel.isPrivate && !channel.botIsMember) throw new SlackError("channel_not_found");
    return channel;
  }

  function findMessage(channel: FakeSlackChannel, ts: string | undefined): FakeSlackMessage | undefined {
    return ts === undefined ? undefined : channel.messages.find((m) => m.ts === ts);
  }

  function messageJson(message: FakeSlackMessage): Json {
    const json: Json = { type: "message", ts: message.ts, text: message.text };
    if (message.user) json.user = message.user;
    const team = channels.get(message.channel)?.teamId ?? teamId;
    if (message.bot_id) {
      json.bot_id = message.bot_id;
      json.app_id = message.app_id;
      json.bot_profile = { id: message.bot_id, app_id: message.app_id, name: "hugginggpt", team_id: team };
    }
    if (message.subtype) json.subtype = message.subtype;
    if (message.blocks) json.blocks = message.blocks;
    if (message.files) json.files = message.files.map((id) => fileObject(id));
    if (message.upload) json.upload = true;
    if (message.edited) json.edited = message.edited;
    if (message.reactions.length > 0)
      json.reactions = message.reactions.map((r) => ({ ...r, count: r.users.length }));
    json.team = team;
    if (message.thread_ts) {
      json.thread_ts = message.thread_ts;
      const channel = channels.get(message.channel);
      if (message.thread_ts === message.ts && channel) {
        const replies = channel.messages.filter((m) => m.thread_ts === message.ts && m.ts !== message.ts);
        json.reply_count = replies.length;
        json.reply_users = [...new Set(replies.map((m) => m.user ?? m.bot_id))];
        json.reply_users_count = (json.reply_users as unknown[]).length;
        json.latest_reply = replies.at(-1)?.ts;
      } else if (channel) {
        json.parent_user_id = findMessage(channel, message.thread_ts)?.user;
      }
    }
    return json;
  }

  function fileObject(fileOrId: FakeSlackFile | string): Json {
    const file = typeof fileOrId === "string" ? files.get(fileOrId) : fileOrId;
    if (!file) throw new Error(`fake Slack: no file ${String(fileOrId)}`);
    return {
      id: file.id,
      created: file.created,
      timestamp: file.created,
      name: file.name,
      title: file.title,
      mimetype: file.mimetype,
      filetype: file.filetype,
      pretty_type: file.filetype.toUpperCase(),
      user: file.user,
      user_team: file.teamId,
      editable: false,
      size: file.size,
      mode: "hosted",
      is_external: false,
      external_type: "",
      is_public: file.channels.some((c) => c.startsWith("C")),
      public_url_shared: false,
      display_as_bot: false,
      username: "",
      url_private: file.url_private,
      url_private_download: file.url_private_download,
      permalink: file.permalink,
      channels: file.channels.filter((c) => c.startsWith("C")),
      groups: file.channels.filter((c) => c.startsWith("G")),
      ims: file.channels.filter((c) => c.startsWith("D")),
      has_rich_preview: false,
      file_access: "visible",
    };
  }

  function createFile(meta: {
    name: string;
    title?: string;
    mimetype?: string;
    user: string;
    size: number;
    team: string;
  }) {
    const id = nextId("F");
    const types = typesOf(meta.name, meta.mimetype);
    const encoded = encodeURIComponent(meta.name);
    const file: FakeSlackFile = {
      id,
      teamId: meta.team,
      name: meta.name,
      title: meta.title ?? meta.name,
      ...types,
      size: meta.size,
      user: meta.user,
      created: Math.floor(Date.now() / 1000),
      bytes: Buffer.alloc(0),
      uploaded: false,
      channels: [],
      url_private: `${base}/files-pri/${meta.team}-${id}/${encoded}`,
      url_private_download: `${base}/files-pri/${meta.team}-${id}/download/${encoded}`,
      permalink: `${base}/files/${meta.user}/${id}/${encoded}`,
    };
    files.set(id, file);
    return file;
  }

  function checkMessageContent(args: Json): void {
    const text = str(args, "text");
    const blocks = args.blocks;
    const attachments = args.attachments;
    if (text !== undefined && text.length > SLACK_LIMITS.textChars) throw new SlackError("msg_too_long");
    if (blocks !== undefined) {
      const errors = blockErrors(blocks);
      if (errors.length > 0)
        throw new SlackError("invalid_blocks", {
          errors,
          response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
        });
      if (blocksTextLength(blocks) > SLACK_LIMITS.blocksTextChars)
        throw new SlackError("msg_blocks_too_long");
    }
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    if (!text && !hasBlocks && attachments === undefined) throw new SlackError("no_text");
  }

  function postable(args: Json, caller: Caller, key = "channel"): FakeSlackChannel {
    const channel = channelOrThrow(str(args, key), caller);
    if (!channel.botIsMember) throw new SlackError("not_in_channel");
    return channel;
  }

  function threadRoot(channel: FakeSlackChannel, threadTs: string | undefined): string | undefined {
    if (threadTs === undefined || threadTs === "") return undefined;
    const parent = findMessage(channel, threadTs);
    if (!parent) throw new SlackError("thread_not_found");
    return parent.thread_ts ?? parent.ts;
  }

  function addMessage(
    channel: FakeSlackChannel,
    message: Omit<FakeSlackMessage, "channel" | "ts" | "reactions">,
  ) {
    const stored: FakeSlackMessage = { ...message, channel: channel.id, ts: nextTs(), reactions: [] };
    if (stored.thread_ts) {
      const parent = findMessage(channel, stored.thread_ts);
      if (parent && !parent.thread_ts) parent.thread_ts = parent.ts;
    }
    channel.messages.push(stored);
    return stored;
  }

  /** Who a post of the caller is from: its installation's bot, or the person of a user token. */
  const authorOf = (caller: Caller) =>
    caller.kind === "bot"
      ? { user: caller.installation.botUserId, bot_id: caller.installation.botId, app_id: appId }
      : { user: caller.userId };

  const methods: Record<string, (args: Json, caller: Caller) => Json> = {
    "auth.test": (_args, caller) => ({
      url: `https://${caller.team.domain}.slack.com/`,
      team: caller.team.name,
      user: caller.kind === "bot" ? "hugginggpt" : "fake.user",
      team_id: caller.installation.teamId ?? caller.team.id,
      user_id: caller.userId,
      ...(caller.kind === "bot" ? { bot_id: caller.installation.botId } : {}),
      ...(caller.installation.enterpriseId ? { enterprise_id: caller.installation.enterpriseId } : {}),
      is_enterprise_install: caller.installation.isEnterpriseInstall,
    }),
    "auth.revoke": (args, caller) => {
      const test = ["1", "true"].includes(str(args, "test") ?? "");
      if (!test) {
        workspaces.tokens.delete(caller.token);
        revoked.set(caller.token, "token_revoked");
      }
      return { revoked: !test };
    },
    "chat.postMessage": (args, caller) => {
      const channel = postable(args, caller);
      checkMessageContent(args);
      const thread_ts = threadRoot(channel, str(args, "thread_ts"));
      const message = addMessage(channel, {
        text: str(args, "text") ?? "",
        ...(Array.isArray(args.blocks) && args.blocks.length > 0 ? { blocks: args.blocks } : {}),
        ...(thread_ts ? { thread_ts } : {}),
        ...authorOf(caller),
      });
      return { channel: channel.id, ts: message.ts, message: messageJson(message) };
    },
    "chat.update": (args, caller) => {
      const channel = channelOrThrow(str(args, "channel"), caller);
      const message = findMessage(channel, str(args, "ts"));
      if (!message) throw new SlackError("message_not_found");
      const own =
        caller.kind === "bot" ? message.bot_id === caller.installation.botId : message.user === caller.userId;
      if (!own) throw new SlackError("cant_update_message");
      checkMessageContent(args);
      if (str(args, "text") !== undefined) message.text = str(args, "text")!;
      if (Array.isArray(args.blocks) && args.blocks.length > 0) message.blocks = args.blocks;
      else delete message.blocks;
      message.edited = { user: caller.userId, ts: nextTs() };
      return { channel: channel.id, ts: message.ts, text: message.text, message: messageJson(message) };
    },
    "chat.postEphemeral": (args, caller) => {
      const channel = postable(args, caller);
      checkMessageContent(args);
      if (!str(args, "user")) throw new SlackError("user_not_in_channel");
      const messageTs = nextTs();
      ephemerals.push({ ...args, channel: channel.id, message_ts: messageTs });
      return { message_ts: messageTs };
    },
    "conversations.replies": (args, caller) => {
      const channel = channelOrThrow(str(args, "channel"), caller);
      if (!channel.botIsMember) throw new SlackError("not_in_channel");
      const ts = str(args, "ts");
      const parent = findMessage(channel, ts);
      if (!parent) throw new SlackError("thread_not_found");
      const root = parent.thread_ts ?? parent.ts;
      return {
        messages: thread(channel.id, root).map(messageJson),
        has_more: false,
        response_metadata: { next_cursor: "" },
      };
    },
    "conversations.history": (args, caller) => {
      const channel = channelOrThrow(str(args, "channel"), caller);
      if (!channel.botIsMember) throw new SlackError("not_in_channel");
      const limit = Number(str(args, "limit") ?? 100);
      const top = channel.messages.filter((m) => !m.thread_ts || m.thread_ts === m.ts).reverse();
      return {
        messages: top.slice(0, limit).map(messageJson),
        has_more: top.length > limit,
        response_metadata: { next_cursor: "" },
      };
    },
    "users.info": (args, caller) => {
      const id = str(args, "user");
      if (!id || !(id.startsWith("U") || id.startsWith("W"))) throw new SlackError("user_not_found");
      const isBot = [...workspaces.installations.values()].some(
        (installation) => installation.botUserId === id,
      );
      return {
        user: {
          id,
          team_id: caller.team.id,
          name: isBot ? "hugginggpt" : id === caller.team.userId ? "fake.user" : id.toLowerCase(),
          real_name: isBot ? "HuggingGPT" : "Fake User",
          is_bot: isBot,
          is_admin: admins.has(id),
          is_owner: false,
          deleted: false,
          tz: "Etc/UTC",
          profile: {
            display_name: isBot ? "HuggingGPT" : "fake.user",
            real_name: isBot ? "HuggingGPT" : "Fake User",
          },
        },
      };
    },
    "conversations.info": (args, caller) => {
      const channel = channelOrThrow(str(args, "channel"), caller);
      return {
        channel: {
          id: channel.id,
          name: channel.name,
          is_channel: !channel.isIm && !channel.isPrivate,
          is_group: false,
          is_im: channel.isIm,
          is_private: channel.isPrivate || channel.isIm,
          is_member: channel.botIsMember,
          is_archived: false,
          ...(channel.user ? { user: channel.user } : {}),
          created: 1_700_000_000,
        },
      };
    },
    "reactions.add": (args, caller) => {
      const channel = channelOrThrow(str(args, "channel"), caller);
      if (!channel.botIsMember) throw new SlackError("not_in_channel");
      const message = findMessage(channel, str(args, "timestamp"));
      if (!message) throw new SlackError("message_not_found");
      const name = str(args, "name");
      if (!name) throw new SlackError("invalid_name");
      let reaction = message.reactions.find((r) => r.name === name);
      if (reaction?.users.includes(caller.userId)) throw new SlackError("already_reacted");
      if (!reaction) {
        reaction = { name, users: [] };
        message.reactions.push(reaction);
      }
      reaction.users.push(caller.userId);
      return {};
    },
    "views.open": (args, caller) => {
      const triggerId = str(args, "trigger_id");
      const trigger = triggerId ? triggers.get(triggerId) : undefined;
      if (!trigger)
        throw new SlackError("invalid_arguments", {
          response_metadata: { messages: ["invalid `trigger_id`"] },
        });
      if (trigger.used) throw new SlackError("exchanged_trigger_id");
      if (Date.now() - trigger.issuedAt > triggerTtlMs) throw new SlackError("expired_trigger_id");
      const view = args.view;
      if (typeof view !== "object" || view === null) throw new SlackError("invalid_arguments");
      const blocks = (view as Json).blocks ?? [];
      const errors = blockErrors(blocks, SLACK_LIMITS.viewBlocks);
      if (errors.length > 0)
        throw new SlackError("invalid_arguments", {
          response_metadata: {
            messages: errors.map((e) => `[ERROR] ${e.replace("/blocks", "/view/blocks")}`),
          },
        });
      trigger.used = true;
      const opened: Json = {
        id: nextId("V"),
        team_id: caller.team.id,
        state: { values: {} },
        hash: `${Date.now()}.${idCounter}`,
        private_metadata: "",
        callback_id: "",
        root_view_id: null,
        app_id: appId,
        bot_id: caller.installation.botId,
        ...(view as Json),
      };
      opened.root_view_id = opened.id;
      views.push(opened);
      return { view: opened };
    },
    "files.info": (args, caller) => {
      const file = files.get(str(args, "file") ?? "");
      if (!file?.uploaded || !workspaces.serves(caller.installation, file.teamId))
        throw new SlackError("file_not_found");
      return { file: fileObject(file), comments: [], response_metadata: { next_cursor: "" } };
    },
    "files.getUploadURLExternal": (args, caller) => {
      const filename = str(args, "filename");
      const length = Number(str(args, "length"));
      if (!filename || !Number.isInteger(length) || length < 1) throw new SlackError("invalid_arguments");
      if (length > uploadLimit.bytes) throw new SlackError("file_too_large");
      const file = createFile({ name: filename, user: caller.userId, size: length, team: caller.team.id });
      return { upload_url: `${base}/upload/v1/${file.id}`, file_id: file.id };
    },
    "files.completeUploadExternal": (args, caller) => {
      const list = args.files;
      if (!Array.isArray(list) || list.length === 0) throw new SlackError("invalid_arguments");
      const entries = list.map((entry) => {
        const id = typeof entry === "object" && entry !== null ? str(entry as Json, "id") : undefined;
        const file = id ? files.get(id) : undefined;
        if (!file) throw new SlackError("file_not_found");
        if (!file.uploaded) throw new SlackError("file_upload_not_complete" /* approximation */);
        return { file, title: str(entry as Json, "title") };
      });
      const channelId = str(args, "channel_id") ?? str(args, "channels");
      let channel: FakeSlackChannel | undefined;
      let thread_ts: string | undefined;
      if (channelId) {
        channel = postable({ channel: channelId }, caller);
        thread_ts = threadRoot(channel, str(args, "thread_ts"));
        if (args.blocks !== undefined) checkMessageContent({ blocks: args.blocks });
        const comment = str(args, "initial_comment");
        if (comment !== undefined && comment.length > SLACK_LIMITS.textChars)
          throw new SlackError("msg_too_long");
      }
      for (const { file, title } of entries) {
        if (title) file.title = title;
        if (channel) file.channels.push(channel.id);
      }
      if (channel) {
        addMessage(channel, {
          text: str(args, "initial_comment") ?? "",
          ...(Array.isArray(args.blocks) ? { blocks: args.blocks } : {}),
          files: entries.map((e) => e.file.id),
          upload: true,
          ...(thread_ts ? { thread_ts } : {}),
          ...authorOf(caller),
        });
      }
      return { files: entries.map(({ file }) => ({ id: file.id, title: file.title })) };
    },
  };

  const uploadLimit = { bytes: options.uploadLimitBytes ?? 1024 * 1024 * 1024 };

  function takeFault(method: string): SlackFault | undefined {
    const index = faults.findIndex((f) => f.method === method || f.method === "*");
    if (index === -1) return undefined;
    const entry = faults[index]!;
    entry.times -= 1;
    if (entry.times <= 0) faults.splice(index, 1);
    return entry.fault;
  }

  async function webApi(method: string, request: IncomingMessage, response: ServerResponse) {
    const raw = await readBody(request);
    const contentType = request.headers["content-type"] ?? "";
    let args: Json;
    try {
      args = parseArgs(raw, contentType);
    } catch {
      return reply(400, { ok: false, error: "invalid_json" });
    }
    const authorization = request.headers.authorization;
    const token = authorization?.startsWith("Bearer ") ? authorization.slice(7) : str(args, "token");
    const record: RecordedSlackCall = { method, args, token, status: 0, response: {}, at: Date.now() };
    calls.push(record);
    const owner = workspaces.owner(token);
    const granted = owner
      ? owner.kind === "bot"
        ? owner.installation.scopes
        : owner.installation.userScopes
      : scopes;

    function reply(status: number, body: Json, headers: Record<string, string> = {}) {
      record.status = status;
      record.response = body;
      sendJson(response, status, body, {
        "content-type": "application/json; charset=utf-8",
        "x-oauth-scopes": [...granted].join(","),
        ...headers,
      });
    }

    // The install flow's exchange needs no token: the app's client id and secret authenticate it.
    if (method === "oauth.v2.access") {
      try {
        return reply(200, { ok: true, ...oauth.access(args, authorization) });
      } catch (error) {
        if (error instanceof SlackError) return reply(200, { ok: false, error: error.error, ...error.extra });
        throw error;
      }
    }
    const handler = methods[method];
    const isAppMethod = method === "apps.connections.open";
    if (!handler && !isAppMethod) return reply(200, { ok: false, error: "unknown_method" });
    if (!token) return reply(200, { ok: false, error: "not_authed" });
    const revokedAs = revoked.get(token);
    if (revokedAs) return reply(200, { ok: false, error: revokedAs });
    if (isAppMethod) {
      if (owner) return reply(200, { ok: false, error: "not_allowed_token_type" });
      if (token !== appToken) return reply(200, { ok: false, error: "invalid_auth" });
    } else if (!owner) {
      return reply(200, { ok: false, error: token === appToken ? "not_allowed_token_type" : "invalid_auth" });
    }
    const fault = takeFault(method);
    if (fault && "delayMs" in fault) await delay(fault.delayMs, response);
    else if (fault) {
      if (fault.error === "ratelimited" || fault.status === 429)
        return reply(
          429,
          { ok: false, error: "ratelimited" },
          { "retry-after": String(fault.retryAfter ?? 1) },
        );
      const body: Json = { ok: false, error: fault.error };
      if (fault.error === "missing_scope") {
        body.needed = fault.needed ?? "chat:write";
        body.provided = [...granted].join(",");
      }
      return reply(fault.status ?? 200, body);
    }
    if (isAppMethod) {
      const ticket = randomUUID();
      tickets.add(ticket);
      return reply(200, { ok: true, url: `ws://${http.hostPort}/link/?ticket=${ticket}&app_id=${appId}` });
    }
    if (!owner) throw new Error("fake Slack: a Web API call without its token's owner");
    const caller: Caller = {
      ...owner,
      token,
      userId: owner.kind === "bot" ? owner.installation.botUserId : owner.installation.userId,
      scopes: granted,
      team: homeTeam(owner.installation),
    };
    const needed = METHOD_SCOPES[method];
    if (needed) {
      const scope = typeof needed === "string" ? needed : needed(channels.get(str(args, "channel") ?? ""));
      if (!granted.has(scope))
        return reply(200, {
          ok: false,
          error: "missing_scope",
          needed: scope,
          provided: [...granted].join(","),
        });
    }
    try {
      const result = handler!(args, caller);
      return reply(200, { ok: true, ...result });
    } catch (error) {
      if (error instanceof SlackError) return reply(200, { ok: false, error: error.error, ...error.extra });
      throw error;
    }
  }

  async function upload(id: string, request: IncomingMessage, response: ServerResponse) {
    const file = files.get(id);
    if (!file || file.uploaded) {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("Not Found");
      return;
    }
    let raw: Buffer;
    try {
      raw = await readBody(request, uploadLimit.bytes + 64 * 1024);
    } catch {
      response.writeHead(413, { "content-type": "text/plain", connection: "close" });
      response.end("Request Entity Too Large");
      return;
    }
    const contentType = request.headers["content-type"] ?? "";
    const bytes = contentType.startsWith("multipart/form-data")
      ? (multipartFile(raw, contentType) ?? raw)
      : raw;
    if (bytes.length > uploadLimit.bytes) {
      response.writeHead(413, { "content-type": "text/plain" });
      response.end("Request Entity Too Large");
      return;
    }
    file.bytes = Buffer.from(bytes);
    file.size = bytes.length;
    file.uploaded = true;
    const types = typesOf(file.name);
    file.mimetype = types.mimetype;
    file.filetype = types.filetype;
    response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    response.end(`OK - ${bytes.length}`);
  }

  function fileHost(path: string, request: IncomingMessage, response: ServerResponse) {
    const match = /^\/files-pri\/([^/-]+)-([^/]+)\/(?:download\/)?[^/]+$/.exec(path);
    const file = match ? files.get(match[2]!) : undefined;
    const authorization = request.headers.authorization;
    const token = authorization?.startsWith("Bearer ") ? authorization.slice(7) : undefined;
    const owner = workspaces.owner(token);
    // Only a bot token of an installation serving the file's workspace, with files:read, gets the bytes.
    const authorized =
      token !== undefined &&
      owner?.kind === "bot" &&
      !revoked.has(token) &&
      owner.installation.scopes.has("files:read") &&
      file !== undefined &&
      match?.[1] === file.teamId &&
      workspaces.serves(owner.installation, file.teamId);
    if (!authorized || !file?.uploaded) {
      // Slack answers a missing or wrong token (or one without files:read) with its sign-in page, status 200.
      sendBytes(response, 200, Buffer.from(LOGIN_PAGE), "text/html; charset=utf-8");
      return;
    }
    sendBytes(response, 200, file.bytes, file.mimetype, {
      "content-disposition": `attachment; filename="${encodeURIComponent(file.name)}"`,
    });
  }

  function thread(channelId: string, threadTs: string): FakeSlackMessage[] {
    const channel = channels.get(channelId);
    if (!channel) return [];
    return channel.messages.filter((m) => m.ts === threadTs || m.thread_ts === threadTs);
  }

  function userMessage(input: UserMessageInput & { type?: string }): Json & { ts: string; channel: string } {
    const channel = channels.get(input.channel ?? "C0GENERAL");
    if (!channel) throw new Error(`fake Slack: no channel ${input.channel}`);
    const user = input.user ?? teamOf(channel.teamId).userId;
    const thread_ts = input.thread_ts ? threadRoot(channel, input.thread_ts) : undefined;
    for (const file of input.files ?? [])
      if (!file.channels.includes(channel.id)) file.channels.push(channel.id);
    const stored = addMessage(channel, {
      text: input.text,
      user,
      ...(thread_ts ? { thread_ts } : {}),
      ...(input.files && input.files.length > 0
        ? { files: input.files.map((f) => f.id), upload: false }
        : {}),
    });
    const event: Json & { ts: string; channel: string } = {
      type: input.type ?? "message",
      user,
      text: input.text,
      ts: stored.ts,
      channel: channel.id,
      event_ts: stored.ts,
      team: channel.teamId,
      client_msg_id: randomUUID(),
      blocks: [
        {
          type: "rich_text",
          block_id: nextId("b"),
          elements: [{ type: "rich_text_section", elements: [{ type: "text", text: input.text }] }],
        },
      ],
    };
    if (thread_ts) event.thread_ts = thread_ts;
    if (input.files && input.files.length > 0) {
      event.files = input.files.map((f) => fileObject(f));
      event.upload = false;
      event.display_as_bot = false;
      if (event.type === "message") event.subtype = "file_share";
    }
    if (event.type === "message")
      event.channel_type = channel.isIm ? "im" : channel.isPrivate ? "group" : "channel";
    return event;
  }

  /**
   * The Events API envelope of an event in a workspace (the event's `team`, else the default one):
   * `authorizations` names the installation serving it (org-wide: `team_id` null), or the bot the
   * workspace would have when the app is not installed there.
   */
  function envelope(event: Json, eventId: string, inTeam?: string): Json {
    const team = teamOf(inTeam ?? (typeof event.team === "string" ? event.team : teamId));
    const installation = workspaces.serving(team.id);
    const bot = installation ?? botIdentity(team.id, false);
    const orgWide = installation?.isEnterpriseInstall === true;
    return {
      token: "fake-verification-token",
      team_id: team.id,
      ...(team.enterpriseId ? { enterprise_id: team.enterpriseId } : {}),
      context_team_id: team.id,
      context_enterprise_id: team.enterpriseId ?? null,
      api_app_id: appId,
      event,
      type: "event_callback",
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [
        {
          enterprise_id: team.enterpriseId ?? null,
          team_id: orgWide ? null : team.id,
          user_id: bot.botUserId,
          is_bot: true,
          is_enterprise_install: orgWide,
        },
      ],
      is_ext_shared_channel: false,
      event_context: `4-fake-${eventId}`,
    };
  }

  function target(options: SlackEventOptions): string {
    const url = options.url ?? appUrl;
    if (!url) throw new Error("fake Slack: call setAppUrl(url) (or pass { url }) before sending requests");
    return url;
  }

  function signed(
    options: SlackEventOptions,
    contentType: "application/json" | "application/x-www-form-urlencoded",
  ) {
    return {
      signingSecret,
      contentType,
      ...(options.badSignature ? { badSignature: true } : {}),
      ...(options.staleTimestamp ? { staleTimestamp: true } : {}),
      ...(options.retryNum !== undefined ? { retryNum: options.retryNum } : {}),
      ...(options.retryReason !== undefined ? { retryReason: options.retryReason } : {}),
    };
  }

  function issueTrigger(): string {
    const id = `${Date.now()}.${Math.floor(Math.random() * 1e12)}.${randomUUID().replaceAll("-", "")}`;
    triggers.set(id, { issuedAt: Date.now(), used: false });
    return id;
  }

  const eventTs = () => `${(Date.now() / 1000).toFixed(6)}`;

  /** The `tokens_revoked` event Slack sends for an installation's bot and/or user token. */
  function tokensRevoked(installation: FakeInstallation, which: { bot?: boolean; user?: boolean }): Json {
    return {
      type: "tokens_revoked",
      tokens: {
        oauth: which.user && installation.userToken ? [installation.userId] : [],
        bot: which.bot ? [installation.botUserId] : [],
      },
      event_ts: eventTs(),
    };
  }

  /** Sends an event Slack sends by itself (uninstalls, revocations) to the app URL. */
  function deliverEvent(event: Json, team: string): Promise<SentEvent> {
    return fake.sendEvent(event, { team });
  }

  const fake: FakeSlack = {
    url: base,
    apiUrl: `${base}/api/`,
    teamId,
    botToken,
    appToken,
    signingSecret,
    botUserId,
    botId,
    appId,
    userId,
    generalChannel: "C0GENERAL",
    randomChannel: "C0RANDOM",
    dmChannel: "D0DM",
    channels,
    files,
    calls,
    views,
    ephemerals,
    responseUrlPosts,
    admins,
    socketAcks,
    deliveries,
    clientId,
    clientSecret,
    teams: workspaces.teams,
    authorizeVisits: oauth.visits,
    get uploadLimitBytes() {
      return uploadLimit.bytes;
    },
    set uploadLimitBytes(bytes: number) {
      uploadLimit.bytes = bytes;
    },
    callsTo: (method) => calls.filter((c) => c.method === method),
    messages: (channel) => [...(channels.get(channel)?.messages ?? [])],
    thread,
    botMessages: (channel, threadTs) =>
      [...channels.values()]
        .filter((c) => channel === undefined || c.id === channel)
        .flatMap((c) => c.messages)
        .filter(
          (m) =>
            m.bot_id !== undefined &&
            workspaces.botIds().has(m.bot_id) &&
            (threadTs === undefined || m.thread_ts === threadTs),
        ),
    addChannel,
    addTeam,
    installation: (id) => workspaces.installations.get(id) ?? workspaces.serving(id),
    setRedirectUrl: (url) => {
      oauth.redirectUrls = [url];
    },
    approveNextInstall: (consent) => oauth.approveNext(consent),
    async uninstall(id, { deliver = "http" } = {}) {
      const installation = workspaces.uninstall(id);
      if (!installation) throw new Error(`fake Slack: the app is not installed in ${id}`);
      if (deliver === "none") return [];
      const team = homeTeam(installation).id;
      const revokedEvent = tokensRevoked(installation, { bot: true, user: true });
      const sent = [await deliverEvent(revokedEvent, team)];
      sent.push(await deliverEvent({ type: "app_uninstalled", event_ts: eventTs() }, team));
      return sent;
    },
    async revokeInstallationTokens(id, which) {
      const installation = workspaces.installations.get(id);
      if (!installation) throw new Error(`fake Slack: the app is not installed in ${id}`);
      const event = tokensRevoked(installation, which);
      if (which.bot) {
        workspaces.tokens.delete(installation.botToken);
        revoked.set(installation.botToken, "token_revoked");
      }
      if (which.user && installation.userToken) {
        workspaces.tokens.delete(installation.userToken);
        revoked.set(installation.userToken, "token_revoked");
        installation.userToken = undefined;
      }
      return deliverEvent(event, homeTeam(installation).id);
    },
    revokeToken: (token, error = "token_revoked") => {
      revoked.set(token, error);
    },
    removeScope: (scope) => {
      scopes.delete(scope);
    },
    addScope: (scope) => {
      scopes.add(scope);
    },
    failNext: (method, fault, { times = 1 } = {}) => {
      faults.push({ method, fault, times });
    },
    addUserFile: (bytes, meta) => {
      const file = createFile({
        name: meta.name,
        ...(meta.title ? { title: meta.title } : {}),
        ...(meta.mimetype ? { mimetype: meta.mimetype } : {}),
        user: meta.user ?? teamOf(meta.team ?? teamId).userId,
        size: bytes.byteLength,
        team: meta.team ?? teamId,
      });
      file.bytes = Buffer.from(bytes);
      file.uploaded = true;
      return file;
    },
    fileObject,
    fileBytes: (id) => files.get(id)?.bytes,
    setAppUrl: (url) => {
      appUrl = url;
    },
    userMessage: (input) => userMessage(input),
    mention: (input) => {
      const channel = channels.get(input.channel ?? "C0GENERAL");
      const tag = `<@${workspaces.botUserIn(channel?.teamId ?? teamId).botUserId}>`;
      const text = input.text.includes(tag) ? input.text : `${tag} ${input.text}`;
      return userMessage({ ...input, text, type: "app_mention" });
    },
    directMessage: ({ team, ...input }) =>
      userMessage({ ...input, channel: teamOf(team ?? teamId).dmChannel }),
    eventFor: (message) => {
      const channel = channels.get(message.channel);
      return {
        ...messageJson(message),
        ts: message.ts,
        channel: message.channel,
        event_ts: message.ts,
        channel_type: channel?.isIm ? "im" : channel?.isPrivate ? "group" : "channel",
      };
    },
    ackPercentile: (percentile) => {
      const times = deliveries
        .filter((d) => d.status === 200)
        .map((d) => d.ackMs)
        .sort((a, b) => a - b);
      if (times.length === 0) return undefined;
      const index = Math.min(times.length - 1, Math.max(0, Math.ceil((percentile / 100) * times.length) - 1));
      return times[index];
    },
    async sendEvent(event, options = {}) {
      const eventId = options.eventId ?? nextId("Ev");
      const body = envelope(event, eventId, options.team);
      const sent = await postSigned(
        target(options),
        JSON.stringify(body),
        signed(options, "application/json"),
      );
      deliveries.push({
        kind: "event",
        status: sent.status,
        ackMs: sent.ackMs,
        eventId,
        ...(options.retryNum !== undefined ? { retryNum: options.retryNum } : {}),
      });
      return { ...sent, eventId, envelope: body, event };
    },
    async sendUrlVerification(options = {}) {
      const challenge = randomUUID();
      const body = JSON.stringify({ token: "fake-verification-token", challenge, type: "url_verification" });
      const sent = await postSigned(target(options), body, signed(options, "application/json"));
      deliveries.push({ kind: "url_verification", status: sent.status, ackMs: sent.ackMs });
      return { ...sent, challenge };
    },
    async sendCommand(command, options = {}) {
      const channel = channels.get(command.channel_id ?? "C0GENERAL");
      const team = teamOf(channel?.teamId ?? teamId);
      const triggerId = command.trigger_id ?? issueTrigger();
      const responseUrl =
        command.response_url ??
        `${base}/commands/${team.id}/${nextId("")}/${randomUUID().replaceAll("-", "")}`;
      const form: Record<string, string> = {
        token: "fake-verification-token",
        team_id: team.id,
        team_domain: team.domain,
        ...(team.enterpriseId ? { enterprise_id: team.enterpriseId } : {}),
        channel_id: channel?.id ?? command.channel_id ?? "C0GENERAL",
        channel_name: channel ? (channel.isIm ? "directmessage" : channel.name) : "unknown",
        user_id: command.user_id ?? team.userId,
        user_name: "fake.user",
        command: command.command ?? "/ask",
        text: command.text ?? "",
        api_app_id: appId,
        is_enterprise_install: String(workspaces.serving(team.id)?.isEnterpriseInstall === true),
        response_url: responseUrl,
        trigger_id: triggerId,
      };
      const body = new URLSearchParams(form).toString();
      const sent = await postSigned(
        target(options),
        body,
        signed(options, "application/x-www-form-urlencoded"),
      );
      deliveries.push({ kind: "command", status: sent.status, ackMs: sent.ackMs });
      return { ...sent, form, triggerId, responseUrl };
    },
    async sendViewSubmission(view, user = userId, options = {}) {
      const opened = view.id ? views.find((v) => v.id === view.id) : undefined;
      if (view.id && !opened) throw new Error(`fake Slack: no opened view ${view.id}`);
      const payload: Json = {
        type: "view_submission",
        team: { id: teamId, domain: teamDomain },
        user: { id: user, username: "fake.user", name: "fake.user", team_id: teamId },
        api_app_id: appId,
        token: "fake-verification-token",
        trigger_id: issueTrigger(),
        view: {
          ...(opened ?? {
            id: nextId("V"),
            team_id: teamId,
            type: "modal",
            blocks: [],
            app_id: appId,
            bot_id: botId,
          }),
          ...(view.callback_id !== undefined ? { callback_id: view.callback_id } : {}),
          ...(view.private_metadata !== undefined ? { private_metadata: view.private_metadata } : {}),
          state: { values: view.values },
          hash: `${Date.now()}.fake`,
        },
        response_urls: [],
        is_enterprise_install: false,
        enterprise: null,
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const sent = await postSigned(
        target(options),
        body,
        signed(options, "application/x-www-form-urlencoded"),
      );
      deliveries.push({ kind: "view_submission", status: sent.status, ackMs: sent.ackMs });
      return { ...sent, payload };
    },
    plainTextValue: (value) => ({ type: "plain_text_input", value }),
    fileInputValue: (list) => ({ type: "file_input", files: list.map((f) => fileObject(f)) }),
    socketCount: () => sockets.size,
    async waitForSocket(timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (sockets.size === 0) {
        if (Date.now() > until)
          throw new Error(`fake Slack: no Socket Mode connection within ${timeoutMs} ms`);
        await delay(20);
      }
    },
    pushSocketEvent(event, { eventId, retryAttempt = 0, timeoutMs = 5000 } = {}) {
      const socket = [...sockets].at(-1);
      if (!socket) return Promise.reject(new Error("fake Slack: no Socket Mode connection"));
      const envelopeId = randomUUID();
      const started = performance.now();
      return new Promise<SocketAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pendingAcks.delete(envelopeId);
          reject(new Error(`fake Slack: no ack for envelope ${envelopeId} within ${timeoutMs} ms`));
        }, timeoutMs);
        pendingAcks.set(envelopeId, (ack) => {
          clearTimeout(timer);
          pendingAcks.delete(envelopeId);
          const recorded = { envelopeId, ack, ackMs: performance.now() - started };
          socketAcks.push(recorded);
          resolve(recorded);
        });
        socket.send(
          JSON.stringify({
            envelope_id: envelopeId,
            payload: envelope(event, eventId ?? nextId("Ev")),
            type: "events_api",
            accepts_response_payload: false,
            retry_attempt: retryAttempt,
            retry_reason: retryAttempt > 0 ? "timeout" : "",
          }),
        );
      });
    },
    async close() {
      for (const socket of sockets) socket.terminate();
      wss.close();
      await http.close();
    },
  };
  return fake;
}
