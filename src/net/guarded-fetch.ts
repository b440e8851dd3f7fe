import type { LookupAddress } from "node:dns";
import { lookup as systemLookup } from "node:dns/promises";
import * as http from "node:http";
import * as https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { BotError } from "../errors.js";
import { describeSize } from "../text.js";
import { untilAborted } from "../time.js";
import { addressCategory, isPublicAddress } from "./address.js";
import { fetchedFileName } from "./filename.js";
import {
  bareHostname,
  PRIVATE_ADDRESS_MESSAGE,
  PrivateHostAllowList,
  parseFetchableUrl,
  portOf,
} from "./policy.js";

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to every address it has. Injectable so tests can script DNS answers. */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export interface GuardedFetchOptions {
  /** Largest body accepted, counted while streaming. */
  readonly maxBytes: number;
  /** One deadline for the whole fetch: lookups, every redirect hop and the body. */
  readonly timeoutMs: number;
  /** Redirects followed at most (default 3); each hop is checked like the first URL. */
  readonly maxRedirects?: number;
  /**
   * Operator-configured endpoints that may be private, each `host:port` or `http(s)://host[:port]`
   * (e.g. `127.0.0.1:8080` for a self-hosted inference server). An entry matches that exact host name
   * and port, or that exact resolved address and port; every other private address stays refused.
   */
  readonly allowPrivateHosts?: readonly string[];
  /** Default content-type filter: entries ending in `/` are prefixes (`image/`), others exact types. */
  readonly allowedContentTypes?: readonly string[];
  /** DNS resolver used once per hop (default: the system resolver via dns.lookup with all: true). */
  readonly lookup?: HostResolver;
  readonly userAgent?: string;
}

export interface FetchRequest {
  /** Aborts the fetch; the rejection is the signal's reason (an AbortError unless it says otherwise). */
  readonly signal?: AbortSignal;
  /** Replaces the fetch's default content-type filter for this call. */
  readonly allowedContentTypes?: readonly string[];
  /** Replaces the default size cap for this call (e.g. a smaller one for a thumbnail). */
  readonly maxBytes?: number;
  /** Replaces the default overall deadline for this call. */
  readonly timeoutMs?: number;
}

export interface FetchedFile {
  readonly bytes: Uint8Array;
  /** The media type without parameters, lower case; `application/octet-stream` when the server sent none. */
  readonly contentType: string;
  /** The URL the bytes finally came from, after redirects. */
  readonly url: string;
  /** A safe file name: from Content-Disposition, else the final URL's path, else `download`. */
  readonly name: string;
}

export type GuardedFetch = (url: string | URL, request?: FetchRequest) => Promise<FetchedFile>;

/** A non-2xx answer, with its status. */
export class FetchStatusError extends BotError {
  readonly status: number;

  constructor(status: number, url: URL) {
    super("fetch_failed", `HTTP ${status} from ${url.host}`, {
      userMessage: `The link answered with an error (HTTP ${status}).`,
    });
    this.status = status;
  }
}

export const TIMEOUT_MESSAGE = "The link took too long to answer.";
const DEFAULT_MAX_REDIRECTS = 3;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function tooLarge(maxBytes: number, detail: string): BotError {
  return new BotError("input_too_large", `${detail} (limit ${maxBytes} bytes)`, {
    userMessage: `The file at that link is larger than ${describeSize(maxBytes)}.`,
  });
}

const systemResolver: HostResolver = async (hostname) => {
  const found = await systemLookup(hostname, { all: true });
  return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
};

/**
 * A `lookup` for http.request that answers only with addresses already checked, so the socket connects
 * to exactly what was vetted: a resolver that answers differently the second time (DNS rebinding) is
 * never asked a second time.
 */
export function pinnedLookup(expectedHost: string, addresses: readonly ResolvedAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === "IPv4" ? 4 : options.family === "IPv6" ? 6 : options.family;
    const usable = family === 4 || family === 6 ? addresses.filter((a) => a.family === family) : addresses;
    const first = usable[0];
    // The callback must be asynchronous, as dns.lookup's is; net relies on that ordering.
    process.nextTick(() => {
      if (hostname !== expectedHost || first === undefined) {
        const error: NodeJS.ErrnoException = new Error(`no checked address for ${hostname}`);
        error.code = "ENOTFOUND";
        callback(error, "", 0);
      } else if (options.all) {
        const all: LookupAddress[] = usable.map((a) => ({ address: a.address, family: a.family }));
        callback(null, all);
      } else {
        callback(null, first.address, first.family);
      }
    });
  };
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

function openResponse(
  url: URL,
  addresses: readonly ResolvedAddress[],
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const host = bareHostname(url);
    const isHttps = url.protocol === "https:";
    const options: https.RequestOptions = {
      protocol: url.protocol,
      hostname: host,
      port: portOf(url),
      path: `${url.pathname}${url.search}`,
      method: "GET",
      headers: { ...headers, host: url.host },
      // No pooling: a pooled socket is keyed by host name, not by the address this hop vetted.
      agent: false,
      lookup: pinnedLookup(host, addresses),
    };
    // Certificate and SNI stay bound to the name in the URL even though the socket goes to a fixed address.
    if (isHttps && isIP(host) === 0) options.servername = host;
    const request = (isHttps ? https : http).request(options);
    const onAbort = (): void => {
      request.destroy(asError(signal.reason));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    request.once("response", (response) => {
      signal.removeEventListener("abort", onAbort);
      resolve(response);
    });
    // `on`, not `once`: a late socket error after the response must not become an unhandled 'error'.
    request.on("error", (error) => {
      signal.removeEventListener("abort", onAbort);
      reject(error);
    });
    if (signal.aborted) onAbort();
    else request.end();
  });
}

/** Reads the body, counting bytes as they arrive; more than `limit` fails. */
async function readBody(
  response: http.IncomingMessage,
  limit: number,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const onAbort = (): void => {
    response.destroy(asError(signal.reason));
  };
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) onAbort();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response) {
      const bytes = chunk as Buffer;
      if (total + bytes.length > limit) throw tooLarge(limit, `body exceeded the limit after ${total} bytes`);
      chunks.push(bytes);
      total += bytes.length;
    }
  } finally {
    signal.removeEventListener("abort", onAbort);
    response.destroy();
  }
  // A fresh array rather than Buffer.concat: small Buffers share an 8 KB pool, so `.buffer` would expose
  // unrelated memory to whoever reads the ArrayBuffer.
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function mediaTypeOf(header: string | undefined): string {
  const type = (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "" ? "application/octet-stream" : type;
}

function contentTypeAllowed(type: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const wanted = entry.trim().toLowerCase();
    return wanted.endsWith("/") ? type.startsWith(wanted) : type === wanted;
  });
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  "image/": "an image",
  "audio/": "an audio file",
  "video/": "a video",
  "text/": "a text file",
};

function describeAllowedTypes(allowed: readonly string[]): string {
  const words = allowed.map((entry) => TYPE_WORDS[entry.trim().toLowerCase()] ?? entry.trim());
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

function positive(value: number, name: string, allowZero = false): number {
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new BotError("config_invalid", `guarded fetch: ${name} must be a positive number, got ${value}`);
  }
  return value;
}

/**
 * Builds the one fetch used for every link a user or a plan supplies. Policy, in order, for the first URL
 * and again for every redirect hop: http(s) only; the host resolved once and every address checked
 * (unless the operator allowed that endpoint); the socket pinned to the checked addresses. The body is
 * counted while streaming against `maxBytes`, and one deadline covers everything.
 */
export function createGuardedFetch(options: GuardedFetchOptions): GuardedFetch {
  const defaultMaxBytes = positive(options.maxBytes, "maxBytes");
  const defaultTimeoutMs = positive(options.timeoutMs, "timeoutMs");
  const maxRedirects = Math.floor(
    positive(options.maxRedirects ?? DEFAULT_MAX_REDIRECTS, "maxRedirects", true),
  );
  const allowList = new PrivateHostAllowList(options.allowPrivateHosts);
  const resolve = options.lookup ?? systemResolver;
  const headers = {
    "user-agent": options.userAgent ?? "hugginggpt-bot",
    accept: "*/*",
    // Compressed bodies would make the size cap count compressed bytes; ask for the real ones.
    "accept-encoding": "identity",
  };

  async function checkedAddresses(url: URL, signal: AbortSignal): Promise<readonly ResolvedAddress[]> {
    const host = bareHostname(url);
    const literalFamily = isIP(host);
    let addresses: readonly ResolvedAddress[];
    if (literalFamily === 4 || literalFamily === 6) {
      addresses = [{ address: host, family: literalFamily }];
    } else {
      try {
        addresses = await untilAborted(resolve(host), signal);
      } catch (cause) {
        if (signal.aborted) throw signal.reason;
        throw new BotError("fetch_failed", `cannot resolve ${host}`, {
          userMessage: "The link's server could not be found.",
          cause,
        });
      }
      if (addresses.length === 0) {
        throw new BotError("fetch_failed", `no address for ${host}`, {
          userMessage: "The link's server could not be found.",
        });
      }
    }
    if (allowList.allowsUrl(url)) return addresses;
    const port = portOf(url);
    for (const { address } of addresses) {
      if (isPublicAddress(address) || allowList.allowsAddress(address, port, url.protocol)) continue;
      throw new BotError(
        "url_refused",
        `${host} resolves to ${address} (${addressCategory(address)}), which is not a public address`,
        { userMessage: PRIVATE_ADDRESS_MESSAGE },
      );
    }
    return addresses;
  }

  async function follow(first: URL, request: FetchRequest, maxBytes: number, signal: AbortSignal) {
    let url = first;
    for (let redirects = 0; ; redirects++) {
      const addresses = await checkedAddresses(url, signal);
      let response: http.IncomingMessage;
      try {
        response = await openResponse(url, addresses, headers, signal);
      } catch (cause) {
        if (signal.aborted) throw signal.reason;
        throw new BotError("fetch_failed", `cannot connect to ${url.host}: ${asError(cause).message}`, {
          userMessage: "The link could not be reached.",
          cause,
        });
      }
      const status = response.statusCode ?? 0;

      if (REDIRECT_STATUSES.has(status)) {
        const location = response.headers.location;
        response.destroy();
        if (!location) {
          throw new BotError("fetch_failed", `HTTP ${status} without Location from ${url.host}`, {
            userMessage: "The link redirected to nowhere.",
          });
        }
        if (redirects >= maxRedirects) {
          throw new BotError("fetch_failed", `more than ${maxRedirects} redirects`, {
            userMessage: "The link redirected too many times.",
          });
        }
        let target: URL;
        try {
          target = new URL(location, url);
        } catch (cause) {
          throw new BotError("fetch_failed", `bad Location from ${url.host}`, {
            userMessage: "The link redirected to an invalid address.",
            cause,
          });
        }
        url = parseFetchableUrl(target);
        continue;
      }

      if (status < 200 || status > 299) {
        response.destroy();
        throw new FetchStatusError(status, url);
      }

      const contentType = mediaTypeOf(response.headers["content-type"]);
      const allowedTypes = request.allowedContentTypes ?? options.allowedContentTypes;
      if (allowedTypes && allowedTypes.length > 0 && !contentTypeAllowed(contentType, allowedTypes)) {
        response.destroy();
        throw new BotError(
          "input_invalid",
          `content type ${contentType} not in [${allowedTypes.join(", ")}]`,
          {
            userMessage: `The file at that link is ${contentType}, not ${describeAllowedTypes(allowedTypes)}.`,
          },
        );
      }

      // A declared size over the limit is refused before reading; a smaller one is not trusted.
      const declared = Number(response.headers["content-length"]);
      if (Number.isFinite(declared) && declared > maxBytes) {
        response.destroy();
        throw tooLarge(maxBytes, `Content-Length ${declared}`);
      }

      let bytes: Uint8Array;
      try {
        bytes = await readBody(response, maxBytes, signal);
      } catch (cause) {
        if (signal.aborted) throw signal.reason;
        if (cause instanceof BotError) throw cause;
        throw new BotError("fetch_failed", `download from ${url.host} broke off: ${asError(cause).message}`, {
          userMessage: "The download from that link was interrupted.",
          cause,
        });
      }
      return {
        bytes,
        contentType,
        url: url.href,
        name: fetchedFileName(response.headers["content-disposition"], url),
      };
    }
  }

  return async function guardedFetch(input, request = {}) {
    const url = parseFetchableUrl(input);
    const maxBytes = positive(request.maxBytes ?? defaultMaxBytes, "maxBytes");
    const timeoutMs = positive(request.timeoutMs ?? defaultTimeoutMs, "timeoutMs");
    const external = request.signal;
    if (external?.aborted) throw external.reason;

    const controller = new AbortController();
    const timer = setTimeout(() => {
      controller.abort(
        new BotError("fetch_failed", `no complete answer from ${url.host} within ${timeoutMs} ms`, {
          userMessage: TIMEOUT_MESSAGE,
        }),
      );
    }, timeoutMs);
    const onExternalAbort = (): void => controller.abort(external?.reason);
    external?.addEventListener("abort", onExternalAbort, { once: true });
    try {
      return await follow(url, request, maxBytes, controller.signal);
    } catch (error) {
      // Whatever broke first, an expired deadline or a caller's abort is the real cause.
      if (controller.signal.aborted) throw controller.signal.reason;
      throw error;
    } finally {
      clearTimeout(timer);
      external?.removeEventListener("abort", onExternalAbort);
    }
  };
}
