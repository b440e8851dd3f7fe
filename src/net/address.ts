import { isIPv4, isIPv6 } from "node:net";

/**
 * Where an IP address points, as far as fetching a user-supplied link is concerned. Only `public` may be
 * fetched without an explicit allow-list entry; everything else could reach the bot's own machine, its
 * network or a cloud metadata service (SSRF).
 */
export type AddressCategory =
  | "public"
  | "unspecified"
  | "loopback"
  | "private"
  | "link-local"
  | "shared"
  | "multicast"
  | "documentation"
  | "reserved"
  | "invalid";

type Ipv4 = readonly [number, number, number, number];

interface Ipv4Range {
  readonly base: Ipv4;
  readonly bits: number;
  readonly category: AddressCategory;
}

// Order matters: the first match wins, so the narrow 0.0.0.0/32 comes before 0.0.0.0/8.
const IPV4_RANGES: readonly Ipv4Range[] = [
  { base: [0, 0, 0, 0], bits: 32, category: "unspecified" },
  { base: [0, 0, 0, 0], bits: 8, category: "reserved" },
  { base: [10, 0, 0, 0], bits: 8, category: "private" },
  { base: [100, 64, 0, 0], bits: 10, category: "shared" },
  { base: [127, 0, 0, 0], bits: 8, category: "loopback" },
  { base: [169, 254, 0, 0], bits: 16, category: "link-local" },
  { base: [172, 16, 0, 0], bits: 12, category: "private" },
  { base: [192, 0, 0, 0], bits: 24, category: "reserved" },
  { base: [192, 0, 2, 0], bits: 24, category: "documentation" },
  { base: [192, 88, 99, 0], bits: 24, category: "reserved" },
  { base: [192, 168, 0, 0], bits: 16, category: "private" },
  { base: [198, 18, 0, 0], bits: 15, category: "reserved" },
  { base: [198, 51, 100, 0], bits: 24, category: "documentation" },
  { base: [203, 0, 113, 0], bits: 24, category: "documentation" },
  { base: [224, 0, 0, 0], bits: 4, category: "multicast" },
  { base: [240, 0, 0, 0], bits: 4, category: "reserved" },
];

function ipv4ToInt(ip: Ipv4): number {
  return ((ip[0] << 24) | (ip[1] << 16) | (ip[2] << 8) | ip[3]) >>> 0;
}

function parseIpv4(text: string): Ipv4 | null {
  // Only the canonical dotted quad: resolvers and the WHATWG URL parser both produce it, and anything
  // else (octal, hex, short forms) is treated as not-an-address so that it fails closed.
  if (!isIPv4(text)) return null;
  const parts = text.split(".").map(Number);
  const [a, b, c, d] = parts;
  if (a === undefined || b === undefined || c === undefined || d === undefined) return null;
  return [a, b, c, d];
}

function categoryOfIpv4(ip: Ipv4): AddressCategory {
  const value = ipv4ToInt(ip);
  for (const range of IPV4_RANGES) {
    const mask = range.bits === 0 ? 0 : (0xffffffff << (32 - range.bits)) >>> 0;
    if ((value & mask) >>> 0 === (ipv4ToInt(range.base) & mask) >>> 0) return range.category;
  }
  return "public";
}

/** Eight 16-bit groups, or null when the text is not an IPv6 address. A zone id (`%eth0`) is ignored. */
function parseIpv6(text: string): number[] | null {
  let s = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!isIPv6(s)) return null;
  const lastColon = s.lastIndexOf(":");
  const tail = s.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = parseIpv4(tail);
    if (!v4) return null;
    s = `${s.slice(0, lastColon + 1)}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = s.split("::");
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length > 1 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - rest.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const groups = [...head, ...Array<string>(missing).fill("0"), ...rest].map((g) => Number.parseInt(g, 16));
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g) || g < 0 || g > 0xffff)) return null;
  return groups;
}

function embeddedIpv4(high: number, low: number): Ipv4 {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff];
}

function categoryOfIpv6(g: readonly number[]): AddressCategory {
  const at = (i: number): number => g[i] ?? 0;
  const zeroUpTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);

  if (zeroUpTo(8)) return "unspecified";
  if (zeroUpTo(7) && at(7) === 1) return "loopback";
  // ::ffff:a.b.c.d reaches the IPv4 address itself, so it is exactly as safe as that address.
  if (zeroUpTo(5) && at(5) === 0xffff) return categoryOfIpv4(embeddedIpv4(at(6), at(7)));
  // ::a.b.c.d (IPv4-compatible) is deprecated and has no legitimate use; name the embedded range when
  // it is a dangerous one so the log says "loopback" for ::127.0.0.1.
  if (zeroUpTo(6)) {
    const inner = categoryOfIpv4(embeddedIpv4(at(6), at(7)));
    return inner === "public" ? "reserved" : inner;
  }
  // ::ffff:0:a.b.c.d (SIIT) — never a destination we need.
  if (zeroUpTo(4) && at(4) === 0xffff && at(5) === 0) return "reserved";
  // 64:ff9b::/96 is the well-known NAT64 prefix: the gateway forwards to the embedded IPv4 address.
  if (at(0) === 0x64 && at(1) === 0xff9b && at(2) === 0 && at(3) === 0 && at(4) === 0 && at(5) === 0) {
    return categoryOfIpv4(embeddedIpv4(at(6), at(7)));
  }
  if (at(0) === 0x64 && at(1) === 0xff9b && at(2) === 1) return "private";
  if (at(0) === 0x100 && at(1) === 0 && at(2) === 0 && at(3) === 0) return "reserved";
  if (at(0) === 0x2001 && at(1) === 0x0db8) return "documentation";
  // 2001::/23 holds Teredo (which embeds an obfuscated IPv4 address), ORCHID and benchmarking ranges.
  if (at(0) === 0x2001 && at(1) < 0x200) return "reserved";
  if (at(0) === 0x2002) {
    // 6to4 is deprecated; refuse it, naming the embedded IPv4 range when that one is the real danger.
    const inner = categoryOfIpv4(embeddedIpv4(at(1), at(2)));
    return inner === "public" ? "reserved" : inner;
  }
  if (at(0) === 0x3fff && at(1) < 0x1000) return "documentation";
  if ((at(0) & 0xfe00) === 0xfc00) return "private";
  if ((at(0) & 0xffc0) === 0xfe80) return "link-local";
  if ((at(0) & 0xffc0) === 0xfec0) return "private";
  if ((at(0) & 0xff00) === 0xff00) return "multicast";
  // Only 2000::/3 is allocated as global unicast; anything else is unassigned space.
  if ((at(0) & 0xe000) === 0x2000) return "public";
  return "reserved";
}

/**
 * The category of an IP address literal (IPv4 dotted quad or IPv6, with or without brackets or a zone id).
 * Text that is not a canonical address is `invalid`, never `public`.
 */
export function addressCategory(ip: string): AddressCategory {
  const v4 = parseIpv4(ip);
  if (v4) return categoryOfIpv4(v4);
  const v6 = parseIpv6(ip);
  if (v6) return categoryOfIpv6(v6);
  return "invalid";
}

/** True only for a globally routable unicast address; loopback, private, link-local, etc. are false. */
export function isPublicAddress(ip: string): boolean {
  return addressCategory(ip) === "public";
}

/**
 * The canonical text of an IP literal (brackets and zone removed, IPv6 compressed the way the WHATWG URL
 * parser writes it), or null when the text is not an IP address. Used to compare addresses reliably.
 */
export function canonicalAddress(ip: string): string | null {
  const v4 = parseIpv4(ip);
  if (v4) return v4.join(".");
  const v6 = parseIpv6(ip);
  if (!v6) return null;
  try {
    return new URL(`http://[${v6.map((g) => g.toString(16)).join(":")}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
}
