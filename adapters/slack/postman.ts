/**
 * Slack for a worker: the reply target and the attachments of a request another process admitted,
 * rebuilt from their address and references with the bot token over the Web API. No Events
 * receiver, no Socket Mode connection: any number of workers can answer.
 */
import { WebClient } from "@slack/web-api";
import type { Attachment, AttachmentRef, Postman, ReplyAddress } from "../../src/core/types.js";
import type { Logger } from "../../src/log.js";
import { SLACK_RETRY, slackClientOptions } from "./api.js";
import { type SlackDownloadOptions, slackAttachment } from "./normalize.js";
import { slackTarget } from "./target.js";

export interface SlackPostmanOptions {
  botToken: string;
  /** SLACK_API_URL. */
  apiUrl: string;
  logger: Logger;
  fetch?: typeof globalThis.fetch;
}

export function createSlackPostman(options: SlackPostmanOptions): Postman {
  const client = new WebClient(options.botToken, slackClientOptions(options.apiUrl, SLACK_RETRY));
  const downloads: SlackDownloadOptions = {
    token: options.botToken,
    apiUrl: options.apiUrl,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  return {
    platform: "slack",
    target(address: ReplyAddress, journal) {
      return slackTarget(
        {
          channel: address.channel,
          threadTs: address.thread === "" ? undefined : address.thread,
          ...(address.workspace ? { team: address.workspace } : {}),
        },
        { client, logger: options.logger.child({ channel: address.channel }), journal },
      );
    },
    attachment(ref: AttachmentRef): Attachment {
      return slackAttachment(
        {
          id: ref.name,
          name: ref.name,
          mimetype: ref.mime,
          ...(Number.isFinite(ref.size) ? { size: ref.size } : {}),
          url_private: ref.url,
        },
        downloads,
      );
    },
  };
}
