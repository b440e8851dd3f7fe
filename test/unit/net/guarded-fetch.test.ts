import type { LookupAddress, LookupOptions } from "node:dns";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BotError, isAbortError } from "../../../src/errors.js";
import {
  createGuardedFetch,
  FetchStatusError,
  type GuardedFetchOptions,
  type HostResolver,
  pinnedLookup,
  type ResolvedAddress,
  TIMEOUT_MESSAGE,
} from "../../../src/net/guarded-fetch.js";
import { PRIVATE_ADDRESS_MESSAGE, SCHEME_REFUSED_MESSAGE } from "../../../src/net/policy.js";
import {
  canListenOn,
  type RawServer,
  type RecordingServer,
  startRawServer,
  startRecordingServer,
} from "../../fakes/recording-server.js";

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MAX = 1000;

function drip(res: ServerResponse, contentType = "image/png"): void {
  res.writeHead(200, { "content-type": contentType });
  const timer = setInterval(() => res.write("x"), 200);
  res.on("close", () => clearInterval(timer));
}

/** The allowed server: the one origin the tests put on the allow-list. */
let allowed: RecordingServer;
/** A loopback server that is NOT allowed: every test that targets it asserts it was never reached. */
let forbidden: RecordingServer;

beforeAll(async () => {
  forbidden = await startRecordingServer((_req, res) => res.end("secret"));
  allowed = await startRecordingServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const path = url.pathname;
    if (path === "/file.png") {
      res.writeHead(200, {
        "content-type": "Image/PNG; q=1",
        "content-disposition": 'attachment; filename="cat.png"',
      });
      res.end(PNG);
    } else if (path === "/audio/clip.wav") {
      res.writeHead(200, { "content-type": "audio/wav" });
      res.end("RIFF");
    } else if (path === "/page.html") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end("<html></html>");
    } else if (path === "/untyped") {
      res.end("??");
    } else if (path.startsWith("/status/")) {
      const status = Number(path.slice("/status/".length));
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "Model is loading", estimated_time: 20 }));
    } else if (path === "/redirect") {
      res.writeHead(Number(url.searchParams.get("status") ?? 302), {
        location: url.searchParams.get("to") ?? "",
      });
      res.end();
    } else if (path.startsWith("/loop/")) {
      const n = Number(path.slice("/loop/".length));
      res.writeHead(302, { location: `/loop/${n + 1}` });
      res.end();
    } else if (path.startsWith("/chain/")) {
      const n = Number(path.slice("/chain/".length));
      res.writeHead(
        n > 0 ? 301 : 200,
        n > 0 ? { location: `/chain/${n - 1}` } : { "content-type": "image/png" },
      );
      res.end(n > 0 ? "" : PNG);
    } else if (path === "/declared-huge") {
      // The claim alone must be enough to refuse: only one byte ever follows it.
      res.writeHead(200, { "content-type": "image/png", "content-length": String(30 * 1024 * 1024) });
      res.write("x");
    } else if (path === "/chunked") {
      res.writeHead(200, { "content-type": "image/png" });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(Buffer.alloc(250, 1));
        if (++sent === 20) {
          clearInterval(timer);
          res.end();
        }
      }, 5);
      res.on("close", () => clearInterval(timer));
    } else if (path === "/exact") {
      res.writeHead(200, { "content-type": "image/png" });
      res.end(Buffer.alloc(MAX, 7));
    } else if (path === "/drip") {
      drip(res);
    } else if (path === "/hang") {
      // Never answers.
    } else {
      res.writeHead(404);
      res.end("not here");
    }
  });
});

afterAll(async () => {
  await Promise.all([allowed.close(), forbidden.close()]);
});

beforeEach(() => {
  allowed.hits.length = 0;
  forbidden.hits.length = 0;
});

/** A scripted DNS: answers from the table (per call, so a test can change its mind) and counts calls. */
function scriptedDns(answer: (hostname: string, call: number) => readonly string[]) {
  const calls: string[] = [];
  const resolve: HostResolver = async (hostname) => {
    calls.push(hostname);
    return answer(hostname, calls.length).map(
      (address): ResolvedAddress => ({ address, family: address.includes(":") ? 6 : 4 }),
    );
  };
  return { resolve, calls };
}

function makeFetch(extra: Partial<GuardedFetchOptions> = {}, dns = scriptedDns(() => [])) {
  const fetch = createGuardedFetch({
    maxBytes: MAX,
    timeoutMs: 5000,
    maxRedirects: 3,
    allowPrivateHosts: [allowed.hostPort],
    lookup: dns.resolve,
    ...extra,
  });
  return { fetch, dnsCalls: dns.calls };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the fetch to fail");
}

async function botFailure(promise: Promise<unknown>): Promise<BotError> {
  const error = await failure(promise);
  expect(error).toBeInstanceOf(BotError);
  return error as BotError;
}

describe("guarded fetch: a permitted download", () => {
  it("returns bytes, media type, final URL and a file name", async () => {
    const { fetch } = makeFetch();
    const file = await fetch(`${allowed.url}/file.png`);
    expect(Buffer.from(file.bytes).equals(PNG)).toBe(true);
    expect(file.contentType).toBe("image/png");
    expect(file.url).toBe(`${allowed.url}/file.png`);
    expect(file.name).toBe("cat.png");
    // A fresh ArrayBuffer, not a view into a shared pool.
    expect(file.bytes.buffer.byteLength).toBe(PNG.length);
    const hit = allowed.hits[0];
    expect(hit?.headers.host).toBe(allowed.hostPort);
    expect(hit?.headers["accept-encoding"]).toBe("identity");
  });

  it("names the file after the path when there is no Content-Disposition", async () => {
    const { fetch } = makeFetch();
    expect((await fetch(`${allowed.url}/audio/clip.wav`)).name).toBe("clip.wav");
  });

  it("accepts a body of exactly maxBytes", async () => {
    const { fetch } = makeFetch();
    expect((await fetch(`${allowed.url}/exact`)).bytes.length).toBe(MAX);
  });

  it("reports a non-2xx answer with its status", async () => {
    const { fetch } = makeFetch();
    const error = await failure(fetch(`${allowed.url}/status/503`));
    expect(error).toBeInstanceOf(FetchStatusError);
    const statusError = error as FetchStatusError;
    expect(statusError.code).toBe("fetch_failed");
    expect(statusError.status).toBe(503);
    expect(statusError.userMessage).toBe("The link answered with an error (HTTP 503).");
  });

  it("rejects invalid limits as a configuration error", () => {
    expect(() => createGuardedFetch({ maxBytes: 0, timeoutMs: 1000 })).toThrow(BotError);
    expect(() => createGuardedFetch({ maxBytes: 10, timeoutMs: Number.NaN })).toThrow(BotError);
    expect(() =>
      createGuardedFetch({ maxBytes: 10, timeoutMs: 10, allowPrivateHosts: ["127.0.0.1"] }),
    ).toThrow(BotError);
  });
});

describe("guarded fetch: schemes and local paths", () => {
  it.each([
    ["file:///etc/passwd"],
    ["data:image/png;base64,iVBORw0KGgo="],
    ["ftp://example.com/a.png"],
    ["javascript:alert(1)"],
    ["/etc/passwd"],
    ["./photo.png"],
    ["C:\\Users\\me\\photo.png"],
    ["photo.png"],
  ])("refuses %j before any lookup or connection", async (input) => {
    const { fetch, dnsCalls } = makeFetch();
    const error = await botFailure(fetch(input));
    expect(error.code).toBe("url_refused");
    expect(error.userMessage).toBe(SCHEME_REFUSED_MESSAGE);
    expect(dnsCalls).toEqual([]);
  });
});

describe("guarded fetch: private addresses", () => {
  it("allows exactly the one configured loopback origin, and refuses another loopback port", async () => {
    const { fetch } = makeFetch();
    await fetch(`${allowed.url}/file.png`);
    expect(allowed.hits).toHaveLength(1);

    const error = await botFailure(fetch(`${forbidden.url}/`));
    expect(error.code).toBe("url_refused");
    expect(error.userMessage).toBe(PRIVATE_ADDRESS_MESSAGE);
    expect(forbidden.hits).toHaveLength(0);
  });

  it("refuses everything when nothing is allowed, even the server the other tests use", async () => {
    const { fetch } = makeFetch({ allowPrivateHosts: [] });
    const error = await botFailure(fetch(`${allowed.url}/file.png`));
    expect(error.code).toBe("url_refused");
    expect(allowed.hits).toHaveLength(0);
  });

  it.each([
    ["127.0.0.1"],
    ["127.0.0.2"],
    ["2130706433"],
    ["0x7f.1"],
    ["0x7f000001"],
    ["0177.0.0.1"],
    ["127.1"],
    ["0.0.0.0"],
    ["0"],
    ["[::1]"],
    ["[::]"],
    ["[::ffff:127.0.0.1]"],
    ["[::ffff:7f00:1]"],
    ["[::127.0.0.1]"],
    ["[0:0:0:0:0:ffff:7f00:1]"],
    ["[64:ff9b::127.0.0.1]"],
  ])("refuses loopback written as %s without reaching the server", async (host) => {
    const { fetch, dnsCalls } = makeFetch();
    const error = await botFailure(fetch(`http://${host}:${forbidden.port}/secret`));
    expect(error.code).toBe("url_refused");
    expect(error.userMessage).toBe(PRIVATE_ADDRESS_MESSAGE);
    expect(forbidden.hits).toHaveLength(0);
    expect(dnsCalls).toEqual([]);
  });

  it.each([
    ["http://10.0.0.1/"],
    ["http://172.16.5.4/"],
    ["http://192.168.1.1/admin"],
    ["http://169.254.169.254/latest/meta-data/"],
    ["http://[::ffff:169.254.169.254]/latest/meta-data/"],
    ["http://[::ffff:a9fe:a9fe]/"],
    ["http://100.64.0.1/"],
    ["http://[fe80::1]/"],
    ["http://[fc00::1]/"],
    ["http://[fd00:ec2::254]/"],
    ["http://224.0.0.1/"],
    ["http://255.255.255.255/"],
    ["https://192.168.0.1/"],
  ])("refuses %s", async (url) => {
    const { fetch } = makeFetch();
    const error = await botFailure(fetch(url));
    expect(error.code).toBe("url_refused");
    expect(error.userMessage).toBe(PRIVATE_ADDRESS_MESSAGE);
  });

  it("refuses a name that the system resolver maps to loopback (localhost)", async () => {
    const fetch = createGuardedFetch({
      maxBytes: MAX,
      timeoutMs: 5000,
      allowPrivateHosts: [allowed.hostPort],
    });
    for (const url of [`http://localhost:${forbidden.port}/`, `https://localhost:${forbidden.port}/`]) {
      const error = await botFailure(fetch(url));
      expect(error.code).toBe("url_refused");
    }
    expect(forbidden.hits).toHaveLength(0);
  });

  it("refuses a name with one public and one private address, whichever comes first", async () => {
    for (const answer of [
      ["93.184.216.34", "127.0.0.1"],
      ["127.0.0.1", "93.184.216.34"],
      ["2606:2800:220:1::1", "::ffff:127.0.0.1"],
    ]) {
      const dns = scriptedDns(() => answer);
      const { fetch } = makeFetch({}, dns);
      const error = await botFailure(fetch(`http://mixed.test:${forbidden.port}/`));
      expect(error.code).toBe("url_refused");
      expect(dns.calls).toEqual(["mixed.test"]);
    }
    expect(forbidden.hits).toHaveLength(0);
  });

  it("allows a configured endpoint named by host name, resolving it once and sending its name as Host", async () => {
    const dns = scriptedDns(() => ["127.0.0.1"]);
    const { fetch } = makeFetch({ allowPrivateHosts: [`http://hf-endpoint.test:${allowed.port}`] }, dns);
    await fetch(`http://hf-endpoint.test:${allowed.port}/file.png`);
    expect(dns.calls).toEqual(["hf-endpoint.test"]);
    expect(allowed.hits[0]?.headers.host).toBe(`hf-endpoint.test:${allowed.port}`);
    // The same name on another port is not the configured endpoint.
    const error = await botFailure(fetch(`http://hf-endpoint.test:${forbidden.port}/`));
    expect(error.code).toBe("url_refused");
    expect(forbidden.hits).toHaveLength(0);
  });

  it("says so when a name does not resolve", async () => {
    const dns = scriptedDns(() => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.test"), { code: "ENOTFOUND" });
    });
    const { fetch } = makeFetch({}, dns);
    const error = await botFailure(fetch("http://nowhere.test/a.png"));
    expect(error.code).toBe("fetch_failed");
    expect(error.userMessage).toBe("The link's server could not be found.");
  });
});

const canUseSecondLoopback = await canListenOn("127.0.0.2");

describe.skipIf(!canUseSecondLoopback)("guarded fetch: DNS rebinding", () => {
  // Two servers on the same port: 127.0.0.2 stands for the address that was checked (and allowed),
  // 127.0.0.1 for the private address a rebinding resolver answers on a second lookup.
  let checked: RecordingServer;
  let rebound: RecordingServer;

  beforeAll(async () => {
    checked = await startRecordingServer((_req, res) => res.end("checked"), { host: "127.0.0.2" });
    rebound = await startRecordingServer((_req, res) => res.end("rebound"), { port: checked.port });
  });

  afterAll(async () => {
    await Promise.all([checked.close(), rebound.close()]);
  });

  beforeEach(() => {
    checked.hits.length = 0;
    rebound.hits.length = 0;
  });

  it("looks the name up once and connects to the address it checked", async () => {
    const dns = scriptedDns((_host, call) => (call === 1 ? ["127.0.0.2"] : ["127.0.0.1"]));
    const { fetch } = makeFetch({ allowPrivateHosts: [checked.hostPort] }, dns);
    const file = await fetch(`http://rebind.test:${checked.port}/`);
    expect(Buffer.from(file.bytes).toString()).toBe("checked");
    expect(dns.calls).toEqual(["rebind.test"]);
    expect(checked.hits).toHaveLength(1);
    expect(checked.hits[0]?.headers.host).toBe(`rebind.test:${checked.port}`);
    expect(rebound.hits).toHaveLength(0);
  });

  it("checks every address, not only the first", async () => {
    const dns = scriptedDns(() => ["127.0.0.2", "127.0.0.1"]);
    const { fetch } = makeFetch({ allowPrivateHosts: [checked.hostPort] }, dns);
    const error = await botFailure(fetch(`http://rebind.test:${checked.port}/`));
    expect(error.code).toBe("url_refused");
    expect(checked.hits).toHaveLength(0);
    expect(rebound.hits).toHaveLength(0);
  });
});

describe("guarded fetch: redirects", () => {
  const redirect = (to: string, status = 302) =>
    `${allowed.url}/redirect?status=${status}&to=${encodeURIComponent(to)}`;

  it("follows redirects within the limit and reports the final URL", async () => {
    const { fetch } = makeFetch();
    const file = await fetch(`${allowed.url}/chain/3`);
    expect(file.url).toBe(`${allowed.url}/chain/0`);
    expect(file.name).toBe("0");
    expect(allowed.hits).toHaveLength(4);
  });

  it("stops after maxRedirects", async () => {
    const { fetch } = makeFetch();
    const error = await botFailure(fetch(`${allowed.url}/loop/0`));
    expect(error.code).toBe("fetch_failed");
    expect(error.userMessage).toBe("The link redirected too many times.");
    expect(allowed.hits.map((h) => h.path)).toEqual(["/loop/0", "/loop/1", "/loop/2", "/loop/3"]);
  });

  it("follows no redirect at all with maxRedirects 0", async () => {
    const { fetch } = makeFetch({ maxRedirects: 0 });
    const error = await botFailure(fetch(`${allowed.url}/chain/1`));
    expect(error.userMessage).toBe("The link redirected too many times.");
  });

  it("refuses a hop to a loopback origin that is not allowed, without reaching it", async () => {
    const { fetch } = makeFetch();
    for (const status of [301, 302, 303, 307, 308]) {
      const error = await botFailure(fetch(redirect(`${forbidden.url}/secret`, status)));
      expect(error.code).toBe("url_refused");
      expect(error.userMessage).toBe(PRIVATE_ADDRESS_MESSAGE);
    }
    expect(allowed.hits).toHaveLength(5);
    expect(forbidden.hits).toHaveLength(0);
  });

  it("refuses a hop to a name that resolves to a private address", async () => {
    const dns = scriptedDns(() => ["127.0.0.1"]);
    const { fetch } = makeFetch({}, dns);
    const error = await botFailure(fetch(redirect(`http://evil.test:${forbidden.port}/`)));
    expect(error.code).toBe("url_refused");
    expect(dns.calls).toEqual(["evil.test"]);
    expect(forbidden.hits).toHaveLength(0);
  });

  it.each([
    ["file:///etc/passwd", SCHEME_REFUSED_MESSAGE],
    ["ftp://example.com/", SCHEME_REFUSED_MESSAGE],
    ["http://169.254.169.254/latest/meta-data/", PRIVATE_ADDRESS_MESSAGE],
    ["http://[::ffff:7f00:1]/", PRIVATE_ADDRESS_MESSAGE],
  ])("refuses a hop to %s", async (target, message) => {
    const { fetch } = makeFetch();
    const error = await botFailure(fetch(redirect(target)));
    expect(error.code).toBe("url_refused");
    expect(error.userMessage).toBe(message);
  });
});

describe("guarded fetch: size cap", () => {
  let raw: RawServer[] = [];

  afterAll(async () => {
    await Promise.all(raw.map((server) => server.close()));
    raw = [];
  });

  async function rawServer(answer: (socket: import("node:net").Socket) => void): Promise<RawServer> {
    const server = await startRawServer(answer);
    raw.push(server);
    return server;
  }

  it("refuses early when Content-Length says the file is too big", async () => {
    const { fetch } = makeFetch({ maxBytes: 20 * 1024 * 1024 });
    const error = await botFailure(fetch(`${allowed.url}/declared-huge`));
    expect(error.code).toBe("input_too_large");
    expect(error.userMessage).toBe("The file at that link is larger than 20 MB.");
  });

  it("counts a chunked body while it streams", async () => {
    const { fetch } = makeFetch();
    const error = await botFailure(fetch(`${allowed.url}/chunked`));
    expect(error.code).toBe("input_too_large");
    expect(error.userMessage).toBe("The file at that link is larger than 1000 bytes.");
  });

  it("counts a body with no Content-Length that runs until the connection closes", async () => {
    const server = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nConnection: close\r\n\r\n");
      socket.end(Buffer.alloc(5000, 1));
    });
    const { fetch } = makeFetch({ allowPrivateHosts: [server.hostPort] });
    const error = await botFailure(fetch(`http://${server.hostPort}/`));
    expect(error.code).toBe("input_too_large");
  });

  it("never delivers more than the body a small Content-Length frames, even if the server sends more", async () => {
    const server = await rawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 100\r\n\r\n");
      socket.end(Buffer.alloc(5000, 1));
    });
    const { fetch } = makeFetch({ allowPrivateHosts: [server.hostPort] });
    const file = await fetch(`http://${server.hostPort}/`);
    expect(file.bytes.length).toBe(100);
  });

  it("lets a call lower the cap", async () => {
    const { fetch } = makeFetch();
    const error = await botFailure(fetch(`${allowed.url}/file.png`, { maxBytes: 4 }));
    expect(error.code).toBe("input_too_large");
  });
});

describe("guarded fetch: one deadline and the caller's signal", () => {
  it("stops a server that drips one byte every 200 ms", async () => {
    const { fetch } = makeFetch({ timeoutMs: 500 });
    const error = await botFailure(fetch(`${allowed.url}/drip`));
    expect(error.code).toBe("fetch_failed");
    expect(error.userMessage).toBe(TIMEOUT_MESSAGE);
  });

  it("stops a server that drips its headers", async () => {
    const server = await startRawServer((socket) => {
      socket.write("HTTP/1.1 200 OK\r\n");
      const timer = setInterval(() => socket.write("X"), 200);
      socket.on("close", () => clearInterval(timer));
    });
    try {
      const { fetch } = makeFetch({ timeoutMs: 500, allowPrivateHosts: [server.hostPort] });
      const error = await botFailure(fetch(`http://${server.hostPort}/`));
      expect(error.userMessage).toBe(TIMEOUT_MESSAGE);
    } finally {
      await server.close();
    }
  });

  it("counts redirect hops against the same deadline", async () => {
    const { fetch } = makeFetch({ timeoutMs: 500 });
    const error = await botFailure(fetch(`${allowed.url}/redirect?to=${encodeURIComponent("/drip")}`));
    expect(error.userMessage).toBe(TIMEOUT_MESSAGE);
  });

  it("stops a DNS lookup that never answers", async () => {
    const { fetch } = makeFetch({ timeoutMs: 300, lookup: () => new Promise<never>(() => {}) });
    const error = await botFailure(fetch("http://slow-dns.test/"));
    expect(error.userMessage).toBe(TIMEOUT_MESSAGE);
  });

  it("aborts when the caller's signal aborts, with the signal's reason", async () => {
    const { fetch } = makeFetch();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await failure(fetch(`${allowed.url}/hang`, { signal: controller.signal }));
    expect(isAbortError(error)).toBe(true);

    const custom = new Error("task cancelled");
    const second = new AbortController();
    setTimeout(() => second.abort(custom), 100);
    expect(await failure(fetch(`${allowed.url}/drip`, { signal: second.signal }))).toBe(custom);
  });

  it("does not even connect when the signal is already aborted", async () => {
    const { fetch } = makeFetch();
    const error = await failure(fetch(`${allowed.url}/file.png`, { signal: AbortSignal.abort() }));
    expect(isAbortError(error)).toBe(true);
    expect(allowed.hits).toHaveLength(0);
  });
});

describe("guarded fetch: content type", () => {
  const media = { allowedContentTypes: ["image/", "audio/"] };

  it("accepts the allowed kinds", async () => {
    const { fetch } = makeFetch(media);
    expect((await fetch(`${allowed.url}/file.png`)).contentType).toBe("image/png");
    expect((await fetch(`${allowed.url}/audio/clip.wav`)).contentType).toBe("audio/wav");
  });

  it("refuses another kind with a message that names both", async () => {
    const { fetch } = makeFetch(media);
    const error = await botFailure(fetch(`${allowed.url}/page.html`));
    expect(error.code).toBe("input_invalid");
    expect(error.userMessage).toBe("The file at that link is text/html, not an image or an audio file.");
  });

  it("refuses an answer without a content type", async () => {
    const { fetch } = makeFetch(media);
    const error = await botFailure(fetch(`${allowed.url}/untyped`));
    expect(error.userMessage).toContain("application/octet-stream");
  });

  it("lets a call choose its own types, exact or by prefix", async () => {
    const { fetch } = makeFetch(media);
    expect((await fetch(`${allowed.url}/page.html`, { allowedContentTypes: ["text/html"] })).name).toBe(
      "page.html",
    );
    await expect(fetch(`${allowed.url}/file.png`, { allowedContentTypes: ["image/jpeg"] })).rejects.toThrow(
      BotError,
    );
  });
});

describe("pinnedLookup", () => {
  const addresses: ResolvedAddress[] = [
    { address: "93.184.216.34", family: 4 },
    { address: "2606:2800:220:1::1", family: 6 },
  ];

  function ask(hostname: string, options: LookupOptions) {
    return new Promise<{
      error: NodeJS.ErrnoException | null;
      address: string | LookupAddress[];
      family?: number;
    }>((resolve) => {
      let sync = true;
      pinnedLookup("example.test", addresses)(hostname, options, (error, address, family) => {
        expect(sync).toBe(false);
        resolve({ error, address, family });
      });
      sync = false;
    });
  }

  it("answers with the checked addresses only, asynchronously", async () => {
    expect(await ask("example.test", {})).toMatchObject({ error: null, address: "93.184.216.34", family: 4 });
    expect(await ask("example.test", { all: true })).toMatchObject({ error: null, address: addresses });
    expect(await ask("example.test", { family: 6 })).toMatchObject({
      address: "2606:2800:220:1::1",
      family: 6,
    });
    expect(await ask("example.test", { family: "IPv6", all: true })).toMatchObject({
      address: [addresses[1]],
    });
  });

  it("refuses any other host name", async () => {
    const answer = await ask("other.test", {});
    expect(answer.error?.code).toBe("ENOTFOUND");
  });
});
