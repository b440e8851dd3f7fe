/**
 * A slash command, however it arrived: as the gateway's INTERACTION_CREATE (discord.js) or as a POST
 * to the HTTP interactions endpoint (the raw payload). Both are normalized into a `SlashCommand` and
 * acknowledged by their receiver (a deferral); from there on they are one path: the conversation it
 * belongs to, where the answer goes (the deferred reply, then a thread on it), the bot's Request, and
 * the end of a deferred reply the bot left "thinking…".
 */
import { SnowflakeUtil } from "discord.js";
import { formatWait } from "../../src/core/clock.js";
import type {
  BotHandle,
  CommandDefinition,
  CommandOptions,
  Disposition,
  Request,
} from "../../src/core/types.js";
import { errorSummary } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";
import { isUnknownMessage } from "./api.js";
import { discordOptionName } from "./commands.js";
import type { ChatInputPayload } from "./interaction-schema.js";
import { type DownloadOptions, discordAttachment, threadName } from "./normalize.js";
import { DISCORD_LIMITS } from "./render.js";
import { fixedPlace, interactionTarget, type Place, type TargetContext, threadPlace } from "./targets.js";

/** What the bot needs of one slash command, from either receiver. */
export interface SlashCommand {
  /** The interaction's id: the delivery's id, which a redelivery shares. */
  id: string;
  applicationId: string;
  /** The interaction token: edits the reply and sends follow-ups for 15 minutes, with no bot token. */
  token: string;
  /** When Discord created the interaction (ms since epoch): the token's 15 minutes run from then. */
  createdAt: number;
  name: string;
  channelId: string;
  /** Undefined in a direct message. */
  guildId: string | undefined;
  /** The parent channel when the command was used in a thread; undefined elsewhere. */
  threadParentId: string | undefined;
  inThread: boolean;
  user: { id: string; name: string; isBot: boolean; isWorkspaceAdmin?: () => Promise<boolean> };
  /** Answered to its user alone (deferred as ephemeral): no thread is started on the reply. */
  private: boolean;
  /** The `prompt` option's text, when the command has one. */
  prompt: string | undefined;
  /** The options by the definitions' names, attachments ready to download. */
  options: CommandOptions;
  /** The per-file upload limit where the answer goes. */
  uploadLimit: number;
}

/** The permission bits that make a member an admin of the server for `/settings`. */
const ADMINISTRATOR = 1n << 3n;
const MANAGE_GUILD = 1n << 5n;

/**
 * Whether a member's permissions (the interaction's `member.permissions`, a decimal bit set) include
 * Manage Server, which Administrator implies.
 */
export function managesServer(permissions: string | undefined): boolean {
  if (permissions === undefined) return false;
  const bits = BigInt(permissions);
  return (bits & (ADMINISTRATOR | MANAGE_GUILD)) !== 0n;
}

/** Discord's thread channel types: announcement, public and private threads. */
const THREAD_TYPES: ReadonlySet<number> = new Set([10, 11, 12]);
/** Discord's option types the definitions map to (ApplicationCommandOptionType). */
const OptionType = { String: 3, Attachment: 11 } as const;

/**
 * A slash command from the HTTP interactions endpoint's payload: the options by the definitions'
 * names (an attachment option's file from `data.resolved.attachments`, its download started now, as
 * the CDN link is signed and expires), the member's user in a guild or the user in a direct message.
 */
export function commandFromPayload(
  payload: ChatInputPayload,
  commands: readonly CommandDefinition[],
  downloads: DownloadOptions,
): SlashCommand {
  const given = payload.data.options ?? [];
  const definition = commands.find((command) => command.name === payload.data.name);
  const options: CommandOptions = {};
  for (const option of definition?.options ?? []) {
    const value = given.find((candidate) => candidate.name === discordOptionName(option));
    if (value === undefined) continue;
    if (option.type === "attachment") {
      const file =
        value.type === OptionType.Attachment && typeof value.value === "string"
          ? payload.data.resolved?.attachments?.[value.value]
          : undefined;
      if (file) {
        options[option.name] = discordAttachment(
          { name: file.filename, contentType: file.content_type ?? null, size: file.size, url: file.url },
          downloads,
        );
      }
    } else if (value.type === OptionType.String && typeof value.value === "string") {
      options[option.name] = value.value;
    }
  }
  const prompt = given.find((option) => option.name === "prompt" && typeof option.value === "string");
  const channel = payload.channel;
  const inThread = channel !== undefined && THREAD_TYPES.has(channel.type);
  // The schema refuses a payload with neither a member nor a user, and one with no channel.
  const user = payload.member?.user ?? payload.user;
  return {
    id: payload.id,
    applicationId: payload.application_id,
    token: payload.token,
    createdAt: SnowflakeUtil.timestampFrom(payload.id),
    name: payload.data.name,
    channelId: channel?.id ?? payload.channel_id ?? "",
    guildId: payload.guild_id,
    threadParentId: inThread ? (channel?.parent_id ?? undefined) : undefined,
    inThread,
    user: {
      id: user?.id ?? "",
      name: user?.username ?? "",
      isBot: user?.bot ?? false,
      ...(payload.member ? { isWorkspaceAdmin: async () => managesServer(payload.member?.permissions) } : {}),
    },
    private: definition?.private === true,
    prompt: typeof prompt?.value === "string" ? prompt.value : undefined,
    options,
    uploadLimit: payload.attachment_size_limit ?? DISCORD_LIMITS.defaultUploadBytes,
  };
}

/** What running a slash command needs from its adapter. */
export interface SlashContext {
  target: TargetContext;
  logger: Logger;
  /** The conversation a thread the adapter started continues (for commands used in one). */
  conversationOf(threadId: string): string | undefined;
  /** Whether the bot may start a thread on its reply: it has a bot token for the channel API. */
  threads: boolean;
  /** How long the interaction token is used before the channel API takes over. */
  lifetimeMs?: number;
}

/**
 * How to end a deferred reply that the bot may have left "thinking…", or undefined when the bot
 * answers it (accepted: progress follows) or it is not ours to answer (a redelivery).
 *
 * Not on the allowlists: the bot is silent in such channels for messages, but a slash command has
 * already shown a public "thinking…" reply (it must be deferred before the bot is asked, and a
 * public reply cannot be turned ephemeral afterwards). Deleting it would make the user's command
 * vanish without a word, which looks like a crash; an ephemeral follow-up right after a deferral
 * is applied by Discord as an edit of that public reply. So the reply becomes one short line saying
 * why, and nothing is ever posted in the channel itself. Operators who want no trace at all hide the
 * commands in those channels (Server Settings → Integrations).
 */
export function endingOf(
  disposition: Disposition,
  direct: boolean,
): { text: string; channelFallback: boolean } | undefined {
  switch (disposition.status) {
    case "accepted":
    case "duplicate":
      return undefined;
    case "ignored":
      return disposition.reason === "not-allowed"
        ? {
            text: direct ? "I'm not enabled in direct messages." : "I'm not enabled in this channel.",
            channelFallback: false,
          }
        : { text: "Nothing to do.", channelFallback: false };
    case "rate-limited":
      // The bot's notice said so already; this is only for when it could not be sent.
      return {
        text: `You are over my rate limit. Please try again in ${formatWait(disposition.retryAfterMs)}.`,
        channelFallback: true,
      };
    case "refused":
      return { text: disposition.message, channelFallback: true };
    case "command":
      return { text: "Done.", channelFallback: true };
  }
}

/** Pauses between reads of a reply Discord has not made yet (an HTTP deferral is applied after its answer). */
const ORIGINAL_RETRY_MS = [50, 100, 200, 400, 800];

/**
 * The id of the interaction's original reply. Over the gateway the deferral's own call returns once
 * the reply exists; over HTTP Discord makes it after reading the endpoint's answer, which may be a
 * moment after the bot asks: Unknown Message (10008) is asked again, briefly.
 */
async function originalReplyId(command: SlashCommand, context: SlashContext): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await context.target.api.originalId(command.applicationId, command.token);
    } catch (error) {
      const pause = ORIGINAL_RETRY_MS[attempt];
      if (!isUnknownMessage(error) || pause === undefined) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/**
 * Hands an acknowledged slash command to the bot and sees its reply finished. `deferred` resolves to
 * whether the deferral reached Discord in time; when it did not, everything goes through the channel.
 */
export async function runSlashCommand(
  command: SlashCommand,
  deferred: Promise<boolean>,
  bot: BotHandle,
  context: SlashContext,
): Promise<void> {
  const log = context.logger;
  const ok = await deferred;
  const direct = command.guildId === undefined;
  let conversation = command.channelId;
  let place: Place = fixedPlace(command.channelId);
  let threadAfterAnswer = false;
  if (!direct && !command.inThread && ok && !command.private) {
    // The reply's message id: the thread on it (for follow-ups) is this conversation.
    const replyId = await originalReplyId(command, context).catch((error: unknown) => {
      log.warn("the deferred reply could not be fetched", { error: errorSummary(error) });
      return undefined;
    });
    if (replyId) {
      conversation = replyId;
      if (context.threads) {
        const name = threadName(command.prompt ?? command.name);
        place = threadPlace(command.channelId, replyId, name, replyId, context.target);
        threadAfterAnswer = command.name === "ask";
      }
    }
  } else if (command.inThread) {
    conversation = context.conversationOf(command.channelId) ?? command.channelId;
  }
  const channel = command.inThread ? (command.threadParentId ?? command.channelId) : command.channelId;
  const target = interactionTarget(
    {
      applicationId: command.applicationId,
      token: command.token,
      createdAt: command.createdAt,
      deferred,
      place,
      threadAfterAnswer,
      uploadLimit: command.uploadLimit,
      ...(context.lifetimeMs !== undefined ? { lifetimeMs: context.lifetimeMs } : {}),
      conversation: {
        ...(command.guildId ? { workspace: command.guildId } : {}),
        channel,
        thread: conversation,
      },
    },
    context.target,
  );
  const request: Request = {
    id: command.id,
    platform: "discord",
    eventId: command.id,
    author: command.user,
    ...(command.guildId ? { workspace: command.guildId } : {}),
    channel,
    thread: conversation,
    text: command.prompt ?? "",
    attachments: [],
    receivedAt: Date.now(),
    stamp: command.id.padStart(20, "0"),
  };
  let disposition: Disposition;
  try {
    disposition = await bot.command(command.name, command.options, request, target);
  } catch (error) {
    log.error("the bot could not take a slash command", { error: errorSummary(error) });
    // Not said in the channel: the bot may not have checked the allowlists.
    await target.settle("Something went wrong on my side. Please try again.", { channelFallback: false });
    return;
  }
  log.debug("interaction handled", { disposition: disposition.status });
  // The deferred reply must never stay "thinking…": a refusal the bot did not announce ends it here.
  const ending = endingOf(disposition, direct);
  if (ending) await target.settle(ending.text, { channelFallback: ending.channelFallback });
}
