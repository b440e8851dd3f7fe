/**
 * Where a request's progress, notices and answer go on Slack: one thread (or a DM). Progress is one
 * message posted then edited; the answer is mrkdwn sections and the summary's context blocks within
 * Slack's limits; result files go into the same thread in one `files.uploadV2` call. A refused upload
 * becomes a note in the thread: the text is never lost.
 */

import { createHash } from "node:crypto";
import type { WebClient } from "@slack/web-api";
import {
  type DeliveryJournal,
  type ProgressMessage,
  type Reply,
  type ReplyFile,
  type ReplyTarget,
  UNJOURNALED,
} from "../../src/core/types.js";
import { errorSummary } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";
import { describeSize, shorten } from "../../src/text.js";
import { describeSlackError, slackErrorCode } from "./api.js";
import {
  composeSlackMessages,
  markdownToMrkdwn,
  SLACK_LIMITS,
  type SlackMessage,
  splitForSlack,
} from "./render.js";

/** A conversation on Slack: a channel (or DM) and the thread in it, none for a DM's main view. */
export interface SlackPlace {
  channel: string;
  threadTs: string | undefined;
  /** The workspace (team id), for the address a worker answers from. */
  team?: string;
  /** Its Enterprise Grid organization, where the bot is installed for the whole organization. */
  enterprise?: string;
}

export interface SlackTargetContext {
  client: WebClient;
  logger: Logger;
  /** Called once the bot has posted in a thread, so messages there continue the conversation. */
  onPosted?(place: SlackPlace): void;
  /** What a run of this request posted already (a worker's run again after a crash posts nothing twice). */
  journal?: DeliveryJournal;
}

/** The metadata event type of the bot's posts that carry a delivery marker (DeliveryJournal). */
const DELIVERY_EVENT = "hugginggpt_delivery";

/** Files per upload call: `files.completeUploadExternal` shares them as one message. */
const FILES_PER_UPLOAD = 10;

/** The text of a progress line: mrkdwn, one message's worth. */
function progressText(text: string): string {
  return shorten(markdownToMrkdwn(text), SLACK_LIMITS.fallbackText);
}

/** The note for files that could not be uploaded, naming each. */
function filesNote(files: readonly ReplyFile[], reason: string): string {
  const names = files.map((file) => `${file.name} (${describeSize(file.bytes.byteLength)})`).join(", ");
  return `I could not attach ${files.length === 1 ? "a result file" : `${files.length} result files`}: ${names}. ${reason}`;
}

function uploadRefusal(error: unknown): string {
  const code = slackErrorCode(error);
  if (code === "file_too_large" || code === "invalid_arguments") return "Slack refused it as too large.";
  const described = describeSlackError("files.uploadV2", error);
  return described.user ?? "Slack refused the upload.";
}

/** Replies in one Slack thread (or DM). */
export function slackTarget(place: SlackPlace, context: SlackTargetContext): ReplyTarget {
  const { client, logger } = context;
  const journal = context.journal ?? UNJOURNALED;
  const threadArgs = place.threadTs ? { thread_ts: place.threadTs } : {};

  /** Posts a message; `marker` goes into its metadata, where a run again after a crash finds it. */
  async function post(message: SlackMessage, marker?: string): Promise<string> {
    try {
      const result = await client.chat.postMessage({
        channel: place.channel,
        ...threadArgs,
        text: message.text,
        ...(message.blocks.length > 0 ? { blocks: message.blocks } : {}),
        ...(marker ? { metadata: { event_type: DELIVERY_EVENT, event_payload: { delivery: marker } } } : {}),
        unfurl_links: false,
        unfurl_media: false,
      });
      context.onPosted?.(place);
      return result.ts ?? "";
    } catch (error) {
      logger.warn(describeSlackError("chat.postMessage", error).log, { error: errorSummary(error) });
      throw error;
    }
  }

  async function postText(text: string, marker?: string): Promise<void> {
    for (const message of composeSlackMessages(text)) await post(message, marker);
  }

  /** The ts of this conversation's message carrying `marker` (posted by a run that died before recording it). */
  async function posted(marker: string): Promise<string | undefined> {
    const found = place.threadTs
      ? await client.conversations.replies({
          channel: place.channel,
          ts: place.threadTs,
          include_all_metadata: true,
          limit: 200,
        })
      : await client.conversations.history({ channel: place.channel, include_all_metadata: true, limit: 50 });
    const message = (found.messages ?? []).find((candidate) => {
      const payload = candidate.metadata?.event_payload as { delivery?: unknown } | undefined;
      return candidate.metadata?.event_type === DELIVERY_EVENT && payload?.delivery === marker;
    });
    return message?.ts;
  }
  const postedOnce = async (marker: string) => ((await posted(marker)) !== undefined ? true : undefined);

  /**
   * Posts a message of blocks; when Slack refuses the blocks (a limit it does not document, such as
   * the total text of a message), the same text goes out as plain messages: the answer is never lost.
   */
  async function postBlocks(message: SlackMessage, marker?: string): Promise<void> {
    try {
      await post(message, marker);
    } catch (error) {
      const code = slackErrorCode(error);
      if (code !== "msg_blocks_too_long" && code !== "invalid_blocks") throw error;
      const texts = message.blocks.flatMap((block) =>
        block.type === "section"
          ? [block.text.text]
          : block.type === "context"
            ? block.elements.map((element) => element.text)
            : [],
      );
      for (const piece of splitForSlack(texts.join("\n\n"))) await post({ text: piece, blocks: [] }, marker);
    }
  }

  async function upload(files: readonly ReplyFile[]): Promise<void> {
    await client.filesUploadV2({
      channel_id: place.channel,
      ...threadArgs,
      file_uploads: files.map((file) => ({
        file: Buffer.from(file.bytes),
        filename: file.name,
        title: file.name,
      })),
    });
  }

  /** Uploads files in as few calls as possible; a refused batch is retried one file at a time. */
  async function uploadAll(files: readonly ReplyFile[]): Promise<string[]> {
    const notes: string[] = [];
    const empty = files.filter((file) => file.bytes.byteLength === 0);
    if (empty.length > 0) notes.push(filesNote(empty, "They were empty."));
    const sendable = files.filter((file) => file.bytes.byteLength > 0);
    for (let index = 0; index < sendable.length; index += FILES_PER_UPLOAD) {
      const batch = sendable.slice(index, index + FILES_PER_UPLOAD);
      try {
        await upload(batch);
        continue;
      } catch (error) {
        logger.warn(describeSlackError("files.uploadV2", error).log, {
          files: batch.map((file) => file.name),
          error: errorSummary(error),
        });
        if (batch.length === 1) {
          notes.push(filesNote(batch, uploadRefusal(error)));
          continue;
        }
      }
      // One file may have spoiled the batch (too large): the others still go, one by one.
      for (const file of batch) {
        try {
          await upload([file]);
        } catch (error) {
          notes.push(filesNote([file], uploadRefusal(error)));
        }
      }
    }
    return notes;
  }

  return {
    async openProgress(text): Promise<ProgressMessage> {
      const ts = await journal.once(
        "progress",
        (marker) => post({ text: progressText(text), blocks: [] }, marker),
        posted,
      );
      const edit = async (next: string) => {
        await client.chat.update({ channel: place.channel, ts, text: progressText(next) });
      };
      return { edit, finish: edit };
    },

    async send(reply: Reply) {
      const messages = composeSlackMessages(reply.text, reply.summary);
      if (messages.length === 0 && reply.files.length === 0) {
        await journal.once(
          "reply",
          (marker) => postText("(I have nothing to add.)", marker).then(() => true),
          postedOnce,
        );
        return;
      }
      for (const [index, message] of messages.entries()) {
        await journal.once(
          `reply:${index}`,
          (marker) => postBlocks(message, marker).then(() => true),
          postedOnce,
        );
      }
      if (reply.files.length === 0) return;
      const notes = await journal.once("files", async () => (await uploadAll(reply.files)).join("\n"));
      if (notes !== "")
        await journal.once("files-note", (marker) => postText(notes, marker).then(() => true), postedOnce);
    },

    async notice(text) {
      const digest = createHash("sha256").update(text).digest("hex").slice(0, 16);
      await journal.once(`notice:${digest}`, (marker) => postText(text, marker).then(() => true), postedOnce);
    },

    address: () => ({
      platform: "slack",
      ...(place.team ? { workspace: place.team } : {}),
      channel: place.channel,
      thread: place.threadTs ?? "",
      ...(place.enterprise ? { extra: { enterprise: place.enterprise } } : {}),
    }),
  };
}
