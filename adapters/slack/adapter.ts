import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, type Logger as BoltLogger, LogLevel, type RespondFn } from "@slack/bolt";
import { type RetryOptions, WebClient } from "@slack/web-api";
import type { Adapter, Attachment, BotHandle, Request } from "../../src/core/types.js";
import { BotError, errorSummary } from "../../src/errors.js";
import { type Logger, silentLogger } from "../../src/log.js";
import { shorten } from "../../src/text.js";
import type { HttpRoute } from "../shared/http-routes.js";
import { describeSlackError, SLACK_RETRY, slackClientOptions, slackErrorCode, startupError } from "./api.js";
import { ASK_MODAL_CALLBACK, askModal, parseAskSubmission } from "./modal.js";
import {
  isPersonMessage,
  mentionsBot,
  requestText,
  type SlackDownloadOptions,
  type SlackFile,
  SlackFileSchema,
  type SlackMessageEvent,
  SlackMessageEventSchema,
  slackAttachment,
} from "./normalize.js";
import { escapeMrkdwn } from "./render.js";
import { type SlackPlace, slackTarget } from "./target.js";

export interface SlackAdapterOptions {
  /** SLACK_BOT_TOKEN (xoxb-…). */
  botToken: string;
  /** SLACK_SIGNING_SECRET: verifies requests to /slack/events (HTTP mode). */
  signingSecret?: string;
  /** SLACK_APP_TOKEN (xapp-…): Socket Mode instead of HTTP. */
  appToken?: string;
  /** SLACK_API_URL (default https://slack.com/api/). */
  apiUrl: string;
  /** PORT of the HTTP receiver (0: any free port). */
  port: number;
  /** Interface the HTTP receiver listens on (default: all, as Slack must reach it). */
  host?: string;
  /**
   * Other routes the HTTP receiver serves on the same port (Discord's interactions endpoint), read
   * when the adapter starts; not served in Socket Mode, where the adapter listens on no port.
   */
  routes?: readonly HttpRoute[];
  logger?: Logger;
  /** The Web API client's retries (tests make them short). */
  retryConfig?: RetryOptions;
  /** The fetch that downloads `url_private` (tests). */
  fetch?: typeof globalThis.fetch;
}

export interface SlackAdapter extends Adapter {
  /** Where the HTTP receiver listens (undefined in Socket Mode or before start). */
  readonly address: AddressInfo | undefined;
}

/** How long a thread the bot is not in is remembered as such (a message there asks Slack again after). */
const NOT_OURS_TTL_MS = 60_000;
/** Threads remembered per kind: enough for a busy workspace, bounded for a long-running process. */
const THREADS_REMEMBERED = 10_000;

/**
 * Bolt's logger on ours: Bolt's info lines (connections, retries) are debug detail here, and its own
 * debug lines are dropped: they hold whole event payloads (people's messages) and Socket Mode URLs
 * with their tickets.
 */
function boltLogger(logger: Logger): BoltLogger {
  const text = (parts: unknown[]) =>
    parts.map((part) => (typeof part === "string" ? part : errorSummary(part))).join(" ");
  let level = LogLevel.INFO;
  return {
    debug: () => {},
    info: (...parts) => logger.debug(text(parts)),
    warn: (...parts) => logger.warn(text(parts)),
    error: (...parts) => logger.error(text(parts)),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** A bounded map that forgets its oldest entries. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > THREADS_REMEMBERED) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}

/**
 * The Slack adapter: a Bolt app (HTTP receiver at /slack/events, or Socket Mode) that turns
 * mentions, DMs, messages in the bot's threads, `/ask` and the `/ask` modal into Requests, and
 * renders replies in the thread.
 *
 * - Acknowledged at once (Bolt's `processBeforeResponse: false`); the bot answers later in the thread.
 * - Exactly once: Slack redelivers an event it thinks was not acknowledged, and a mention in a channel
 *   the bot follows arrives twice (as `app_mention` and as `message`): the request's event id is the
 *   message's channel and ts, which both share, and the bot drops a second delivery of it.
 * - Answers go in the thread of the message (`thread_ts ?? ts`); in a DM, in the DM itself unless the
 *   user wrote in a thread.
 *
 * @example
 * const adapter = createSlackAdapter({ botToken, signingSecret, apiUrl, port: 3000 });
 * await adapter.start(app.bot);
 */
export function createSlackAdapter(options: SlackAdapterOptions): SlackAdapter {
  const logger = options.logger ?? silentLogger;
  const socketMode = options.appToken !== undefined;
  let app: App | undefined;
  let server: Server | undefined;
  /**
   * For calls that must not wait: `views.open` has 3 s from the command, and `conversations.replies`
   * only decides whether a thread is the bot's. The main client waits out a 429 by pausing all of its
   * calls; this one fails at once instead.
   */
  let quick: WebClient | undefined;
  /** Threads the bot has posted in ("channel:ts"), whose messages continue its conversation. */
  const ourThreads = new Map<string, true>();
  /** Threads found not to be the bot's, with when to ask again. */
  const notOurs = new Map<string, number>();
  const downloads: SlackDownloadOptions = {
    token: options.botToken,
    apiUrl: options.apiUrl,
    async lookup(id) {
      if (!app) throw new BotError("internal", "the Slack adapter is stopped");
      const info = await app.client.files.info({ file: id });
      return SlackFileSchema.parse(info.file);
    },
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };

  function targetFor(place: SlackPlace, client: WebClient, log: Logger) {
    return slackTarget(place, {
      client,
      logger: log,
      onPosted(posted) {
        if (posted.threadTs) remember(ourThreads, `${posted.channel}:${posted.threadTs}`, true);
      },
    });
  }

  /** Whether the bot has posted in a thread: known from this process, else asked of Slack. */
  async function isOurThread(
    channel: string,
    threadTs: string,
    self: { userId: string; botId: string | undefined },
  ): Promise<boolean> {
    const key = `${channel}:${threadTs}`;
    if (ourThreads.has(key)) return true;
    if ((notOurs.get(key) ?? 0) > Date.now()) return false;
    if (!quick) return false;
    try {
      const replies = await quick.conversations.replies({ channel, ts: threadTs, limit: 1000 });
      const ours = (replies.messages ?? []).some(
        (message) =>
          message.user === self.userId || (self.botId !== undefined && message.bot_id === self.botId),
      );
      if (ours) remember(ourThreads, key, true);
      else remember(notOurs, key, Date.now() + NOT_OURS_TTL_MS);
      return ours;
    } catch (error) {
      // Rate-limited or refused: this message is not taken as a follow-up, and the next one asks again.
      logger.warn(describeSlackError("conversations.replies", error).log, { error: errorSummary(error) });
      return false;
    }
  }

  function attachmentsOf(files: readonly SlackFile[] | null | undefined): Attachment[] {
    return (files ?? []).map((file) => slackAttachment(file, downloads));
  }

  async function onMessage(
    raw: unknown,
    kind: "app_mention" | "message",
    context: { botUserId?: string; botId?: string; teamId?: string },
    client: WebClient,
    bot: BotHandle,
  ): Promise<void> {
    const parsed = SlackMessageEventSchema.safeParse(raw);
    if (!parsed.success) return;
    const event: SlackMessageEvent = parsed.data;
    const botUserId = context.botUserId ?? "";
    if (!isPersonMessage(event, botUserId)) return;
    const direct = event.channel_type === "im";
    const text = event.text ?? "";
    if (kind === "message" && !direct) {
      // In channels only a reply in the bot's thread is for the bot; a mention also arrives as app_mention.
      if (!event.thread_ts || mentionsBot(text, botUserId)) return;
      const self = { userId: botUserId, botId: context.botId };
      if (!(await isOurThread(event.channel, event.thread_ts, self))) return;
    }
    const threadTs = direct ? (event.thread_ts ?? undefined) : (event.thread_ts ?? event.ts);
    const team = event.team ?? context.teamId;
    const place: SlackPlace = { channel: event.channel, threadTs, ...(team ? { team } : {}) };
    const log = logger.child({ channel: event.channel, ts: event.ts });
    const request: Request = {
      id: `${event.channel}-${event.ts}`,
      platform: "slack",
      // The message's own id: a redelivery and the app_mention/message pair of one mention share it.
      eventId: `${event.channel}:${event.ts}`,
      author: { id: event.user ?? "", isBot: false },
      ...((event.team ?? context.teamId) ? { workspace: event.team ?? context.teamId ?? "" } : {}),
      channel: event.channel,
      // A DM is one conversation, its threads included: a follow-up there sees the earlier results.
      thread: direct ? event.channel : `${event.channel}:${threadTs}`,
      text: requestText(text, botUserId),
      attachments: attachmentsOf(event.files),
      receivedAt: Date.now(),
      stamp: event.ts,
    };
    const disposition = await bot.receive(request, targetFor(place, client, log));
    log.debug("message handled", { kind, disposition: disposition.status });
  }

  /**
   * Slash commands and the modal have no message of the user's to answer under: the bot posts the
   * request in the channel and answers in that message's thread. When it cannot post there (not a
   * member, a DM between other people), the user is told privately by `tell`.
   */
  async function askInNewThread(input: {
    client: WebClient;
    bot: BotHandle;
    channel: string;
    user: string;
    team: string | undefined;
    text: string;
    attachments: Attachment[];
    tell(text: string): Promise<void>;
  }): Promise<void> {
    const { client, channel } = input;
    const files = input.attachments.map((attachment) => `\`${escapeMrkdwn(attachment.name)}\``).join(", ");
    const quoted = input.text ? `: ${escapeMrkdwn(shorten(input.text, 2800))}` : "";
    let rootTs: string;
    try {
      const root = await client.chat.postMessage({
        channel,
        text: `<@${input.user}> asked${quoted}${files ? `\nFiles: ${files}` : ""}`,
        unfurl_links: false,
        unfurl_media: false,
      });
      rootTs = root.ts ?? "";
    } catch (error) {
      const described = describeSlackError("chat.postMessage", error);
      logger.warn(described.log, { channel, error: errorSummary(error) });
      const betweenOthers = channel.startsWith("D") && slackErrorCode(error) === "channel_not_found";
      const told = betweenOthers
        ? "I can't post in a direct message between other people. Use /ask in a channel I'm in, or in your DM with me."
        : (described.user ?? "I couldn't post your request in this channel. Please try again.");
      await input
        .tell(told)
        .catch((tellError: unknown) =>
          logger.warn("the user could not be told", { error: errorSummary(tellError) }),
        );
      return;
    }
    const place: SlackPlace = { channel, threadTs: rootTs, ...(input.team ? { team: input.team } : {}) };
    remember(ourThreads, `${channel}:${rootTs}`, true);
    const request: Request = {
      id: `${channel}-${rootTs}`,
      platform: "slack",
      eventId: `${channel}:${rootTs}`,
      author: { id: input.user, isBot: false },
      ...(input.team ? { workspace: input.team } : {}),
      channel,
      thread: `${channel}:${rootTs}`,
      text: input.text,
      attachments: input.attachments,
      receivedAt: Date.now(),
      stamp: rootTs,
    };
    const log = logger.child({ channel, ts: rootTs });
    const disposition = await input.bot.receive(request, targetFor(place, client, log));
    log.debug("command handled", { disposition: disposition.status });
  }

  /** A file of the modal, read through files.info; one that cannot be read fails when downloaded. */
  async function modalAttachment(client: WebClient, id: string): Promise<Attachment> {
    try {
      const info = await client.files.info({ file: id });
      return slackAttachment(SlackFileSchema.parse(info.file), downloads);
    } catch (error) {
      const described = describeSlackError("files.info", error);
      logger.warn(described.log, { file: id, error: errorSummary(error) });
      const failure = new BotError("fetch_failed", `files.info ${id}: ${errorSummary(error)}`, {
        userMessage: described.user ?? `I couldn't read one of the files (${id}) from Slack.`,
      });
      return {
        name: id,
        mime: "application/octet-stream",
        size: 0,
        url: "",
        fetch: () => Promise.reject(failure),
      };
    }
  }

  function register(running: App, bot: BotHandle): void {
    running.event("app_mention", async ({ event, context, client }) => {
      await onMessage(event, "app_mention", context, client, bot);
    });
    running.event("message", async ({ event, context, client }) => {
      await onMessage(event, "message", context, client, bot);
    });

    running.command("/ask", async ({ command, ack, respond, client, context }) => {
      await ack();
      const tell = (text: string) => respondPrivately(respond, text);
      const team = command.team_id ?? context.teamId;
      // Nothing is posted, and no form opened, where the bot is not enabled.
      if (
        !bot.allows({ platform: "slack", ...(team ? { workspace: team } : {}), channel: command.channel_id })
      ) {
        await tell("I'm not enabled in this channel.").catch((error: unknown) =>
          logger.warn("the user could not be told", { error: errorSummary(error) }),
        );
        return;
      }
      const text = requestText(command.text, context.botUserId ?? "");
      if (text === "") {
        try {
          await (quick ?? client).views.open({
            trigger_id: command.trigger_id,
            view: askModal({ channel: command.channel_id, user: command.user_id }),
          });
        } catch (error) {
          logger.warn(describeSlackError("views.open", error).log, { error: errorSummary(error) });
          await tell("I couldn't open the request form. Type `/ask` followed by your request instead.");
        }
        return;
      }
      await askInNewThread({
        client,
        bot,
        channel: command.channel_id,
        user: command.user_id,
        team,
        text,
        attachments: [],
        tell,
      });
    });

    running.view(ASK_MODAL_CALLBACK, async ({ ack, view, body, client, context }) => {
      const submission = parseAskSubmission(view);
      if (!submission) {
        await ack();
        logger.warn("an /ask form came back in an unexpected shape; ignored");
        return;
      }
      if (submission.prompt === "" && submission.fileIds.length === 0) {
        await ack({ response_action: "errors", errors: { prompt: "Write a request or add a file." } });
        return;
      }
      await ack();
      const user = body.user.id;
      const attachments = await Promise.all(submission.fileIds.map((id) => modalAttachment(client, id)));
      await askInNewThread({
        client,
        bot,
        channel: submission.origin.channel,
        user,
        team: body.team?.id ?? context.teamId,
        text: submission.prompt,
        attachments,
        // The form has no response_url: the app's DM with the user (posting to a user id) says it.
        async tell(text) {
          await client.chat.postMessage({ channel: user, text });
        },
      });
    });

    running.error(async (error) => {
      logger.error("Slack listener failed", { error: errorSummary(error) });
    });
  }

  return {
    platform: "slack",
    get address() {
      const address = server?.address();
      return address && typeof address === "object" ? address : undefined;
    },
    async start(bot) {
      const retryConfig = options.retryConfig ?? SLACK_RETRY;
      const running = new App({
        token: options.botToken,
        ...(socketMode
          ? {
              socketMode: true,
              appToken: options.appToken ?? "",
              // The Socket Mode client's own calls (apps.connections.open): not its default 100 retries.
              installerOptions: { clientOptions: { slackApiUrl: options.apiUrl, retryConfig } },
            }
          : {
              signingSecret: options.signingSecret ?? "",
              customRoutes: (options.routes ?? []).map((route) => ({
                path: route.path,
                method: route.method,
                handler: (request, response) => route.handler(request, response),
              })),
            }),
        clientOptions: slackClientOptions(options.apiUrl, options.retryConfig),
        // auth.test runs in init(), where a revoked token can become a clear start-up error.
        deferInitialization: true,
        // Acknowledge before the listeners run: the answer takes longer than Slack's 3 seconds.
        processBeforeResponse: false,
        logger: boltLogger(logger.child({ component: "bolt" })),
      });
      try {
        await running.init();
      } catch (error) {
        throw startupError(error, options.apiUrl);
      }
      // Bolt's Socket Mode client retries a refused app token (a bot token in SLACK_APP_TOKEN, a
      // missing connections:write) forever: one call first turns that into a clear error.
      if (socketMode) await checkAppToken(options.appToken ?? "", options.apiUrl);
      quick = new WebClient(options.botToken, {
        ...slackClientOptions(options.apiUrl, { retries: 0 }),
        rejectRateLimitedCalls: true,
      });
      register(running, bot);
      try {
        if (socketMode) await running.start();
        else {
          const started = await running.start({
            port: options.port,
            ...(options.host ? { host: options.host } : {}),
          });
          server = started as Server;
        }
      } catch (error) {
        throw new BotError("config_invalid", `Slack app could not start: ${errorSummary(error)}`, {
          userMessage: socketMode
            ? "Slack's Socket Mode connection could not be opened. Check SLACK_APP_TOKEN (xapp-…, with connections:write)."
            : `The Slack events server could not listen on port ${options.port}: ${errorSummary(error)}. Set PORT to a free port.`,
          cause: error,
        });
      }
      app = running;
      logger.info("Slack connected", {
        mode: socketMode ? "socket" : "http",
        ...(server ? { port: (server.address() as AddressInfo | null)?.port, path: "/slack/events" } : {}),
      });
    },
    async stop() {
      const running = app;
      app = undefined;
      quick = undefined;
      // Keep-alive connections would hold the server open past stop().
      server?.closeAllConnections();
      server = undefined;
      await running?.stop();
    },
  };
}

/** Opens (and drops) one Socket Mode connection URL with the app token, or says why Slack refuses it. */
async function checkAppToken(appToken: string, apiUrl: string): Promise<void> {
  try {
    await new WebClient(appToken, slackClientOptions(apiUrl, { retries: 0 })).apps.connections.open();
  } catch (error) {
    const code = slackErrorCode(error);
    if (!code) throw startupError(error, apiUrl);
    throw new BotError("config_invalid", `Slack apps.connections.open: ${code}`, {
      userMessage: `Slack refused SLACK_APP_TOKEN (${code}). Use an app-level token (xapp-…) with the connections:write scope, from Basic Information → App-Level Tokens, and turn Socket Mode on.`,
      cause: error,
    });
  }
}

/** An ephemeral answer to a slash command through its response_url; failures are logged by the caller. */
async function respondPrivately(respond: RespondFn, text: string): Promise<void> {
  await respond({ response_type: "ephemeral", text });
}
