/**
 * A fake Discord for tests: REST API v10, the gateway (WebSocket) and the attachment CDN on one
 * 127.0.0.1 port, speaking the wire formats discord.js 14 parses, so the real `Client` runs against
 * it unchanged: `new Client({ intents, rest: { api: fake.apiUrl } })` then `client.login(fake.token)`
 * (discord.js reads the gateway URL from `GET /gateway/bot`).
 *
 * ## REST (`${url}/api/v10`; bot routes need `Authorization: Bot <token>`, else 401)
 * - `GET /gateway/bot` (`url`, `shards`: the fewest that leave no shard over `maxGuildsPerShard`
 *   guilds, `session_start_limit {total, remaining, reset_after, max_concurrency}`), `GET /gateway`, `GET /users/@me`, `GET /users/{id}`, `POST /users/@me/channels`
 *   (DM), `GET /applications/@me`.
 * - Commands: `PUT|GET|POST /applications/{app}/commands` and `/applications/{app}/guilds/{g}/commands`,
 *   `GET|PATCH|DELETE .../commands/{id}`; PUT is an idempotent overwrite (same name keeps its id);
 *   bodies are validated and every write is kept in `commandWrites`.
 * - `POST /interactions/{id}/{token}/callback` (no bot token): types 4 (message), 5 (deferred: a
 *   loading message), 6/7 (component interactions only), 8, 9. One callback per interaction (else 400
 *   40060), within `interactionDeadlineMs` (3 s) of the dispatch (else 404 10062 Unknown interaction);
 *   `?with_response=true` answers the callback response object, otherwise 204. Each attempt is
 *   recorded with `afterMs` (dispatch → callback).
 * - Webhooks (no bot token; the interaction token is valid `interactionTokenTtlMs` = 15 min, then
 *   401 50027): `GET|PATCH|DELETE /webhooks/{app}/{token}/messages/@original` (10008 before a
 *   callback), `POST /webhooks/{app}/{token}` (follow-up; `?wait=true` returns it), `GET|PATCH|DELETE
 *   /webhooks/{app}/{token}/messages/{id}`.
 * - Channels: `GET /channels/{id}`, `POST|GET /channels/{id}/messages`, `GET|PATCH|DELETE
 *   /channels/{id}/messages/{mid}` (JSON or multipart `payload_json` + `files[n]`; replies via
 *   `message_reference`; `enforce_nonce` dedupes), `POST /channels/{id}/typing`, reactions `PUT|DELETE
 *   .../reactions/{emoji}/@me`, `POST /channels/{id}/messages/{mid}/threads` (the thread gets the
 *   message's id and a type-21 starter message; 160004 if one exists), `POST /channels/{id}/threads`
 *   (public ones leave a type-18 notice in the parent). `GET /guilds/{id}`, `/guilds/{id}/channels`,
 *   `/guilds/{id}/members/{user}`, `/guilds/{id}/threads/active`.
 * - Contract (contract.ts): every JSON body and multipart `payload_json` is checked against the request
 *   schema of its operation in Discord's OpenAPI description (openapi/openapi.json, vendored): what
 *   breaks it gets 400 50035 "Invalid Form Body" with the field errors, before the handler runs; each
 *   request records its `operation` and `contractIssues`. `validateInteractionResponse(body)` holds
 *   what an HTTP interactions endpoint answers to the same contract.
 * - Limits (limits.ts): content 2000, embeds (10; title 256, description 4096, 25 fields of 256/1024,
 *   footer 2048, 6000 in total) → 400 50035 with Discord's `errors` tree; empty → 50006; each file over
 *   the channel's upload limit (10 MiB; tier 2: 50, tier 3: 100; `setUploadLimit`) → 413 40005.
 * - Permissions: `denyPermissions(channel, "AttachFiles" | "CreatePublicThreads" | "SendMessages" ...)`
 *   makes the matching calls answer 403 50013 (ViewChannel: 50001) and shows up in the channel's
 *   overwrites (CHANNEL_UPDATE) and the interactions' `app_permissions`. Interaction webhooks are
 *   exempt, as on Discord.
 * - Faults: `failNext(route | "*", fault, {times, channelId, match})` with `{kind: "rateLimit",
 *   retryAfter}` (429 + `Retry-After` + X-RateLimit-*; discord.js waits and retries), `{kind:
 *   "missingPermissions"}`, `{kind: "error", status, code, message}`, `{kind: "drop", when}`, `{kind:
 *   "delay", ms}`. `limitRoute(route, {limit, windowMs})` enforces a real bucket per channel.
 * - CDN: attachment URLs are `${url}/attachments/{channel}/{id}/{name}?ex=&is=&hm=&` (slash-command
 *   uploads: `/ephemeral-attachments/...`; `proxy_url` under `/media/...`), signed and valid
 *   `attachmentUrlTtlMs` (24 h); `expireAttachmentUrls()` voids every URL handed out so far; a bad
 *   or expired URL gets 404 "This content is no longer available.".
 *
 * ## Gateway (`gatewayUrl` = `ws://127.0.0.1:PORT/gateway`, resume URL `/gateway-resume`), see gateway.ts
 * HELLO, heartbeats/ACKs, IDENTIFY → READY + GUILD_CREATE per guild of the shard, RESUME → replay +
 * RESUMED, sequence numbers on every dispatch, intents filtering and MessageContent stripping.
 * Sharding as Discord does it: IDENTIFY's `shard: [id, count]` (4010 when invalid, 4011 when a shard
 * would hold more than `maxGuildsPerShard` guilds), a guild's events only to the shard
 * `(guild_id >> 22) % count` (`shardOf`; `guilds: [{onShard: [id, count]}]` places a guild), events
 * of no guild (DMs) only to shard 0, and one IDENTIFY per 5 s per `shard_id % maxConcurrency`
 * (fake clock; a faster one gets INVALID SESSION): every IDENTIFY is in `identifies`. The bot's own
 * messages and threads are echoed as MESSAGE_CREATE/UPDATE/DELETE and THREAD_CREATE (as on Discord).
 * `dropConnection({code: 4000 | abrupt})` forces a resume; dispatches made meanwhile are replayed.
 * `dispatchInteraction({command, options, channelId, user, type, data, messageId, raw})` sends
 * INTERACTION_CREATE (with `entitlements: []`, a `channel` object, `member` or `user`,
 * `authorizing_integration_owners`, `app_permissions`, `attachment_size_limit`; attachment options
 * go to `data.resolved.attachments`) and returns `{id, token, dispatchedAt, record}`;
 * `dispatchMessage({channelId, author, content, mentions, attachments, replyTo})` stores a user's
 * message and sends MESSAGE_CREATE (`<@id>` in the content count as mentions).
 *
 * ## HTTP interactions endpoint (endpoint.ts)
 * The application has an Ed25519 key pair (`publicKey`, hex). `setInteractionsEndpoint(url)` checks the
 * URL as the Developer Portal does (a signed PING must get PONG, a badly signed one 401) and saves it
 * only then; from there on `dispatchInteraction` POSTs the interaction there, signed, instead of
 * INTERACTION_CREATE, and `delivered` resolves with the answer, its latency and Discord's verdict: in
 * time (`interactionDeadlineMs`), 200 `application/json`, valid by `validateInteractionResponse`, then
 * applied as a callback is (so `record.callbackType`, the "thinking…" reply and 40060 for a second
 * response work as over the gateway). `postToEndpoint(body, {signature, timestamp, signedBody})`
 * sends hand-made requests; `redeliverInteraction(id)` sends one again; `endpointDeliveries` has all.
 *
 * ## Clock
 * `advanceTime(ms)` moves the fake clock: the 3 s deadline, the 15 min token and CDN expiry use it.
 *
 * ```ts
 * const fake = await startFakeDiscord();
 * const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
 * await client.login(fake.token);                           // READY + GUILD_CREATE: guild cached
 * const png = fake.createAttachment(pngBytes, { filename: "cat.png" });
 * const sent = fake.dispatchInteraction({ command: "ask", options: { prompt: "what is it?", file: png } });
 * // the bot: await interaction.deferReply(); await interaction.editReply("A cat.");
 * await fake.waitFor(() => sent.record.originalMessageId && fake.message(sent.record.originalMessageId)?.content);
 * sent.record.acknowledgedAfterMs;                          // dispatch → deferral, ms
 * sent.record.edits[0]?.afterMs;                            // dispatch → first editReply, ms
 * fake.failNext("createMessage", { kind: "rateLimit", retryAfter: 0.05 });
 * await fake.dropConnection({ code: 4000 });                // discord.js resumes
 * await client.destroy(); await fake.close();
 * ```
 */
import type { ListenOptions } from "../http-server.js";
import { startHttpServer } from "../http-server.js";
import type { ContractMode } from "./contract.js";
import {
  type EndpointAnswer,
  type EndpointCheck,
  type EndpointDelivery,
  type EndpointRequestOptions,
  FakeInteractionsEndpoint,
} from "./endpoint.js";
import type { AttachmentInit, DispatchedInteraction, InteractionInit, MessageInit } from "./events.js";
import { EventFactory } from "./events.js";
import type { DropOptions, GatewayConnectionRecord, GatewaySession, IdentifyRecord } from "./gateway.js";
import { FakeGateway, shardOf } from "./gateway.js";
import type { FailOptions, FakeDiscordFault, FakeDiscordRequest, FakeDiscordRoute } from "./rest.js";
import { FakeDiscordRest } from "./rest.js";
import {
  ChannelType,
  DiscordState,
  type FakeAttachment,
  type FakeChannel,
  type FakeCommandWrite,
  type FakeGuild,
  type FakeInteraction,
  type FakeMessage,
  type FakeUser,
  type JsonRecord,
  MessageType,
  MiB,
  PermissionBits,
  type PermissionName,
  PRIVILEGED_INTENTS,
  ServerPermissionBits,
  type ServerPermissionName,
} from "./state.js";

export type { ContractIssue, ContractMode, ContractVerdict } from "./contract.js";
export { DiscordContract, validateInteractionResponse } from "./contract.js";
export { IDENTIFY_WINDOW_MS, shardOf } from "./gateway.js";
export { DiscordErrors, DiscordLimits } from "./limits.js";
export type { DiscordState } from "./state.js";
export { ChannelType, Intents, MessageFlags, MessageType, MiB, PermissionBits } from "./state.js";
export type {
  AttachmentInit,
  DispatchedInteraction,
  DropOptions,
  EndpointAnswer,
  EndpointCheck,
  EndpointDelivery,
  EndpointRequestOptions,
  FailOptions,
  FakeAttachment,
  FakeChannel,
  FakeCommandWrite,
  FakeDiscordFault,
  FakeDiscordRequest,
  FakeDiscordRoute,
  FakeGuild,
  FakeInteraction,
  FakeMessage,
  FakeUser,
  GatewayConnectionRecord,
  GatewaySession,
  IdentifyRecord,
  InteractionInit,
  JsonRecord,
  MessageInit,
  PermissionName,
  ServerPermissionName,
};

export interface FakeChannelInit {
  id?: string;
  name: string;
  /** 0 text (default), 2 voice, 4 category, 5 announcement. */
  type?: number;
  topic?: string;
  uploadLimitBytes?: number;
  /** Permissions denied to the bot from the start. */
  deny?: PermissionName[];
}

export interface FakeGuildInit {
  id?: string;
  /** `[shard_id, num_shards]`: an id whose events go to that shard (ignored with `id`). */
  onShard?: [number, number];
  name?: string;
  /** 0..3 (upload limit 10/10/50/100 MiB). */
  premiumTier?: number;
  uploadLimitBytes?: number;
  /** Default: `general` and `random` text channels. */
  channels?: FakeChannelInit[];
}

export interface FakeDiscordOptions {
  /** The bot token (default "fake-bot-token"). */
  token?: string;
  /** Default: the bot user's id, as for real bots. */
  applicationId?: string;
  botUsername?: string;
  /** Default: one guild "Fake Guild" with `general` and `random`. */
  guilds?: FakeGuildInit[];
  /** Human users (default alice and bob); they join a guild when they first act in it. */
  users?: string[];
  /** HELLO's interval (default 41250 ms; discord.js waits interval × jitter before its first beat). */
  heartbeatIntervalMs?: number;
  /** Upload limit of tier 0/1 guilds and DMs (default 10 MiB). */
  uploadLimitBytes?: number;
  /** Default 3000. */
  interactionDeadlineMs?: number;
  /** Default 15 minutes. */
  interactionTokenTtlMs?: number;
  /** Default 24 hours. */
  attachmentUrlTtlMs?: number;
  /** Privileged intents enabled for the app (bitmask of `Intents`; default all). */
  privilegedIntents?: number;
  /** `session_start_limit.max_concurrency`: IDENTIFYs per 5 s, one per `shard_id % n` (default 1, as most bots). */
  maxConcurrency?: number;
  /** More guilds on one shard than this closes its IDENTIFY with 4011 (default 2500, Discord's). */
  maxGuildsPerShard?: number;
  /** Echo the bot's own messages/threads over the gateway (default true, as Discord does). */
  echoBotEvents?: boolean;
  /**
   * Request bodies are held to Discord's OpenAPI description (contract.ts): "enforce" (default) refuses
   * one that breaks it with 400 50035 as Discord does, "record" only notes it in `requests`, "off" skips.
   */
  contract?: ContractMode;
  listen?: ListenOptions;
}

export interface FakeDiscord {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** `${url}/api`: discord.js `rest.api`, the bot's DISCORD_API_URL. */
  readonly apiUrl: string;
  /** The gateway URL `GET /gateway/bot` hands out. */
  readonly gatewayUrl: string;
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: FakeUser;
  /** The whole model, for what the helpers below do not cover. */
  readonly state: DiscordState;

  // ---- reading the world
  guild(idOrName?: string): FakeGuild;
  /** By id or name (first match). */
  channel(idOrName: string): FakeChannel;
  user(idOrName: string): FakeUser;
  /** Messages of a channel in order (deleted ones left out). */
  messages(channelId: string): FakeMessage[];
  /** What the bot posted (system messages left out), in one channel or everywhere, in order. */
  botMessages(channelId?: string): FakeMessage[];
  message(id: string): FakeMessage | undefined;
  /** Threads, optionally of one parent. */
  threads(parentId?: string): FakeChannel[];
  interaction(id: string): FakeInteraction | undefined;
  readonly interactions: FakeInteraction[];
  /** Registered commands (as GET returns them), global or of a guild. */
  commands(guildId?: string): JsonRecord[];
  readonly commandWrites: FakeCommandWrite[];
  /** Every REST and CDN request. */
  readonly requests: FakeDiscordRequest[];
  /** The REST routes the fake implements, `{method: "POST", path: "/channels/:channel/messages"}`. */
  readonly routes: ReadonlyArray<{ method: string; path: string }>;
  readonly gatewayConnections: GatewayConnectionRecord[];
  gatewaySessions(): GatewaySession[];
  /** Every IDENTIFY, accepted or not (rate-limited, 4010, 4011), in order. */
  readonly identifies: IdentifyRecord[];
  /** The application's Ed25519 public key, hex: the bot's DISCORD_PUBLIC_KEY. */
  readonly publicKey: string;
  /** The Interactions Endpoint URL, once set. */
  readonly interactionsEndpointUrl: string | undefined;
  /** Every POST to the endpoint (the portal's checks, interactions, redeliveries) and its verdict. */
  readonly endpointDeliveries: EndpointDelivery[];
  /** Current signed CDN URL of an attachment. */
  attachmentUrl(attachment: FakeAttachment): string;
  /** The attachment object as Discord sends it (id, filename, size, url, proxy_url, content_type...). */
  attachmentApi(attachment: FakeAttachment): JsonRecord;

  // ---- making the world
  addUser(username: string): FakeUser;
  addChannel(init: FakeChannelInit & { guildId?: string }): FakeChannel;
  /** The DM channel with a user (created when missing). */
  dmChannel(userId: string): FakeChannel;
  /** Stores bytes on the fake CDN as an attachment for `dispatchMessage`/`dispatchInteraction`. */
  createAttachment(bytes: Uint8Array, init: Omit<AttachmentInit, "bytes">): FakeAttachment;

  // ---- gateway events
  /**
   * INTERACTION_CREATE (throws when no client is logged in), or with an Interactions Endpoint URL set,
   * a signed POST there (`delivered` resolves with the endpoint's answer and Discord's verdict).
   */
  dispatchInteraction(init: InteractionInit): DispatchedInteraction;
  /** A user's message: stored, then MESSAGE_CREATE to the sessions whose intents allow it. */
  dispatchMessage(init: MessageInit): FakeMessage;
  /** Any dispatch; returns how many sessions got it. */
  dispatch(event: string, data: JsonRecord): number;
  /** Closes the connections (default code 4000; `abrupt` destroys the socket): discord.js resumes. */
  dropConnection(options?: DropOptions): Promise<void>;
  requestReconnect(): void;
  invalidateSessions(resumable: boolean): void;
  requestHeartbeat(): void;
  setHeartbeatAck(ack: boolean): void;

  // ---- the HTTP interactions endpoint
  /**
   * The Developer Portal's "Interactions Endpoint URL": checked first as Discord checks it (a signed
   * PING must get PONG, a badly signed one 401) and set only when it passes; `undefined` removes it,
   * and interactions go over the gateway again.
   */
  setInteractionsEndpoint(url: string | undefined): Promise<EndpointCheck | undefined>;
  /** A hand-made POST to the endpoint: a raw body, signed unless `options` say otherwise. */
  postToEndpoint(body: string, options?: EndpointRequestOptions): Promise<EndpointAnswer>;
  /** The interaction's POST again, same id and token (a redelivery). */
  redeliverInteraction(id: string): Promise<EndpointDelivery>;

  // ---- scripting
  failNext(route: FakeDiscordRoute | "*", fault: FakeDiscordFault, options?: FailOptions): void;
  limitRoute(route: FakeDiscordRoute, limit: { limit: number; windowMs: number } | undefined): void;
  clearFaults(): void;
  denyPermissions(channelId: string, ...permissions: PermissionName[]): void;
  /**
   * Gives a member server permissions (as a role would): `member.permissions` of their interactions
   * then carries them. The guild's owner (the first human user by default) has every permission.
   */
  grantMember(guildId: string, userId: string, ...permissions: ServerPermissionName[]): void;
  allowPermissions(channelId: string, ...permissions: PermissionName[]): void;
  /** Per-file upload limit for a channel or a whole guild. */
  setUploadLimit(target: { channelId: string } | { guildId: string }, bytes: number): void;
  setPremiumTier(guildId: string, tier: number): void;
  /** Moves the fake clock (deadlines, token and URL expiry, snowflake times). */
  advanceTime(ms: number): void;
  now(): number;
  /** Ends an interaction's 3 s window and 15 min token now. */
  expireInteraction(id: string): void;
  /** Every attachment URL handed out so far stops working (fresh ones come with new fetches). */
  expireAttachmentUrls(): void;

  /** Polls until `probe` returns something truthy; rejects after `timeoutMs` (default 5000). */
  waitFor<T>(
    probe: () => T | undefined | null | false | "" | 0,
    options?: { timeoutMs?: number; what?: string },
  ): Promise<T>;
  close(): Promise<void>;
}

/**
 * A snowflake like `base` whose guild lands on `shard` (`[shard_id, num_shards]`): the timestamp part
 * moved back to the nearest one with `(timestamp % num_shards) = shard_id`, the low bits kept.
 */
function idOnShard(base: string, [shardId, shardCount]: [number, number]): string {
  const id = BigInt(base);
  const timestamp = id >> 22n;
  const count = BigInt(shardCount);
  const back = (((timestamp - BigInt(shardId)) % count) + count) % count;
  const moved = ((timestamp - back) << 22n) | (id & ((1n << 22n) - 1n));
  if (shardOf(moved.toString(), shardCount) !== shardId) throw new Error("fake Discord: idOnShard is wrong");
  return moved.toString();
}

export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const state = new DiscordState({
    token: options.token ?? "fake-bot-token",
    botUsername: options.botUsername ?? "HuggingGPT",
    defaultUploadLimitBytes: options.uploadLimitBytes ?? 10 * MiB,
    interactionDeadlineMs: options.interactionDeadlineMs ?? 3000,
    interactionTokenTtlMs: options.interactionTokenTtlMs ?? 15 * 60_000,
    attachmentUrlTtlMs: options.attachmentUrlTtlMs ?? 24 * 60 * 60_000,
    ...(options.applicationId === undefined ? {} : { applicationId: options.applicationId }),
  });
  for (const username of options.users ?? ["alice", "bob"]) state.addUser({ username });
  const addChannel = (guildId: string | undefined, init: FakeChannelInit) =>
    state.addChannel({
      name: init.name,
      type: init.type ?? ChannelType.GuildText,
      deniedToBot: (init.deny ?? []).reduce((bits, name) => bits | PermissionBits[name], 0n),
      ...(guildId === undefined ? {} : { guildId }),
      ...(init.id === undefined ? {} : { id: init.id }),
      ...(init.topic === undefined ? {} : { topic: init.topic }),
      ...(init.uploadLimitBytes === undefined ? {} : { uploadLimitBytes: init.uploadLimitBytes }),
    });
  for (const init of options.guilds ?? [{}]) {
    const id = init.id ?? (init.onShard ? idOnShard(state.ids.next(), init.onShard) : undefined);
    const guild = state.addGuild({
      name: init.name ?? "Fake Guild",
      ...(id === undefined ? {} : { id }),
      ...(init.premiumTier === undefined ? {} : { premiumTier: init.premiumTier }),
      ...(init.uploadLimitBytes === undefined ? {} : { uploadLimitBytes: init.uploadLimitBytes }),
    });
    for (const channel of init.channels ?? [{ name: "general" }, { name: "random" }])
      addChannel(guild.id, channel);
  }

  const gateway = new FakeGateway(state, {
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    privilegedIntents: options.privilegedIntents ?? PRIVILEGED_INTENTS,
    maxConcurrency: options.maxConcurrency ?? 1,
    maxGuildsPerShard: options.maxGuildsPerShard ?? 2500,
  });
  const rest = new FakeDiscordRest(state, gateway, {
    echoBotEvents: options.echoBotEvents ?? true,
    maxRequestBytes: 128 * MiB,
    contract: options.contract ?? "enforce",
  });
  const endpoint = new FakeInteractionsEndpoint(state, rest);
  const events = new EventFactory(state, gateway, endpoint);
  const server = await startHttpServer((request, response) => rest.handle(request, response), options.listen);
  server.server.on("upgrade", (request, socket, head: Buffer) => {
    if (!gateway.handleUpgrade(request, socket, head)) socket.destroy();
  });
  state.baseUrl = server.url;
  gateway.wsBase = server.url.replace(/^http/, "ws");

  const find = <T extends { id: string }>(
    items: Iterable<T>,
    idOrName: string,
    name: (item: T) => string,
  ) => {
    const list = [...items];
    return list.find((item) => item.id === idOrName) ?? list.find((item) => name(item) === idOrName);
  };
  const updateChannel = (channel: FakeChannel) => {
    const event = state.isThread(channel) ? "THREAD_UPDATE" : "CHANNEL_UPDATE";
    gateway.dispatch(event, state.channelToApi(channel));
  };

  const fake: FakeDiscord = {
    url: server.url,
    apiUrl: `${server.url}/api`,
    gatewayUrl: gateway.url,
    token: state.token,
    applicationId: state.applicationId,
    botUser: state.botUser,
    state,

    guild(idOrName) {
      const guild =
        idOrName === undefined
          ? state.guilds.values().next().value
          : find(state.guilds.values(), idOrName, (g) => g.name);
      if (!guild) throw new Error(`fake Discord: no guild ${idOrName ?? ""}`);
      return guild;
    },
    channel(idOrName) {
      const channel = find(state.channels.values(), idOrName, (c) => c.name);
      if (!channel) throw new Error(`fake Discord: no channel ${idOrName}`);
      return channel;
    },
    user(idOrName) {
      const user = find(state.users.values(), idOrName, (u) => u.username);
      if (!user) throw new Error(`fake Discord: no user ${idOrName}`);
      return user;
    },
    messages: (channelId) => state.messagesIn(channelId),
    botMessages(channelId) {
      const all = channelId === undefined ? [...state.messages.values()] : state.messagesIn(channelId);
      return all.filter(
        (message) =>
          !message.deleted &&
          message.authorId === state.botUser.id &&
          message.type !== MessageType.ThreadCreated &&
          message.type !== MessageType.ThreadStarterMessage,
      );
    },
    message: (id) => state.messages.get(id),
    threads: (parentId) =>
      [...state.channels.values()].filter(
        (channel) => state.isThread(channel) && (parentId === undefined || channel.parentId === parentId),
      ),
    interaction: (id) => state.interactions.get(id),
    get interactions() {
      return [...state.interactions.values()];
    },
    commands: (guildId) =>
      [...state.commands.values()]
        .filter((command) => command.guildId === guildId)
        .map((command) => state.commandToApi(command)),
    commandWrites: state.commandWrites,
    requests: rest.requests,
    routes: rest.routes,
    gatewayConnections: gateway.connections,
    identifies: gateway.identifies,
    publicKey: endpoint.publicKey,
    get interactionsEndpointUrl() {
      return endpoint.url;
    },
    endpointDeliveries: endpoint.deliveries,
    gatewaySessions: () => [...gateway.sessions.values()],
    attachmentUrl: (attachment) => state.attachmentUrl(attachment),
    attachmentApi: (attachment) => state.attachmentToApi(attachment),

    addUser: (username) => state.addUser({ username }),
    addChannel(init) {
      const channel = addChannel(init.guildId ?? fake.guild().id, init);
      gateway.dispatch("CHANNEL_CREATE", state.channelToApi(channel));
      return channel;
    },
    dmChannel: (userId) => state.dmChannelWith(userId),
    createAttachment: (bytes, init) => state.createAttachment({ ...init, bytes }),

    dispatchInteraction: (init) => events.interaction(init),
    dispatchMessage: (init) => events.message(init),
    dispatch: (event, data) => gateway.dispatch(event, data),
    dropConnection: (dropOptions) => gateway.drop(dropOptions),
    requestReconnect: () => gateway.requestReconnect(),
    invalidateSessions: (resumable) => gateway.invalidateSessions(resumable),
    requestHeartbeat: () => gateway.requestHeartbeat(),
    setHeartbeatAck: (ack) => gateway.setHeartbeatAck(ack),

    async setInteractionsEndpoint(url) {
      if (url === undefined) {
        endpoint.url = undefined;
        return undefined;
      }
      const check = await endpoint.check(url);
      if (check.ok) endpoint.url = url;
      return check;
    },
    postToEndpoint: (body, requestOptions) => endpoint.post(body, requestOptions),
    redeliverInteraction(id) {
      const interaction = state.interactions.get(id);
      if (!interaction) throw new Error(`fake Discord: no interaction ${id}`);
      return endpoint.deliver(interaction);
    },

    failNext: (route, fault, failOptions) => rest.failNext(route, fault, failOptions),
    limitRoute: (route, limit) => rest.limitRoute(route, limit),
    clearFaults: () => rest.clearFaults(),
    grantMember(guildId, userId, ...permissions) {
      const guild = fake.guild(guildId);
      const granted = permissions.reduce((bits, name) => bits | ServerPermissionBits[name], 0n);
      guild.grantedToMembers.set(userId, (guild.grantedToMembers.get(userId) ?? 0n) | granted);
    },
    denyPermissions(channelId, ...permissions) {
      const channel = state.channel(channelId);
      for (const name of permissions) channel.deniedToBot |= PermissionBits[name];
      updateChannel(channel);
    },
    allowPermissions(channelId, ...permissions) {
      const channel = state.channel(channelId);
      for (const name of permissions) channel.deniedToBot &= ~PermissionBits[name];
      updateChannel(channel);
    },
    setUploadLimit(target, bytes) {
      if ("channelId" in target) state.channel(target.channelId).uploadLimitBytes = bytes;
      else fake.guild(target.guildId).uploadLimitBytes = bytes;
    },
    setPremiumTier(guildId, tier) {
      const guild = fake.guild(guildId);
      guild.premiumTier = tier;
      gateway.dispatch("GUILD_UPDATE", state.guildToApi(guild));
    },
    advanceTime: (ms) => state.clock.advance(ms),
    now: () => state.now(),
    expireInteraction(id) {
      const interaction = state.interactions.get(id);
      if (!interaction) throw new Error(`fake Discord: no interaction ${id}`);
      interaction.deadlineAt = state.now() - 1;
      interaction.expiresAt = state.now() - 1;
    },
    expireAttachmentUrls() {
      state.urlEpoch += 1;
    },

    async waitFor(probe, waitOptions = {}) {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 5000);
      for (;;) {
        const value = probe();
        if (value) return value;
        if (Date.now() > deadline)
          throw new Error(`fake Discord: timed out waiting for ${waitOptions.what ?? "a condition"}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    },
    async close() {
      await gateway.close();
      await server.close();
    },
  };
  return fake;
}
