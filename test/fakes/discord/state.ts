/**
 * The fake Discord's world: a scriptable clock, snowflakes, users, guilds, channels (threads and DMs
 * too), messages with their attachments, interactions and application commands, plus the functions
 * that render them in Discord's v10 wire format (what discord.js parses). REST and gateway share one
 * `DiscordState`; tests read it through `FakeDiscord` (index.ts).
 */
import { createHmac, randomBytes } from "node:crypto";

export const MiB = 1024 * 1024;
const DISCORD_EPOCH = 1_420_070_400_000n;

/** A decoded JSON object, as bodies arrive and as embeds are kept. */
export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Wall clock plus an offset a test moves with `advanceTime`: deadlines, expiries and snowflakes use it. */
export class Clock {
  offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** Snowflakes with Discord's layout (ms since 2015 << 22), so `createdTimestamp` reads the fake clock. */
export class Snowflakes {
  #last = 0n;
  constructor(private readonly clock: Clock) {}
  /** Unique and increasing even when ids are made faster than one per millisecond. */
  next(): string {
    const candidate = ((BigInt(this.clock.now()) - DISCORD_EPOCH) << 22n) | (1n << 17n);
    this.#last = candidate > this.#last ? candidate : this.#last + 1n;
    return this.#last.toString();
  }
}

export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH);
}

/** Channel permission bits the fake checks for the bot (names as in discord.js `PermissionFlagsBits`). */
export const PermissionBits = {
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  UseApplicationCommands: 1n << 31n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  SendMessagesInThreads: 1n << 38n,
} as const;
export type PermissionName = keyof typeof PermissionBits;

/** What a bot invited with the usual scopes gets: everything above except ManageMessages. */
export const DEFAULT_BOT_PERMISSIONS: bigint = Object.entries(PermissionBits)
  .filter(([name]) => name !== "ManageMessages")
  .reduce((bits, [, bit]) => bits | bit, 0n);

/** Server-wide permission bits of members (discord.js `PermissionFlagsBits`): who may manage the server. */
export const ServerPermissionBits = {
  Administrator: 1n << 3n,
  ManageGuild: 1n << 5n,
} as const;
export type ServerPermissionName = keyof typeof ServerPermissionBits;

/** What a member without roles has: the @everyone role's permissions (the bot's, without ManageMessages). */
export const DEFAULT_MEMBER_PERMISSIONS: bigint = DEFAULT_BOT_PERMISSIONS;

/** Every permission: what Discord sends as a guild owner's or an Administrator's `member.permissions`. */
const ALL_PERMISSIONS: bigint = (1n << 53n) - 1n;

/** Gateway intents the fake filters and strips by (discord.js `GatewayIntentBits`). */
export const Intents = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  DirectMessages: 1 << 12,
  MessageContent: 1 << 15,
} as const;
export const PRIVILEGED_INTENTS = Intents.GuildMembers | Intents.GuildPresences | Intents.MessageContent;

export const ChannelType = {
  GuildText: 0,
  DM: 1,
  GuildVoice: 2,
  GuildCategory: 4,
  GuildAnnouncement: 5,
  AnnouncementThread: 10,
  PublicThread: 11,
  PrivateThread: 12,
} as const;

export const MessageType = {
  Default: 0,
  ThreadCreated: 18,
  Reply: 19,
  ChatInputCommand: 20,
  ThreadStarterMessage: 21,
  ContextMenuCommand: 23,
} as const;

export const MessageFlags = { Ephemeral: 64, Loading: 128, HasThread: 32 } as const;

export interface FakeUser {
  id: string;
  username: string;
  globalName: string | null;
  discriminator: string;
  bot: boolean;
}

export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  /** 0..3: sets the default upload limit (10, 10, 50, 100 MiB). */
  premiumTier: number;
  /** Overrides the tier's upload limit for every channel of the guild. */
  uploadLimitBytes?: number;
  memberIds: string[];
  /** Server permissions granted to members through their roles (ManageGuild, Administrator), by user id. */
  grantedToMembers: Map<string, bigint>;
  createdAt: number;
}

export interface FakeChannel {
  id: string;
  type: number;
  name: string;
  guildId?: string;
  /** Category for guild channels, the parent channel for threads. */
  parentId?: string;
  topic?: string | null;
  position: number;
  /** Permission bits denied to the bot here (sent as a member overwrite; threads use their parent's). */
  deniedToBot: bigint;
  /** Overrides the guild's upload limit. */
  uploadLimitBytes?: number;
  lastMessageId: string | null;
  /** DM channels: the other user. */
  recipientId?: string;
  /** Threads. */
  ownerId?: string;
  messageCount: number;
  totalMessageSent: number;
  archived: boolean;
  locked: boolean;
  autoArchiveDuration: number;
  /** Threads started on a message carry its id (which is also the thread's id). */
  starterMessageId?: string;
  createdAt: number;
}

export interface FakeAttachment {
  id: string;
  filename: string;
  size: number;
  contentType?: string;
  bytes: Buffer;
  description?: string;
  width?: number;
  height?: number;
  /** Slash-command uploads are ephemeral attachments (`/ephemeral-attachments/...` URLs). */
  ephemeral: boolean;
  /** Set once the attachment belongs to a message or an interaction; part of its CDN path. */
  channelId?: string;
  /** Fake-clock time the current signed URL was issued (`is`); renewed after it expires. */
  issuedAt: number;
}

export interface FakeMessageRevision {
  at: number;
  content: string;
  embeds: JsonRecord[];
  attachmentIds: string[];
}

export interface FakeMessage {
  id: string;
  channelId: string;
  guildId?: string;
  authorId: string;
  content: string;
  embeds: JsonRecord[];
  attachments: FakeAttachment[];
  components: unknown[];
  flags: number;
  type: number;
  createdAt: number;
  editedAt: number | null;
  nonce?: string | number;
  mentions: string[];
  mentionEveryone: boolean;
  reference?: { messageId: string; channelId: string; guildId?: string };
  webhookId?: string;
  applicationId?: string;
  interaction?: {
    id: string;
    type: number;
    name?: string;
    userId: string;
    originalResponseMessageId?: string;
  };
  /** Thread started on this message. */
  threadId?: string;
  reactions: string[];
  deleted: boolean;
  /** Earlier versions, oldest first (edits push the previous state). */
  revisions: FakeMessageRevision[];
}

export interface FakeInteractionCallback {
  type: number;
  status: number;
  code?: number;
  /** ms on the fake clock from the INTERACTION_CREATE dispatch to this callback request. */
  afterMs: number;
  at: number;
  /** The callback route, or the answer of the HTTP interactions endpoint. */
  via: "callback" | "endpoint";
}

export interface FakeInteraction {
  id: string;
  token: string;
  applicationId: string;
  type: number;
  commandName?: string;
  channelId: string;
  guildId?: string;
  userId: string;
  /** Fake-clock time of the dispatch; the 3 s deadline and the 15 min token run from here. */
  dispatchedAt: number;
  deadlineAt: number;
  expiresAt: number;
  attachmentSizeLimit: number;
  /** Every callback attempt, refused ones included. */
  callbacks: FakeInteractionCallback[];
  /** The accepted callback's type (4, 5, 6, 7, 8, 9). */
  callbackType?: number;
  /** ms from dispatch to the accepted callback. */
  acknowledgedAfterMs?: number;
  originalMessageId?: string;
  followupIds: string[];
  /** Every edit through the webhook (`editReply`, progress updates): ms after the dispatch, status. */
  edits: Array<{ messageId: string; afterMs: number; status: number }>;
  /** The message a component interaction came from. */
  sourceMessageId?: string;
  /** The INTERACTION_CREATE `d` as dispatched. */
  payload: JsonRecord;
}

export interface FakeCommand {
  id: string;
  applicationId: string;
  guildId?: string;
  version: string;
  body: JsonRecord;
}

export interface FakeCommandWrite {
  method: string;
  /** "global" or the guild id. */
  scope: string;
  body: unknown;
  at: number;
}

export interface DiscordStateOptions {
  token: string;
  applicationId?: string;
  botUsername: string;
  defaultUploadLimitBytes: number;
  interactionDeadlineMs: number;
  interactionTokenTtlMs: number;
  attachmentUrlTtlMs: number;
}

const TIER_LIMITS = [10 * MiB, 10 * MiB, 50 * MiB, 100 * MiB];

const EXTENSION_TYPES: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  txt: "text/plain; charset=utf-8",
  md: "text/markdown; charset=utf-8",
  json: "application/json; charset=utf-8",
  csv: "text/csv; charset=utf-8",
  mp3: "audio/mpeg",
  wav: "audio/x-wav",
  ogg: "audio/ogg",
  flac: "audio/flac",
  mp4: "video/mp4",
  webm: "video/webm",
  pdf: "application/pdf",
  zip: "application/zip",
};

/** Discord's content type for a file name (unknown extensions get none, as on Discord). */
export function contentTypeFor(filename: string, partType?: string): string | undefined {
  const extension = filename.split(".").pop()?.toLowerCase() ?? "";
  const byName = EXTENSION_TYPES[extension];
  if (byName) return byName;
  if (partType && partType !== "application/octet-stream") return partType;
  return undefined;
}

/** Width and height of a PNG, GIF, JPEG or WebP (Discord reports them for images). */
export function imageDimensions(bytes: Buffer): { width: number; height: number } | undefined {
  if (bytes.length >= 24 && bytes.readUInt32BE(0) === 0x89504e47) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && bytes.toString("latin1", 0, 4) === "GIF8") {
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (
    bytes.length >= 30 &&
    bytes.toString("latin1", 0, 4) === "RIFF" &&
    bytes.toString("latin1", 8, 12) === "WEBP"
  ) {
    const chunk = bytes.toString("latin1", 12, 16);
    if (chunk === "VP8X") return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
    if (chunk === "VP8L") {
      const bits = bytes.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
    }
    if (chunk === "VP8 ")
      return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return undefined;
      const marker = bytes[offset + 1] ?? 0;
      const length = bytes.readUInt16BE(offset + 2);
      const isFrame =
        marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
      if (isFrame) return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
      offset += 2 + length;
    }
  }
  return undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

export class DiscordState {
  readonly clock = new Clock();
  readonly ids = new Snowflakes(this.clock);
  readonly users = new Map<string, FakeUser>();
  readonly guilds = new Map<string, FakeGuild>();
  readonly channels = new Map<string, FakeChannel>();
  readonly messages = new Map<string, FakeMessage>();
  /** Message ids per channel in creation order. */
  readonly channelMessages = new Map<string, string[]>();
  readonly attachments = new Map<string, FakeAttachment>();
  readonly interactions = new Map<string, FakeInteraction>();
  readonly interactionsByToken = new Map<string, FakeInteraction>();
  readonly commands = new Map<string, FakeCommand>();
  readonly commandWrites: FakeCommandWrite[] = [];
  readonly botUser: FakeUser;
  readonly applicationId: string;
  readonly token: string;
  /** Base URL of the fake (for CDN URLs); set once the server listens. */
  baseUrl = "";
  /** Bumped by `expireAttachmentUrls()`: every URL signed before stops working. */
  urlEpoch = 0;
  /** The application's Ed25519 public key, hex (its `verify_key`); set by the endpoint side. */
  verifyKey = "0".repeat(64);
  /** The Developer Portal's Interactions Endpoint URL, once saved. */
  interactionsEndpointUrl: string | undefined;
  readonly #urlSecret = randomBytes(16);

  constructor(readonly options: DiscordStateOptions) {
    this.token = options.token;
    this.botUser = this.addUser({ username: options.botUsername, bot: true, discriminator: "4821" });
    this.applicationId = options.applicationId ?? this.botUser.id;
  }

  now(): number {
    return this.clock.now();
  }

  addUser(init: {
    id?: string;
    username: string;
    globalName?: string;
    bot?: boolean;
    discriminator?: string;
  }): FakeUser {
    const user: FakeUser = {
      id: init.id ?? this.ids.next(),
      username: init.username,
      globalName: init.globalName ?? (init.bot ? null : init.username),
      discriminator: init.discriminator ?? "0",
      bot: init.bot ?? false,
    };
    this.users.set(user.id, user);
    return user;
  }

  user(id: string): FakeUser {
    const user = this.users.get(id);
    if (!user) throw new Error(`fake Discord: no user ${id}`);
    return user;
  }

  channel(id: string): FakeChannel {
    const channel = this.channels.get(id);
    if (!channel) throw new Error(`fake Discord: no channel ${id}`);
    return channel;
  }

  addGuild(init: {
    id?: string;
    name: string;
    premiumTier?: number;
    uploadLimitBytes?: number;
    ownerId?: string;
  }) {
    const guild: FakeGuild = {
      id: init.id ?? this.ids.next(),
      name: init.name,
      // Not the bot: a guild owner bypasses every permission check (discord.js `permissionsFor` too).
      ownerId: init.ownerId ?? [...this.users.values()].find((user) => !user.bot)?.id ?? this.ids.next(),
      premiumTier: init.premiumTier ?? 0,
      memberIds: [this.botUser.id],
      grantedToMembers: new Map(),
      createdAt: this.now(),
      ...(init.uploadLimitBytes === undefined ? {} : { uploadLimitBytes: init.uploadLimitBytes }),
    };
    this.guilds.set(guild.id, guild);
    return guild;
  }

  addChannel(init: Partial<FakeChannel> & { name: string; type?: number }): FakeChannel {
    const channel: FakeChannel = {
      lastMessageId: null,
      messageCount: 0,
      totalMessageSent: 0,
      archived: false,
      locked: false,
      createdAt: this.now(),
      ...init,
      id: init.id ?? this.ids.next(),
      type: init.type ?? ChannelType.GuildText,
      position: init.position ?? this.channels.size,
      deniedToBot: init.deniedToBot ?? 0n,
      autoArchiveDuration: init.autoArchiveDuration ?? 1440,
    };
    this.channels.set(channel.id, channel);
    this.channelMessages.set(channel.id, []);
    return channel;
  }

  isThread(channel: FakeChannel): boolean {
    return (
      channel.type === ChannelType.PublicThread ||
      channel.type === ChannelType.PrivateThread ||
      channel.type === ChannelType.AnnouncementThread
    );
  }

  isTextBased(channel: FakeChannel): boolean {
    return channel.type !== ChannelType.GuildCategory;
  }

  /** The bot's permissions in a channel (threads: their parent's); DMs allow everything. */
  botPermissions(channelId: string): bigint {
    const channel = this.channels.get(channelId);
    if (!channel || channel.type === ChannelType.DM) return DEFAULT_BOT_PERMISSIONS;
    const source = this.isThread(channel) && channel.parentId ? this.channels.get(channel.parentId) : channel;
    return DEFAULT_BOT_PERMISSIONS & ~(source?.deniedToBot ?? 0n);
  }

  botCan(channelId: string, permission: PermissionName): boolean {
    return (this.botPermissions(channelId) & PermissionBits[permission]) !== 0n;
  }

  /** Per-file upload limit: channel override, else the parent's, else the guild's, else its tier's. */
  uploadLimit(channelId: string): number {
    const channel = this.channels.get(channelId);
    if (!channel) return this.options.defaultUploadLimitBytes;
    if (channel.uploadLimitBytes !== undefined) return channel.uploadLimitBytes;
    const parent = channel.parentId ? this.channels.get(channel.parentId) : undefined;
    if (parent?.uploadLimitBytes !== undefined && this.isThread(channel)) return parent.uploadLimitBytes;
    const guild = channel.guildId ? this.guilds.get(channel.guildId) : undefined;
    if (!guild) return this.options.defaultUploadLimitBytes;
    if (guild.uploadLimitBytes !== undefined) return guild.uploadLimitBytes;
    return Math.max(this.options.defaultUploadLimitBytes, TIER_LIMITS[guild.premiumTier] ?? 10 * MiB);
  }

  dmChannelWith(userId: string): FakeChannel {
    for (const channel of this.channels.values()) {
      if (channel.type === ChannelType.DM && channel.recipientId === userId) return channel;
    }
    return this.addChannel({ name: "", type: ChannelType.DM, recipientId: userId });
  }

  createAttachment(init: {
    bytes: Uint8Array;
    filename: string;
    contentType?: string;
    description?: string;
    ephemeral?: boolean;
    channelId?: string;
  }): FakeAttachment {
    const bytes = Buffer.from(init.bytes);
    const contentType = init.contentType ?? contentTypeFor(init.filename);
    const dimensions = contentType?.startsWith("image/") ? imageDimensions(bytes) : undefined;
    const attachment: FakeAttachment = {
      id: this.ids.next(),
      filename: init.filename.replace(/[^\w.-]+/g, "_") || "unknown",
      size: bytes.length,
      bytes,
      ephemeral: init.ephemeral ?? false,
      issuedAt: this.now(),
      ...(contentType === undefined ? {} : { contentType }),
      ...(init.description === undefined ? {} : { description: init.description }),
      ...(init.channelId === undefined ? {} : { channelId: init.channelId }),
      ...(dimensions ?? {}),
    };
    this.attachments.set(attachment.id, attachment);
    return attachment;
  }

  addMessage(
    init: Omit<FakeMessage, "id" | "createdAt" | "editedAt" | "deleted" | "revisions" | "reactions"> & {
      id?: string;
    },
  ): FakeMessage {
    const channel = this.channel(init.channelId);
    const message: FakeMessage = {
      ...init,
      id: init.id ?? this.ids.next(),
      createdAt: this.now(),
      editedAt: null,
      deleted: false,
      revisions: [],
      reactions: [],
    };
    for (const attachment of message.attachments) attachment.channelId ??= channel.id;
    this.messages.set(message.id, message);
    this.channelMessages.get(channel.id)?.push(message.id);
    channel.lastMessageId = message.id;
    if (this.isThread(channel) && message.type !== MessageType.ThreadStarterMessage) {
      channel.messageCount += 1;
      channel.totalMessageSent += 1;
    }
    return message;
  }

  /** Messages of a channel in order, deleted ones left out unless asked. */
  messagesIn(channelId: string, includeDeleted = false): FakeMessage[] {
    const ids = this.channelMessages.get(channelId) ?? [];
    return ids
      .map((id) => this.messages.get(id))
      .filter(
        (message): message is FakeMessage => message !== undefined && (includeDeleted || !message.deleted),
      );
  }

  // ---- CDN URLs -------------------------------------------------------------------------------

  #signature(path: string, ex: number, is: number): string {
    return createHmac("sha256", this.#urlSecret).update(`${this.urlEpoch}:${path}:${ex}:${is}`).digest("hex");
  }

  attachmentPath(attachment: FakeAttachment): string {
    const kind = attachment.ephemeral ? "ephemeral-attachments" : "attachments";
    return `/${kind}/${attachment.channelId ?? "0"}/${attachment.id}/${encodeURIComponent(attachment.filename)}`;
  }

  /** A signed URL (`?ex=&is=&hm=`) valid for `attachmentUrlTtlMs` from issue; renewed once expired. */
  attachmentUrl(attachment: FakeAttachment, proxy = false): string {
    const ttl = this.options.attachmentUrlTtlMs;
    if (this.now() >= attachment.issuedAt + ttl) attachment.issuedAt = this.now();
    const is = Math.floor(attachment.issuedAt / 1000);
    const ex = Math.floor((attachment.issuedAt + ttl) / 1000);
    const path = this.attachmentPath(attachment);
    const query = `ex=${ex.toString(16)}&is=${is.toString(16)}&hm=${this.#signature(path, ex, is)}&`;
    return `${this.baseUrl}${proxy ? "/media" : ""}${path}?${query}`;
  }

  /** Checks a CDN request; the attachment when the URL is genuine and unexpired. */
  resolveCdn(path: string, query: URLSearchParams): FakeAttachment | undefined {
    const cdnPath = path.startsWith("/media/") ? path.slice("/media".length) : path;
    const match = /^\/(?:ephemeral-)?attachments\/[^/]+\/(\d+)\/[^/]+$/.exec(cdnPath);
    const attachment = match?.[1] ? this.attachments.get(match[1]) : undefined;
    if (!attachment || this.attachmentPath(attachment) !== cdnPath) return undefined;
    const ex = Number.parseInt(query.get("ex") ?? "", 16);
    const is = Number.parseInt(query.get("is") ?? "", 16);
    const hm = query.get("hm") ?? "";
    if (!Number.isFinite(ex) || !Number.isFinite(is) || hm !== this.#signature(cdnPath, ex, is))
      return undefined;
    if (this.now() >= ex * 1000) return undefined;
    return attachment;
  }

  // ---- wire format --------------------------------------------------------------------------

  userToApi(user: FakeUser): JsonRecord {
    return {
      id: user.id,
      username: user.username,
      global_name: user.globalName,
      discriminator: user.discriminator,
      avatar: null,
      avatar_decoration_data: null,
      public_flags: 0,
      primary_guild: null,
      collectibles: null,
      ...(user.bot ? { bot: true } : {}),
    };
  }

  /**
   * A member's permissions as an interaction's `member.permissions` carries them: everything for the
   * owner and for Administrators (Discord computes it so), else @everyone's and what was granted.
   */
  memberPermissions(guild: FakeGuild, userId: string): bigint {
    const granted = guild.grantedToMembers.get(userId) ?? 0n;
    if (guild.ownerId === userId || (granted & ServerPermissionBits.Administrator) !== 0n)
      return ALL_PERMISSIONS;
    return DEFAULT_MEMBER_PERMISSIONS | granted;
  }

  memberToApi(guild: FakeGuild, userId: string, withUser: boolean): JsonRecord {
    return {
      ...(withUser ? { user: this.userToApi(this.user(userId)) } : {}),
      roles: [],
      nick: null,
      avatar: null,
      banner: null,
      premium_since: null,
      joined_at: iso(guild.createdAt),
      deaf: false,
      mute: false,
      pending: false,
      flags: 0,
      communication_disabled_until: null,
      unusual_dm_activity_until: null,
    };
  }

  channelToApi(channel: FakeChannel): JsonRecord {
    if (channel.type === ChannelType.DM) {
      const recipient = channel.recipientId ? this.users.get(channel.recipientId) : undefined;
      return {
        id: channel.id,
        type: channel.type,
        last_message_id: channel.lastMessageId,
        flags: 0,
        recipients: recipient ? [this.userToApi(recipient)] : [],
      };
    }
    if (this.isThread(channel)) {
      return {
        id: channel.id,
        type: channel.type,
        guild_id: channel.guildId,
        parent_id: channel.parentId ?? null,
        owner_id: channel.ownerId ?? this.botUser.id,
        name: channel.name,
        last_message_id: channel.lastMessageId,
        message_count: channel.messageCount,
        member_count: 1,
        total_message_sent: channel.totalMessageSent,
        rate_limit_per_user: 0,
        flags: 0,
        applied_tags: [],
        thread_metadata: {
          archived: channel.archived,
          archive_timestamp: iso(channel.createdAt),
          auto_archive_duration: channel.autoArchiveDuration,
          locked: channel.locked,
          create_timestamp: iso(channel.createdAt),
          ...(channel.type === ChannelType.PrivateThread ? { invitable: true } : {}),
        },
      };
    }
    return {
      id: channel.id,
      type: channel.type,
      guild_id: channel.guildId,
      name: channel.name,
      position: channel.position,
      parent_id: channel.parentId ?? null,
      topic: channel.topic ?? null,
      nsfw: false,
      flags: 0,
      rate_limit_per_user: 0,
      last_message_id: channel.lastMessageId,
      permission_overwrites:
        channel.deniedToBot === 0n
          ? []
          : [{ id: this.botUser.id, type: 1, allow: "0", deny: channel.deniedToBot.toString() }],
    };
  }

  guildToApi(guild: FakeGuild): JsonRecord {
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: guild.ownerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      nsfw_level: 0,
      premium_tier: guild.premiumTier,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      preferred_locale: "en-US",
      features: [],
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      vanity_url_code: null,
      application_id: null,
      max_members: 500_000,
      max_video_channel_users: 25,
      max_stage_video_channel_users: 50,
      roles: [
        {
          id: guild.id,
          name: "@everyone",
          color: 0,
          colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
          hoist: false,
          icon: null,
          unicode_emoji: null,
          position: 0,
          permissions: DEFAULT_BOT_PERMISSIONS.toString(),
          managed: false,
          mentionable: false,
          flags: 0,
        },
      ],
      emojis: [],
      stickers: [],
    };
  }

  /** The GUILD_CREATE payload: the guild with its channels, active threads and members. */
  guildCreateToApi(guild: FakeGuild): JsonRecord {
    const channels = [...this.channels.values()].filter((channel) => channel.guildId === guild.id);
    return {
      ...this.guildToApi(guild),
      unavailable: false,
      large: false,
      lazy: true,
      joined_at: iso(guild.createdAt),
      member_count: guild.memberIds.length,
      members: guild.memberIds.map((id) => this.memberToApi(guild, id, true)),
      channels: channels
        .filter((channel) => !this.isThread(channel))
        .map((channel) => {
          const { guild_id: _guildId, ...rest } = this.channelToApi(channel);
          return rest;
        }),
      threads: channels
        .filter((channel) => this.isThread(channel) && !channel.archived)
        .map((channel) => this.channelToApi(channel)),
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
    };
  }

  attachmentToApi(attachment: FakeAttachment): JsonRecord {
    return {
      id: attachment.id,
      filename: attachment.filename,
      size: attachment.size,
      url: this.attachmentUrl(attachment),
      proxy_url: this.attachmentUrl(attachment, true),
      ...(attachment.contentType === undefined ? {} : { content_type: attachment.contentType }),
      ...(attachment.description === undefined ? {} : { description: attachment.description }),
      ...(attachment.width === undefined ? {} : { width: attachment.width, height: attachment.height }),
      ...(attachment.ephemeral ? { ephemeral: true } : {}),
    };
  }

  /**
   * An embed as Discord returns it: `type: "rich"`, and `attachment://name` images resolved to the
   * message's attachment (url, proxy_url, size, type); a reference to no attachment is dropped.
   */
  embedToApi(embed: JsonRecord, attachments: FakeAttachment[]): JsonRecord {
    const out: JsonRecord = { type: "rich", ...embed };
    for (const key of ["image", "thumbnail"] as const) {
      const media = embed[key];
      if (!isRecord(media) || typeof media.url !== "string" || !media.url.startsWith("attachment://"))
        continue;
      const name = media.url.slice("attachment://".length);
      const attachment = attachments.find((entry) => entry.filename === name);
      if (!attachment) {
        delete out[key];
        continue;
      }
      out[key] = {
        url: this.attachmentUrl(attachment),
        proxy_url: this.attachmentUrl(attachment, true),
        ...(attachment.width === undefined ? {} : { width: attachment.width, height: attachment.height }),
        ...(attachment.contentType === undefined ? {} : { content_type: attachment.contentType }),
      };
    }
    return out;
  }

  /** A message as REST returns it; `gateway` adds what MESSAGE_CREATE carries (guild_id, member). */
  messageToApi(message: FakeMessage, gateway = false, depth = 0): JsonRecord {
    const author = this.user(message.authorId);
    const guild = message.guildId ? this.guilds.get(message.guildId) : undefined;
    const thread = message.threadId ? this.channels.get(message.threadId) : undefined;
    const channel = this.channels.get(message.channelId);
    const referenced = message.reference ? this.messages.get(message.reference.messageId) : undefined;
    const data: JsonRecord = {
      type: message.type,
      channel_id: message.channelId,
      content: message.content,
      attachments: message.attachments.map((attachment) => this.attachmentToApi(attachment)),
      embeds: message.embeds.map((embed) => this.embedToApi(embed, message.attachments)),
      timestamp: iso(message.createdAt),
      edited_timestamp: message.editedAt === null ? null : iso(message.editedAt),
      flags: message.flags,
      components: message.components,
      id: message.id,
      author: this.userToApi(author),
      mentions: message.mentions.flatMap((id) => {
        const user = this.users.get(id);
        if (!user) return [];
        const api = this.userToApi(user);
        return [gateway && guild ? { ...api, member: this.memberToApi(guild, id, false) } : api];
      }),
      mention_roles: [],
      mention_everyone: message.mentionEveryone,
      pinned: false,
      tts: false,
    };
    if (message.nonce !== undefined) data.nonce = message.nonce;
    if (message.webhookId) data.webhook_id = message.webhookId;
    if (message.applicationId) data.application_id = message.applicationId;
    if (message.interaction) {
      const user = this.userToApi(this.user(message.interaction.userId));
      data.interaction_metadata = {
        id: message.interaction.id,
        type: message.interaction.type,
        user,
        authorizing_integration_owners: message.guildId ? { "0": message.guildId } : { "1": user.id },
        ...(message.interaction.name === undefined ? {} : { name: message.interaction.name }),
        ...(message.interaction.originalResponseMessageId === undefined
          ? {}
          : { original_response_message_id: message.interaction.originalResponseMessageId }),
      };
      data.interaction = {
        id: message.interaction.id,
        type: message.interaction.type,
        name: message.interaction.name ?? "",
        user,
      };
    }
    if (message.reference) {
      data.message_reference = {
        type: 0,
        message_id: message.reference.messageId,
        channel_id: message.reference.channelId,
        ...(message.reference.guildId ? { guild_id: message.reference.guildId } : {}),
      };
      if (message.type === MessageType.Reply || message.type === MessageType.ThreadStarterMessage) {
        data.referenced_message =
          referenced && !referenced.deleted && depth === 0 ? this.messageToApi(referenced, false, 1) : null;
      }
    }
    if (thread) data.thread = this.channelToApi(thread);
    if (channel && this.isThread(channel)) data.position = Math.max(0, channel.totalMessageSent - 1);
    if (gateway) {
      if (message.guildId) data.guild_id = message.guildId;
      if (guild && !message.webhookId) data.member = this.memberToApi(guild, message.authorId, false);
      if (channel) data.channel_type = channel.type;
    }
    return data;
  }

  interactionCallbackToApi(interaction: FakeInteraction, message: FakeMessage | undefined): JsonRecord {
    return {
      interaction: {
        id: interaction.id,
        type: interaction.type,
        ...(message
          ? {
              response_message_id: message.id,
              response_message_loading: (message.flags & MessageFlags.Loading) !== 0,
              response_message_ephemeral: (message.flags & MessageFlags.Ephemeral) !== 0,
            }
          : {}),
      },
      resource: {
        type: interaction.callbackType ?? 0,
        ...(message ? { message: this.messageToApi(message) } : {}),
      },
    };
  }

  commandToApi(command: FakeCommand): JsonRecord {
    const body = command.body;
    const type = typeof body.type === "number" ? body.type : 1;
    return {
      id: command.id,
      application_id: command.applicationId,
      version: command.version,
      default_member_permissions: body.default_member_permissions ?? null,
      type,
      name: body.name,
      name_localizations: body.name_localizations ?? null,
      description: body.description ?? "",
      description_localizations: body.description_localizations ?? null,
      ...(command.guildId ? { guild_id: command.guildId } : {}),
      ...(Array.isArray(body.options) ? { options: body.options } : {}),
      dm_permission: body.dm_permission ?? true,
      contexts: body.contexts ?? null,
      integration_types: body.integration_types ?? [0],
      nsfw: body.nsfw ?? false,
    };
  }
}
