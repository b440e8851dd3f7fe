/**
 * Who may talk to the playground. It has no accounts: whoever opens the page gets a session cookie,
 * and only the browser holding it sees its threads and files. What it must refuse is other sites open
 * in the same browser: a page elsewhere can send requests to 127.0.0.1, and a DNS name rebound to
 * 127.0.0.1 can even read the answers. So the Host must be one of the server's own names, and any
 * request that changes something must come from the server's own origin.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { isIPv4, isIPv6 } from "node:net";
import { newId } from "./store.js";

export const SESSION_COOKIE = "hgb_session";

/** The page's Content-Security-Policy: everything from the server itself, nothing inline. */
export const PAGE_CSP =
  "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** Files are served as data, never as documents that could run script. */
export const FILE_CSP = "default-src 'none'; sandbox";

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/**
 * The Host headers the server answers: its loopback names with its port when bound to loopback; with
 * WEB_HOST set to another address, that address too (the operator chose to expose it).
 */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set(LOOPBACK_NAMES);
  if (!isLoopback(host) && host !== "0.0.0.0" && host !== "::")
    names.add(host.includes(":") ? `[${host}]` : host);
  return new Set([...names].map((name) => `${name}:${port}`));
}

function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1";
}

/**
 * Why a request is refused, or undefined when it may go on.
 * - Host not one of the server's names → refused (DNS rebinding), unless the server listens on all
 *   interfaces, where any Host is its own.
 * - A request that is not GET/HEAD → its Origin must be `http://<Host>`; a browser always sends it.
 * - Any request a browser marks as cross-site (`Sec-Fetch-Site: cross-site`) → refused.
 */
export function refusal(request: IncomingMessage, hosts: Set<string>, anyHost: boolean): string | undefined {
  const host = request.headers.host ?? "";
  if (!anyHost && !hosts.has(host.toLowerCase())) return "This server answers only on its own address.";
  const site = request.headers["sec-fetch-site"];
  // Opening the page from a link elsewhere (a chat, a README) is a navigation: the page loads, and
  // everything it then asks for is same-origin.
  const opensPage =
    request.method === "GET" &&
    request.headers["sec-fetch-mode"] === "navigate" &&
    request.headers["sec-fetch-dest"] === "document" &&
    new URL(request.url ?? "/", "http://localhost").pathname === "/";
  if ((site === "cross-site" || site === "same-site") && !opensPage) {
    return "Requests from other sites are not accepted.";
  }
  const method = request.method ?? "GET";
  if (method !== "GET" && method !== "HEAD") {
    const origin = request.headers.origin;
    if (origin !== `http://${host}`) return "Requests from other sites are not accepted.";
  }
  return undefined;
}

/**
 * Whom a request comes from, as the limit on new sessions counts it: the address of the connection
 * itself. X-Forwarded-For is not read: any client can write anything there. Behind a reverse proxy
 * every client therefore counts as the proxy.
 */
export function clientAddress(request: IncomingMessage): string {
  return addressGroup(request.socket.remoteAddress ?? "");
}

/**
 * An address as one client: IPv4 as it is (also when mapped into IPv6), IPv6 by its first 64 bits,
 * since one machine is usually given a whole /64 and may take any address in it.
 * `addressGroup("2001:db8::1")` → `"2001:db8:0:0::/64"`.
 */
export function addressGroup(address: string): string {
  const plain = address.replace(/%.*$/, "");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(plain)?.[1];
  if (mapped) return mapped;
  if (isIPv4(plain)) return plain;
  if (!isIPv6(plain)) return plain || "unknown";
  const [head = "", tail] = plain.split("::", 2);
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  // A dotted IPv4 tail ("::1.2.3.4") stands for two groups.
  const width = (parts: string[]) => parts.reduce((sum, part) => sum + (part.includes(".") ? 2 : 1), 0);
  const first = groups(head);
  const last = tail === undefined ? [] : groups(tail);
  const zeros = tail === undefined ? 0 : 8 - width(first) - width(last);
  const all = [...first, ...Array<string>(zeros).fill("0"), ...last];
  return `${all
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(":")}::/64`;
}

/**
 * Browser sessions the server itself issued: the cookie is `<id>.<signature>`, signed with a secret
 * the server keeps, so a made-up cookie is no session (and cannot dodge the per-session rate limit).
 */
export interface Sessions {
  /** The session id from the request's cookie, when it carries one this server issued. */
  of(request: IncomingMessage): string | undefined;
  /** A new session id and the Set-Cookie header that gives it to the browser. */
  issue(): { id: string; cookie: string };
}

export function createSessions(secret: string): Sessions {
  const sign = (id: string) => createHmac("sha256", secret).update(id).digest("base64url").slice(0, 22);
  return {
    of(request) {
      const cookie = request.headers.cookie ?? "";
      for (const part of cookie.split(";")) {
        const [name, value] = part.trim().split("=", 2);
        if (name !== SESSION_COOKIE || !value) continue;
        const [id, signature] = value.split(".", 2);
        if (!id || !signature || !/^[\w-]{16,64}$/.test(id)) continue;
        const expected = Buffer.from(sign(id));
        const given = Buffer.from(signature);
        if (expected.length === given.length && timingSafeEqual(expected, given)) return id;
      }
      return undefined;
    },
    issue() {
      const id = newId(18);
      return {
        id,
        // Lax, not Strict: opening the page from a link elsewhere must find the same session. Requests
        // from other sites are refused above whatever the cookie does.
        cookie: `${SESSION_COOKIE}=${id}.${sign(id)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${30 * 24 * 3600}`,
      };
    },
  };
}
