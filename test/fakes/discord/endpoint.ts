/**
 * Discord's side of an HTTP interactions endpoint. The fake application holds an Ed25519 key pair
 * (`publicKey` is what the Developer Portal shows, hex); once an Interactions Endpoint URL is set
 * (`setUrl`, which first runs the portal's check: a signed PING must be answered 200 with PONG, and a
 * PING with a bad signature refused with 401), interactions are POSTed there, signed
 * (`X-Signature-Ed25519` over `X-Signature-Timestamp` + the raw body), instead of going out as
 * INTERACTION_CREATE: Discord sends them one way or the other, never both.
 *
 * Each delivery is recorded with the endpoint's answer, its latency, and its verdict: the answer must
 * come within the interaction's 3 s (it is abandoned then), be 200 `application/json`, and keep
 * Discord's published contract for an interaction response (`validateInteractionResponse`, the
 * OpenAPI description); one that does is applied exactly as a POST to the callback route is (a
 * deferral makes the "thinking…" reply, a second response is refused with 40060).
 */
import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { validateInteractionResponse } from "./contract.js";
import type { ApiFailure } from "./limits.js";
import type { FakeDiscordRest } from "./rest.js";
import { type DiscordState, type FakeInteraction, isRecord, type JsonRecord } from "./state.js";

/** One POST to the endpoint and what came of it. */
export interface EndpointDelivery {
  /** The interaction's id (the portal's check PINGs have their own). */
  interactionId: string;
  /** Interaction type sent (1 PING, 2 APPLICATION_COMMAND…). */
  type: number;
  /** The raw body sent. */
  sent: string;
  /** The endpoint's status; 0 when it did not answer in time or the connection failed. */
  status: number;
  contentType: string | undefined;
  /** The answer's body: parsed JSON when it is JSON, else its text. */
  answer: unknown;
  /** Real ms from sending the request to having the whole answer. */
  latencyMs: number;
  /** Fake-clock ms of the answer. */
  answeredAt: number;
  /** Where a 200 JSON answer broke Discord's contract for interaction responses. */
  contractFailure: ApiFailure | undefined;
  /** Whether Discord took the answer: PONG to a PING, or the interaction's response applied. */
  accepted: boolean;
  /** Why it was not, in words (and the callback route's code, when it refused it). */
  problem?: string;
  code?: number;
}

/** Overrides for a hand-made request (`post`): a wrong signature, a missing header, a tampered body. */
export interface EndpointRequestOptions {
  /** The signature header's value; `null` leaves the header out. Default: a valid signature. */
  signature?: string | null;
  /** The timestamp header's value; `null` leaves the header out. Default: now, in seconds. */
  timestamp?: string | null;
  /** Sign this body, but send `body` (a tampered request). */
  signedBody?: string;
  /** Sign this timestamp, but send `timestamp`. */
  signedTimestamp?: string;
}

/** The answer to a hand-made request. */
export interface EndpointAnswer {
  status: number;
  contentType: string | undefined;
  answer: unknown;
  latencyMs: number;
}

/** The portal's check of an Interactions Endpoint URL. */
export interface EndpointCheck {
  ok: boolean;
  /** The signed PING's delivery (must be accepted: 200 with PONG). */
  ping: EndpointDelivery;
  /** The status of the PING with a bad signature (must be 401). */
  badSignatureStatus: number;
  problems: string[];
}

async function readAnswer(response: Response): Promise<{ contentType: string | undefined; answer: unknown }> {
  const contentType = response.headers.get("content-type") ?? undefined;
  const text = await response.text();
  if (contentType?.startsWith("application/json")) {
    try {
      return { contentType, answer: JSON.parse(text) };
    } catch {
      return { contentType, answer: text };
    }
  }
  return { contentType, answer: text };
}

export class FakeInteractionsEndpoint {
  /** The application's public key, hex (DISCORD_PUBLIC_KEY). */
  readonly publicKey: string;
  readonly deliveries: EndpointDelivery[] = [];
  readonly #privateKey: KeyObject;

  constructor(
    private readonly state: DiscordState,
    private readonly rest: FakeDiscordRest,
  ) {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    this.#privateKey = privateKey;
    const jwk = publicKey.export({ format: "jwk" });
    this.publicKey = Buffer.from(jwk.x ?? "", "base64url").toString("hex");
    state.verifyKey = this.publicKey;
  }

  /** The Interactions Endpoint URL, once set (GET /applications/@me shows it too). */
  get url(): string | undefined {
    return this.state.interactionsEndpointUrl;
  }

  set url(url: string | undefined) {
    this.state.interactionsEndpointUrl = url;
  }

  /** The hex signature Discord puts in X-Signature-Ed25519. */
  sign(timestamp: string, body: string): string {
    return sign(null, Buffer.from(timestamp + body, "utf8"), this.#privateKey).toString("hex");
  }

  /** A signed request to `url` (default: the set URL), with `options` to break it on purpose. */
  async post(body: string, options: EndpointRequestOptions = {}, url = this.url): Promise<EndpointAnswer> {
    if (!url) throw new Error("fake Discord: no Interactions Endpoint URL is set");
    // Discord's clock is the real one: the fake clock only moves Discord's own deadlines.
    const timestamp =
      options.timestamp === undefined ? String(Math.floor(Date.now() / 1000)) : options.timestamp;
    const signature =
      options.signature === undefined
        ? this.sign(options.signedTimestamp ?? timestamp ?? "", options.signedBody ?? body)
        : options.signature;
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "Discord-Interactions/1.0 (+https://discord.com)",
          ...(signature === null ? {} : { "x-signature-ed25519": signature }),
          ...(timestamp === null ? {} : { "x-signature-timestamp": timestamp }),
        },
        body,
        redirect: "manual",
        signal: AbortSignal.timeout(this.state.options.interactionDeadlineMs),
      });
      const { contentType, answer } = await readAnswer(response);
      return { status: response.status, contentType, answer, latencyMs: performance.now() - started };
    } catch (error) {
      return {
        status: 0,
        contentType: undefined,
        answer: error instanceof Error ? error.message : String(error),
        latencyMs: performance.now() - started,
      };
    }
  }

  /** The portal's check: a signed PING answered with PONG, a badly signed one refused with 401. */
  async check(url: string): Promise<EndpointCheck> {
    const ping = () =>
      JSON.stringify({
        id: this.state.ids.next(),
        application_id: this.state.applicationId,
        type: 1,
        token: `ping-${this.state.ids.next()}`,
        version: 1,
      });
    const body = ping();
    const answered = await this.post(body, {}, url);
    const delivery = this.#judgePing(JSON.parse(body) as JsonRecord, body, answered);
    // A well-formed signature by another key: only verifying it tells it apart.
    const forged = generateKeyPairSync("ed25519").privateKey;
    const badBody = ping();
    const timestamp = String(Math.floor(Date.now() / 1000));
    const badSignature = sign(null, Buffer.from(timestamp + badBody), forged).toString("hex");
    const refused = await this.post(badBody, { signature: badSignature, timestamp }, url);
    const problems = [
      ...(delivery.accepted ? [] : [`the PING was not answered with PONG: ${delivery.problem ?? ""}`]),
      ...(refused.status === 401 ? [] : [`a bad signature got ${refused.status}, not 401`]),
    ];
    return { ok: problems.length === 0, ping: delivery, badSignatureStatus: refused.status, problems };
  }

  #judgePing(payload: JsonRecord, sent: string, answered: EndpointAnswer): EndpointDelivery {
    const verdict = this.#verdict(answered);
    const isPong = isRecord(answered.answer) && answered.answer.type === 1;
    const problem = verdict.problem ?? (isPong ? undefined : "the answer is not PONG ({type: 1})");
    return this.#record({ interactionId: String(payload.id), type: 1 }, sent, answered, verdict, problem);
  }

  /** One delivery in `deliveries`, with Discord's verdict on its answer. */
  #record(
    interaction: { interactionId: string; type: number },
    sent: string,
    answered: EndpointAnswer,
    verdict: { contractFailure?: ApiFailure },
    problem: string | undefined,
    code?: number,
  ): EndpointDelivery {
    const delivery: EndpointDelivery = {
      ...interaction,
      sent,
      status: answered.status,
      contentType: answered.contentType,
      answer: answered.answer,
      latencyMs: answered.latencyMs,
      answeredAt: this.state.now(),
      contractFailure: verdict.contractFailure,
      accepted: problem === undefined,
      ...(problem === undefined ? {} : { problem }),
      ...(code === undefined ? {} : { code }),
    };
    this.deliveries.push(delivery);
    return delivery;
  }

  /** What Discord makes of an answer before applying it: status, type, contract. */
  #verdict(answered: EndpointAnswer): { problem?: string; contractFailure?: ApiFailure } {
    if (answered.status === 0)
      return { problem: `no answer within the deadline (${String(answered.answer)})` };
    if (answered.status !== 200) return { problem: `status ${answered.status}` };
    if (!answered.contentType?.startsWith("application/json"))
      return { problem: `content type ${answered.contentType ?? "missing"}, not application/json` };
    const contractFailure = validateInteractionResponse(answered.answer);
    if (contractFailure) {
      return { problem: "the answer breaks Discord's interaction response contract", contractFailure };
    }
    return {};
  }

  /** Sends an interaction to the endpoint and applies its answer as the interaction's response. */
  async deliver(interaction: FakeInteraction): Promise<EndpointDelivery> {
    const sent = JSON.stringify(interaction.payload);
    const answered = await this.post(sent);
    const verdict = this.#verdict(answered);
    let problem = verdict.problem;
    let code: number | undefined;
    if (problem === undefined && isRecord(answered.answer)) {
      const applied = this.rest.respondFromEndpoint(interaction, answered.answer);
      if (applied.status >= 300) {
        code = applied.code;
        problem = `Discord refused the response (${applied.status}${code === undefined ? "" : ` ${code}`})`;
      }
    }
    return this.#record(
      { interactionId: interaction.id, type: interaction.type },
      sent,
      answered,
      verdict,
      problem,
      code,
    );
  }
}
