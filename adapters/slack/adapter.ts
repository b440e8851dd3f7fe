import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, type CustomRoute, type Installation, type RespondFn } from "@slack/bolt";
import { type RetryOptions, WebClient } from "@slack/web-api";
import { z } from "zod";
import { parseSettingsText, settingsCommand } from "../../commands/index.js";
import { describeOutcome } from "../../src/core/settings-desk.js";
import type {
  Adapter,
  Attachment,
  BotHandle,
  ReplyTarget,
  Request,
  Telemetry,
} from "../../src/core/types.js";
import { BotError, errorSummary } from "../../src/errors.js";
import { type Logger, silentLogger } from "../../src/log.js";
import { shorten } from "../../src/text.js";
import type { HttpRoute } from "../shared/http-routes.js";
import {
  describeSlackError,
  isTokenError,
  SLACK_RETRY,
  slackClientOptions,
  slackErrorCode,
  startupError,
} from "./api.js";
import { boltLogger } from "./bolt-logger.js";
import {
  installationKey,
  type SlackInstallationQuery,
  type SlackInstallationStore,
} from "./installations.js";
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
import {
  createSlackInstaller,
  SLACK_INSTALL_PATH,
  SLACK_REDIRECT_PATH,
  type SlackInstaller,
} from "./oauth.js";
import { escapeMrkdwn } from "./render.js";
import { parseSettingsSubmission, SETTINGS_MODAL_CALLBACK, settingsModal } from "./settings-modal.js";
import { type SlackPlace, slackTarget } from "./target.js";

/** Many workspaces: Slack's install flow, and the installations it stores. */
export interface SlackOAuthOptions {
  /** SLACK_CLIENT_ID */
  clientId: string;
  /** SLACK_CLIENT_SECRET */
  clientSecret: string;
  /** SLACK_STATE_SECRET */
  stateSecret: string;
  /** The installations in the bot's storage, sealed with SLACK_INSTALLATION_KEY. */
  installations: SlackInstallationStore;
}

export interface SlackAdapterOptions {
  /**
   * SLACK_BOT_TOKEN (xoxb-…): the one workspace of token mode. With `oauth`, it is stored at start as
   * the installation of its own workspace when that workspace has none.
   */
  botToken?: string;
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
  /** Install the bot in many workspaces (`/slack/install`) instead of one token's workspace. */
  oauth?: SlackOAuthOptions;
  /** Where the Web API's 429s are counted (the operator's metrics). */
  telemetry?: Telemetry;
}

export interface SlackAdapter extends Adapter {
  /** Where the HTTP receiver listens (undefined in Socket Mode or before start). */
  readonly address: AddressInfo | undefined;
}

/** How long a thread the bot is not in is remembered as such (a message there asks Slack again after). */
const NOT_OURS_TTL_MS = 60_000;
/** Threads remembered per kind: enough for a busy workspace, bounded for a long-running process. */
const THREADS_REMEMBERED = 10_000;
/** Workspaces whose quick clients are kept. */
const CLIENTS_REMEMBERED = 500;

/** The `tokens_revoked` event: the users whose tokens were revoked, by kind. */
const TokensRevokedSchema = z.object({
  tokens: z.object({
    oauth: z.array(z.string()).nullish(),
    bot: z.array(z.string()).nullish(),
  }),
});

/** A bounded map that forgets its oldest entries. */
function remember<V>(map: Map<string, V>, key: string, value: V, limit = THREADS_REMEMBERED): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > limit) {
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
  const { telemetry } = options;
  const onRateLimited = telemetry
    ? () => telemetry.record({ type: "platform-rate-limited", platform: "slack" })
    : undefined;
  const socketMode = options.appToken !== undefined;
  const oauth = options.oauth;
  let app: App | undefined;
  let server: Server | undefined;
  /** Socket Mode with the install flow: the server of /slack/install and /slack/oauth_redirect. */
  let installServer: Server | undefined;
  /**
   * For calls that must not wait, one per bot token (workspace): `views.open` has 3 s from the
   * command, and `conversations.replies` only decides whether a thread is the bot's. The main client
   * waits out a 429 by pausing all of its calls; these fail at once instead.
   */
  const quickClients = new Map<string, WebClient>();
  /** Threads the bot has posted in ("channel:ts"), whose messages continue its conversation. */
  const ourThreads = new Map<string, true>();
  /** Threads found not to be the bot's, with when to ask again. */
  const notOurs = new Map<string, number>();

  function quickFor(token: string | undefined): WebClient | undefined {
    if (!app || !token) return undefined;
    let client = quickClients.get(token);
    if (!client) {
      client = new WebClient(token, {
        ...slackClientOptions(options.apiUrl, { retries: 0 }, onRateLimited),
        rejectRateLimitedCalls: true,
      });
    }
    remember(quickClients, token, client, CLIENTS_REMEMBERED);
    return client;
  }

  /** How an event's files are downloaded: with the bot token of its workspace, looked up by its client. */
  function downloadsFor(token: string, client: WebClient): SlackDownloadOptions {
    return {
      token,
      apiUrl: options.apiUrl,
      async lookup(id) {
        if (!app) throw new BotError("internal", "the Slack adapter is stopped");
        const info = await client.files.info({ file: id });
        return SlackFileSchema.parse(info.file);
      },
      ...(options.fetch ? { fetch: options.fetch } : {}),
    };
  }

  /** The bot token of a listener's workspace: what authorize found (the installation's, or SLACK_BOT_TOKEN). */
  const tokenOf = (context: { botToken?: string }) => context.botToken ?? options.botToken ?? "";

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
    quick: WebClient | undefined,
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

  /**
   * Whether a user is an admin or owner of the workspace, asked of Slack (users.info) only when the
   * bot needs to know (the `usage` command); a refusal (no `users:read`) is read as "no".
   */
  function attachmentsOf(
    files: readonly SlackFile[] | null | undefined,
    downloads: SlackDownloadOptions,
  ): Attachment[] {
    return (files ?? []).map((file) => slackAttachment(file, downloads));
  }

  async function onMessage(
    raw: unknown,
    kind: "app_mention" | "message",
    context: {
      botUserId?: string;
      botId?: string;
      teamId?: string;
      enterpriseId?: string;
      botToken?: string;
    },
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
      if (!(await isOurThread(event.channel, event.thread_ts, self, quickFor(tokenOf(context))))) return;
    }
    const threadTs = direct ? (event.thread_ts ?? undefined) : (event.thread_ts ?? event.ts);
    const team = event.team ?? context.teamId;
    const place: SlackPlace = {
      channel: event.channel,
      threadTs,
      ...(team ? { team } : {}),
      ...(context.enterpriseId ? { enterprise: context.enterpriseId } : {}),
    };
    const log = logger.child({ channel: event.channel, ts: event.ts });
    const request: Request = {
      id: `${event.channel}-${event.ts}`,
      platform: "slack",
      // The message's own id: a redelivery and the app_mention/message pair of one mention share it.
      eventId: `${event.channel}:${event.ts}`,
      author: {
        id: event.user ?? "",
        isBot: false,
        isWorkspaceAdmin: () => isSlackAdmin(quickFor(tokenOf(context)) ?? client, event.user ?? ""),
      },
      ...((event.team ?? context.teamId) ? { workspace: event.team ?? context.teamId ?? "" } : {}),
      channel: event.channel,
      // A DM is one conversation, its threads included: a follow-up there sees the earlier results.
      thread: direct ? event.channel : `${event.channel}:${threadTs}`,
      text: requestText(text, botUserId),
      attachments: attachmentsOf(event.files, downloadsFor(tokenOf(context), client)),
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
  async function modalAttachment(
    client: WebClient,
    id: string,
    downloads: SlackDownloadOptions,
  ): Promise<Attachment> {
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

  /** The request of a `/settings` command or form: its user, channel and workspace, for the bot's checks. */
  function settingsRequest(input: {
    user: string;
    team: string | undefined;
    channel: string;
    eventId: string;
    client: WebClient;
  }): Request {
    return {
      id: `settings-${input.eventId}`,
      platform: "slack",
      eventId: input.eventId,
      author: {
        id: input.user,
        isBot: false,
        isWorkspaceAdmin: () => isSlackAdmin(input.client, input.user),
      },
      ...(input.team ? { workspace: input.team } : {}),
      channel: input.channel,
      thread: input.channel,
      text: "",
      attachments: [],
      receivedAt: Date.now(),
    };
  }

  /**
   * `/settings`: alone (or with `channel` or `workspace`), a form of the scope's settings for an
   * admin; with anything else, the settings command as typed (`history`, `language=de`), answered
   * privately.
   */
  async function onSettingsCommand(
    command: { text: string; trigger_id: string; channel_id: string; user_id: string; team_id?: string },
    tell: (text: string) => Promise<void>,
    client: WebClient,
    bot: BotHandle,
  ): Promise<void> {
    const team = command.team_id;
    const request = settingsRequest({
      user: command.user_id,
      team,
      channel: command.channel_id,
      eventId: `settings:${command.trigger_id}`,
      client,
    });
    const text = command.text.trim();
    const form = /^(channel|workspace)?$/i.exec(text);
    const desk = bot.settings;
    if (!form || !desk) {
      const options = parseSettingsText(text);
      if (!options) {
        await tell(`I did not understand that. Usage: \`/${settingsCommand.usage ?? "settings"}\``);
        return;
      }
      await bot.command("settings", options, request, privateTarget(tell));
      return;
    }
    const verdict = await desk.authorize(request);
    if (!verdict.allowed) {
      await tell(verdict.message);
      return;
    }
    const scope = form[1]?.toLowerCase() === "workspace" ? "workspace" : "channel";
    const problem = desk.scopeProblem(request, scope);
    if (problem) {
      await tell(problem);
      return;
    }
    const snapshot = await desk.snapshot(request);
    try {
      await client.views.open({
        trigger_id: command.trigger_id,
        view: settingsModal(snapshot, { scope, channel: command.channel_id, ...(team ? { team } : {}) }),
      });
    } catch (error) {
      logger.warn(describeSlackError("views.open", error).log, { error: errorSummary(error) });
      await tell(
        "I couldn't open the settings form. Type `/settings history`, or `/settings name=value`, instead.",
      );
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
          await (quickFor(tokenOf(context)) ?? client).views.open({
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

    // Answered to its user alone (an ephemeral response), where it was typed: nothing is posted.
    running.command("/usage", async ({ command, ack, respond, client, context }) => {
      await ack();
      const team = command.team_id ?? context.teamId;
      const tell = (text: string) =>
        respondPrivately(respond, text).catch((error: unknown) =>
          logger.warn("the user could not be told", { error: errorSummary(error) }),
        );
      const request: Request = {
        id: `usage-${command.trigger_id}`,
        platform: "slack",
        eventId: `usage:${command.trigger_id}`,
        author: {
          id: command.user_id,
          isBot: false,
          isWorkspaceAdmin: () => isSlackAdmin(client, command.user_id),
        },
        ...(team ? { workspace: team } : {}),
        channel: command.channel_id,
        thread: command.channel_id,
        text: "",
        attachments: [],
        receivedAt: Date.now(),
      };
      const disposition = await bot.command("usage", {}, request, {
        openProgress: async () => ({ edit: async () => undefined, finish: async () => undefined }),
        send: (reply) => tell(reply.text),
        notice: tell,
      });
      if (disposition.status === "ignored" && disposition.reason === "not-allowed") {
        await tell("I'm not enabled in this channel.");
      }
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
      const downloads = downloadsFor(tokenOf(context), client);
      const attachments = await Promise.all(
        submission.fileIds.map((id) => modalAttachment(client, id, downloads)),
      );
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

    running.command("/settings", async ({ command, ack, respond, client, context }) => {
      await ack();
      const tell = (text: string) =>
        respondPrivately(respond, text).catch((error: unknown) =>
          logger.warn("the user could not be told", { error: errorSummary(error) }),
        );
      const team = command.team_id ?? context.teamId;
      if (
        !bot.allows({ platform: "slack", ...(team ? { workspace: team } : {}), channel: command.channel_id })
      ) {
        await tell("I'm not enabled in this channel.");
        return;
      }
      // views.open must come within 3 s of the command: the quick client never waits out a 429.
      const quick = quickFor(tokenOf(context)) ?? client;
      await onSettingsCommand({ ...command, ...(team ? { team_id: team } : {}) }, tell, quick, bot);
    });

    running.view(SETTINGS_MODAL_CALLBACK, async ({ ack, view, body, client, context }) => {
      const submission = parseSettingsSubmission(view);
      const desk = bot.settings;
      if (!submission || !desk) {
        await ack();
        logger.warn("a /settings form came back in an unexpected shape; ignored");
        return;
      }
      const { origin, changes } = submission;
      const request = settingsRequest({
        user: body.user.id,
        team: origin.team ?? body.team?.id ?? context.teamId,
        channel: origin.channel,
        eventId: `settings:${view.id}:${view.hash ?? ""}`,
        client: quickFor(tokenOf(context)) ?? client,
      });
      // Asked again: the form may have stayed open while the user lost the role.
      const verdict = await desk.authorize(request);
      const firstField = Object.keys(changes)[0] ?? "mode";
      if (!verdict.allowed) {
        await ack({ response_action: "errors", errors: { [firstField]: verdict.message } });
        return;
      }
      const outcome = await desk.change(request, origin.scope, changes);
      if (!outcome.ok) {
        // Each refused value is shown under its own field, and the form stays open.
        await ack({ response_action: "errors", errors: { ...outcome.errors } as Record<string, string> });
        return;
      }
      await ack();
      const text = describeOutcome(outcome, origin.scope);
      try {
        await client.chat.postEphemeral({ channel: origin.channel, user: body.user.id, text });
      } catch (error) {
        // Not a member of the channel: the app's DM with the user says it instead.
        logger.warn(describeSlackError("chat.postEphemeral", error).log, { error: errorSummary(error) });
        await client.chat
          .postMessage({ channel: body.user.id, text })
          .catch((dmError: unknown) =>
            logger.warn("the settings change could not be told", { error: errorSummary(dmError) }),
          );
      }
    });

    // Slack sends both without an installation to authorize them (Bolt skips authorize for them).
    running.event("app_uninstalled", async ({ context }) => {
      const query = queryOf(context);
      if (!oauth) {
        logger.warn(
          "Slack says the app was uninstalled from its workspace: SLACK_BOT_TOKEN no longer works. Reinstall the app and copy its new Bot User OAuth Token into SLACK_BOT_TOKEN.",
          { team: query.teamId },
        );
        return;
      }
      await oauth.installations.deleteInstallation({
        teamId: query.teamId,
        enterpriseId: query.enterpriseId,
        isEnterpriseInstall: query.isEnterpriseInstall === true,
      });
      logger.info("Slack app uninstalled; its installation was deleted", {
        installation: installationKey(query),
        team: query.teamId,
        enterprise: query.enterpriseId,
      });
    });
    running.event("tokens_revoked", async ({ event, context }) => {
      const parsed = TokensRevokedSchema.safeParse(event);
      if (!parsed.success) return;
      const query = queryOf(context);
      const botUserIds = parsed.data.tokens.bot ?? [];
      const userIds = parsed.data.tokens.oauth ?? [];
      if (!oauth) {
        if (botUserIds.length > 0)
          logger.warn("Slack says the bot token was revoked: SLACK_BOT_TOKEN no longer works.", {
            team: query.teamId,
          });
        return;
      }
      const outcome = await oauth.installations.revokeTokens(query, { botUserIds, userIds });
      logger.info(
        outcome === "deleted"
          ? "Slack revoked the bot token of an installation; the installation was deleted"
          : outcome === "user_token_removed"
            ? "Slack revoked the user token of an installation; it was removed"
            : "Slack revoked tokens the bot does not hold",
        { installation: installationKey(query), team: query.teamId, enterprise: query.enterpriseId },
      );
    });

    running.error(async (error) => {
      // Authorization failures were logged by the authorize wrapper, in words.
      if (error.code === "slack_bolt_authorization_error") return;
      logger.error("Slack listener failed", { error: errorSummary(error) });
    });
  }

  /** The installation an event's context speaks of. */
  function queryOf(context: {
    teamId?: string;
    enterpriseId?: string;
    isEnterpriseInstall?: boolean;
  }): SlackInstallationQuery {
    return {
      teamId: context.teamId,
      enterpriseId: context.enterpriseId,
      isEnterpriseInstall: context.isEnterpriseInstall === true,
    };
  }

  /**
   * Bolt's authorize from the installer, saying why an event is refused: the app is not installed in
   * its workspace (a warning), or its installation cannot be read (an error: the key).
   */
  function authorizeWith(
    installer: SlackInstaller,
    installations: SlackInstallationStore,
  ): SlackInstaller["authorize"] {
    return async (query) => {
      try {
        return await installer.authorize(query);
      } catch (error) {
        const found = await installations
          .locate({ teamId: query.teamId, enterpriseId: query.enterpriseId })
          .catch(() => undefined);
        if (found) {
          logger.error("a Slack event was ignored: its workspace's installation cannot be used", {
            team: query.teamId,
            enterprise: query.enterpriseId,
            error: errorSummary(error),
          });
        } else {
          logger.warn(
            "a Slack event from a workspace where the bot is not installed was ignored (install it through /slack/install)",
            { team: query.teamId, enterprise: query.enterpriseId },
          );
        }
        throw error;
      }
    };
  }

  /**
   * SLACK_BOT_TOKEN beside the install flow: stored as the installation of its own workspace, unless
   * that workspace has one, so a bot that ran on one token keeps answering there without a reinstall.
   */
  async function adoptBotToken(token: string, installations: SlackInstallationStore): Promise<void> {
    let auth: Awaited<ReturnType<WebClient["auth"]["test"]>>;
    try {
      auth = await new WebClient(token, slackClientOptions(options.apiUrl, options.retryConfig)).auth.test();
    } catch (error) {
      const code = slackErrorCode(error);
      if (!isTokenError(code)) throw startupError(error, options.apiUrl);
      logger.warn(
        `Slack refused SLACK_BOT_TOKEN (${code}): it is not used. Its workspace is answered once the app is installed there through ${SLACK_INSTALL_PATH}.`,
      );
      return;
    }
    if (!auth.team_id || !auth.user_id || !auth.bot_id) {
      logger.warn("SLACK_BOT_TOKEN is not a bot token of a workspace: it is not used");
      return;
    }
    const installation: Installation<"v2", false> = {
      team: { id: auth.team_id, ...(auth.team ? { name: auth.team } : {}) },
      enterprise: auth.enterprise_id ? { id: auth.enterprise_id } : undefined,
      user: { token: undefined, scopes: undefined, id: "" },
      bot: {
        token,
        scopes: auth.response_metadata?.scopes ?? [],
        id: auth.bot_id,
        userId: auth.user_id,
      },
      tokenType: "bot",
      isEnterpriseInstall: false,
      authVersion: "v2",
    };
    const adopted = await installations.adopt(installation);
    logger.info(
      adopted
        ? "SLACK_BOT_TOKEN stored as the installation of its workspace"
        : "SLACK_BOT_TOKEN's workspace has an installation of its own, which answers there",
      { team: auth.team_id },
    );
  }

  /** Socket Mode has no HTTP server of Bolt's: the install pages get one of their own, on PORT. */
  async function serveInstallPages(installer: SlackInstaller): Promise<Server> {
    const pages = createServer((request, response) => {
      if (installer.handle(request, response)) return;
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      response.end("Not found");
    });
    await new Promise<void>((resolve, reject) => {
      pages.once("error", reject);
      pages.listen(options.port, options.host, () => {
        pages.off("error", reject);
        resolve();
      });
    }).catch((error: unknown) => {
      throw new BotError("config_invalid", `Slack install pages could not listen: ${errorSummary(error)}`, {
        userMessage: `The Slack install pages (${SLACK_INSTALL_PATH}) could not listen on port ${options.port}: ${errorSummary(error)}. Set PORT to a free port.`,
        cause: error,
      });
    });
    pages.on("error", (error) => logger.error("Slack install pages failed", { error: errorSummary(error) }));
    return pages;
  }

  return {
    platform: "slack",
    get address() {
      const address = (server ?? installServer)?.address();
      return address && typeof address === "object" ? address : undefined;
    },
    async start(bot) {
      const retryConfig = options.retryConfig ?? SLACK_RETRY;
      const installer = oauth
        ? createSlackInstaller({
            clientId: oauth.clientId,
            clientSecret: oauth.clientSecret,
            stateSecret: oauth.stateSecret,
            installations: oauth.installations,
            apiUrl: options.apiUrl,
            logger,
            ...(options.retryConfig ? { retryConfig: options.retryConfig } : {}),
          })
        : undefined;
      if (oauth && options.botToken) await adoptBotToken(options.botToken, oauth.installations);
      const running = new App({
        // One token (token mode), or each workspace's installation for each event (the install flow).
        ...(installer && oauth
          ? { authorize: authorizeWith(installer, oauth.installations) }
          : { token: options.botToken }),
        ...(socketMode
          ? {
              socketMode: true,
              appToken: options.appToken ?? "",
              // The Socket Mode client's own calls (apps.connections.open): not its default 100 retries.
              installerOptions: { clientOptions: { slackApiUrl: options.apiUrl, retryConfig } },
            }
          : {
              signingSecret: options.signingSecret ?? "",
              customRoutes: [
                ...(installer?.routes ?? []),
                ...(options.routes ?? []).map(
                  (route): CustomRoute => ({
                    path: route.path,
                    method: route.method,
                    handler: (request, response) => route.handler(request, response),
                  }),
                ),
              ],
            }),
        clientOptions: slackClientOptions(options.apiUrl, options.retryConfig, onRateLimited),
        // Token mode: auth.test runs in init(), where a revoked token can become a clear start-up error.
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
      register(running, bot);
      if (socketMode && installer) installServer = await serveInstallPages(installer);
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
        installServer?.closeAllConnections();
        installServer?.close();
        installServer = undefined;
        throw new BotError("config_invalid", `Slack app could not start: ${errorSummary(error)}`, {
          userMessage: socketMode
            ? "Slack's Socket Mode connection could not be opened. Check SLACK_APP_TOKEN (xapp-…, with connections:write)."
            : `The Slack events server could not listen on port ${options.port}: ${errorSummary(error)}. Set PORT to a free port.`,
          cause: error,
        });
      }
      app = running;
      const listening = server ?? installServer;
      const installed = oauth ? (await oauth.installations.list()).length : undefined;
      logger.info("Slack connected", {
        mode: socketMode ? "socket" : "http",
        workspaces: oauth ? "installed through the install flow" : "one (SLACK_BOT_TOKEN)",
        ...(installed !== undefined ? { installations: installed } : {}),
        ...(listening ? { port: (listening.address() as AddressInfo | null)?.port } : {}),
        ...(server ? { path: "/slack/events" } : {}),
        ...(installer ? { install: SLACK_INSTALL_PATH, redirect: SLACK_REDIRECT_PATH } : {}),
      });
    },
    async stop() {
      const running = app;
      app = undefined;
      quickClients.clear();
      // Keep-alive connections would hold the server open past stop().
      server?.closeAllConnections();
      server = undefined;
      const pages = installServer;
      installServer = undefined;
      if (pages) {
        pages.closeAllConnections();
        await new Promise<void>((resolve) => pages.close(() => resolve()));
      }
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

const UserInfoSchema = z.object({
  user: z
    .object({ is_admin: z.boolean().optional(), is_owner: z.boolean().optional() })
    .passthrough()
    .optional(),
});

/** Whether Slack calls the user an admin or owner of their workspace (`users.info`, users:read). */
async function isSlackAdmin(client: WebClient, user: string): Promise<boolean> {
  const info = UserInfoSchema.parse(await client.users.info({ user }));
  return info.user?.is_admin === true || info.user?.is_owner === true;
}

/** Where a slash command's answers go when it has no thread: privately to the user who typed it. */
function privateTarget(tell: (text: string) => Promise<void>): ReplyTarget {
  return {
    async openProgress() {
      return { edit: async () => undefined, finish: async () => undefined };
    },
    send: (reply) => tell(reply.text),
    notice: tell,
  };
}
