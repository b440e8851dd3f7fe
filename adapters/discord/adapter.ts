import {
  type ChatInputCommandInteraction,
  Client,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  Partials,
} from "discord.js";
import { formatWait } from "../../src/core/clock.js";
import type {
  Adapter,
  Attachment,
  BotHandle,
  CommandDefinition,
  CommandOptions,
  Disposition,
  Request,
} from "../../src/core/types.js";
import { errorSummary } from "../../src/errors.js";
import { type Logger, silentLogger } from "../../src/log.js";
import { createDiscordApi, type DiscordApi } from "./api.js";
import { discordOptionName } from "./commands.js";
import { discordAttachment, threadName, uploadLimitOfTier, withoutMention } from "./normalize.js";
import type { ImageFitter } from "./render.js";
import {
  channelTarget,
  fixedPlace,
  interactionTarget,
  type Place,
  type TargetContext,
  threadPlace,
} from "./targets.js";

export interface DiscordAdapterOptions {
  /** The bot token (DISCORD_TOKEN). */
  token: string;
  /** REST base (DISCORD_API_URL, default https://discord.com/api); the gateway URL is read from it. */
  apiUrl?: string;
  /** Ask for the privileged Message Content intent (DISCORD_MESSAGE_CONTENT). */
  messageContent?: boolean;
  /** The commands of commands/, run by their slash commands. */
  commands: readonly CommandDefinition[];
  /** Largest attachment downloaded (MAX_FILE_MB in bytes). */
  maxFileBytes: number;
  /** How long one attachment download may take (DOWNLOAD_TIMEOUT_SECONDS in ms). */
  downloadTimeoutMs: number;
  /** Fits images to the upload limit (render's `fitImage`). */
  fitImage: ImageFitter;
  logger?: Logger;
  /** How long an interaction token is used before the channel API takes over (default 14 minutes). */
  interactionLifetimeMs?: number;
  /** The fetch that downloads attachments (tests). */
  fetch?: typeof globalThis.fetch;
}

/** A started Discord adapter, with what tests and the CLI may want to see. */
export interface DiscordAdapter extends Adapter {
  /** The logged-in client (undefined before start). */
  readonly client: Client | undefined;
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

/** What the bot can see of a message depends on the Message Content intent, which is privileged. */
function intentsOf(messageContent: boolean): GatewayIntentBits[] {
  return [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.DirectMessages,
    ...(messageContent ? [GatewayIntentBits.MessageContent] : []),
  ];
}

/**
 * The Discord adapter: a discord.js gateway client that turns slash commands, mentions, DMs and
 * messages in the bot's threads into Requests, and renders the bot's replies.
 *
 * - Slash commands are deferred at once, then answered by editing the deferred reply (follow-ups when
 *   the answer needs more messages), with a thread on the reply for follow-up messages.
 * - A mention starts a thread on the message; progress and answer go there. Messages in a thread the
 *   bot started continue its conversation without a mention (with DISCORD_MESSAGE_CONTENT; without
 *   it, Discord hides their text unless they mention the bot). DMs need no mention.
 * - The bot's own messages and other bots' are ignored.
 *
 * @example
 * const adapter = createDiscordAdapter({ token, commands: COMMANDS, maxFileBytes, downloadTimeoutMs: 30_000, fitImage });
 * await adapter.start(app.bot);
 */
export function createDiscordAdapter(options: DiscordAdapterOptions): DiscordAdapter {
  const logger = options.logger ?? silentLogger;
  let client: Client | undefined;
  let api: DiscordApi | undefined;
  /** Threads this process started, and the conversation each continues (the message it was started on). */
  const conversations = new Map<string, string>();
  const downloads = {
    maxBytes: options.maxFileBytes,
    timeoutMs: options.downloadTimeoutMs,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };

  function context(log: Logger): TargetContext {
    if (!api) throw new Error("the Discord adapter is not started");
    return {
      api,
      fitImage: options.fitImage,
      logger: log,
      onThreadStarted(threadId, conversation) {
        conversations.set(threadId, conversation);
      },
    };
  }

  function attachmentsOf(message: Message): Attachment[] {
    return [...message.attachments.values()].map((file) =>
      discordAttachment(
        { name: file.name, contentType: file.contentType, size: file.size, url: file.url },
        downloads,
      ),
    );
  }

  async function onMessage(message: Message, bot: BotHandle): Promise<void> {
    const self = client?.user;
    if (!self) return;
    // The bot's own messages (its answers) and other bots' are never requests.
    if (message.author.id === self.id || message.author.bot || message.system) return;
    const channel = message.channel;
    const mentioned = message.mentions.users.has(self.id);
    const direct = !message.inGuild();
    const inThread = channel.isThread();
    const ownThread = inThread && (conversations.has(channel.id) || channel.ownerId === self.id);
    if (!direct && !mentioned && !ownThread) return;

    const log = logger.child({ platform: "discord", message: message.id });
    const targetContext = context(log);
    const uploadLimit = uploadLimitOfTier(message.guild?.premiumTier);
    const text = withoutMention(message.content, self.id);
    let place: Place;
    let conversation: string;
    let channelId = message.channelId;
    if (direct) {
      place = fixedPlace(message.channelId);
      conversation = message.channelId;
    } else if (inThread) {
      place = fixedPlace(channel.id);
      conversation = conversations.get(channel.id) ?? channel.id;
      channelId = channel.parentId ?? channel.id;
    } else {
      // Discord gives a thread started on a message the message's id: the conversation key survives restarts.
      place = threadPlace(message.channelId, message.id, threadName(text), message.id, targetContext);
      conversation = message.id;
    }
    const request: Request = {
      id: message.id,
      platform: "discord",
      eventId: message.id,
      author: { id: message.author.id, name: message.author.username, isBot: message.author.bot },
      ...(message.guildId ? { workspace: message.guildId } : {}),
      channel: channelId,
      thread: conversation,
      text,
      attachments: attachmentsOf(message),
      receivedAt: Date.now(),
    };
    const disposition = await bot.receive(request, channelTarget(place, uploadLimit, targetContext));
    log.debug("message handled", { disposition: disposition.status });
  }

  function optionsOf(
    interaction: ChatInputCommandInteraction,
    command: CommandDefinition | undefined,
  ): CommandOptions {
    const values: CommandOptions = {};
    for (const option of command?.options ?? []) {
      const name = discordOptionName(option);
      if (option.type === "attachment") {
        const file = interaction.options.getAttachment(name);
        if (file) {
          values[option.name] = discordAttachment(
            { name: file.name, contentType: file.contentType, size: file.size, url: file.url },
            downloads,
          );
        }
      } else {
        const value = interaction.options.getString(name);
        if (value !== null) values[option.name] = value;
      }
    }
    return values;
  }

  async function onInteraction(interaction: Interaction, bot: BotHandle): Promise<void> {
    if (!interaction.isChatInputCommand()) return;
    const received = performance.now();
    // Acknowledge first, before anything else: Discord gives 3 seconds.
    const deferred = interaction.deferReply().then(
      () => true,
      (error: unknown) => {
        logger.warn("interaction could not be deferred (expired?); answering in the channel", {
          error: errorSummary(error),
        });
        return false;
      },
    );
    const log = logger.child({
      platform: "discord",
      interaction: interaction.id,
      command: interaction.commandName,
    });
    const ok = await deferred;
    log.info("interaction deferred", { ms: Math.round(performance.now() - received), ok });

    const targetContext = context(log);
    const command = options.commands.find((definition) => definition.name === interaction.commandName);
    const channel = interaction.channel;
    const direct = !interaction.inGuild();
    const inThread = channel?.isThread() ?? false;
    let conversation = interaction.channelId;
    let place: Place = fixedPlace(interaction.channelId);
    let threadAfterAnswer = false;
    if (!direct && !inThread && ok) {
      // The reply's message id: the thread on it (for follow-ups) is this conversation.
      const reply = await interaction.fetchReply().catch((error: unknown) => {
        log.warn("the deferred reply could not be fetched", { error: errorSummary(error) });
        return undefined;
      });
      if (reply) {
        conversation = reply.id;
        const prompt = interaction.options.getString("prompt") ?? interaction.commandName;
        place = threadPlace(interaction.channelId, reply.id, threadName(prompt), reply.id, targetContext);
        threadAfterAnswer = interaction.commandName === "ask";
      }
    } else if (inThread && channel?.isThread()) {
      conversation = conversations.get(channel.id) ?? channel.id;
    }
    const target = interactionTarget(
      {
        applicationId: interaction.applicationId,
        token: interaction.token,
        createdAt: interaction.createdTimestamp,
        deferred,
        place,
        threadAfterAnswer,
        uploadLimit: interaction.attachmentSizeLimit || uploadLimitOfTier(interaction.guild?.premiumTier),
        ...(options.interactionLifetimeMs !== undefined ? { lifetimeMs: options.interactionLifetimeMs } : {}),
      },
      targetContext,
    );
    const request: Request = {
      id: interaction.id,
      platform: "discord",
      eventId: interaction.id,
      author: { id: interaction.user.id, name: interaction.user.username, isBot: interaction.user.bot },
      ...(interaction.guildId ? { workspace: interaction.guildId } : {}),
      channel: inThread && channel?.isThread() ? (channel.parentId ?? channel.id) : interaction.channelId,
      thread: conversation,
      text: interaction.options.getString("prompt") ?? "",
      attachments: [],
      receivedAt: Date.now(),
    };
    let disposition: Disposition;
    try {
      disposition = await bot.command(
        interaction.commandName,
        optionsOf(interaction, command),
        request,
        target,
      );
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

  return {
    platform: "discord",
    get client() {
      return client;
    },
    async start(bot) {
      const messageContent = options.messageContent ?? false;
      client = new Client({
        intents: intentsOf(messageContent),
        // DM channels are not cached before their first message arrives.
        partials: [Partials.Channel, Partials.Message],
        rest: { api: options.apiUrl ?? "https://discord.com/api" },
      });
      api = createDiscordApi(client);
      const running = client;
      running.on(Events.MessageCreate, (message) => {
        onMessage(message, bot).catch((error: unknown) =>
          logger.error("a Discord message could not be handled", { error: errorSummary(error) }),
        );
      });
      running.on(Events.InteractionCreate, (interaction) => {
        onInteraction(interaction, bot).catch((error: unknown) =>
          logger.error("a Discord interaction could not be handled", { error: errorSummary(error) }),
        );
      });
      running.on(Events.Error, (error) =>
        logger.error("Discord client error", { error: errorSummary(error) }),
      );
      running.on(Events.ShardDisconnect, (event, shard) =>
        logger.warn("Discord gateway disconnected", { shard, code: event.code }),
      );
      running.on(Events.ShardResume, (shard, replayed) =>
        logger.info("Discord gateway resumed", { shard, replayed }),
      );
      const ready = new Promise<void>((resolve) => running.once(Events.ClientReady, () => resolve()));
      await running.login(options.token);
      await ready;
      logger.info("Discord connected", { user: running.user?.tag, messageContent });
    },
    async stop() {
      const running = client;
      client = undefined;
      await running?.destroy();
    },
  };
}
