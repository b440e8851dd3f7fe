/**
 * Discord for a worker: the reply target and the attachments of a request another process admitted,
 * rebuilt from their address and references over Discord's REST API (the bot token for channels and
 * threads, the interaction's own token for a slash command's reply). No gateway connection: any
 * number of workers can answer.
 */
import { REST } from "discord.js";
import type {
  Attachment,
  AttachmentRef,
  DeliveryJournal,
  Postman,
  ReplyAddress,
  ReplyTarget,
  Telemetry,
} from "../../src/core/types.js";
import type { Logger } from "../../src/log.js";
import { countRateLimits, createDiscordApi } from "./api.js";
import { discordAttachment } from "./normalize.js";
import { DISCORD_LIMITS, type ImageFitter } from "./render.js";
import {
  type Conversation,
  channelTarget,
  INTERACTION_LIFETIME_MS,
  interactionTarget,
  placeDataOf,
  placeFrom,
  type TargetContext,
} from "./targets.js";

export interface DiscordPostmanOptions {
  /** The bot token; without it only slash commands' replies can be answered (their token suffices). */
  token?: string;
  /** DISCORD_API_URL. */
  apiUrl?: string;
  fitImage: ImageFitter;
  maxFileBytes: number;
  downloadTimeoutMs: number;
  logger: Logger;
  fetch?: typeof globalThis.fetch;
  /** Where the REST API's 429s are counted (the operator's metrics). */
  telemetry?: Telemetry;
}

export function createDiscordPostman(options: DiscordPostmanOptions): Postman {
  const rest = new REST({ api: options.apiUrl ?? "https://discord.com/api" });
  if (options.token) rest.setToken(options.token);
  countRateLimits(rest, options.telemetry);
  const api = createDiscordApi({ rest });
  const downloads = {
    maxBytes: options.maxFileBytes,
    timeoutMs: options.downloadTimeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };

  return {
    platform: "discord",
    target(address: ReplyAddress, journal: DeliveryJournal): ReplyTarget {
      const context: TargetContext = {
        api,
        fitImage: options.fitImage,
        logger: options.logger.child({ channel: address.channel }),
        // The gateway's processes learn of the thread by its id, which is its conversation's.
        onThreadStarted: () => undefined,
        journal,
      };
      const place = placeFrom(placeDataOf(address), context);
      const limit = address.extra?.uploadLimit;
      const uploadLimit = typeof limit === "number" ? limit : DISCORD_LIMITS.defaultUploadBytes;
      const conversation: Conversation = {
        ...(address.workspace ? { workspace: address.workspace } : {}),
        channel: address.channel,
        thread: address.thread,
      };
      if (!address.interaction) return channelTarget(place, uploadLimit, context, conversation);
      return interactionTarget(
        {
          applicationId: address.interaction.applicationId,
          token: address.interaction.token,
          createdAt: address.interaction.expiresAt - INTERACTION_LIFETIME_MS,
          // The gateway deferred it before the job was queued.
          deferred: Promise.resolve(true),
          place,
          threadAfterAnswer: address.extra?.threadAfterAnswer === true,
          uploadLimit,
          conversation,
        },
        context,
      );
    },
    attachment(ref: AttachmentRef): Attachment {
      return discordAttachment(
        { name: ref.name, contentType: ref.mime, size: ref.size, url: ref.url },
        downloads,
      );
    },
  };
}
