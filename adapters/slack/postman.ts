/**
 * Slack for a worker: the reply target and the attachments of a request another process admitted,
 * rebuilt from their address and references with the workspace's bot token over the Web API (the
 * one SLACK_BOT_TOKEN, or, installed in many workspaces, the token of the workspace's stored
 * installation). No Events receiver, no Socket Mode connection: any number of workers can answer.
 */
import { WebClient } from "@slack/web-api";
import type {
  Attachment,
  AttachmentRef,
  DeliveryJournal,
  Postman,
  ReplyAddress,
  ReplyTarget,
  Telemetry,
} from "../../src/core/types.js";
import { BotError } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";
import { SLACK_RETRY, slackClientOptions } from "./api.js";
import type { SlackWorkspace } from "./installations.js";
import { slackAttachment } from "./normalize.js";
import { slackTarget } from "./target.js";

export interface SlackPostmanOptions {
  /** A workspace's bot token; undefined where the bot is not (or no longer) installed. */
  tokens: (workspace: SlackWorkspace) => Promise<string | undefined>;
  /** SLACK_API_URL. */
  apiUrl: string;
  logger: Logger;
  fetch?: typeof globalThis.fetch;
  /** Where the Web API's 429s are counted (the operator's metrics). */
  telemetry?: Telemetry;
}

export function createSlackPostman(options: SlackPostmanOptions): Postman {
  /** One client per token: its rate-limit queue is the workspace's. */
  const clients = new Map<string, WebClient>();
  const { telemetry } = options;
  const onRateLimited = telemetry
    ? () => telemetry.record({ type: "platform-rate-limited", platform: "slack" })
    : undefined;

  async function tokenOf(address: ReplyAddress): Promise<string> {
    const enterprise = address.extra?.enterprise;
    const token = await options.tokens({
      ...(address.workspace ? { teamId: address.workspace } : {}),
      ...(typeof enterprise === "string" ? { enterpriseId: enterprise } : {}),
    });
    if (!token) {
      throw new BotError("internal", `no Slack installation for workspace ${address.workspace ?? "(none)"}`, {
        userMessage: "I am no longer installed in this workspace.",
      });
    }
    return token;
  }

  function clientOf(token: string): WebClient {
    let client = clients.get(token);
    if (!client) {
      client = new WebClient(token, slackClientOptions(options.apiUrl, SLACK_RETRY, onRateLimited));
      clients.set(token, client);
    }
    return client;
  }

  return {
    platform: "slack",
    target(address: ReplyAddress, journal: DeliveryJournal): ReplyTarget {
      const logger = options.logger.child({ channel: address.channel });
      // The token is looked up on first use: a target is made before anything is sent.
      let target: Promise<ReplyTarget> | undefined;
      const real = () => {
        target ??= tokenOf(address).then((token) =>
          slackTarget(
            {
              channel: address.channel,
              threadTs: address.thread === "" ? undefined : address.thread,
              ...(address.workspace ? { team: address.workspace } : {}),
            },
            { client: clientOf(token), logger, journal },
          ),
        );
        return target;
      };
      return {
        openProgress: async (text, snapshot) => (await real()).openProgress(text, snapshot),
        send: async (reply) => (await real()).send(reply),
        notice: async (text) => (await real()).notice(text),
        address: () => address,
      };
    },
    attachment(ref: AttachmentRef, address: ReplyAddress): Attachment {
      return {
        ...ref,
        async fetch(limits) {
          const file = slackAttachment(
            {
              id: ref.name,
              name: ref.name,
              mimetype: ref.mime,
              ...(Number.isFinite(ref.size) ? { size: ref.size } : {}),
              url_private: ref.url,
            },
            {
              token: await tokenOf(address),
              apiUrl: options.apiUrl,
              ...(options.fetch ? { fetch: options.fetch } : {}),
            },
          );
          return file.fetch(limits);
        },
      };
    },
  };
}
