/**
 * Discord's HTTP interactions endpoint, `POST /discord/interactions`: what Discord sends instead of
 * INTERACTION_CREATE once the application has an Interactions Endpoint URL. Each request is verified
 * (Ed25519 over the timestamp and the raw body, with the application's public key; 401 otherwise, as
 * Discord requires and checks when the URL is saved), PING is answered with PONG, and a slash command
 * is deferred (type 5) in the response itself, before anything else, then handed on. The answer comes
 * later through REST with the interaction token, exactly as for a command that came over the gateway.
 *
 * The signature is checked with node:crypto rather than the discord-interactions package: the same
 * Ed25519 verification, synchronous, with no dependency, and this handler must also run as a route of
 * another server (Bolt's HTTP receiver, when Slack shares PORT), not as Express middleware.
 */
import { createPublicKey, type KeyObject, verify } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { BotError, errorSummary } from "../../src/errors.js";
import { type Logger, silentLogger } from "../../src/log.js";
import type { HttpRoute } from "../shared/http-routes.js";
import { type ChatInputPayload, parseInteraction } from "./interaction-schema.js";

/** Where the endpoint is served: the path to give the Developer Portal after the public address. */
export const INTERACTIONS_PATH = "/discord/interactions";

/** Larger than any interaction Discord sends (its resolved users, members, channels included). */
const MAX_BODY_BYTES = 1024 * 1024;
/**
 * How far the signed timestamp may be from this machine's clock. The signature covers it, so a request
 * captured once cannot be replayed later (redeliveries of an id within the window are deduplicated by
 * the bot); five minutes, as Slack's signatures, leaves room for clocks a little apart.
 */
const TIMESTAMP_TOLERANCE_SECONDS = 5 * 60;

/** Interaction response types (Discord's InteractionResponseType). */
const Response = { Pong: 1, DeferredChannelMessage: 5, AutocompleteResult: 8 } as const;
/** The message flag that shows a reply to the command's user alone. */
const EPHEMERAL = 64;

export interface InteractionsEndpointOptions {
  /** The application's public key, 64 hexadecimal characters (DISCORD_PUBLIC_KEY). */
  publicKey: string;
  /**
   * Takes a verified slash command once its deferral has been written; `deferred` resolves to whether
   * the response reached the connection (Discord applies it on arrival, within its 3 seconds).
   */
  onCommand(payload: ChatInputPayload, deferred: Promise<boolean>): void;
  /** Commands answered to their user alone: deferred as ephemeral (flag 64), so the answer is too. */
  privateCommands?: ReadonlySet<string>;
  logger?: Logger;
  /** The clock the timestamps are checked against, in ms (tests). */
  now?: () => number;
}

/** The application's public key as a key node:crypto verifies with; a clear error for a wrong one. */
function publicKeyOf(hex: string): KeyObject {
  try {
    if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new Error("not 64 hexadecimal characters");
    return createPublicKey({
      key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(hex, "hex").toString("base64url") },
      format: "jwk",
    });
  } catch (error) {
    throw new BotError(
      "config_invalid",
      `DISCORD_PUBLIC_KEY is not an Ed25519 public key: ${errorSummary(error)}`,
      {
        userMessage:
          "DISCORD_PUBLIC_KEY must be the application's Public Key from the Discord Developer Portal (General Information), 64 hexadecimal characters.",
        cause: error,
      },
    );
  }
}

/**
 * Whether `signature` (hex, from X-Signature-Ed25519) signs `timestamp` (X-Signature-Timestamp)
 * followed by the raw body, under the application's key.
 */
export function signatureVerifier(
  publicKey: string,
): (signature: string, timestamp: string, body: Buffer) => boolean {
  const key = publicKeyOf(publicKey);
  return (signature, timestamp, body) => {
    if (!/^[0-9a-fA-F]{128}$/.test(signature)) return false;
    return verify(
      null,
      Buffer.concat([Buffer.from(timestamp, "utf8"), body]),
      key,
      Buffer.from(signature, "hex"),
    );
  };
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

function sendText(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(text);
}

function sendJson(response: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  response
    .writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) })
    .end(text);
}

/** The raw body, or undefined once it grows past the cap (the rest is drained, unread). */
async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) {
      request.resume();
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Resolves once the response has been handed to the connection (true), or the connection closed first (false). */
function written(response: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    response.once("finish", () => resolve(true));
    response.once("close", () => resolve(response.writableFinished));
  });
}

/** The answer before the adapter has started (or after it stopped): Discord may try again later. */
export function answerNotStarted(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  response.writeHead(503, { "retry-after": "5", "content-type": "text/plain; charset=utf-8" });
  response.end("not started");
}

/**
 * The endpoint as a route, for a server of the adapter's own or another's (Bolt's custom routes).
 *
 * @example
 * const route = createInteractionsEndpoint({ publicKey, onCommand: (payload, deferred) => run(payload, deferred) });
 * await serveRoutes([route], { port: 3000 });
 */
export function createInteractionsEndpoint(options: InteractionsEndpointOptions): HttpRoute {
  const logger = options.logger ?? silentLogger;
  const verifies = signatureVerifier(options.publicKey);
  const now = options.now ?? Date.now;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const received = performance.now();
    const body = await readBody(request);
    if (body === undefined) {
      sendText(response, 413, "request body too large");
      return;
    }
    const signature = header(request, "x-signature-ed25519");
    const timestamp = header(request, "x-signature-timestamp");
    if (!signature || !timestamp) {
      logger.warn("interaction refused: no signature headers");
      sendText(response, 401, "missing request signature");
      return;
    }
    if (!verifies(signature, timestamp, body)) {
      // Discord itself sends one such request when the URL is saved, to see it refused.
      logger.info("interaction refused: invalid signature");
      sendText(response, 401, "invalid request signature");
      return;
    }
    const seconds = /^\d{1,15}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
    if (!(Math.abs(now() / 1000 - seconds) <= TIMESTAMP_TOLERANCE_SECONDS)) {
      logger.warn("interaction refused: its timestamp is too far from this machine's clock", {
        timestamp,
      });
      sendText(response, 401, "request timestamp out of range");
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      sendText(response, 400, "invalid JSON");
      return;
    }
    const interaction = parseInteraction(json);
    switch (interaction.kind) {
      case "ping":
        sendJson(response, { type: Response.Pong });
        return;
      case "autocomplete":
        // No option of the bot's commands autocompletes; Discord still wants an answer.
        sendJson(response, { type: Response.AutocompleteResult, data: { choices: [] } });
        return;
      case "unsupported":
        logger.warn("interaction of a kind the bot never registers; refused", { type: interaction.type });
        sendText(response, 400, "unsupported interaction type");
        return;
      case "invalid":
        logger.warn("interaction refused: its payload lacks what the bot reads", {
          problem: interaction.problem,
        });
        sendText(response, 400, `invalid interaction: ${interaction.problem}`);
        return;
      case "command": {
        // Acknowledge first, before anything else: Discord gives 3 seconds.
        const deferred = written(response);
        sendJson(
          response,
          options.privateCommands?.has(interaction.payload.data.name)
            ? { type: Response.DeferredChannelMessage, data: { flags: EPHEMERAL } }
            : { type: Response.DeferredChannelMessage },
        );
        logger.info("interaction deferred", {
          interaction: interaction.payload.id,
          command: interaction.payload.data.name,
          ms: Math.round(performance.now() - received),
        });
        options.onCommand(interaction.payload, deferred);
        return;
      }
    }
  }

  return {
    method: "POST",
    path: INTERACTIONS_PATH,
    handler(request, response) {
      handle(request, response).catch((error: unknown) => {
        logger.error("the interactions endpoint failed", { error: errorSummary(error) });
        if (!response.headersSent) sendText(response, 500, "internal error");
        else response.destroy();
      });
    },
  };
}
