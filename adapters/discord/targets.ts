/**
 * Where a request's progress, notices and answer go on Discord: a channel or thread (mentions, DMs,
 * follow-ups in a thread), or an interaction (slash commands: the deferred reply edited, follow-ups,
 * then a thread on the reply). Missing permissions degrade to the channel and say so; files Discord
 * refuses are replaced by a note; the text is never lost.
 */
import { createHash } from "node:crypto";
import {
  type DeliveryJournal,
  type ProgressMessage,
  type Reply,
  type ReplyAddress,
  type ReplyTarget,
  UNJOURNALED,
} from "../../src/core/types.js";
import { errorSummary } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";
import {
  type DiscordApi,
  isInteractionGone,
  isMissingPermission,
  isThreadAlreadyCreated,
  isTooLarge,
} from "./api.js";
import {
  composeMessages,
  type Embed,
  filesRefusedNote,
  fitFiles,
  type ImageFitter,
  type OutgoingMessage,
  splitMessage,
} from "./render.js";

/** What every target needs. */
export interface TargetContext {
  api: DiscordApi;
  fitImage: ImageFitter;
  logger: Logger;
  /** A thread this adapter started, and the conversation its messages continue. */
  onThreadStarted(threadId: string, conversation: string): void;
  /** What a run of this request posted already (a worker's run again after a crash posts nothing twice). */
  journal?: DeliveryJournal;
}

/** Where a request's conversation is, for the address a worker answers from. */
export interface Conversation {
  workspace?: string;
  channel: string;
  thread: string;
}

const journalOf = (context: TargetContext): DeliveryJournal => context.journal ?? UNJOURNALED;
const digest = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 16);

/**
 * Posts in a channel with a nonce derived from a journal step's marker (a run again after a crash
 * makes the same posts in the same order, so the same nonces, and Discord answers them with the
 * messages the dead run posted). Without a marker (one process), plain posts.
 */
function channelPoster(
  channelId: string,
  context: TargetContext,
  marker: string | undefined,
): (message: OutgoingMessage) => Promise<string> {
  let sent = 0;
  return (message) => {
    // At most 25 characters, as Discord's nonce.
    const nonce = marker
      ? createHash("sha256").update(`${marker}:${sent++}`).digest("base64url").slice(0, 25)
      : undefined;
    return context.api.post(channelId, nonce ? { ...message, nonce } : message);
  };
}

function textMessage(content: string): OutgoingMessage {
  return { content, embeds: [], files: [] };
}

/** An embed without its `attachment://` image, for when the files could not be sent. */
function withoutImage(embed: Embed): Embed {
  const { image: _image, ...rest } = embed;
  return rest;
}

/**
 * Posts one message; when Discord refuses its files (413 / 40005 too large, or no Attach Files
 * permission) the text is sent again without them, with a note saying which files and why.
 * Resolves to the id of the (first) message sent.
 */
export async function deliver(
  post: (message: OutgoingMessage) => Promise<string>,
  message: OutgoingMessage,
  logger: Logger,
): Promise<string> {
  try {
    return await post(message);
  } catch (error) {
    if (message.files.length === 0) throw error;
    const reason = isTooLarge(error)
      ? "Discord refused them as too large for this channel's upload limit"
      : isMissingPermission(error)
        ? "I do not have the Attach Files permission in this channel"
        : undefined;
    if (!reason) throw error;
    logger.warn("files refused by Discord; sending the text with a note", {
      files: message.files.map((file) => file.name),
      error: errorSummary(error),
    });
    const pieces = splitMessage(`${message.content}\n\n${filesRefusedNote(message.files, reason)}`);
    let first: string | undefined;
    for (const [index, content] of pieces.entries()) {
      const last = index === pieces.length - 1;
      const id = await post({ content, embeds: last ? message.embeds.map(withoutImage) : [], files: [] });
      first ??= id;
    }
    return first ?? "";
  }
}

/** The reply as Discord messages: files fitted to the upload limit, text split, summary embedded. */
export async function renderReply(
  reply: Reply,
  uploadLimit: number,
  fitImage: ImageFitter,
): Promise<OutgoingMessage[]> {
  const { files, notes } = await fitFiles(reply.files, uploadLimit, fitImage);
  const messages = composeMessages(reply.text, files, reply.summary, notes);
  return messages.length > 0 ? messages : [textMessage("(I have nothing to add.)")];
}

/**
 * The channel (or thread) messages go to, found on first use: a thread started on a message when
 * there is one to start, else the channel itself. When the thread cannot be started (no permission
 * to create threads, a channel without threads), the channel is used and the first message says so.
 */
export interface Place {
  channelId(): Promise<string>;
  /** The note owed to the user about where the answer went, once. */
  takeNote(): string | undefined;
  /** The place as data, for a worker to rebuild (`placeFrom`). */
  describe(): PlaceData;
}

/** A place as data: a channel, or a thread to start on a message (if it is not started yet). */
export type PlaceData =
  | { kind: "fixed"; channelId: string }
  | { kind: "thread"; parentId: string; messageId: string; name: string; conversation: string };

/** A channel, DM or existing thread. */
export function fixedPlace(channelId: string): Place {
  return {
    channelId: async () => channelId,
    takeNote: () => undefined,
    describe: () => ({ kind: "fixed", channelId }),
  };
}

/** A place rebuilt from its data (in a worker). */
export function placeFrom(data: PlaceData, context: TargetContext): Place {
  return data.kind === "fixed"
    ? fixedPlace(data.channelId)
    : threadPlace(data.parentId, data.messageId, data.name, data.conversation, context);
}

/** A thread on `messageId` in `parentId`, started when first needed. */
export function threadPlace(
  parentId: string,
  messageId: string,
  name: string,
  conversation: string,
  context: TargetContext,
): Place {
  let resolved: Promise<string> | undefined;
  let note: string | undefined;
  return {
    channelId() {
      resolved ??= context.api.startThread(parentId, messageId, name).then(
        (threadId) => {
          context.onThreadStarted(threadId, conversation);
          return threadId;
        },
        (error: unknown) => {
          // Started already (by the gateway's notice, or a run of this request before): Discord
          // gives a thread on a message the message's id.
          if (isThreadAlreadyCreated(error)) return messageId;
          context.logger.warn("thread could not be started; answering in the channel", {
            error: errorSummary(error),
          });
          note = isMissingPermission(error)
            ? "I could not start a thread here (I lack the Create Public Threads permission), so I answer in this channel."
            : "I could not start a thread on this message, so I answer in this channel.";
          return parentId;
        },
      );
      return resolved;
    },
    takeNote() {
      const taken = note;
      note = undefined;
      return taken;
    },
    describe: () => ({ kind: "thread", parentId, messageId, name, conversation }),
  };
}

function withNote(text: string, note: string | undefined): string {
  return note ? `${note}\n\n${text}` : text;
}

/** Posts text (split at 2000 characters) in a place, the place's note first. */
async function postText(place: Place, text: string, context: TargetContext): Promise<string> {
  const channelId = await place.channelId();
  const pieces = splitMessage(withNote(text, place.takeNote()));
  let first = "";
  for (const [index, piece] of pieces.entries()) {
    const id = await journalOf(context).once(`text:${digest(text)}:${index}`, (marker) =>
      channelPoster(channelId, context, marker)(textMessage(piece)),
    );
    first ||= id;
  }
  return first;
}

async function postReply(
  place: Place,
  reply: Reply,
  uploadLimit: number,
  context: TargetContext,
): Promise<void> {
  const channelId = await place.channelId();
  const journal = journalOf(context);
  const note = place.takeNote();
  if (note)
    await journal.once("place-note", (marker) =>
      channelPoster(channelId, context, marker)(textMessage(note)),
    );
  for (const [index, message] of (await renderReply(reply, uploadLimit, context.fitImage)).entries()) {
    await journal.once(`reply:${index}`, (marker) =>
      deliver(channelPoster(channelId, context, marker), message, context.logger),
    );
  }
}

/** A progress message in a place: posted on open, edited after. */
async function openChannelProgress(
  place: Place,
  text: string,
  context: TargetContext,
): Promise<ProgressMessage> {
  const channelId = await place.channelId();
  const journal = journalOf(context);
  // The note stays a message of its own: the progress message is edited over.
  const note = place.takeNote();
  if (note)
    await journal.once("place-note", (marker) =>
      channelPoster(channelId, context, marker)(textMessage(note)),
    );
  const messageId = await journal.once("progress", (marker) =>
    channelPoster(channelId, context, marker)(textMessage(splitMessage(text)[0] ?? text)),
  );
  const edit = async (next: string) => {
    await context.api.edit(channelId, messageId, textMessage(splitMessage(next)[0] ?? next));
  };
  return { edit, finish: edit };
}

/** The address of a target: its conversation, and in `extra` its place and what answering needs. */
function addressOf(
  conversation: Conversation,
  place: Place,
  uploadLimit: number,
  more: Pick<ReplyAddress, "interaction"> & { threadAfterAnswer?: boolean } = {},
): ReplyAddress {
  const data = place.describe();
  return {
    platform: "discord",
    ...(conversation.workspace ? { workspace: conversation.workspace } : {}),
    channel: conversation.channel,
    thread: conversation.thread,
    ...(more.interaction ? { interaction: more.interaction } : {}),
    extra: {
      uploadLimit,
      ...(more.threadAfterAnswer ? { threadAfterAnswer: true } : {}),
      ...(data.kind === "fixed"
        ? { place: "fixed", placeChannel: data.channelId }
        : {
            place: "thread",
            placeChannel: data.parentId,
            placeMessage: data.messageId,
            placeName: data.name,
            placeConversation: data.conversation,
          }),
    },
  };
}

/** The place an address names (see `addressOf`). */
export function placeDataOf(address: ReplyAddress): PlaceData {
  const extra = address.extra ?? {};
  const text = (key: string) => (typeof extra[key] === "string" ? (extra[key] as string) : "");
  return extra.place === "thread"
    ? {
        kind: "thread",
        parentId: text("placeChannel"),
        messageId: text("placeMessage"),
        name: text("placeName"),
        conversation: text("placeConversation"),
      }
    : { kind: "fixed", channelId: text("placeChannel") || address.channel };
}

/** Replies in a channel, DM or thread (mentions, DMs, follow-ups). */
export function channelTarget(
  place: Place,
  uploadLimit: number,
  context: TargetContext,
  conversation?: Conversation,
): ReplyTarget {
  return {
    openProgress: (text) => openChannelProgress(place, text, context),
    send: (reply) => postReply(place, reply, uploadLimit, context),
    async notice(text) {
      await postText(place, text, context);
    },
    ...(conversation ? { address: () => addressOf(conversation, place, uploadLimit) } : {}),
  };
}

/** What an interaction target needs to know of its interaction. */
export interface InteractionInfo {
  applicationId: string;
  token: string;
  /** When Discord created the interaction (ms since epoch): the token lives 15 minutes from then. */
  createdAt: number;
  /** Resolves to whether the deferral worked; false means the interaction had expired. */
  deferred: Promise<boolean>;
  /** Where to go once the token has expired or never worked: a thread on the reply, or the channel. */
  place: Place;
  /** Whether to start a thread on the reply after the answer (guild text channels). */
  threadAfterAnswer: boolean;
  uploadLimit: number;
  /** How long to use the token (default 14 minutes: a margin under Discord's 15). */
  lifetimeMs?: number;
  now?: () => number;
  /** Where the request's conversation is: with it, the target has an address a worker answers from. */
  conversation?: Conversation;
}

export const INTERACTION_LIFETIME_MS = 14 * 60_000;

/** A slash command's reply target, with a way to end the deferred reply when the bot said nothing. */
export interface InteractionTarget extends ReplyTarget {
  /**
   * Replaces the deferred "thinking…" reply with `text` if nothing of ours has been shown in it yet
   * (a refusal the bot did not announce). With `channelFallback: false` (the allowlist refused the
   * channel), nothing is posted in the channel when the interaction is gone. Never throws.
   */
  settle(text: string, options?: { channelFallback?: boolean }): Promise<void>;
}

/**
 * Replies to a slash command: progress and the answer in the deferred reply (edited), further
 * messages as follow-ups, then a thread on the reply for follow-up messages. Once the token has
 * expired (or Discord says the interaction is gone), everything goes through the channel API into
 * the thread on the reply (or the channel).
 */
export function interactionTarget(info: InteractionInfo, context: TargetContext): InteractionTarget {
  const now = info.now ?? Date.now;
  const lifetime = info.lifetimeMs ?? INTERACTION_LIFETIME_MS;
  let gone = false;
  /** Whether the original reply shows something of ours (a notice, progress, the answer). */
  let originalUsed = false;

  async function live(): Promise<boolean> {
    if (gone) return false;
    if (!(await info.deferred)) gone = true;
    else if (now() - info.createdAt > lifetime) {
      context.logger.info("interaction token about to expire; continuing through the channel");
      gone = true;
    }
    return !gone;
  }

  /** Runs an interaction call; false when the interaction is gone (the caller falls back to the channel). */
  async function attempt(call: () => Promise<unknown>): Promise<boolean> {
    if (!(await live())) return false;
    try {
      await call();
      return true;
    } catch (error) {
      if (!isInteractionGone(error)) throw error;
      context.logger.warn("interaction gone; continuing through the channel", { error: errorSummary(error) });
      gone = true;
      return false;
    }
  }

  const journal = journalOf(context);
  // An edit of the original reply can be made again; a follow-up, once per step of the journal.
  const editOriginal = (message: OutgoingMessage) =>
    context.api.editOriginal(info.applicationId, info.token, message);
  const followUp = (step: string, message: OutgoingMessage) =>
    journal.once(step, () => context.api.followUp(info.applicationId, info.token, message));

  async function say(text: string): Promise<void> {
    const pieces = splitMessage(text);
    for (const [index, piece] of pieces.entries()) {
      const sent = await attempt(async () => {
        if (originalUsed) await followUp(`say:${digest(text)}:${index}`, textMessage(piece));
        else await editOriginal(textMessage(piece));
        originalUsed = true;
      });
      if (!sent) {
        await postText(info.place, pieces.slice(pieces.indexOf(piece)).join("\n\n"), context);
        return;
      }
    }
  }

  return {
    async openProgress(text) {
      let channelProgress: Promise<ProgressMessage> | undefined;
      const onChannel = (next: string) => {
        if (!channelProgress) {
          channelProgress = openChannelProgress(info.place, next, context);
          return channelProgress.then(() => undefined);
        }
        return channelProgress.then((progress) => progress.edit(next));
      };
      const show = async (next: string) => {
        const content = splitMessage(next)[0] ?? next;
        const shown = await attempt(async () => {
          await editOriginal(textMessage(content));
          originalUsed = true;
        });
        if (!shown) await onChannel(next);
      };
      await show(text);
      return { edit: show, finish: show };
    },

    async send(reply) {
      const messages = await renderReply(reply, info.uploadLimit, context.fitImage);
      let index = 0;
      for (; index < messages.length; index++) {
        const message = messages[index]!;
        const first = index === 0;
        const sent = await attempt(() =>
          deliver(
            (outgoing) => (first ? editOriginal(outgoing) : followUp(`reply:${index}`, outgoing)),
            message,
            context.logger,
          ),
        );
        if (!sent) break;
        originalUsed = true;
      }
      if (index < messages.length) {
        const channelId = await info.place.channelId();
        const note = info.place.takeNote();
        if (note)
          await journal.once("place-note", (marker) =>
            channelPoster(channelId, context, marker)(textMessage(note)),
          );
        for (const [rest, message] of messages.slice(index).entries()) {
          await journal.once(`reply-channel:${index + rest}`, (marker) =>
            deliver(channelPoster(channelId, context, marker), message, context.logger),
          );
        }
        return;
      }
      if (info.threadAfterAnswer) {
        // The thread on the reply, for follow-ups; a failure is said in a follow-up.
        await info.place.channelId();
        const note = info.place.takeNote();
        if (note)
          await say(
            note.replace("so I answer in this channel", "so follow-ups need a new /ask or a mention"),
          );
      }
    },

    notice: say,

    ...(info.conversation
      ? {
          address: () =>
            addressOf(info.conversation as Conversation, info.place, info.uploadLimit, {
              interaction: {
                applicationId: info.applicationId,
                token: info.token,
                expiresAt: info.createdAt + lifetime,
              },
              threadAfterAnswer: info.threadAfterAnswer,
            }),
        }
      : {}),

    async settle(text, options = {}) {
      if (originalUsed) return;
      try {
        if (options.channelFallback === false) {
          const shown = await attempt(async () => {
            await editOriginal(textMessage(text));
            originalUsed = true;
          });
          if (!shown) context.logger.info("interaction gone; the refusal is not posted in the channel");
          return;
        }
        await say(text);
      } catch (error) {
        context.logger.warn("the deferred reply could not be finished", { error: errorSummary(error) });
      }
    },
  };
}
