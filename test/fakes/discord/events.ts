/**
 * INTERACTION_CREATE and MESSAGE_CREATE as Discord sends them, built from a test's short description
 * and recorded in the state (interactions keep their 3 s / 15 min clocks, messages their attachments).
 */
import { randomBytes } from "node:crypto";
import type { EndpointDelivery, FakeInteractionsEndpoint } from "./endpoint.js";
import type { FakeGateway } from "./gateway.js";
import {
  ChannelType,
  type DiscordState,
  type FakeAttachment,
  type FakeChannel,
  type FakeInteraction,
  type FakeMessage,
  type FakeUser,
  isRecord,
  type JsonRecord,
  MessageType,
} from "./state.js";

/** An option value; its type follows (string 3, integer 4, boolean 5, other number 10, attachment 11). */
export type InteractionOptionValue = string | number | boolean | FakeAttachment;

export interface InteractionInit {
  /** 2 APPLICATION_COMMAND (default), 3 MESSAGE_COMPONENT, 4 AUTOCOMPLETE, 5 MODAL_SUBMIT. */
  type?: number;
  /** The slash command's name (type 2 and 4). */
  command?: string;
  /** Options by name, or Discord's raw option array (subcommands, `focused` ...). */
  options?: Record<string, InteractionOptionValue> | JsonRecord[];
  /** Fields added to (or replacing) `data`: `custom_id`, `component_type`, `values`, `type` (2/3 context menus)... */
  data?: JsonRecord;
  /** Default: the first text channel of the first guild. */
  channelId?: string;
  /** Who ran it (id or user); default the first human user. */
  user?: string | FakeUser;
  /** Component interactions: the message whose component was used. */
  messageId?: string;
  locale?: string;
  /** Fields that replace the payload's (after everything else). */
  raw?: JsonRecord;
}

export interface DispatchedInteraction {
  id: string;
  /** The interaction token (may contain `+`, `/`: discord.js URL-encodes it in paths). */
  token: string;
  applicationId: string;
  channelId: string;
  /** Fake-clock ms when INTERACTION_CREATE was dispatched. */
  dispatchedAt: number;
  /** The live record: callbacks, latency, original message, follow-ups. */
  record: FakeInteraction;
  /**
   * With an Interactions Endpoint URL set: the POST to it and what Discord made of the answer
   * (undefined when the interaction went out over the gateway).
   */
  delivered: Promise<EndpointDelivery> | undefined;
}

export interface AttachmentInit {
  bytes: Uint8Array;
  filename: string;
  contentType?: string;
  description?: string;
}

export interface MessageInit {
  /** Default: the first text channel of the first guild. */
  channelId?: string;
  /** Id or user; default the first human user. */
  author?: string | FakeUser;
  content?: string;
  /** User ids mentioned besides the `<@id>` found in `content`. */
  mentions?: string[];
  attachments?: Array<FakeAttachment | AttachmentInit>;
  embeds?: JsonRecord[];
  /** Makes a reply (type 19) to this message id. */
  replyTo?: string;
  nonce?: string;
}

function optionType(value: InteractionOptionValue): number {
  if (typeof value === "string") return 3;
  if (typeof value === "boolean") return 5;
  if (typeof value === "number") return Number.isInteger(value) ? 4 : 10;
  return 11;
}

function isAttachment(value: unknown): value is FakeAttachment {
  return isRecord(value) && Buffer.isBuffer(value.bytes) && typeof value.id === "string";
}

export class EventFactory {
  constructor(
    private readonly state: DiscordState,
    private readonly gateway: FakeGateway,
    private readonly endpoint: FakeInteractionsEndpoint,
  ) {}

  defaultChannel(): FakeChannel {
    for (const channel of this.state.channels.values()) {
      if (channel.guildId && channel.type === ChannelType.GuildText) return channel;
    }
    throw new Error("fake Discord: no text channel");
  }

  defaultUser(): FakeUser {
    for (const user of this.state.users.values()) if (!user.bot) return user;
    throw new Error("fake Discord: no human user");
  }

  #user(user: string | FakeUser | undefined): FakeUser {
    if (user === undefined) return this.defaultUser();
    return typeof user === "string" ? this.state.user(user) : user;
  }

  #joinGuild(channel: FakeChannel, user: FakeUser): void {
    const guild = channel.guildId ? this.state.guilds.get(channel.guildId) : undefined;
    if (guild && !guild.memberIds.includes(user.id)) guild.memberIds.push(user.id);
  }

  /**
   * An interaction as Discord sends it: INTERACTION_CREATE over the gateway, or, once the application
   * has an Interactions Endpoint URL, a signed POST there instead (never both, as on Discord).
   */
  interaction(init: InteractionInit): DispatchedInteraction {
    const overHttp = this.endpoint.url !== undefined;
    if (!overHttp && this.gateway.liveSessions().length === 0) {
      throw new Error("fake Discord: no gateway session; log the client in before dispatching interactions");
    }
    const channel = init.channelId ? this.state.channel(init.channelId) : this.defaultChannel();
    const user = this.#user(init.user);
    this.#joinGuild(channel, user);
    const guild = channel.guildId ? this.state.guilds.get(channel.guildId) : undefined;
    const type = init.type ?? 2;
    const id = this.state.ids.next();
    // base64 of "interaction:<id>:" and a secret, like Discord's; always with a "+" or "/" so that
    // path decoding is exercised (discord.js URL-encodes tokens in routes).
    let token = "";
    while (!/[+/]/.test(token)) {
      token = Buffer.concat([Buffer.from(`interaction:${id}:`), randomBytes(60)]).toString("base64");
    }
    const resolvedAttachments: JsonRecord = {};
    let options: JsonRecord[] | undefined;
    if (Array.isArray(init.options)) options = init.options;
    else if (init.options) {
      options = Object.entries(init.options).map(([name, value]) => {
        if (isAttachment(value)) {
          value.ephemeral = true;
          value.channelId = channel.id;
          resolvedAttachments[value.id] = this.state.attachmentToApi(value);
          return { name, type: 11, value: value.id };
        }
        return { name, type: optionType(value), value };
      });
    }
    const command = init.command
      ? [...this.state.commands.values()].find(
          (entry) =>
            entry.body.name === init.command && (entry.guildId === undefined || entry.guildId === guild?.id),
        )
      : undefined;
    const data: JsonRecord = {
      ...(init.command === undefined
        ? {}
        : { id: command?.id ?? this.state.ids.next(), name: init.command, type: 1 }),
      ...(options ? { options } : {}),
      ...(Object.keys(resolvedAttachments).length > 0
        ? { resolved: { attachments: resolvedAttachments } }
        : {}),
      ...(guild && init.command !== undefined ? { guild_id: guild.id } : {}),
      ...init.data,
    };
    const source = init.messageId ? this.state.messages.get(init.messageId) : undefined;
    const appPermissions = this.state.botPermissions(channel.id).toString();
    const payload: JsonRecord = {
      id,
      application_id: this.state.applicationId,
      type,
      data,
      token,
      version: 1,
      channel_id: channel.id,
      channel: { ...this.state.channelToApi(channel), permissions: appPermissions },
      app_permissions: appPermissions,
      locale: init.locale ?? "en-US",
      entitlements: [],
      authorizing_integration_owners: guild ? { "0": guild.id } : { "1": user.id },
      context: guild ? 0 : channel.type === ChannelType.DM ? 1 : 2,
      attachment_size_limit: this.state.uploadLimit(channel.id),
      ...(guild
        ? {
            guild_id: guild.id,
            guild: { id: guild.id, locale: "en-US", features: [] },
            guild_locale: "en-US",
            member: {
              ...this.state.memberToApi(guild, user.id, true),
              permissions: this.state.memberPermissions(guild, user.id).toString(),
            },
          }
        : { user: this.state.userToApi(user) }),
      ...(source ? { message: this.state.messageToApi(source) } : {}),
      ...init.raw,
    };
    const now = this.state.now();
    const record: FakeInteraction = {
      id,
      token,
      applicationId: this.state.applicationId,
      type,
      channelId: channel.id,
      userId: user.id,
      dispatchedAt: now,
      deadlineAt: now + this.state.options.interactionDeadlineMs,
      expiresAt: now + this.state.options.interactionTokenTtlMs,
      attachmentSizeLimit: this.state.uploadLimit(channel.id),
      callbacks: [],
      followupIds: [],
      edits: [],
      payload,
      ...(guild ? { guildId: guild.id } : {}),
      ...(init.command === undefined ? {} : { commandName: init.command }),
      ...(source ? { sourceMessageId: source.id } : {}),
    };
    this.state.interactions.set(id, record);
    this.state.interactionsByToken.set(token, record);
    const delivered = overHttp ? this.endpoint.deliver(record) : undefined;
    if (!overHttp) this.gateway.dispatch("INTERACTION_CREATE", payload);
    return {
      id,
      token,
      applicationId: record.applicationId,
      channelId: channel.id,
      dispatchedAt: now,
      record,
      delivered,
    };
  }

  /** Stores a user's message and dispatches MESSAGE_CREATE (intents and MessageContent rules apply). */
  message(init: MessageInit): FakeMessage {
    const channel = init.channelId ? this.state.channel(init.channelId) : this.defaultChannel();
    const author = this.#user(init.author);
    this.#joinGuild(channel, author);
    const content = init.content ?? "";
    const mentions = new Set(init.mentions ?? []);
    for (const match of content.matchAll(/<@!?(\d{5,25})>/g)) {
      if (match[1] && this.state.users.has(match[1])) mentions.add(match[1]);
    }
    const attachments = (init.attachments ?? []).map((entry) => {
      const attachment = isAttachment(entry)
        ? entry
        : this.state.createAttachment({
            bytes: entry.bytes,
            filename: entry.filename,
            ...(entry.contentType === undefined ? {} : { contentType: entry.contentType }),
            ...(entry.description === undefined ? {} : { description: entry.description }),
          });
      attachment.channelId = channel.id;
      attachment.ephemeral = false;
      return attachment;
    });
    const referenced = init.replyTo ? this.state.messages.get(init.replyTo) : undefined;
    if (init.replyTo && !referenced) throw new Error(`fake Discord: no message ${init.replyTo} to reply to`);
    const message = this.state.addMessage({
      channelId: channel.id,
      authorId: author.id,
      content,
      embeds: init.embeds ?? [],
      attachments,
      components: [],
      flags: 0,
      type: referenced ? MessageType.Reply : MessageType.Default,
      mentions: [...mentions],
      mentionEveryone: false,
      ...(channel.guildId ? { guildId: channel.guildId } : {}),
      ...(init.nonce === undefined ? {} : { nonce: init.nonce }),
      ...(referenced
        ? {
            reference: {
              messageId: referenced.id,
              channelId: referenced.channelId,
              ...(referenced.guildId ? { guildId: referenced.guildId } : {}),
            },
          }
        : {}),
    });
    const data = this.state.messageToApi(message, true);
    const mentionsBot = mentions.has(this.state.botUser.id);
    const fromBot = author.id === this.state.botUser.id;
    this.gateway.dispatch("MESSAGE_CREATE", data, (session) =>
      this.gateway.messageForSession(session, data, mentionsBot, fromBot),
    );
    return message;
  }
}
