import {
  type ChatInputCommandInteraction,
  Client,
  type ClientOptions,
  Events,
  GatewayIntentBits,
  type Interaction,
  type Message,
  MessageFlags,
  Partials,
  PermissionFlagsBits,
  REST,
} from "discord.js";
import type {
  Adapter,
  Attachment,
  BotHandle,
  CommandDefinition,
  CommandOptions,
  Request,
  Telemetry,
} from "../../src/core/types.js";
import { BotError, errorSummary } from "../../src/errors.js";
import { type Logger, silentLogger } from "../../src/log.js";
import { type HttpRoute, type RoutesServer, serveRoutes } from "../shared/http-routes.js";
import { countRateLimits, createDiscordApi, type DiscordApi } from "./api.js";
import { discordOptionName } from "./commands.js";
import { answerNotStarted, createInteractionsEndpoint } from "./endpoint.js";
import { discordAttachment, threadName, uploadLimitOfTier, withoutMention } from "./normalize.js";
import type { ImageFitter } from "./render.js";
import { commandFromPayload, runSlashCommand, type SlashCommand, type SlashContext } from "./slash.js";
import { channelTarget, fixedPlace, type Place, type TargetContext, threadPlace } from "./targets.js";

export { endingOf } from "./slash.js";

/** The gateway shards one process runs (DISCORD_SHARDS, DISCORD_SHARD_IDS). */
export interface DiscordShards {
  /** All the bot's shards, over every process; `auto`: as many as Discord recommends. */
  count: number | "auto";
  /** The shards this process runs; undefined: all of them. */
  ids?: readonly number[];
}

/** The HTTP interactions endpoint (DISCORD_PUBLIC_KEY). */
export interface DiscordInteractionsOptions {
  /** The application's public key, 64 hexadecimal characters. */
  publicKey: string;
  /**
   * Listen on this port (PORT) with a server of the adapter's own; without it, whoever owns the port
   * serves `interactionsRoute` (Slack's HTTP receiver, when Slack runs in the same process).
   */
  listen?: { port: number; host?: string };
}

export interface DiscordAdapterOptions {
  /**
   * The bot token (DISCORD_TOKEN): needed for the gateway. Without the gateway, it lets the bot start a
   * thread on its reply and post in the channel once the 15-minute interaction token has run out.
   */
  token?: string;
  /** Connect to the gateway (DISCORD_GATEWAY, default true); false: slash commands over `interactions` only. */
  gateway?: boolean;
  /** The shards to run (default: discord.js's one shard). */
  shards?: DiscordShards;
  /** Serve the HTTP interactions endpoint. */
  interactions?: DiscordInteractionsOptions;
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
  /** A gateway process: workers download the attachments, this process does not start to. */
  gatewayRole?: boolean;
  /** Fits images to the upload limit (render's `fitImage`). */
  fitImage: ImageFitter;
  logger?: Logger;
  /** How long an interaction token is used before the channel API takes over (default 14 minutes). */
  interactionLifetimeMs?: number;
  /** The fetch that downloads attachments (tests). */
  fetch?: typeof globalThis.fetch;
  /** Where the REST API's 429s are counted (the operator's metrics). */
  telemetry?: Telemetry;
}

/** A started Discord adapter, with what tests and the CLI may want to see. */
export interface DiscordAdapter extends Adapter {
  /** The logged-in client (undefined before start, and without the gateway). */
  readonly client: Client | undefined;
  /** `POST /discord/interactions`, with `interactions` (it answers 503 until the adapter has started). */
  readonly interactionsRoute: HttpRoute | undefined;
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

/** The shards as discord.js's client options: its own sharding, one WebSocket per shard. */
function shardOptions(shards: DiscordShards | undefined): Pick<ClientOptions, "shards" | "shardCount"> {
  if (!shards) return {};
  if (shards.count === "auto") return { shards: "auto" };
  return {
    shards: shards.ids ? [...shards.ids] : Array.from({ length: shards.count }, (_, id) => id),
    shardCount: shards.count,
  };
}

/**
 * The Discord adapter: a discord.js gateway client (sharded as `shards` says) and, with `interactions`,
 * Discord's HTTP interactions endpoint, turning slash commands, mentions, DMs and messages in the
 * bot's threads into Requests, and rendering the bot's replies.
 *
 * - Slash commands, from the gateway or the endpoint, are deferred at once, then answered by editing
 *   the deferred reply (follow-ups when the answer needs more messages), with a thread on the reply
 *   for follow-up messages. With `gateway: false` the endpoint is all there is: no connection to hold.
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
    eager: options.gatewayRole !== true,
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
      author: {
        id: message.author.id,
        name: message.author.username,
        isBot: message.author.bot,
        // The member's permissions as discord.js computes them from the cached roles and channel.
        ...(message.member
          ? {
              isWorkspaceAdmin: async () =>
                message.member?.permissions.has(PermissionFlagsBits.ManageGuild) ?? false,
            }
          : {}),
      },
      ...(message.guildId ? { workspace: message.guildId } : {}),
      channel: channelId,
      thread: conversation,
      text,
      attachments: attachmentsOf(message),
      receivedAt: Date.now(),
      // Snowflakes grow with time: padded, they sort as the messages were sent.
      stamp: message.id.padStart(20, "0"),
    };
    const disposition = await bot.receive(
      request,
      channelTarget(place, uploadLimit, targetContext, {
        ...(request.workspace ? { workspace: request.workspace } : {}),
        channel: request.channel,
        thread: request.thread,
      }),
    );
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

  /** A gateway slash command, as the endpoint's are: see slash.ts. */
  function commandOf(interaction: ChatInputCommandInteraction): SlashCommand {
    const definition = options.commands.find((command) => command.name === interaction.commandName);
    const channel = interaction.channel;
    const thread = channel?.isThread() ? channel : undefined;
    return {
      id: interaction.id,
      applicationId: interaction.applicationId,
      token: interaction.token,
      createdAt: interaction.createdTimestamp,
      name: interaction.commandName,
      channelId: interaction.channelId,
      guildId: interaction.inGuild() ? interaction.guildId : undefined,
      threadParentId: thread?.parentId ?? undefined,
      inThread: thread !== undefined,
      user: {
        id: interaction.user.id,
        name: interaction.user.username,
        isBot: interaction.user.bot,
        // Discord computes the member's permissions into the interaction: no call needed.
        ...(interaction.inGuild()
          ? {
              isWorkspaceAdmin: async () =>
                interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild),
            }
          : {}),
      },
      private: definition?.private === true,
      prompt: interaction.options.getString("prompt") ?? undefined,
      options: optionsOf(interaction, definition),
      uploadLimit: interaction.attachmentSizeLimit || uploadLimitOfTier(interaction.guild?.premiumTier),
    };
  }

  function slashContext(log: Logger): SlashContext {
    return {
      target: context(log),
      logger: log,
      conversationOf: (threadId) => conversations.get(threadId),
      // Threads are started through the channel API, which needs the bot token.
      threads: options.token !== undefined,
      ...(options.interactionLifetimeMs !== undefined ? { lifetimeMs: options.interactionLifetimeMs } : {}),
    };
  }

  async function onInteraction(interaction: Interaction, bot: BotHandle): Promise<void> {
    if (!interaction.isChatInputCommand()) return;
    const received = performance.now();
    // Acknowledge first, before anything else: Discord gives 3 seconds.
    const isPrivate = options.commands.some(
      (command) => command.name === interaction.commandName && command.private === true,
    );
    const deferred = interaction.deferReply(isPrivate ? { flags: MessageFlags.Ephemeral } : {}).then(
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
    await runSlashCommand(commandOf(interaction), deferred, bot, slashContext(log));
  }

  /** The bot, once started: the endpoint's route answers 503 before. */
  let running: BotHandle | undefined;
  const endpoint = options.interactions
    ? createInteractionsEndpoint({
        publicKey: options.interactions.publicKey,
        privateCommands: new Set(
          options.commands.filter((command) => command.private === true).map((command) => command.name),
        ),
        logger,
        onCommand(payload, deferred) {
          const bot = running;
          if (!bot) return;
          const log = logger.child({
            platform: "discord",
            interaction: payload.id,
            command: payload.data.name,
            via: "http",
          });
          runSlashCommand(
            commandFromPayload(payload, options.commands, downloads),
            deferred,
            bot,
            slashContext(log),
          ).catch((error: unknown) =>
            log.error("a Discord interaction could not be handled", { error: errorSummary(error) }),
          );
        },
      })
    : undefined;
  const interactionsRoute: HttpRoute | undefined = endpoint && {
    ...endpoint,
    handler(request, response) {
      if (!running) {
        answerNotStarted(request, response);
        return;
      }
      endpoint.handler(request, response);
    },
  };
  let server: RoutesServer | undefined;

  async function connect(bot: BotHandle): Promise<Client> {
    if (!options.token) {
      throw new BotError("config_invalid", "the Discord gateway needs DISCORD_TOKEN", {
        userMessage:
          "The Discord gateway needs DISCORD_TOKEN (Developer Portal → Bot → Reset Token); set DISCORD_GATEWAY=false with DISCORD_PUBLIC_KEY to take slash commands over the interactions endpoint only.",
      });
    }
    const messageContent = options.messageContent ?? false;
    const started = new Client({
      intents: intentsOf(messageContent),
      // DM channels are not cached before their first message arrives.
      partials: [Partials.Channel, Partials.Message],
      rest: { api: options.apiUrl ?? "https://discord.com/api" },
      ...shardOptions(options.shards),
    });
    client = started;
    countRateLimits(started.rest, options.telemetry);
    api = createDiscordApi({ rest: started.rest, client: started });
    started.on(Events.MessageCreate, (message) => {
      onMessage(message, bot).catch((error: unknown) =>
        logger.error("a Discord message could not be handled", { error: errorSummary(error) }),
      );
    });
    started.on(Events.InteractionCreate, (interaction) => {
      onInteraction(interaction, bot).catch((error: unknown) =>
        logger.error("a Discord interaction could not be handled", { error: errorSummary(error) }),
      );
    });
    started.on(Events.Error, (error) => logger.error("Discord client error", { error: errorSummary(error) }));
    started.on(Events.ShardDisconnect, (event, shard) =>
      logger.warn("Discord gateway disconnected", { shard, code: event.code }),
    );
    started.on(Events.ShardResume, (shard, replayed) =>
      logger.info("Discord gateway resumed", { shard, replayed }),
    );
    started.on(Events.ShardReady, (shard) => logger.info("Discord shard ready", { shard }));
    return started;
  }

  return {
    platform: "discord",
    get client() {
      return client;
    },
    interactionsRoute,
    async start(bot) {
      const gateway = options.gateway ?? true;
      if (!gateway && !interactionsRoute) {
        throw new BotError("config_invalid", "Discord without the gateway and without the endpoint", {
          userMessage:
            "With DISCORD_GATEWAY=false, set DISCORD_PUBLIC_KEY: slash commands then come over the HTTP interactions endpoint.",
        });
      }
      const started = gateway ? await connect(bot) : undefined;
      if (!started) {
        // No gateway: REST of its own, with the bot token when there is one.
        const rest = new REST({ api: options.apiUrl ?? "https://discord.com/api" });
        if (options.token) rest.setToken(options.token);
        countRateLimits(rest, options.telemetry);
        api = createDiscordApi({ rest });
      }
      if (interactionsRoute && options.interactions?.listen) {
        server = await serveRoutes([interactionsRoute], options.interactions.listen);
      }
      running = bot;
      if (interactionsRoute) {
        logger.info("Discord interactions endpoint ready", {
          path: interactionsRoute.path,
          ...(server ? { port: server.address.port } : { served: "by the server on PORT" }),
        });
      }
      if (!started) return;
      const ready = new Promise<void>((resolve) => started.once(Events.ClientReady, () => resolve()));
      await started.login(options.token);
      await ready;
      logger.info("Discord connected", {
        user: started.user?.tag,
        messageContent: options.messageContent ?? false,
        shards: started.ws.shards.map((shard) => shard.id),
        shardCount: started.options.shardCount,
      });
    },
    async stop() {
      running = undefined;
      const gatewayClient = client;
      client = undefined;
      const endpointServer = server;
      server = undefined;
      await Promise.all([gatewayClient?.destroy(), endpointServer?.close()]);
    },
  };
}
