/**
 * The Discord calls the adapter makes, over discord.js's REST client (rate limits and 429s are
 * queued there): messages in channels and threads, the interaction's original reply and follow-ups,
 * threads on messages. One small interface, so the reply targets are tested without a network.
 */
import {
  ChannelType,
  type Client,
  DiscordAPIError,
  HTTPError,
  type RawFile,
  type REST,
  Routes,
} from "discord.js";
import type { Telemetry } from "../../src/core/types.js";
import type { OutgoingMessage } from "./render.js";

/** What the reply targets need from Discord. Every method resolves to a message or thread id. */
export interface DiscordApi {
  /** A new message in a channel or thread. */
  post(channelId: string, message: OutgoingMessage): Promise<string>;
  edit(channelId: string, messageId: string, message: OutgoingMessage): Promise<void>;
  /** A public thread started on a message; its id (Discord gives it the message's id). */
  startThread(channelId: string, messageId: string, name: string): Promise<string>;
  /** The message id of the interaction's original reply (the deferred "thinking…" message). */
  originalId(applicationId: string, token: string): Promise<string>;
  /** Replaces the interaction's original reply (the deferred "thinking…" message); its message id. */
  editOriginal(applicationId: string, token: string, message: OutgoingMessage): Promise<string>;
  /** A follow-up message of an interaction; its id. */
  followUp(applicationId: string, token: string, message: OutgoingMessage): Promise<string>;
}

/** The JSON body and the multipart files of a message. */
export function messageBody(message: OutgoingMessage, options: { edit?: boolean } = {}) {
  const files: RawFile[] = message.files.map((file, index) => ({
    key: `files[${index}]`,
    name: file.name,
    data: Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength),
    contentType: file.mime,
  }));
  const body = {
    content: message.content,
    embeds: message.embeds,
    // Nothing the model writes may ping @everyone, a role or a user.
    allowed_mentions: { parse: [] as string[] },
    // On an edit this also replaces earlier attachments (none: the progress text had none). The id
    // names the upload `files[index]`; Discord's spec types it as a snowflake, a string (discord.js
    // sends `index.toString()` too).
    ...(message.files.length > 0 || options.edit
      ? { attachments: message.files.map((file, index) => ({ id: String(index), filename: file.name })) }
      : {}),
    ...(message.nonce && !options.edit ? { nonce: message.nonce, enforce_nonce: true } : {}),
  };
  return { body, files };
}

/**
 * The Discord API over discord.js's REST client: a logged-in client's (`client.rest`), or one of its
 * own for a process without a gateway connection (the HTTP interactions endpoint), whose bot token
 * may even be missing: the interaction's own calls need none, as Discord authenticates them by the
 * interaction token in the path.
 */
export function createDiscordApi(options: { rest: REST; client?: Client }): DiscordApi {
  const { rest, client } = options;
  return {
    async post(channelId, message) {
      const { body, files } = messageBody(message);
      const created = (await rest.post(Routes.channelMessages(channelId), { body, files })) as { id: string };
      return created.id;
    },
    async edit(channelId, messageId, message) {
      const { body, files } = messageBody(message, { edit: true });
      await rest.patch(Routes.channelMessage(channelId, messageId), { body, files });
    },
    async startThread(channelId, messageId, name) {
      const channel = client
        ? (client.channels.cache.get(channelId) ?? (await client.channels.fetch(channelId)))
        : undefined;
      // Through the channel's thread manager, so that discord.js caches the thread and sees its messages.
      if (channel?.type === ChannelType.GuildText || channel?.type === ChannelType.GuildAnnouncement) {
        const thread = await channel.threads.create({
          name,
          startMessage: messageId,
          autoArchiveDuration: 1440,
        });
        return thread.id;
      }
      const created = (await rest.post(Routes.threads(channelId, messageId), {
        body: { name, auto_archive_duration: 1440 },
      })) as { id: string };
      return created.id;
    },
    async originalId(applicationId, token) {
      const original = (await rest.get(Routes.webhookMessage(applicationId, token, "@original"), {
        auth: false,
      })) as { id: string };
      return original.id;
    },
    async editOriginal(applicationId, token, message) {
      const { body, files } = messageBody(message, { edit: true });
      const edited = (await rest.patch(Routes.webhookMessage(applicationId, token, "@original"), {
        body,
        files,
        auth: false,
      })) as { id: string };
      return edited.id;
    },
    async followUp(applicationId, token, message) {
      const { body, files } = messageBody(message);
      const created = (await rest.post(Routes.webhook(applicationId, token), {
        body,
        files,
        auth: false,
      })) as {
        id: string;
      };
      return created.id;
    },
  };
}

/** Discord's JSON error code of a failed call (50013 missing permissions…), if any. */
export function discordErrorCode(error: unknown): number | undefined {
  return error instanceof DiscordAPIError && typeof error.code === "number" ? error.code : undefined;
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof DiscordAPIError || error instanceof HTTPError) return error.status;
  return undefined;
}

/** Discord refused the files as too large: HTTP 413 or error 40005 (request entity too large). */
export function isTooLarge(error: unknown): boolean {
  return statusOf(error) === 413 || discordErrorCode(error) === 40005;
}

/** The bot lacks a permission (50013) or access (50001) in that channel. */
export function isMissingPermission(error: unknown): boolean {
  const code = discordErrorCode(error);
  return code === 50013 || code === 50001;
}

/** A thread was started on that message already (160004). */
export function isThreadAlreadyCreated(error: unknown): boolean {
  return discordErrorCode(error) === 160004;
}

/** Discord does not know the message (10008): deleted, or not made yet. */
export function isUnknownMessage(error: unknown): boolean {
  return discordErrorCode(error) === 10008;
}

/** The interaction token no longer works: unknown interaction or webhook, invalid token, expired. */
export function isInteractionGone(error: unknown): boolean {
  const code = discordErrorCode(error);
  return code === 10062 || code === 10015 || code === 50027 || code === 10008 || statusOf(error) === 401;
}

/**
 * Counts the HTTP 429s Discord answers a REST client (which waits them out and retries itself): its
 * `response` event sees every response, the 429s included.
 */
export function countRateLimits(rest: REST, telemetry: Telemetry | undefined): void {
  if (!telemetry) return;
  rest.on("response", (_request, response) => {
    if (response.status === 429) telemetry.record({ type: "platform-rate-limited", platform: "discord" });
  });
}
