/**
 * The fake Discord gateway: a `ws` server on the fake's HTTP port at `/gateway` (and `/gateway-resume`,
 * the `resume_gateway_url`), speaking gateway v10 JSON without compression.
 *
 * Connection: HELLO (op 10, `heartbeat_interval`); heartbeats (op 1) are ACKed (op 11) unless
 * `setHeartbeatAck(false)`; IDENTIFY (op 2) checks the token (else close 4004), the shard `[id, count]`
 * (absent: `[0, 1]`; not `0 <= id < count`: 4010), whether that shard would hold more than
 * `maxGuildsPerShard` guilds (4011 Sharding required), the intents (4013; a privileged one not enabled:
 * 4014), and the identify rate limit: one IDENTIFY per 5 s per rate-limit key `shard_id %
 * max_concurrency` (fake clock), over all connections of the application; one too soon gets INVALID
 * SESSION (op 9, `d: false`), as Discord answers it, and is recorded in `identifies`. An accepted one
 * is answered with READY (`v`, `user`, the shard's guilds as unavailable, `session_id`,
 * `resume_gateway_url`, `shard`, `application: {id, flags}`) then one GUILD_CREATE per guild of the
 * shard. RESUME (op 6) replays the dispatches after the client's `seq`, then RESUMED;
 * an unknown or ended session gets INVALID_SESSION (op 9, `d: false`). Before IDENTIFY/RESUME any other
 * opcode closes with 4003. A client closing with 1000/1001 ends its session (as on Discord).
 *
 * Dispatches go to every live session of the event's shard, `(guild_id >> 22) % count` (events of no
 * guild, such as direct messages, to shard 0 only), with the next sequence number, filtered by intents (Guilds,
 * GuildMessages, DirectMessages) and, without MessageContent, with content, embeds, attachments and
 * components emptied except in DMs, messages that mention the bot, and the bot's own messages. A
 * session whose connection is gone keeps its dispatches, and RESUME delivers them.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type RawData, type WebSocket, WebSocketServer } from "ws";
import { type DiscordState, Intents, isRecord, type JsonRecord, PRIVILEGED_INTENTS } from "./state.js";

export const GatewayOp = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  PresenceUpdate: 3,
  VoiceStateUpdate: 4,
  Resume: 6,
  Reconnect: 7,
  RequestGuildMembers: 8,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

export interface GatewayDispatch {
  s: number;
  t: string;
  d: JsonRecord;
}

/** One WebSocket connection as the fake saw it. */
export interface GatewayConnectionRecord {
  id: number;
  /** `/gateway` or `/gateway-resume`. */
  path: string;
  query: Record<string, string>;
  openedAt: number;
  /** "identify" or "resume" once the client sent one. */
  kind?: "identify" | "resume";
  sessionId?: string;
  /** RESUME's `seq` and how many dispatches were replayed. */
  resume?: { seq: number; replayed: number; accepted: boolean };
  heartbeats: number;
  /** Sequence numbers sent with op 1 (null before the first dispatch). */
  heartbeatSeqs: Array<number | null>;
  /** Other opcodes received (presence updates, member requests...). */
  received: Array<{ op: number; d: unknown }>;
  /** IDENTIFY's `shard` (`[0, 1]` when it sent none). */
  shard?: [number, number];
  closedAt?: number;
  closeCode?: number;
  closedBy?: "client" | "server";
}

export interface GatewaySession {
  id: string;
  intents: number;
  /** `[shard_id, num_shards]`, from IDENTIFY. */
  shard: [number, number];
  /** IDENTIFY's `d` without the token. */
  identify: JsonRecord;
  seq: number;
  /** Every dispatch of the session (READY included), for RESUME. */
  dispatches: GatewayDispatch[];
  /** False once the client closed with 1000/1001, or the fake invalidated it. */
  alive: boolean;
  connection: GatewayConnection | undefined;
  resumes: number;
  createdAt: number;
}

export interface GatewayOptions {
  heartbeatIntervalMs: number;
  /** Privileged intents the application has enabled (default: all). */
  privilegedIntents: number;
  /** IDENTIFYs allowed per 5 s, one per rate-limit key `shard_id % max_concurrency` (Discord: 1 for most bots). */
  maxConcurrency: number;
  /** More guilds than this on one shard closes its IDENTIFY with 4011 (Discord: 2500). */
  maxGuildsPerShard: number;
}

/** One IDENTIFY as the fake judged it. */
export interface IdentifyRecord {
  connectionId: number;
  shard: [number, number];
  /** Fake-clock ms. */
  at: number;
  /** Accepted (READY), or why not: the close code, or `rate-limited` (INVALID SESSION). */
  outcome: "accepted" | "rate-limited" | 4010 | 4011;
}

/** Discord's daily IDENTIFY allowance (`session_start_limit.total`). */
export const SESSION_START_LIMIT = 1000;

/** Discord's window for `max_concurrency` IDENTIFYs. */
export const IDENTIFY_WINDOW_MS = 5000;

/** The shard a guild's events go to: `(guild_id >> 22) % num_shards`, Discord's sharding formula. */
export function shardOf(guildId: string, shardCount: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(shardCount));
}

/** The guild an event belongs to (GUILD_* events carry it as `id`), if any. */
function guildOfEvent(event: string, data: JsonRecord): string | undefined {
  const guildId = data.guild_id ?? (event.startsWith("GUILD_") ? data.id : undefined);
  return typeof guildId === "string" ? guildId : undefined;
}

export interface DropOptions {
  /** Close code sent to the client (default 4000, which discord.js answers with RESUME). */
  code?: number;
  /** Destroy the TCP connection without a close frame (the client sees 1006 and resumes). */
  abrupt?: boolean;
  reason?: string;
}

class GatewayConnection {
  session: GatewaySession | undefined;
  closing = false;
  constructor(
    readonly socket: WebSocket,
    readonly record: GatewayConnectionRecord,
  ) {}

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN && !this.closing;
  }

  send(payload: JsonRecord): void {
    if (this.open) this.socket.send(JSON.stringify(payload));
  }

  close(code: number, reason = ""): void {
    if (!this.open) return;
    this.closing = true;
    this.record.closedBy ??= "server";
    this.socket.close(code, reason);
  }
}

/** Which intent a dispatch needs for this session; undefined when it is always sent. */
function requiredIntent(event: string, data: JsonRecord): number | undefined {
  if (event.startsWith("MESSAGE_")) return data.guild_id ? Intents.GuildMessages : Intents.DirectMessages;
  if (event.startsWith("CHANNEL_") || event.startsWith("THREAD_") || event.startsWith("GUILD_")) {
    if (event === "GUILD_CREATE" || event === "GUILD_MEMBERS_CHUNK") return undefined;
    return Intents.Guilds;
  }
  return undefined;
}

export class FakeGateway {
  readonly connections: GatewayConnectionRecord[] = [];
  readonly sessions = new Map<string, GatewaySession>();
  /** Every IDENTIFY, accepted or not, in order. */
  readonly identifies: IdentifyRecord[] = [];
  /** When each rate-limit key last had an IDENTIFY accepted (fake clock). */
  readonly #identifiedAt = new Map<number, number>();
  readonly #server = new WebSocketServer({ noServer: true });
  readonly #open = new Set<GatewayConnection>();
  #ackHeartbeats = true;
  #connectionIds = 0;
  /** Set by index.ts: the `ws://` base (no path). */
  wsBase = "";

  constructor(
    private readonly state: DiscordState,
    private readonly options: GatewayOptions,
  ) {}

  get url(): string {
    return `${this.wsBase}/gateway`;
  }

  get maxConcurrency(): number {
    return this.options.maxConcurrency;
  }

  get resumeUrl(): string {
    return `${this.wsBase}/gateway-resume`;
  }

  /** For the HTTP server's `upgrade` event; false when the path is not the gateway's. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const url = new URL(request.url ?? "/", "http://fake");
    if (url.pathname !== "/gateway" && url.pathname !== "/gateway-resume") return false;
    this.#server.handleUpgrade(request, socket, head, (ws) => this.#accept(ws, url));
    return true;
  }

  #accept(ws: WebSocket, url: URL): void {
    const record: GatewayConnectionRecord = {
      id: ++this.#connectionIds,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      openedAt: this.state.now(),
      heartbeats: 0,
      heartbeatSeqs: [],
      received: [],
    };
    this.connections.push(record);
    const connection = new GatewayConnection(ws, record);
    this.#open.add(connection);
    ws.on("message", (data, isBinary) => this.#onMessage(connection, data, isBinary));
    ws.on("close", (code) => {
      this.#open.delete(connection);
      record.closedAt = this.state.now();
      record.closeCode ??= code;
      record.closedBy ??= "client";
      const session = connection.session;
      if (session?.connection === connection) {
        session.connection = undefined;
        if (record.closedBy === "client" && (code === 1000 || code === 1001)) session.alive = false;
      }
    });
    ws.on("error", () => {});
    if (record.query.v !== undefined && record.query.v !== "10") {
      connection.close(4012, "Invalid API version");
      return;
    }
    if (record.query.encoding !== undefined && record.query.encoding !== "json") {
      connection.close(4002, "Error while decoding payload.");
      return;
    }
    connection.send({
      op: GatewayOp.Hello,
      d: { heartbeat_interval: this.options.heartbeatIntervalMs },
      s: null,
      t: null,
    });
  }

  #onMessage(connection: GatewayConnection, data: RawData, isBinary: boolean): void {
    if (isBinary) {
      connection.close(4002, "Error while decoding payload.");
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(data.toString());
    } catch {
      connection.close(4002, "Error while decoding payload.");
      return;
    }
    if (!isRecord(payload) || typeof payload.op !== "number") {
      connection.close(4002, "Error while decoding payload.");
      return;
    }
    const d = payload.d;
    switch (payload.op) {
      case GatewayOp.Heartbeat:
        connection.record.heartbeats += 1;
        connection.record.heartbeatSeqs.push(typeof d === "number" ? d : null);
        if (this.#ackHeartbeats) connection.send({ op: GatewayOp.HeartbeatAck });
        return;
      case GatewayOp.Identify:
        this.#identify(connection, d);
        return;
      case GatewayOp.Resume:
        this.#resume(connection, d);
        return;
      case GatewayOp.PresenceUpdate:
      case GatewayOp.VoiceStateUpdate:
      case GatewayOp.RequestGuildMembers:
        if (!connection.session) {
          connection.close(4003, "Not authenticated.");
          return;
        }
        connection.record.received.push({ op: payload.op, d });
        return;
      default:
        connection.close(4001, "Unknown opcode.");
    }
  }

  #identify(connection: GatewayConnection, d: unknown): void {
    if (connection.session) {
      connection.close(4005, "Already authenticated.");
      return;
    }
    if (!isRecord(d) || d.token !== this.state.token) {
      connection.close(4004, "Authentication failed.");
      return;
    }
    const shard = d.shard ?? [0, 1];
    const [shardId, shardCount] = Array.isArray(shard) ? shard : [];
    const now = this.state.now();
    const judged = (outcome: IdentifyRecord["outcome"]) =>
      this.identifies.push({
        connectionId: connection.record.id,
        shard: [Number(shardId), Number(shardCount)],
        at: now,
        outcome,
      });
    if (
      !Array.isArray(shard) ||
      shard.length !== 2 ||
      !Number.isInteger(shardId) ||
      !Number.isInteger(shardCount) ||
      (shardCount as number) < 1 ||
      (shardId as number) < 0 ||
      (shardId as number) >= (shardCount as number)
    ) {
      judged(4010);
      connection.close(4010, "Invalid shard.");
      return;
    }
    const onShard: [number, number] = [shardId as number, shardCount as number];
    connection.record.shard = onShard;
    if (this.guildsOn(onShard).length > this.options.maxGuildsPerShard) {
      judged(4011);
      connection.close(4011, "Sharding required.");
      return;
    }
    const intents = d.intents;
    if (typeof intents !== "number" || !Number.isInteger(intents) || intents < 0) {
      connection.close(4013, "Invalid intent(s).");
      return;
    }
    if ((intents & PRIVILEGED_INTENTS & ~this.options.privilegedIntents) !== 0) {
      connection.close(4014, "Disallowed intent(s).");
      return;
    }
    const key = onShard[0] % this.options.maxConcurrency;
    const last = this.#identifiedAt.get(key);
    if (last !== undefined && now - last < IDENTIFY_WINDOW_MS) {
      // Discord: "If your app exceeds this limit, Discord will respond with an Invalid Session".
      judged("rate-limited");
      connection.send({ op: GatewayOp.InvalidSession, d: false, s: null, t: null });
      return;
    }
    this.#identifiedAt.set(key, now);
    judged("accepted");
    const { token: _token, ...identify } = d;
    const session: GatewaySession = {
      id: this.state.ids.next().slice(-16).padStart(32, "f"),
      intents,
      shard: onShard,
      identify,
      seq: 0,
      dispatches: [],
      alive: true,
      connection,
      resumes: 0,
      createdAt: this.state.now(),
    };
    this.sessions.set(session.id, session);
    connection.session = session;
    connection.record.kind = "identify";
    connection.record.sessionId = session.id;
    this.#dispatchTo(session, "READY", {
      v: 10,
      user: {
        ...this.state.userToApi(this.state.botUser),
        verified: true,
        mfa_enabled: false,
        email: null,
        flags: 0,
      },
      guilds: this.guildsOn(onShard).map((id) => ({ id, unavailable: true })),
      session_id: session.id,
      session_type: "normal",
      resume_gateway_url: this.resumeUrl,
      shard: onShard,
      application: { id: this.state.applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
      auth: {},
      _trace: ['["fake-discord-gateway",{"micros":0}]'],
    });
    for (const guildId of this.guildsOn(onShard)) {
      const guild = this.state.guilds.get(guildId);
      if (guild) this.#dispatchTo(session, "GUILD_CREATE", this.state.guildCreateToApi(guild));
    }
  }

  /** The ids of the guilds a shard holds. */
  guildsOn([shardId, shardCount]: [number, number]): string[] {
    return [...this.state.guilds.keys()].filter((id) => shardOf(id, shardCount) === shardId);
  }

  /**
   * The shard count GET /gateway/bot recommends: the smallest that leaves no shard over
   * `maxGuildsPerShard`, so that IDENTIFYing with it never gets 4011.
   */
  recommendedShards(): number {
    const guilds = [...this.state.guilds.keys()];
    for (let count = Math.max(1, Math.ceil(guilds.length / this.options.maxGuildsPerShard)); ; count++) {
      const perShard = new Map<number, number>();
      for (const id of guilds) perShard.set(shardOf(id, count), (perShard.get(shardOf(id, count)) ?? 0) + 1);
      if ([...perShard.values()].every((held) => held <= this.options.maxGuildsPerShard)) return count;
    }
  }

  /** IDENTIFYs left today (Discord's `session_start_limit.remaining`). */
  get sessionStartsRemaining(): number {
    return Math.max(
      0,
      SESSION_START_LIMIT - this.identifies.filter((entry) => entry.outcome === "accepted").length,
    );
  }

  #resume(connection: GatewayConnection, d: unknown): void {
    if (connection.session) {
      connection.close(4005, "Already authenticated.");
      return;
    }
    if (!isRecord(d) || d.token !== this.state.token) {
      connection.close(4004, "Authentication failed.");
      return;
    }
    const seq = typeof d.seq === "number" ? d.seq : 0;
    const session = typeof d.session_id === "string" ? this.sessions.get(d.session_id) : undefined;
    connection.record.kind = "resume";
    if (!session?.alive) {
      connection.record.resume = { seq, replayed: 0, accepted: false };
      connection.send({ op: GatewayOp.InvalidSession, d: false, s: null, t: null });
      return;
    }
    if (seq > session.seq) {
      connection.close(4007, "Invalid seq.");
      return;
    }
    session.connection?.close(4000, "Resumed elsewhere");
    session.connection = connection;
    session.resumes += 1;
    connection.session = session;
    connection.record.sessionId = session.id;
    const missed = session.dispatches.filter((dispatch) => dispatch.s > seq);
    connection.record.resume = { seq, replayed: missed.length, accepted: true };
    for (const dispatch of missed) connection.send({ op: GatewayOp.Dispatch, ...dispatch });
    this.#dispatchTo(session, "RESUMED", { _trace: ['["fake-discord-gateway",{"micros":0}]'] });
  }

  #dispatchTo(session: GatewaySession, t: string, d: JsonRecord): number {
    session.seq += 1;
    const dispatch: GatewayDispatch = { s: session.seq, t, d };
    session.dispatches.push(dispatch);
    const connection = session.connection;
    if (connection?.open) connection.send({ op: GatewayOp.Dispatch, ...dispatch });
    return session.seq;
  }

  /** Live sessions: identified and not ended (their connection may be gone, awaiting RESUME). */
  liveSessions(): GatewaySession[] {
    return [...this.sessions.values()].filter((session) => session.alive);
  }

  /**
   * Sends a dispatch to every live session of its shard (queued for RESUME when its connection is
   * gone), filtered by intents; `forSession` may adapt the data per session or return undefined to skip one.
   * Returns how many sessions got it.
   */
  dispatch(
    t: string,
    d: JsonRecord,
    forSession?: (session: GatewaySession) => JsonRecord | undefined,
  ): number {
    let count = 0;
    const guildId = guildOfEvent(t, d);
    for (const session of this.liveSessions()) {
      const [shardId, shardCount] = session.shard;
      // Discord's routing: a guild's events to its shard, the rest (DMs…) to shard 0.
      if ((guildId === undefined ? 0 : shardOf(guildId, shardCount)) !== shardId) continue;
      const intent = requiredIntent(t, d);
      if (intent !== undefined && (session.intents & intent) === 0) continue;
      const data = forSession ? forSession(session) : d;
      if (!data) continue;
      this.#dispatchTo(session, t, data);
      count += 1;
    }
    return count;
  }

  /** MESSAGE_CREATE/UPDATE data as this session may see it (MessageContent rules). */
  messageForSession(session: GatewaySession, data: JsonRecord, mentionsBot: boolean, authorIsBot: boolean) {
    if ((session.intents & Intents.MessageContent) !== 0) return data;
    if (!data.guild_id || mentionsBot || authorIsBot) return data;
    return { ...data, content: "", embeds: [], attachments: [], components: [] };
  }

  /** Closes every open connection (sessions stay resumable unless the code ends them, see Discord). */
  async drop(options: DropOptions = {}): Promise<void> {
    const connections = [...this.#open];
    await Promise.all(
      connections.map(
        (connection) =>
          new Promise<void>((resolve) => {
            if (connection.socket.readyState === connection.socket.CLOSED) {
              resolve();
              return;
            }
            connection.socket.once("close", () => resolve());
            connection.record.closedBy = "server";
            if (options.abrupt) {
              connection.record.closeCode = 1006;
              connection.closing = true;
              connection.socket.terminate();
            } else connection.close(options.code ?? 4000, options.reason ?? "fake drop");
            if (options.code === 1000 && connection.session) connection.session.alive = false;
          }),
      ),
    );
  }

  /** Op 7: Discord asks the client to reconnect and resume. */
  requestReconnect(): void {
    for (const connection of this.#open)
      connection.send({ op: GatewayOp.Reconnect, d: null, s: null, t: null });
  }

  /** Op 9 to every connection; `resumable: false` also ends the sessions. */
  invalidateSessions(resumable: boolean): void {
    for (const connection of this.#open) {
      if (!resumable && connection.session) connection.session.alive = false;
      connection.send({ op: GatewayOp.InvalidSession, d: resumable, s: null, t: null });
    }
  }

  /** Op 1 from the server: the client must heartbeat at once. */
  requestHeartbeat(): void {
    for (const connection of this.#open) connection.send({ op: GatewayOp.Heartbeat, d: null });
  }

  setHeartbeatAck(ack: boolean): void {
    this.#ackHeartbeats = ack;
  }

  get openConnections(): number {
    return this.#open.size;
  }

  async close(): Promise<void> {
    for (const connection of this.#open) {
      connection.record.closedBy = "server";
      connection.socket.terminate();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
