import { BotError } from "../errors.js";
import { canonicalAddress } from "./address.js";

export const SCHEME_REFUSED_MESSAGE = "Only http:// and https:// links can be fetched.";
export const PRIVATE_ADDRESS_MESSAGE = "That link points to a private network address and cannot be fetched.";

const DEFAULT_PORTS: Readonly<Record<string, number>> = { "http:": 80, "https:": 443 };

/**
 * Parses a link that a user or a plan supplied. Anything that is not an absolute http(s) URL is refused
 * here, before any lookup: local paths, `file:`, `data:`, `ftp:`, `javascript:` and so on. The WHATWG
 * parser also normalizes numeric host tricks (`2130706433`, `0x7f.1`, `0177.0.0.1`) to a dotted quad,
 * so the address check later sees the real address.
 */
export function parseFetchableUrl(input: string | URL): URL {
  let url: URL;
  try {
    url = new URL(typeof input === "string" ? input.trim() : input.href);
  } catch (cause) {
    throw new BotError("url_refused", "not an absolute URL", { userMessage: SCHEME_REFUSED_MESSAGE, cause });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BotError("url_refused", `scheme ${url.protocol} refused`, {
      userMessage: SCHEME_REFUSED_MESSAGE,
    });
  }
  if (url.hostname === "") {
    throw new BotError("url_refused", "URL without a host", { userMessage: SCHEME_REFUSED_MESSAGE });
  }
  // Credentials in a link are never sent, and dropping them keeps them out of logs and results.
  url.username = "";
  url.password = "";
  return url;
}

/** The port a URL connects to, with the scheme's default filled in. */
export function portOf(url: URL): number {
  return url.port === "" ? (DEFAULT_PORTS[url.protocol] ?? 0) : Number(url.port);
}

/** A URL's host without IPv6 brackets, as the socket layer wants it. */
export function bareHostname(url: URL): string {
  const host = url.hostname;
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

interface AllowEntry {
  /** null: any of http and https. */
  readonly protocol: string | null;
  /** Lower-case host as the WHATWG parser writes it (IPv6 without brackets, canonical). */
  readonly host: string;
  readonly port: number;
}

/**
 * The operator's explicit exceptions to the private-address rule: endpoints they configured themselves
 * (a self-hosted inference server on 127.0.0.1, a compose service name). An entry is `host:port` or an
 * origin `http(s)://host[:port]`; it matches a URL whose host and port are exactly those, or a connection
 * whose resolved address and port are exactly those. Nothing wider (no ports ranges, no wildcards), so
 * allowing one endpoint never opens its neighbours.
 */
export class PrivateHostAllowList {
  private readonly entries: readonly AllowEntry[];

  constructor(entries: readonly string[] = []) {
    this.entries = entries.map(parseAllowEntry);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Whether the URL itself names an allowed endpoint (then its addresses are not checked). */
  allowsUrl(url: URL): boolean {
    const host = normalizeHost(bareHostname(url));
    const port = portOf(url);
    return this.entries.some(
      (e) => (e.protocol === null || e.protocol === url.protocol) && e.host === host && e.port === port,
    );
  }

  /** Whether a connection to this resolved address and port is allowed although the address is private. */
  allowsAddress(address: string, port: number, protocol: string): boolean {
    const canonical = canonicalAddress(address);
    if (canonical === null) return false;
    return this.entries.some(
      (e) => (e.protocol === null || e.protocol === protocol) && e.host === canonical && e.port === port,
    );
  }
}

function normalizeHost(host: string): string {
  return canonicalAddress(host) ?? host.toLowerCase();
}

function parseAllowEntry(entry: string): AllowEntry {
  const text = entry.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  let url: URL;
  try {
    url = new URL(hasScheme ? text : `http://${text}`);
  } catch (cause) {
    throw new BotError("config_invalid", `allowed private host "${entry}" is not host:port or an origin`, {
      cause,
    });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BotError("config_invalid", `allowed private host "${entry}" must be http or https`);
  }
  // Without a scheme there is no default port to fall back on, and "any port" would be far too wide.
  if (!hasScheme && url.port === "" && !/:80$/.test(text)) {
    throw new BotError("config_invalid", `allowed private host "${entry}" needs a port (host:port)`);
  }
  return {
    protocol: hasScheme ? url.protocol : null,
    host: normalizeHost(bareHostname(url)),
    port: portOf(url),
  };
}
