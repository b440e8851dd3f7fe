/**
 * Slack request signing and a sender of signed requests to an app's HTTP endpoint.
 *
 * Slack signs every request it sends to an app: `x-slack-request-timestamp: {unix seconds}` and
 * `x-slack-signature: v0={hex HMAC-SHA256 of "v0:{timestamp}:{raw body}" keyed with the signing
 * secret}`. Apps must refuse a wrong signature and timestamps older than 5 minutes. Redeliveries add
 * `x-slack-retry-num` (1..3) and `x-slack-retry-reason` (e.g. `http_timeout`).
 *
 * ```ts
 * const sent = await postSigned("http://127.0.0.1:3000/slack/events", JSON.stringify(envelope), {
 *   signingSecret: "secret",
 *   contentType: "application/json",
 * });
 * sent.status; // 200
 * sent.ackMs;  // time until the response headers arrived
 * ```
 */
import { createHmac } from "node:crypto";

export function slackSignature(signingSecret: string, timestamp: number | string, body: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

export interface SignedRequestOptions {
  signingSecret: string;
  contentType: "application/json" | "application/x-www-form-urlencoded";
  /** Sign with a wrong secret (the app must answer 401). */
  badSignature?: boolean;
  /** Sign correctly but with a timestamp 6 minutes old (the app must refuse it). */
  staleTimestamp?: boolean;
  /** Adds `x-slack-retry-num` and `x-slack-retry-reason` as Slack's redeliveries do. */
  retryNum?: number;
  retryReason?: string;
  /** Gives up (and reports status 0) after this long; default 10 s. */
  timeoutMs?: number;
}

export interface SignedResponse {
  /** HTTP status, or 0 when the app did not answer in time or refused the connection. */
  status: number;
  body: string;
  headers: Record<string, string>;
  /** Milliseconds from sending to the response (what Slack's 3-second deadline measures). */
  ackMs: number;
  /** Set when the request failed at the network level. */
  error?: string;
}

export async function postSigned(
  url: string,
  body: string,
  options: SignedRequestOptions,
): Promise<SignedResponse> {
  const now = Math.floor(Date.now() / 1000);
  const timestamp = options.staleTimestamp ? now - 6 * 60 : now;
  const secret = options.badSignature ? `${options.signingSecret}-wrong` : options.signingSecret;
  const headers: Record<string, string> = {
    "content-type": options.contentType,
    "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": slackSignature(secret, timestamp, body),
  };
  if (options.retryNum !== undefined) {
    headers["x-slack-retry-num"] = String(options.retryNum);
    headers["x-slack-retry-reason"] = options.retryReason ?? "http_timeout";
  }
  const started = performance.now();
  try {
    const response = await fetch(url, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const ackMs = performance.now() - started;
    const text = await response.text();
    return { status: response.status, body: text, headers: Object.fromEntries(response.headers), ackMs };
  } catch (error) {
    return { status: 0, body: "", headers: {}, ackMs: performance.now() - started, error: String(error) };
  }
}
