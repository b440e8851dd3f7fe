/**
 * The fake Discord REST API v10 under `/api/v10`, and the attachment CDN (`/attachments/...`,
 * `/ephemeral-attachments/...`, proxy URLs under `/media/...`). See index.ts for the route list.
 *
 * Every request is read whole (so an error answer never races a large upload), recorded in
 * `requests`, checked for the bot token (`Authorization: Bot <token>`) except on the interaction
 * callback and webhook routes, which Discord authenticates by the interaction token in the path
 * (path segments are URL-decoded: discord.js encodes tokens). Then scripted faults (`failNext`) and
 * optional real per-route buckets (`limitRoute`) apply, then Discord's OpenAPI contract (contract.ts:
 * a body that breaks its operation's request schema gets Discord's 400 50035 "Invalid Form Body"), then
 * the handler.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { delay, sendBytes, sendJson } from "../http-server.js";
import { type ContractIssue, type ContractMode, DiscordContract } from "./contract.js";
import { type FakeGateway, SESSION_START_LIMIT } from "./gateway.js";
import {
  type ApiFailure,
  checkCommand,
  checkMessageBody,
  DiscordErrors,
  discordLength,
  FormErrors,
} from "./limits.js";
import {
  ChannelType,
  contentTypeFor,
  type DiscordState,
  type FakeAttachment,
  type FakeChannel,
  type FakeCommand,
  type FakeInteraction,
  type FakeInteractionCallback,
  type FakeMessage,
  isRecord,
  type JsonRecord,
  MessageFlags,
  MessageType,
  type PermissionName,
} from "./state.js";

/** Names of the routes, for `failNext`, `limitRoute` and the request log. */
export type FakeDiscordRoute =
  | "getGatewayBot"
  | "getGateway"
  | "getCurrentUser"
  | "getUser"
  | "createDm"
  | "getCurrentApplication"
  | "bulkOverwriteCommands"
  | "getCommands"
  | "createCommand"
  | "getCommand"
  | "editCommand"
  | "deleteCommand"
  | "interactionCallback"
  | "getOriginal"
  | "editOriginal"
  | "deleteOriginal"
  | "createFollowup"
  | "getFollowup"
  | "editFollowup"
  | "deleteFollowup"
  | "createMessage"
  | "getMessages"
  | "getMessage"
  | "editMessage"
  | "deleteMessage"
  | "typing"
  | "addReaction"
  | "removeReaction"
  | "startThreadFromMessage"
  | "startThread"
  | "getChannel"
  | "getGuild"
  | "getGuildChannels"
  | "getGuildMember"
  | "getActiveThreads"
  | "cdn";

/** A scripted failure for the next matching request(s). */
export type FakeDiscordFault =
  /** 429 `{message, retry_after, global}` with `Retry-After` (fractional seconds) and X-RateLimit-* headers. */
  | { kind: "rateLimit"; retryAfter?: number; global?: boolean; scope?: "user" | "shared" | "global" }
  /** 403 `{code: 50013, message: "Missing Permissions"}`. */
  | { kind: "missingPermissions" }
  /** Any Discord error. */
  | { kind: "error"; status: number; code: number; message: string; errors?: JsonRecord }
  /** Destroys the connection: before handling (no effect), or after handling (effect kept, answer lost). */
  | { kind: "drop"; when?: "before" | "after" }
  /** Answers late (then normally). */
  | { kind: "delay"; ms: number };

export interface FailOptions {
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Only requests about this channel (path or interaction channel). */
  channelId?: string;
  /** Any other condition on the request. */
  match?: (request: FakeDiscordRequest) => boolean;
}

export interface RecordedFile {
  field: string;
  filename: string;
  size: number;
  contentType: string;
}

/** One REST or CDN request as the fake saw it. */
export interface FakeDiscordRequest {
  method: string;
  /** Decoded path after `/api/v10` (CDN: the full path). */
  path: string;
  route: FakeDiscordRoute | "unknown";
  params: Record<string, string>;
  query: string;
  /** 0 when the fake dropped the connection. */
  status: number;
  /** Discord's error code of an error answer. */
  code?: number;
  authorization?: string;
  /** The JSON body (multipart: `payload_json`). */
  json?: unknown;
  files: RecordedFile[];
  bodyBytes: number;
  /** Fake-clock ms. */
  at: number;
  /** Channel the request is about, when known. */
  channelId?: string;
  /** The spec operation whose request schema checked the body, e.g. `POST /channels/{channel_id}/messages`. */
  operation?: string;
  /** Where the body broke Discord's OpenAPI contract (empty when it kept it; absent when not checked). */
  contractIssues?: ContractIssue[];
}

interface UploadedFile {
  field: string;
  index: number;
  filename: string;
  contentType: string;
  bytes: Buffer;
}

interface RouteContext {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  json: unknown;
  files: UploadedFile[];
  record: FakeDiscordRequest;
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type RouteName = FakeDiscordRoute | ((params: Record<string, string>) => FakeDiscordRoute);

interface RouteDef {
  method: string;
  segments: string[];
  name: RouteName;
  auth: boolean;
  handler: (context: RouteContext) => Reply | Promise<Reply>;
}

class ApiFailureError extends Error {
  constructor(readonly failure: ApiFailure) {
    super(String(failure.body.message));
  }
}

function fail(failure: ApiFailure): never {
  throw new ApiFailureError(failure);
}

interface ScriptedFault {
  route: FakeDiscordRoute | "*";
  fault: FakeDiscordFault;
  remaining: number;
  channelId?: string;
  match?: (request: FakeDiscordRequest) => boolean;
}

interface Bucket {
  count: number;
  resetAt: number;
}

export interface RestOptions {
  /** Echo the bot's own messages and threads as gateway dispatches (Discord does). */
  echoBotEvents: boolean;
  /** Bodies above this are refused with 413 (after being read). */
  maxRequestBytes: number;
  /** Bodies that break Discord's OpenAPI contract: refused with 50035, only recorded, or not checked. */
  contract: ContractMode;
}

async function readCapped(request: IncomingMessage, cap: number): Promise<{ bytes: Buffer; size: number }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += buffer.length;
    if (size <= cap) chunks.push(buffer);
  }
  return { bytes: Buffer.concat(chunks), size };
}

function stringField(body: JsonRecord, key: string): string | undefined {
  const value = body[key];
  return typeof value === "string" ? value : undefined;
}

const MENTION = /<@!?(\d{5,25})>/g;

export class FakeDiscordRest {
  readonly requests: FakeDiscordRequest[] = [];
  readonly #faults: ScriptedFault[] = [];
  readonly #limits = new Map<FakeDiscordRoute, { limit: number; windowMs: number }>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #routes: RouteDef[];

  constructor(
    private readonly state: DiscordState,
    private readonly gateway: FakeGateway,
    private readonly options: RestOptions,
  ) {
    this.#routes = this.#defineRoutes();
  }

  /** The routes this fake implements: `{method: "POST", path: "/channels/:channel/messages"}`. */
  get routes(): Array<{ method: string; path: string }> {
    return this.#routes.map((route) => ({ method: route.method, path: `/${route.segments.join("/")}` }));
  }

  // ---- scripting --------------------------------------------------------------------------

  failNext(route: FakeDiscordRoute | "*", fault: FakeDiscordFault, options: FailOptions = {}): void {
    this.#faults.push({
      route,
      fault,
      remaining: options.times ?? 1,
      ...(options.channelId === undefined ? {} : { channelId: options.channelId }),
      ...(options.match === undefined ? {} : { match: options.match }),
    });
  }

  /** A real bucket: more than `limit` requests per window and per major parameter get 429s. */
  limitRoute(route: FakeDiscordRoute, limit: { limit: number; windowMs: number } | undefined): void {
    if (limit) this.#limits.set(route, limit);
    else this.#limits.delete(route);
  }

  clearFaults(): void {
    this.#faults.length = 0;
    this.#limits.clear();
    this.#buckets.clear();
  }

  // ---- HTTP entry ---------------------------------------------------------------------------

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://fake");
    const method = (request.method ?? "GET").toUpperCase();
    const { bytes, size } = await readCapped(request, this.options.maxRequestBytes);
    const authorization = request.headers.authorization;
    const record: FakeDiscordRequest = {
      method,
      path: url.pathname,
      route: "unknown",
      params: {},
      query: url.search,
      status: 0,
      files: [],
      bodyBytes: size,
      at: this.state.now(),
      ...(authorization === undefined ? {} : { authorization }),
    };
    this.requests.push(record);

    if (/^\/(?:media\/)?(?:ephemeral-)?attachments\//.test(url.pathname)) {
      record.route = "cdn";
      this.#cdn(method, url, response, record);
      return;
    }
    const send = (reply: Reply) => this.#send(response, record, reply);
    if (!url.pathname.startsWith("/api/v10/")) {
      send(this.#failureReply(DiscordErrors.notFound()));
      return;
    }
    let segments: string[];
    try {
      segments = url.pathname.slice("/api/v10/".length).split("/").map(decodeURIComponent);
    } catch {
      send(this.#failureReply(DiscordErrors.notFound()));
      return;
    }
    record.path = `/${segments.join("/")}`;
    const matched = this.#match(method, segments);
    if (!matched) {
      const pathExists = this.#routes.some((route) => this.#matchSegments(route.segments, segments));
      send(this.#failureReply(pathExists ? DiscordErrors.methodNotAllowed() : DiscordErrors.notFound()));
      return;
    }
    const { route, params } = matched;
    record.route = typeof route.name === "function" ? route.name(params) : route.name;
    record.params = params;
    const channelId = params.channel ?? this.#interactionChannel(params);
    if (channelId) record.channelId = channelId;
    if (route.auth && authorization !== `Bot ${this.state.token}`) {
      send(this.#failureReply(DiscordErrors.unauthorized()));
      return;
    }
    if (size > this.options.maxRequestBytes) {
      send(this.#failureReply(DiscordErrors.requestEntityTooLarge()));
      return;
    }
    let json: unknown;
    let files: UploadedFile[] = [];
    try {
      ({ json, files } = await this.#parseBody(request.headers["content-type"], bytes));
    } catch {
      send(this.#failureReply(DiscordErrors.invalidJson()));
      return;
    }
    if (json !== undefined) record.json = json;
    record.files = files.map((file) => ({
      field: file.field,
      filename: file.filename,
      size: file.bytes.length,
      contentType: file.contentType,
    }));

    const fault = this.#takeFault(record);
    if (fault?.kind === "delay") await delay(fault.ms, response);
    if (fault?.kind === "drop" && fault.when !== "after") {
      response.socket?.destroy();
      return;
    }
    if (fault?.kind === "rateLimit") {
      send(
        this.#rateLimited(
          record.route,
          fault.retryAfter ?? 0.05,
          fault.global ?? false,
          fault.scope ?? "user",
        ),
      );
      return;
    }
    if (fault?.kind === "missingPermissions") {
      send(this.#failureReply(DiscordErrors.missingPermissions()));
      return;
    }
    if (fault?.kind === "error") {
      send({
        status: fault.status,
        body: { message: fault.message, code: fault.code, ...(fault.errors ? { errors: fault.errors } : {}) },
      });
      return;
    }
    const bucketHeaders = this.#bucket(record.route, params);
    if (bucketHeaders instanceof Error) {
      const retryAfter = Number(bucketHeaders.message);
      send(this.#rateLimited(record.route, retryAfter, false, "user"));
      return;
    }

    if (this.options.contract !== "off") {
      const verdict = DiscordContract.shared().checkRequest({
        method,
        path: url.pathname.slice("/api/v10".length),
        contentType: request.headers["content-type"],
        body: json,
      });
      if (verdict) {
        record.operation = verdict.operation;
        record.contractIssues = verdict.issues;
        if (verdict.failure && this.options.contract === "enforce") {
          send(this.#failureReply(verdict.failure));
          return;
        }
      }
    }

    let reply: Reply;
    try {
      reply = await route.handler({
        method,
        params,
        query: url.searchParams,
        headers: request.headers,
        json,
        files,
        record,
      });
    } catch (error) {
      if (!(error instanceof ApiFailureError)) throw error;
      reply = this.#failureReply(error.failure);
    }
    if (route.auth) reply.headers = { ...bucketHeaders, ...reply.headers };
    if (fault?.kind === "drop") {
      record.status = 0;
      response.socket?.destroy();
      return;
    }
    send(reply);
  }

  #send(response: ServerResponse, record: FakeDiscordRequest, reply: Reply): void {
    record.status = reply.status;
    if (isRecord(reply.body) && typeof reply.body.code === "number" && reply.status >= 400)
      record.code = reply.body.code;
    if (reply.status === 204 || reply.body === undefined) {
      response.writeHead(reply.status, reply.headers ?? {});
      response.end();
      return;
    }
    sendJson(response, reply.status, reply.body, reply.headers ?? {});
  }

  #failureReply(failure: ApiFailure): Reply {
    return {
      status: failure.status,
      body: failure.body,
      ...(failure.headers ? { headers: failure.headers } : {}),
    };
  }

  #rateLimited(route: string, retryAfter: number, global: boolean, scope: string): Reply {
    const headers: Record<string, string> = {
      "retry-after": String(retryAfter),
      "x-ratelimit-limit": "5",
      "x-ratelimit-remaining": "0",
      "x-ratelimit-reset": ((this.state.now() + retryAfter * 1000) / 1000).toFixed(3),
      "x-ratelimit-reset-after": retryAfter.toFixed(3),
      "x-ratelimit-bucket": `fake-${route}`,
      "x-ratelimit-scope": global ? "global" : scope,
    };
    if (global) headers["x-ratelimit-global"] = "true";
    return {
      status: 429,
      headers,
      body: { message: "You are being rate limited.", retry_after: retryAfter, global },
    };
  }

  /** Rate-limit headers for the request, or an Error carrying retry_after when the bucket is spent. */
  #bucket(
    route: FakeDiscordRoute | "unknown",
    params: Record<string, string>,
  ): Record<string, string> | Error {
    const limit = route === "unknown" ? undefined : this.#limits.get(route);
    const now = this.state.now();
    if (!limit) {
      return {
        "x-ratelimit-limit": "50",
        "x-ratelimit-remaining": "49",
        "x-ratelimit-reset": ((now + 1000) / 1000).toFixed(3),
        "x-ratelimit-reset-after": "1.000",
        "x-ratelimit-bucket": `fake-${route}`,
      };
    }
    const major = params.channel ?? params.guild ?? (params.app ? `${params.app}/${params.token}` : "");
    const key = `${route}:${major}`;
    let bucket = this.#buckets.get(key);
    if (!bucket || now >= bucket.resetAt) {
      bucket = { count: 0, resetAt: now + limit.windowMs };
      this.#buckets.set(key, bucket);
    }
    const resetAfter = (bucket.resetAt - now) / 1000;
    if (bucket.count >= limit.limit) return new Error(String(resetAfter));
    bucket.count += 1;
    return {
      "x-ratelimit-limit": String(limit.limit),
      "x-ratelimit-remaining": String(limit.limit - bucket.count),
      "x-ratelimit-reset": (bucket.resetAt / 1000).toFixed(3),
      "x-ratelimit-reset-after": resetAfter.toFixed(3),
      "x-ratelimit-bucket": `fake-${route}`,
    };
  }

  #takeFault(record: FakeDiscordRequest): FakeDiscordFault | undefined {
    const index = this.#faults.findIndex(
      (fault) =>
        fault.remaining > 0 &&
        (fault.route === "*" || fault.route === record.route) &&
        (fault.channelId === undefined || fault.channelId === record.channelId) &&
        (fault.match === undefined || fault.match(record)),
    );
    const scripted = this.#faults[index];
    if (!scripted) return undefined;
    scripted.remaining -= 1;
    if (scripted.remaining <= 0) this.#faults.splice(index, 1);
    return scripted.fault;
  }

  #interactionChannel(params: Record<string, string>): string | undefined {
    if (params.interaction) return this.state.interactions.get(params.interaction)?.channelId;
    if (params.token) return this.state.interactionsByToken.get(params.token)?.channelId;
    return undefined;
  }

  async #parseBody(
    contentType: string | undefined,
    bytes: Buffer,
  ): Promise<{ json: unknown; files: UploadedFile[] }> {
    if (bytes.length === 0) return { json: undefined, files: [] };
    if (contentType?.startsWith("multipart/form-data")) {
      const form = await new Response(new Uint8Array(bytes), {
        headers: { "content-type": contentType },
      }).formData();
      let json: JsonRecord = {};
      const files: UploadedFile[] = [];
      for (const [field, value] of form.entries()) {
        if (typeof value === "string") {
          if (field === "payload_json") {
            const parsed: unknown = JSON.parse(value);
            json = isRecord(parsed) ? { ...json, ...parsed } : json;
          } else json[field] = value;
          continue;
        }
        const index = /^files\[(\d+)\]$/.exec(field)?.[1];
        files.push({
          field,
          index: index === undefined ? files.length : Number(index),
          filename: value.name || "blob",
          contentType: value.type,
          bytes: Buffer.from(await value.arrayBuffer()),
        });
      }
      return { json, files };
    }
    return { json: JSON.parse(bytes.toString("utf8")) as unknown, files: [] };
  }

  #cdn(method: string, url: URL, response: ServerResponse, record: FakeDiscordRequest): void {
    const attachment =
      method === "GET" || method === "HEAD"
        ? this.state.resolveCdn(url.pathname, url.searchParams)
        : undefined;
    if (!attachment) {
      record.status = 404;
      const body = Buffer.from("This content is no longer available.");
      sendBytes(response, 404, method === "HEAD" ? Buffer.alloc(0) : body, "text/plain");
      return;
    }
    record.status = 200;
    const type = attachment.contentType ?? "application/octet-stream";
    if (method === "HEAD") {
      response.writeHead(200, { "content-type": type, "content-length": String(attachment.size) });
      response.end();
      return;
    }
    sendBytes(response, 200, attachment.bytes, type, { "cache-control": "public, max-age=31536000" });
  }

  // ---- routing -------------------------------------------------------------------------------

  #matchSegments(pattern: string[], segments: string[]): Record<string, string> | undefined {
    if (pattern.length !== segments.length) return undefined;
    const params: Record<string, string> = {};
    for (const [index, part] of pattern.entries()) {
      const segment = segments[index] ?? "";
      if (part.startsWith(":")) {
        if (segment === "") return undefined;
        params[part.slice(1)] = segment;
      } else if (part !== segment) return undefined;
    }
    return params;
  }

  #match(
    method: string,
    segments: string[],
  ): { route: RouteDef; params: Record<string, string> } | undefined {
    for (const route of this.#routes) {
      if (route.method !== method) continue;
      const params = this.#matchSegments(route.segments, segments);
      if (params) return { route, params };
    }
    return undefined;
  }

  #defineRoutes(): RouteDef[] {
    const routes: RouteDef[] = [];
    const add = (method: string, path: string, name: RouteName, handler: RouteDef["handler"], auth = true) =>
      routes.push({ method, segments: path.split("/").slice(1), name, handler, auth });
    const webhookMessageName = (kind: "get" | "edit" | "delete") => (params: Record<string, string>) =>
      params.message === "@original"
        ? (`${kind}Original` as FakeDiscordRoute)
        : (`${kind}Followup` as FakeDiscordRoute);

    add("GET", "/gateway/bot", "getGatewayBot", () => this.#gatewayBot());
    add("GET", "/gateway", "getGateway", () => ({ status: 200, body: { url: this.gateway.url } }), false);
    add("GET", "/users/@me", "getCurrentUser", () => ({ status: 200, body: this.#currentUser() }));
    add("POST", "/users/@me/channels", "createDm", (c) => this.#createDm(c));
    add("GET", "/users/:user", "getUser", (c) => this.#getUser(c));
    add("GET", "/applications/@me", "getCurrentApplication", () => this.#application());
    add("GET", "/oauth2/applications/@me", "getCurrentApplication", () => this.#application());
    for (const scope of ["/applications/:app/commands", "/applications/:app/guilds/:guild/commands"]) {
      add("PUT", scope, "bulkOverwriteCommands", (c) => this.#bulkOverwrite(c));
      add("GET", scope, "getCommands", (c) => this.#getCommands(c));
      add("POST", scope, "createCommand", (c) => this.#createCommand(c));
      add("GET", `${scope}/:command`, "getCommand", (c) => this.#commandById(c, "get"));
      add("PATCH", `${scope}/:command`, "editCommand", (c) => this.#commandById(c, "edit"));
      add("DELETE", `${scope}/:command`, "deleteCommand", (c) => this.#commandById(c, "delete"));
    }
    add(
      "POST",
      "/interactions/:interaction/:token/callback",
      "interactionCallback",
      (c) => this.#callback(c),
      false,
    );
    add("POST", "/webhooks/:app/:token", "createFollowup", (c) => this.#followup(c), false);
    add(
      "GET",
      "/webhooks/:app/:token/messages/:message",
      webhookMessageName("get"),
      (c) => this.#webhookMessage(c),
      false,
    );
    add(
      "PATCH",
      "/webhooks/:app/:token/messages/:message",
      webhookMessageName("edit"),
      (c) => this.#webhookMessage(c),
      false,
    );
    add(
      "DELETE",
      "/webhooks/:app/:token/messages/:message",
      webhookMessageName("delete"),
      (c) => this.#webhookMessage(c),
      false,
    );
    add("GET", "/channels/:channel", "getChannel", (c) => this.#getChannel(c));
    add("POST", "/channels/:channel/messages", "createMessage", (c) => this.#createMessage(c));
    add("GET", "/channels/:channel/messages", "getMessages", (c) => this.#getMessages(c));
    add("GET", "/channels/:channel/messages/:message", "getMessage", (c) => this.#getMessage(c));
    add("PATCH", "/channels/:channel/messages/:message", "editMessage", (c) => this.#editChannelMessage(c));
    add("DELETE", "/channels/:channel/messages/:message", "deleteMessage", (c) =>
      this.#deleteChannelMessage(c),
    );
    add("POST", "/channels/:channel/typing", "typing", (c) => this.#typing(c));
    add("PUT", "/channels/:channel/messages/:message/reactions/:emoji/@me", "addReaction", (c) =>
      this.#reaction(c, true),
    );
    add("DELETE", "/channels/:channel/messages/:message/reactions/:emoji/@me", "removeReaction", (c) =>
      this.#reaction(c, false),
    );
    add("POST", "/channels/:channel/messages/:message/threads", "startThreadFromMessage", (c) =>
      this.#startThreadFromMessage(c),
    );
    add("POST", "/channels/:channel/threads", "startThread", (c) => this.#startThread(c));
    add("GET", "/guilds/:guild", "getGuild", (c) => ({
      status: 200,
      body: this.state.guildToApi(this.#guild(c)),
    }));
    add("GET", "/guilds/:guild/channels", "getGuildChannels", (c) => this.#guildChannels(c));
    add("GET", "/guilds/:guild/members/:user", "getGuildMember", (c) => this.#guildMember(c));
    add("GET", "/guilds/:guild/threads/active", "getActiveThreads", (c) => this.#activeThreads(c));
    return routes;
  }

  // ---- gateway, users, application ----------------------------------------------------------

  #gatewayBot(): Reply {
    return {
      status: 200,
      body: {
        url: this.gateway.url,
        shards: this.gateway.recommendedShards(),
        session_start_limit: {
          total: SESSION_START_LIMIT,
          remaining: this.gateway.sessionStartsRemaining,
          reset_after: 14_400_000,
          max_concurrency: this.gateway.maxConcurrency,
        },
      },
    };
  }

  #currentUser(): JsonRecord {
    return {
      ...this.state.userToApi(this.state.botUser),
      verified: true,
      mfa_enabled: false,
      email: null,
      flags: 0,
    };
  }

  #getUser(context: RouteContext): Reply {
    const user = this.state.users.get(context.params.user ?? "");
    if (!user) fail(DiscordErrors.unknownUser());
    return { status: 200, body: this.state.userToApi(user) };
  }

  #createDm(context: RouteContext): Reply {
    const body = isRecord(context.json) ? context.json : {};
    const recipient = stringField(body, "recipient_id");
    if (!recipient || !this.state.users.has(recipient)) fail(DiscordErrors.unknownUser());
    return { status: 200, body: this.state.channelToApi(this.state.dmChannelWith(recipient)) };
  }

  #application(): Reply {
    const bot = this.state.botUser;
    return {
      status: 200,
      body: {
        id: this.state.applicationId,
        name: bot.username,
        icon: null,
        description: "",
        summary: "",
        type: null,
        bot_public: true,
        bot_require_code_grant: false,
        verify_key: this.state.verifyKey,
        ...(this.state.interactionsEndpointUrl === undefined
          ? {}
          : { interactions_endpoint_url: this.state.interactionsEndpointUrl }),
        flags: 0,
        hook: true,
        is_monetized: false,
        owner: this.state.userToApi(bot),
        team: null,
        bot: this.state.userToApi(bot),
        approximate_guild_count: this.state.guilds.size,
        integration_types_config: { "0": {}, "1": {} },
        install_params: { scopes: ["bot", "applications.commands"], permissions: "0" },
      },
    };
  }

  // ---- application commands -----------------------------------------------------------------

  #commandScope(context: RouteContext): string | undefined {
    if (context.params.app !== this.state.applicationId) fail(DiscordErrors.notAuthorizedForApplication());
    const guildId = context.params.guild;
    if (guildId !== undefined && !this.state.guilds.has(guildId)) fail(DiscordErrors.unknownGuild());
    return guildId;
  }

  #commandsIn(guildId: string | undefined): FakeCommand[] {
    return [...this.state.commands.values()].filter((command) => command.guildId === guildId);
  }

  #upsertCommand(guildId: string | undefined, body: JsonRecord): { command: FakeCommand; created: boolean } {
    const type = body.type ?? 1;
    const existing = this.#commandsIn(guildId).find(
      (command) => command.body.name === body.name && (command.body.type ?? 1) === type,
    );
    if (existing) {
      if (JSON.stringify(existing.body) !== JSON.stringify(body)) {
        existing.body = body;
        existing.version = this.state.ids.next();
      }
      return { command: existing, created: false };
    }
    const command: FakeCommand = {
      id: this.state.ids.next(),
      applicationId: this.state.applicationId,
      version: this.state.ids.next(),
      body,
      ...(guildId === undefined ? {} : { guildId }),
    };
    this.state.commands.set(command.id, command);
    return { command, created: true };
  }

  #recordWrite(context: RouteContext, guildId: string | undefined): void {
    this.state.commandWrites.push({
      method: context.method,
      scope: guildId ?? "global",
      body: context.json,
      at: this.state.now(),
    });
  }

  #bulkOverwrite(context: RouteContext): Reply {
    const guildId = this.#commandScope(context);
    const body = context.json;
    const errors = new FormErrors();
    if (!Array.isArray(body)) errors.add([], "BASE_TYPE_ARRAY", "Must be an array.");
    else {
      body.forEach((command, index) => {
        checkCommand(errors, [index], command);
      });
      const names = new Set<string>();
      body.forEach((command, index) => {
        if (!isRecord(command)) return;
        const key = `${String(command.type ?? 1)}:${String(command.name)}`;
        if (names.has(key))
          errors.add(
            [index, "name"],
            "APPLICATION_COMMANDS_DUPLICATE_NAME",
            "Application command names must be unique",
          );
        names.add(key);
      });
    }
    const failure = errors.failure();
    if (failure) fail(failure);
    this.#recordWrite(context, guildId);
    const kept = new Set<string>();
    const result = (body as JsonRecord[]).map((command) => {
      const { command: stored } = this.#upsertCommand(guildId, command);
      kept.add(stored.id);
      return this.state.commandToApi(stored);
    });
    for (const command of this.#commandsIn(guildId))
      if (!kept.has(command.id)) this.state.commands.delete(command.id);
    return { status: 200, body: result };
  }

  #getCommands(context: RouteContext): Reply {
    const guildId = this.#commandScope(context);
    return {
      status: 200,
      body: this.#commandsIn(guildId).map((command) => this.state.commandToApi(command)),
    };
  }

  #createCommand(context: RouteContext): Reply {
    const guildId = this.#commandScope(context);
    const errors = new FormErrors();
    checkCommand(errors, [], context.json);
    const failure = errors.failure();
    if (failure) fail(failure);
    this.#recordWrite(context, guildId);
    const { command, created } = this.#upsertCommand(guildId, context.json as JsonRecord);
    return { status: created ? 201 : 200, body: this.state.commandToApi(command) };
  }

  #commandById(context: RouteContext, action: "get" | "edit" | "delete"): Reply {
    const guildId = this.#commandScope(context);
    const command = this.state.commands.get(context.params.command ?? "");
    if (!command || command.guildId !== guildId) fail(DiscordErrors.unknownCommand());
    if (action === "get") return { status: 200, body: this.state.commandToApi(command) };
    this.#recordWrite(context, guildId);
    if (action === "delete") {
      this.state.commands.delete(command.id);
      return { status: 204 };
    }
    const merged = { ...command.body, ...(isRecord(context.json) ? context.json : {}) };
    const errors = new FormErrors();
    checkCommand(errors, [], merged);
    const failure = errors.failure();
    if (failure) fail(failure);
    command.body = merged;
    command.version = this.state.ids.next();
    return { status: 200, body: this.state.commandToApi(command) };
  }

  // ---- messages: shared ------------------------------------------------------------------------

  #channel(id: string | undefined): FakeChannel {
    const channel = id === undefined ? undefined : this.state.channels.get(id);
    if (!channel) fail(DiscordErrors.unknownChannel());
    return channel;
  }

  #guild(context: RouteContext) {
    const guild = this.state.guilds.get(context.params.guild ?? "");
    if (!guild) fail(DiscordErrors.unknownGuild());
    return guild;
  }

  #require(channel: FakeChannel, permission: PermissionName): void {
    if (channel.type === ChannelType.DM) return;
    if (!this.state.botCan(channel.id, "ViewChannel")) fail(DiscordErrors.missingAccess());
    if (!this.state.botCan(channel.id, permission)) fail(DiscordErrors.missingPermissions());
  }

  #message(channel: FakeChannel, id: string | undefined): FakeMessage {
    const message = id === undefined ? undefined : this.state.messages.get(id);
    if (!message || message.deleted || message.channelId !== channel.id) fail(DiscordErrors.unknownMessage());
    return message;
  }

  #checkUploads(files: UploadedFile[], limit: number): void {
    if (files.some((file) => file.bytes.length > limit)) fail(DiscordErrors.requestEntityTooLarge());
  }

  /** Turns uploaded parts into attachments, named by `attachments[].filename` when given. */
  #attachmentsFrom(
    body: JsonRecord,
    files: UploadedFile[],
    channelId: string,
    ephemeral = false,
  ): FakeAttachment[] {
    const descriptors = Array.isArray(body.attachments) ? body.attachments.filter(isRecord) : [];
    return files
      .sort((a, b) => a.index - b.index)
      .map((file) => {
        const descriptor = descriptors.find((entry) => String(entry.id) === String(file.index));
        const filename = typeof descriptor?.filename === "string" ? descriptor.filename : file.filename;
        const description = typeof descriptor?.description === "string" ? descriptor.description : undefined;
        return this.state.createAttachment({
          bytes: file.bytes,
          filename,
          channelId,
          ephemeral,
          ...(description === undefined ? {} : { description }),
          ...(contentTypeFor(filename, file.contentType) === undefined
            ? {}
            : { contentType: contentTypeFor(filename, file.contentType) as string }),
        });
      });
  }

  #mentionsIn(content: string): string[] {
    const ids = new Set<string>();
    for (const match of content.matchAll(MENTION))
      if (match[1] && this.state.users.has(match[1])) ids.add(match[1]);
    return [...ids];
  }

  #hasContent(content: string, embeds: unknown[], attachments: number, components: unknown[]): boolean {
    return content.trim().length > 0 || embeds.length > 0 || attachments > 0 || components.length > 0;
  }

  /** Creates a message the bot posts (channel API, interaction response or follow-up). */
  #newBotMessage(
    channel: FakeChannel,
    body: JsonRecord,
    files: UploadedFile[],
    extra: Partial<FakeMessage> & { type: number; flags: number },
  ): FakeMessage {
    const content = stringField(body, "content") ?? "";
    const ephemeral = (extra.flags & MessageFlags.Ephemeral) !== 0;
    const message = this.state.addMessage({
      channelId: channel.id,
      authorId: this.state.botUser.id,
      content,
      embeds: Array.isArray(body.embeds) ? body.embeds.filter(isRecord) : [],
      attachments: this.#attachmentsFrom(body, files, channel.id, false),
      components: Array.isArray(body.components) ? body.components : [],
      mentions: this.#mentionsIn(content),
      mentionEveryone: false,
      ...(channel.guildId ? { guildId: channel.guildId } : {}),
      ...(body.nonce !== undefined && (typeof body.nonce === "string" || typeof body.nonce === "number")
        ? { nonce: body.nonce }
        : {}),
      ...extra,
    });
    if (!ephemeral) this.#echoMessage("MESSAGE_CREATE", message);
    return message;
  }

  #echoMessage(event: "MESSAGE_CREATE" | "MESSAGE_UPDATE", message: FakeMessage): void {
    if (!this.options.echoBotEvents || (message.flags & MessageFlags.Ephemeral) !== 0) return;
    const data = this.state.messageToApi(message, true);
    const fromBot = message.authorId === this.state.botUser.id;
    this.gateway.dispatch(event, data, (session) =>
      this.gateway.messageForSession(session, data, false, fromBot),
    );
  }

  /** Applies an edit (PATCH or callback type 7): content, embeds, components, kept + new attachments. */
  #edit(
    message: FakeMessage,
    body: JsonRecord,
    files: UploadedFile[],
    limit: number,
    prefix?: string[],
  ): void {
    let kept = message.attachments;
    if (Array.isArray(body.attachments)) {
      const keep = new Set(body.attachments.filter(isRecord).map((entry) => String(entry.id)));
      kept = message.attachments.filter((attachment) => keep.has(attachment.id));
    }
    const content = "content" in body ? (stringField(body, "content") ?? "") : message.content;
    const embeds =
      "embeds" in body ? (Array.isArray(body.embeds) ? body.embeds.filter(isRecord) : []) : message.embeds;
    const components =
      "components" in body ? (Array.isArray(body.components) ? body.components : []) : message.components;
    const failure = checkMessageBody(body, {
      files: files.length,
      keptAttachments: kept.length,
      resultHasContent: this.#hasContent(content, embeds, kept.length + files.length, components),
      ...(prefix ? { prefix } : {}),
    });
    if (failure) fail(failure);
    this.#checkUploads(files, limit);
    const wasLoading = (message.flags & MessageFlags.Loading) !== 0;
    message.revisions.push({
      at: this.state.now(),
      content: message.content,
      embeds: message.embeds,
      attachmentIds: message.attachments.map((attachment) => attachment.id),
    });
    message.content = content;
    message.embeds = embeds;
    message.components = components;
    message.mentions = this.#mentionsIn(content);
    message.attachments = [...kept, ...this.#attachmentsFrom(body, files, message.channelId, false)];
    message.flags &= ~MessageFlags.Loading;
    if (!wasLoading) message.editedAt = this.state.now();
    this.#echoMessage("MESSAGE_UPDATE", message);
  }

  #delete(message: FakeMessage): void {
    message.deleted = true;
    if (!this.options.echoBotEvents || (message.flags & MessageFlags.Ephemeral) !== 0) return;
    this.gateway.dispatch("MESSAGE_DELETE", {
      id: message.id,
      channel_id: message.channelId,
      ...(message.guildId ? { guild_id: message.guildId } : {}),
    });
  }

  // ---- interactions --------------------------------------------------------------------------

  async #callback(context: RouteContext): Promise<Reply> {
    const interaction = this.state.interactions.get(context.params.interaction ?? "");
    if (!interaction || interaction.token !== context.params.token) fail(DiscordErrors.unknownInteraction());
    const body = isRecord(context.json) ? context.json : {};
    return this.#respond(interaction, body, context, "callback");
  }

  /** One response to an interaction, recorded in its `callbacks` whether Discord takes it or not. */
  #respond(
    interaction: FakeInteraction,
    body: JsonRecord,
    context: Pick<RouteContext, "files" | "query">,
    via: "callback" | "endpoint",
  ): Reply {
    const type = typeof body.type === "number" ? body.type : -1;
    const now = this.state.now();
    const attempt: FakeInteractionCallback = {
      type,
      status: 0,
      afterMs: now - interaction.dispatchedAt,
      at: now,
      via,
    };
    interaction.callbacks.push(attempt);
    try {
      const reply = this.#acknowledge(interaction, type, body, context);
      attempt.status = reply.status;
      return reply;
    } catch (error) {
      if (error instanceof ApiFailureError) {
        attempt.status = error.failure.status;
        const code = error.failure.body.code;
        if (typeof code === "number") attempt.code = code;
      }
      throw error;
    }
  }

  /**
   * Takes an HTTP interactions endpoint's answer as the interaction's response, as the callback
   * route takes a POST: the same rules (one response, within the 3 s deadline, a type that fits the
   * interaction). Resolves to the status the callback route would have answered, and Discord's code.
   */
  respondFromEndpoint(interaction: FakeInteraction, body: JsonRecord): { status: number; code?: number } {
    try {
      const reply = this.#respond(interaction, body, { files: [], query: new URLSearchParams() }, "endpoint");
      return { status: reply.status };
    } catch (error) {
      if (!(error instanceof ApiFailureError)) throw error;
      const code = error.failure.body.code;
      return { status: error.failure.status, ...(typeof code === "number" ? { code } : {}) };
    }
  }

  #acknowledge(
    interaction: FakeInteraction,
    type: number,
    body: JsonRecord,
    context: Pick<RouteContext, "files" | "query">,
  ): Reply {
    if (interaction.callbackType !== undefined) fail(DiscordErrors.alreadyAcknowledged());
    if (this.state.now() > interaction.deadlineAt) fail(DiscordErrors.unknownInteraction());
    const data = isRecord(body.data) ? body.data : {};
    const channel = this.#channel(interaction.channelId);
    const isComponent = interaction.type === 3 || interaction.type === 5;
    const invalidType = () => {
      const errors = new FormErrors();
      errors.add(
        ["type"],
        "INTERACTION_CALLBACK_TYPE_INVALID",
        "Interaction callback type is not valid for this interaction",
      );
      return fail(errors.failure() as ApiFailure);
    };
    let message: FakeMessage | undefined;
    const flags = (typeof data.flags === "number" ? data.flags : 0) & (MessageFlags.Ephemeral | 4 | 4096);
    const messageType =
      interaction.commandName && interaction.payload.type === 2 ? this.#commandMessageType(interaction) : 0;
    const interactionMeta = {
      id: interaction.id,
      type: interaction.type,
      userId: interaction.userId,
      ...(interaction.commandName === undefined ? {} : { name: interaction.commandName }),
    };
    switch (type) {
      case 4: {
        const content = stringField(data, "content") ?? "";
        const embeds = Array.isArray(data.embeds) ? data.embeds : [];
        const components = Array.isArray(data.components) ? data.components : [];
        const failure = checkMessageBody(data, {
          files: context.files.length,
          keptAttachments: 0,
          resultHasContent: this.#hasContent(content, embeds, context.files.length, components),
          prefix: ["data"],
        });
        if (failure) fail(failure);
        this.#checkUploads(context.files, interaction.attachmentSizeLimit);
        message = this.#newBotMessage(channel, data, context.files, {
          type: messageType,
          flags,
          webhookId: this.state.applicationId,
          applicationId: this.state.applicationId,
          interaction: interactionMeta,
        });
        interaction.originalMessageId = message.id;
        break;
      }
      case 5:
        message = this.#newBotMessage(channel, {}, [], {
          type: messageType,
          flags: MessageFlags.Loading | (flags & MessageFlags.Ephemeral),
          webhookId: this.state.applicationId,
          applicationId: this.state.applicationId,
          interaction: interactionMeta,
        });
        interaction.originalMessageId = message.id;
        break;
      case 6:
        if (!isComponent) invalidType();
        break;
      case 7: {
        if (!isComponent || !interaction.sourceMessageId) invalidType();
        const source = this.state.messages.get(interaction.sourceMessageId ?? "");
        if (!source) fail(DiscordErrors.unknownMessage());
        this.#edit(source, data, context.files, interaction.attachmentSizeLimit, ["data"]);
        message = source;
        break;
      }
      case 8:
        if (interaction.type !== 4) invalidType();
        break;
      case 9:
        if (interaction.type !== 2 && interaction.type !== 3) invalidType();
        break;
      default:
        invalidType();
    }
    interaction.callbackType = type;
    interaction.acknowledgedAfterMs = this.state.now() - interaction.dispatchedAt;
    if (context.query.get("with_response") === "true") {
      return { status: 200, body: this.state.interactionCallbackToApi(interaction, message) };
    }
    return { status: 204 };
  }

  #commandMessageType(interaction: FakeInteraction): number {
    const data = interaction.payload.data;
    return isRecord(data) && data.type !== undefined && data.type !== 1
      ? MessageType.ContextMenuCommand
      : MessageType.ChatInputCommand;
  }

  #webhookInteraction(context: RouteContext): FakeInteraction {
    const interaction = this.state.interactionsByToken.get(context.params.token ?? "");
    if (!interaction || interaction.applicationId !== context.params.app)
      fail(DiscordErrors.unknownWebhook());
    if (this.state.now() > interaction.expiresAt) fail(DiscordErrors.invalidWebhookToken());
    return interaction;
  }

  #followup(context: RouteContext): Reply {
    const interaction = this.#webhookInteraction(context);
    if (interaction.callbackType === undefined) fail(DiscordErrors.unknownWebhook());
    const body = isRecord(context.json) ? context.json : {};
    const threadId = context.query.get("thread_id");
    const channel = this.#channel(threadId ?? interaction.channelId);
    const content = stringField(body, "content") ?? "";
    const embeds = Array.isArray(body.embeds) ? body.embeds : [];
    const components = Array.isArray(body.components) ? body.components : [];
    const failure = checkMessageBody(body, {
      files: context.files.length,
      keptAttachments: 0,
      resultHasContent: this.#hasContent(content, embeds, context.files.length, components),
    });
    if (failure) fail(failure);
    this.#checkUploads(context.files, interaction.attachmentSizeLimit);
    const message = this.#newBotMessage(channel, body, context.files, {
      type: MessageType.Default,
      flags: (typeof body.flags === "number" ? body.flags : 0) & (MessageFlags.Ephemeral | 4 | 4096),
      webhookId: this.state.applicationId,
      applicationId: this.state.applicationId,
      interaction: {
        id: interaction.id,
        type: interaction.type,
        userId: interaction.userId,
        ...(interaction.commandName === undefined ? {} : { name: interaction.commandName }),
        ...(interaction.originalMessageId === undefined
          ? {}
          : { originalResponseMessageId: interaction.originalMessageId }),
      },
    });
    interaction.followupIds.push(message.id);
    if (context.query.get("wait") !== "true") return { status: 204 };
    return { status: 200, body: this.state.messageToApi(message) };
  }

  #webhookMessage(context: RouteContext): Reply {
    const interaction = this.#webhookInteraction(context);
    const requested = context.params.message;
    const id = requested === "@original" ? interaction.originalMessageId : requested;
    const owned =
      id !== undefined && (id === interaction.originalMessageId || interaction.followupIds.includes(id));
    const message = owned ? this.state.messages.get(id) : undefined;
    if (!message || message.deleted) fail(DiscordErrors.unknownMessage());
    if (context.method === "GET") return { status: 200, body: this.state.messageToApi(message) };
    if (context.method === "DELETE") {
      this.#delete(message);
      return { status: 204 };
    }
    const body = isRecord(context.json) ? context.json : {};
    const edit = { messageId: message.id, afterMs: this.state.now() - interaction.dispatchedAt, status: 200 };
    interaction.edits.push(edit);
    try {
      this.#edit(message, body, context.files, interaction.attachmentSizeLimit);
    } catch (error) {
      if (error instanceof ApiFailureError) edit.status = error.failure.status;
      throw error;
    }
    return { status: 200, body: this.state.messageToApi(message) };
  }

  // ---- channels and messages -----------------------------------------------------------------

  #getChannel(context: RouteContext): Reply {
    const channel = this.#channel(context.params.channel);
    if (channel.type !== ChannelType.DM && !this.state.botCan(channel.id, "ViewChannel"))
      fail(DiscordErrors.missingAccess());
    return { status: 200, body: this.state.channelToApi(channel) };
  }

  #createMessage(context: RouteContext): Reply {
    const channel = this.#channel(context.params.channel);
    if (channel.type === ChannelType.GuildCategory) fail(DiscordErrors.cannotExecuteOnChannelType());
    const inThread = this.state.isThread(channel);
    this.#require(channel, inThread ? "SendMessagesInThreads" : "SendMessages");
    if (context.files.length > 0) this.#require(channel, "AttachFiles");
    if (inThread && channel.locked) fail(DiscordErrors.missingPermissions());
    const body = isRecord(context.json) ? context.json : {};
    const content = stringField(body, "content") ?? "";
    const embeds = Array.isArray(body.embeds) ? body.embeds : [];
    const components = Array.isArray(body.components) ? body.components : [];
    const failure = checkMessageBody(body, {
      files: context.files.length,
      keptAttachments: 0,
      resultHasContent:
        this.#hasContent(content, embeds, context.files.length, components) ||
        Array.isArray(body.sticker_ids),
    });
    if (failure) fail(failure);
    this.#checkUploads(context.files, this.state.uploadLimit(channel.id));
    if (body.enforce_nonce === true && body.nonce !== undefined) {
      const since = this.state.now() - 2 * 60_000;
      const same = this.state
        .messagesIn(channel.id)
        .find(
          (message) =>
            message.nonce === body.nonce &&
            message.authorId === this.state.botUser.id &&
            message.createdAt >= since,
        );
      if (same) return { status: 200, body: this.state.messageToApi(same) };
    }
    let reference: FakeMessage["reference"];
    if (isRecord(body.message_reference)) {
      const ref = body.message_reference;
      const targetChannel = typeof ref.channel_id === "string" ? ref.channel_id : channel.id;
      const target = this.state.messages.get(String(ref.message_id ?? ""));
      if (!target || target.deleted || target.channelId !== targetChannel) {
        if (ref.fail_if_not_exists !== false) {
          const errors = new FormErrors();
          errors.add(["message_reference"], "MESSAGE_REFERENCE_UNKNOWN_MESSAGE", "Unknown message");
          fail(errors.failure() as ApiFailure);
        }
      } else {
        if (!this.state.botCan(channel.id, "ReadMessageHistory")) {
          fail({
            status: 403,
            body: { message: "Cannot reply without permission to read message history", code: 160002 },
          });
        }
        reference = {
          messageId: target.id,
          channelId: target.channelId,
          ...(target.guildId ? { guildId: target.guildId } : {}),
        };
      }
    }
    const message = this.#newBotMessage(channel, body, context.files, {
      type: reference ? MessageType.Reply : MessageType.Default,
      flags: (typeof body.flags === "number" ? body.flags : 0) & (4 | 4096),
      ...(reference ? { reference } : {}),
    });
    return { status: 200, body: this.state.messageToApi(message) };
  }

  #getMessages(context: RouteContext): Reply {
    const channel = this.#channel(context.params.channel);
    this.#require(channel, "ReadMessageHistory");
    const limit = Math.min(100, Math.max(1, Number(context.query.get("limit") ?? 50) || 50));
    let messages = this.state
      .messagesIn(channel.id)
      .filter((message) => (message.flags & MessageFlags.Ephemeral) === 0);
    const before = context.query.get("before");
    const after = context.query.get("after");
    if (before) messages = messages.filter((message) => BigInt(message.id) < BigInt(before));
    if (after) messages = messages.filter((message) => BigInt(message.id) > BigInt(after));
    const newestFirst = messages.reverse();
    const page = after ? newestFirst.slice(-limit) : newestFirst.slice(0, limit);
    return { status: 200, body: page.map((message) => this.state.messageToApi(message)) };
  }

  #getMessage(context: RouteContext): Reply {
    const channel = this.#channel(context.params.channel);
    this.#require(channel, "ReadMessageHistory");
    return { status: 200, body: this.state.messageToApi(this.#message(channel, context.params.message)) };
  }

  #editChannelMessage(context: RouteContext): Reply {
    const channel = this.#channel(context.params.channel);
    const message = this.#message(channel, context.params.message);
    if (message.authorId !== this.state.botUser.id || message.webhookId)
      fail(DiscordErrors.cannotEditOthersMessage());
    if (context.files.length > 0) this.#require(channel, "AttachFiles");
    const body = isRecord(context.json) ? context.json : {};
    this.#edit(message, body, context.files, this.state.uploadLimit(channel.id));
    return { status: 200, body: this.state.messageToApi(message) };
  }

  #deleteChannelMessage(context: RouteContext): Reply {
    const channel = this.#channel(context.params.channel);
    const message = this.#message(channel, context.params.message);
    if (message.authorId !== this.state.botUser.id) this.#require(channel, "ManageMessages");
    this.#delete(message);
    return { status: 204 };
  }

  #typing(context: RouteContext): Reply {
    const channel = this.#channel(context.params.channel);
    this.#require(channel, this.state.isThread(channel) ? "SendMessagesInThreads" : "SendMessages");
    return { status: 204 };
  }

  #reaction(context: RouteContext, add: boolean): Reply {
    const channel = this.#channel(context.params.channel);
    const message = this.#message(channel, context.params.message);
    const emoji = context.params.emoji ?? "";
    if (add) {
      this.#require(channel, "AddReactions");
      if (!message.reactions.includes(emoji)) message.reactions.push(emoji);
    } else message.reactions = message.reactions.filter((entry) => entry !== emoji);
    return { status: 204 };
  }

  #threadName(body: JsonRecord): string {
    const name = body.name;
    if (typeof name !== "string" || discordLength(name) < 1 || discordLength(name) > 100) {
      const errors = new FormErrors();
      errors.add(["name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.");
      fail(errors.failure() as ApiFailure);
    }
    return name;
  }

  #echoThread(thread: FakeChannel): void {
    if (!this.options.echoBotEvents) return;
    this.gateway.dispatch("THREAD_CREATE", { ...this.state.channelToApi(thread), newly_created: true });
  }

  #startThreadFromMessage(context: RouteContext): Reply {
    const channel = this.#channel(context.params.channel);
    if (channel.type === ChannelType.DM) fail(DiscordErrors.cannotExecuteOnDm());
    if (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement) {
      fail(DiscordErrors.cannotExecuteOnChannelType());
    }
    const body = isRecord(context.json) ? context.json : {};
    const message = this.#message(channel, context.params.message);
    const name = this.#threadName(body);
    this.#require(channel, "CreatePublicThreads");
    if (message.threadId) fail(DiscordErrors.threadAlreadyCreated());
    if ((message.flags & MessageFlags.Ephemeral) !== 0) fail(DiscordErrors.unknownMessage());
    const thread = this.state.addChannel({
      id: message.id,
      name,
      type:
        channel.type === ChannelType.GuildAnnouncement
          ? ChannelType.AnnouncementThread
          : ChannelType.PublicThread,
      parentId: channel.id,
      ownerId: this.state.botUser.id,
      autoArchiveDuration: typeof body.auto_archive_duration === "number" ? body.auto_archive_duration : 1440,
      ...(channel.guildId ? { guildId: channel.guildId } : {}),
    });
    message.threadId = thread.id;
    message.flags |= MessageFlags.HasThread;
    this.state.addMessage({
      channelId: thread.id,
      authorId: message.authorId,
      content: "",
      embeds: [],
      attachments: [],
      components: [],
      flags: 0,
      type: MessageType.ThreadStarterMessage,
      mentions: [],
      mentionEveryone: false,
      reference: {
        messageId: message.id,
        channelId: channel.id,
        ...(channel.guildId ? { guildId: channel.guildId } : {}),
      },
      ...(channel.guildId ? { guildId: channel.guildId } : {}),
    });
    this.#echoThread(thread);
    return { status: 201, body: this.state.channelToApi(thread) };
  }

  #startThread(context: RouteContext): Reply {
    const channel = this.#channel(context.params.channel);
    if (channel.type === ChannelType.DM) fail(DiscordErrors.cannotExecuteOnDm());
    if (channel.type !== ChannelType.GuildText && channel.type !== ChannelType.GuildAnnouncement) {
      fail(DiscordErrors.cannotExecuteOnChannelType());
    }
    const body = isRecord(context.json) ? context.json : {};
    const name = this.#threadName(body);
    const type = typeof body.type === "number" ? body.type : ChannelType.PrivateThread;
    if (
      type !== ChannelType.PublicThread &&
      type !== ChannelType.PrivateThread &&
      type !== ChannelType.AnnouncementThread
    ) {
      const errors = new FormErrors();
      errors.add(["type"], "BASE_TYPE_CHOICES", "Value must be one of {10, 11, 12}.");
      fail(errors.failure() as ApiFailure);
    }
    this.#require(
      channel,
      type === ChannelType.PrivateThread ? "CreatePrivateThreads" : "CreatePublicThreads",
    );
    const thread = this.state.addChannel({
      name,
      type,
      parentId: channel.id,
      ownerId: this.state.botUser.id,
      autoArchiveDuration: typeof body.auto_archive_duration === "number" ? body.auto_archive_duration : 1440,
      ...(channel.guildId ? { guildId: channel.guildId } : {}),
    });
    if (type !== ChannelType.PrivateThread) {
      const notice = this.state.addMessage({
        channelId: channel.id,
        authorId: this.state.botUser.id,
        content: name,
        embeds: [],
        attachments: [],
        components: [],
        flags: 0,
        type: MessageType.ThreadCreated,
        mentions: [],
        mentionEveryone: false,
        ...(channel.guildId ? { guildId: channel.guildId } : {}),
      });
      this.#echoMessage("MESSAGE_CREATE", notice);
    }
    this.#echoThread(thread);
    return { status: 201, body: this.state.channelToApi(thread) };
  }

  // ---- guilds ----------------------------------------------------------------------------------

  #guildChannels(context: RouteContext): Reply {
    const guild = this.#guild(context);
    const channels = [...this.state.channels.values()].filter(
      (channel) => channel.guildId === guild.id && !this.state.isThread(channel),
    );
    return { status: 200, body: channels.map((channel) => this.state.channelToApi(channel)) };
  }

  #guildMember(context: RouteContext): Reply {
    const guild = this.#guild(context);
    const userId = context.params.user ?? "";
    if (!guild.memberIds.includes(userId)) fail(DiscordErrors.unknownMember());
    return { status: 200, body: this.state.memberToApi(guild, userId, true) };
  }

  #activeThreads(context: RouteContext): Reply {
    const guild = this.#guild(context);
    const threads = [...this.state.channels.values()].filter(
      (channel) => channel.guildId === guild.id && this.state.isThread(channel) && !channel.archived,
    );
    return {
      status: 200,
      body: { threads: threads.map((thread) => this.state.channelToApi(thread)), members: [] },
    };
  }
}
