/**
 * The web playground's HTTP API: sessions, threads, uploads streamed to disk under the size cap, the
 * progress stream, result files by id, and the refusals (another origin, another host, another
 * session). The real server on 127.0.0.1, the pipeline on the fake OpenAI and Hugging Face servers.
 */

import { mkdtemp, readdir, rm, utimes } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createWebAdapter, type WebAdapter } from "../../adapters/web/index.js";
import type { ThreadSummary, WebEvent, WebFile, WebMessage } from "../../adapters/web/protocol.js";
import type { WebRecord } from "../../adapters/web/store.js";
import { loadConfig } from "../../src/config/index.js";
import { createLogger } from "../../src/log.js";
import { type App, createApp, createWebPlayground } from "../../src/main.js";
import { createStorage } from "../../src/storage/index.js";
import { type ChatCompletionBody, stageOf } from "../fakes/openai-server.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";
import { createManualClock } from "../support/test-adapter.js";

const DETR = "facebook/detr-resnet-50";
const HOUR = 3_600_000;

let dir: string;
let harness: PipelineHarness;
let app: App;
let web: WebAdapter;
let base: string;

function route(body: ChatCompletionBody) {
  const request = body.messages.at(-1)?.content ?? "";
  if (stageOf(body) === "plan") {
    const image = /^- (\S+): image.*attached to this message$/m.exec(request)?.[1];
    if (/Request: .*detect/.test(request) && image) {
      return JSON.stringify([{ id: 1, task: "object-detection", dep: [], args: { image } }]);
    }
    return "[]";
  }
  return stageOf(body) === "respond" ? "I found a giraffe and a zebra." : "Hello from the bot.";
}

async function png(color: string): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: color } })
    .png()
    .toBuffer();
}

/** A browser session: the cookie the page gives, and requests as the page makes them. */
async function openSession(server = base) {
  const page = await fetch(`${server}/`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const headers = { cookie, origin: server };
  return {
    cookie,
    page,
    get: (path: string) => fetch(`${server}${path}`, { headers }),
    post: (path: string, body?: FormData) =>
      fetch(`${server}${path}`, { method: "POST", headers, ...(body ? { body } : {}) }),
    async thread(): Promise<ThreadSummary> {
      const response = await this.post("/api/threads");
      expect(response.status).toBe(201);
      return ((await response.json()) as { thread: ThreadSummary }).thread;
    },
  };
}

/** Collects the session's events until `until` sees what it waits for. */
async function eventsUntil(
  session: { get(path: string): Promise<Response> },
  act: () => Promise<unknown>,
  until: (events: WebEvent[]) => boolean,
): Promise<WebEvent[]> {
  const response = await session.get("/api/events");
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: WebEvent[] = [];
  let buffer = "";
  await act();
  const deadline = Date.now() + 20_000;
  try {
    while (!until(events)) {
      if (Date.now() > deadline) throw new Error(`no such events: ${JSON.stringify(events).slice(0, 2000)}`);
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const chunk = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = chunk.split("\n").find((line) => line.startsWith("data: "));
        if (data) events.push(JSON.parse(data.slice(6)) as WebEvent);
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    await reader.cancel();
  }
  return events;
}

function messagesOf(events: WebEvent[]): WebMessage[] {
  return events.flatMap((event) => (event.type === "message" ? [event.message] : []));
}

/** A raw request with headers fetch will not let a caller set (Host, Sec-Fetch-*). */
function rawRequest(path: string, headers: Record<string, string>, method = "GET"): Promise<number> {
  return rawResponse(path, headers, method).then((response) => response.status);
}

function rawResponse(
  path: string,
  headers: Record<string, string>,
  method = "GET",
  /** Another server than the suite's, and the loopback address to connect from (another client). */
  from: { server?: string; localAddress?: string } = {},
): Promise<{ status: number; setCookie: string[] | undefined; retryAfter: string | undefined }> {
  const url = new URL(from.server ?? base);
  return new Promise((resolve, reject) => {
    const options = {
      host: url.hostname,
      port: url.port,
      path,
      method,
      headers,
      localAddress: from.localAddress,
    };
    const request = httpRequest(options, (response) => {
      response.resume();
      resolve({
        status: response.statusCode ?? 0,
        setCookie: response.headers["set-cookie"],
        retryAfter: response.headers["retry-after"],
      });
    });
    request.on("error", reject);
    request.end();
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "web-api-"));
  harness = await startPipelineHarness({
    models: [{ id: DETR, pipeline_tag: "object-detection", downloads: 2_000_000 }],
  });
  harness.llm.route(route);
  const env = harness.env({
    MODEL_SELECTION: "top",
    DATA_DIR: join(dir, "data"),
    MAX_FILE_MB: "1",
    RATE_LIMIT_REQUESTS: "5",
    // These tests open a session each; the limit itself is tested below.
    WEB_NEW_SESSIONS_PER_HOUR: "100",
  });
  app = createApp(loadConfig(env), { env, storage: createStorage() });
  web = createWebPlayground(app, { port: 0 });
  await web.start(app.bot);
  base = web.url ?? "";
});

afterAll(async () => {
  await web?.stop();
  await app?.close();
  await harness?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the web playground's API", () => {
  it("serves the page with a session cookie and a strict content security policy", async () => {
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const session = await openSession();
    expect(session.page.status).toBe(200);
    expect(session.page.headers.get("set-cookie")).toMatch(
      /^hgb_session=[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax/,
    );
    expect(session.page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(await session.page.text()).toContain("/assets/app.js");
    const script = await fetch(`${base}/assets/app.js`);
    expect(script.headers.get("content-type")).toContain("javascript");
    const info = await (await session.get("/api/session")).json();
    expect(info).toMatchObject({ maxFileBytes: 1024 * 1024, maxFiles: 10, llm: true });
  });

  it("answers a message with a photo: user message, live progress with the plan, answer, summary and result file", async () => {
    const session = await openSession();
    const thread = await session.thread();
    const form = new FormData();
    form.set("text", "detect what is in this photo");
    form.append("files", new Blob([await png("#3a6")], { type: "image/png" }), "zoo.png");
    let posted: Response | undefined;
    const events = await eventsUntil(
      session,
      async () => {
        posted = await session.post(`/api/threads/${thread.id}/messages`, form);
      },
      (seen) => messagesOf(seen).some((message) => message.kind === "answer"),
    );
    expect(posted?.status).toBe(202);
    const body = (await posted!.json()) as { message: WebMessage; disposition: { status: string } };
    expect(body.disposition.status).toBe("accepted");
    const messages = messagesOf(events);
    const user = messages.find((message) => message.kind === "user");
    expect(user).toMatchObject({
      text: "detect what is in this photo",
      files: [{ name: "zoo.png", mime: "image/png" }],
    });
    const progress = messages.filter((message) => message.kind === "progress");
    expect(new Set(progress.map((message) => message.id)).size).toBe(1);
    const last = progress.at(-1);
    expect(last?.kind === "progress" && last.done).toBe(true);
    expect(last?.kind === "progress" && last.snapshot).toMatchObject({
      stage: "done",
      tasks: [{ id: 1, task: "object-detection", dep: [], status: "ok", model: DETR }],
    });
    const answer = messages.find((message) => message.kind === "answer");
    if (answer?.kind !== "answer") throw new Error("no answer");
    expect(answer.text).toBe("I found a giraffe and a zebra.");
    expect(answer.summary?.tasks[0]).toMatchObject({
      task: "object-detection",
      model: DETR,
      source: "hosted",
    });
    const [result] = answer.files;
    expect(result?.name).toMatch(/object-detection-annotated\.png$/);
    const file = await session.get(result!.url);
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toBe("image/png");
    expect(file.headers.get("content-security-policy")).toContain("sandbox");
    expect((await sharp(Buffer.from(await file.arrayBuffer())).metadata()).width).toBe(64);

    // The thread keeps it all, titled by its first message.
    const stored = (await (await session.get(`/api/threads/${thread.id}`)).json()) as {
      thread: ThreadSummary;
      messages: WebMessage[];
    };
    expect(stored.thread.title).toBe("detect what is in this photo");
    expect(stored.messages.map((message) => message.kind)).toEqual(["user", "progress", "answer"]);
    const listed = (await (await session.get("/api/threads")).json()) as { threads: ThreadSummary[] };
    expect(listed.threads[0]?.id).toBe(thread.id);

    // Another browser sees none of it.
    const other = await openSession();
    expect(other.cookie).not.toBe(session.cookie);
    expect(((await (await other.get("/api/threads")).json()) as { threads: unknown[] }).threads).toEqual([]);
    expect((await other.get(`/api/threads/${thread.id}`)).status).toBe(404);
    expect((await other.get(result!.url)).status).toBe(404);
    expect((await other.post(`/api/threads/${thread.id}/messages`, form)).status).toBe(404);
  });

  it("refuses a file over the limit with 413 and a clear message, and keeps nothing of it", async () => {
    const session = await openSession();
    const thread = await session.thread();
    const uploads = join(dir, "data", "web", "files");
    const before = await readdir(uploads).catch(() => []);
    const form = new FormData();
    form.set("text", "detect this");
    form.append("files", new Blob([new Uint8Array(1024 * 1024 + 10)], { type: "image/png" }), "huge.png");
    const response = await session.post(`/api/threads/${thread.id}/messages`, form);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ error: "huge.png is larger than the limit of 1 MB." });
    expect(await readdir(uploads).catch(() => [])).toEqual(before);
    const stored = (await (await session.get(`/api/threads/${thread.id}`)).json()) as { messages: unknown[] };
    expect(stored.messages).toEqual([]);
  });

  it("refuses an empty message and a body that is not a form", async () => {
    const session = await openSession();
    const thread = await session.thread();
    const empty = new FormData();
    empty.set("text", "   ");
    const response = await session.post(`/api/threads/${thread.id}/messages`, empty);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "Write a request or attach a file." });
    const json = await fetch(`${base}/api/threads/${thread.id}/messages`, {
      method: "POST",
      headers: { cookie: session.cookie, origin: base, "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(400);
  });

  it("survives an upload cut off half-way, keeps nothing of it, and refuses an over-long text", async () => {
    const session = await openSession();
    const thread = await session.thread();
    const url = new URL(base);
    const boundary = "----cut-off";
    await new Promise<void>((resolve) => {
      const request = httpRequest({
        host: url.hostname,
        port: url.port,
        path: `/api/threads/${thread.id}/messages`,
        method: "POST",
        headers: {
          cookie: session.cookie,
          origin: base,
          host: url.host,
          "content-type": `multipart/form-data; boundary=${boundary}`,
          "content-length": String(1_000_000),
        },
      });
      request.on("error", () => resolve());
      request.write(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="half.png"\r\nContent-Type: image/png\r\n\r\n`,
      );
      request.write(Buffer.alloc(64 * 1024, 7));
      // The browser tab is closed mid-upload.
      setTimeout(() => {
        request.destroy();
        resolve();
      }, 100);
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await fetch(`${base}/`)).status).toBe(200);
    const stored = (await (await session.get(`/api/threads/${thread.id}`)).json()) as { messages: unknown[] };
    expect(stored.messages).toEqual([]);

    const long = new FormData();
    long.set("text", "x".repeat(8001));
    const refused = await session.post(`/api/threads/${thread.id}/messages`, long);
    expect(refused.status).toBe(413);
    expect(await refused.json()).toEqual({ error: "The message is longer than 8000 characters." });
  });

  it("opens from a link on another site with the same session, and settles a progress a crash left behind", async () => {
    const session = await openSession();
    const thread = await session.thread();
    const host = new URL(base).host;
    const opened = await rawResponse("/", {
      host,
      cookie: session.cookie,
      "sec-fetch-site": "cross-site",
      "sec-fetch-mode": "navigate",
      "sec-fetch-dest": "document",
    });
    expect(opened.status).toBe(200);
    expect(opened.setCookie).toBeUndefined();
    // A fetch from another site is still refused.
    expect(
      await rawRequest("/api/threads", {
        host,
        cookie: session.cookie,
        "sec-fetch-site": "cross-site",
        "sec-fetch-mode": "cors",
      }),
    ).toBe(403);

    // A progress message stored by a process that died mid-request.
    const id = session.cookie.split("=")[1]?.split(".")[0] ?? "";
    const kv = app.storage.namespace<{ threads: Array<{ id: string; messages: unknown[] }> }>("web", 60_000);
    const record = await kv.get(`session:${id}`);
    const stored = record?.threads.find((candidate) => candidate.id === thread.id);
    stored?.messages.push({
      kind: "progress",
      id: "left-behind",
      at: Date.now(),
      text: "Running the tasks…",
      done: false,
    });
    await kv.set(`session:${id}`, record);
    const loaded = (await (await session.get(`/api/threads/${thread.id}`)).json()) as {
      messages: WebMessage[];
    };
    expect(loaded.messages).toEqual([
      expect.objectContaining({
        id: "left-behind",
        done: true,
        text: expect.stringMatching(/^✗ Interrupted/),
      }),
    ]);
  });

  it("refuses requests from another origin, another host name, or without a session", async () => {
    const session = await openSession();
    const cross = await fetch(`${base}/api/threads`, {
      method: "POST",
      headers: { cookie: session.cookie, origin: "http://evil.example" },
    });
    expect(cross.status).toBe(403);
    const noOrigin = await fetch(`${base}/api/threads`, {
      method: "POST",
      headers: { cookie: session.cookie },
    });
    expect(noOrigin.status).toBe(403);
    const crossSite = await fetch(`${base}/api/threads`, {
      headers: { cookie: session.cookie, "sec-fetch-site": "cross-site" },
    });
    expect(crossSite.status).toBe(403);
    const port = new URL(base).port;
    // A DNS name rebound to 127.0.0.1 carries its own Host header.
    expect(await rawRequest("/", { host: `rebound.example:${port}` })).toBe(403);
    expect(await rawRequest("/", { host: `localhost:${port}` })).toBe(200);
    expect((await fetch(`${base}/api/threads`)).status).toBe(403);
    // A cookie the server did not issue is no session, however well-formed.
    const [id] = (session.cookie.split("=")[1] ?? "").split(".");
    expect(
      (await fetch(`${base}/api/threads`, { headers: { cookie: `hgb_session=${id}.forged` } })).status,
    ).toBe(403);
    expect(
      (await fetch(`${base}/api/threads`, { headers: { cookie: "hgb_session=aaaaaaaaaaaaaaaaaaaa" } }))
        .status,
    ).toBe(403);
    expect((await fetch(`${base}/files/not-a-file-id`, { headers: { cookie: session.cookie } })).status).toBe(
      404,
    );
  });

  it("cancels and forgets through the buttons' endpoints, with the bot's notices", async () => {
    const session = await openSession();
    const thread = await session.thread();
    const events = await eventsUntil(
      session,
      async () => {
        expect((await session.post(`/api/threads/${thread.id}/cancel`)).status).toBe(200);
        expect((await session.post(`/api/threads/${thread.id}/forget`)).status).toBe(200);
      },
      (seen) => messagesOf(seen).filter((message) => message.kind === "notice").length >= 2,
    );
    expect(messagesOf(events).map((message) => (message.kind === "notice" ? message.text : ""))).toEqual([
      "Nothing is running in this thread, so there is nothing to stop.",
      "Forgotten: this conversation starts afresh.",
    ]);
  });

  it("applies the rate limit per browser session, with a notice saying when to try again", async () => {
    const session = await openSession();
    const thread = await session.thread();
    const statuses: string[] = [];
    let refusedMessage: WebMessage | undefined;
    const filesDir = join(dir, "data", "web", "files");
    let filesBefore = 0;
    for (let index = 0; index < 6; index++) {
      const form = new FormData();
      form.set("text", `say hi ${index}`);
      if (index === 5) {
        filesBefore = (await readdir(filesDir).catch(() => [])).length;
        form.append("files", new Blob([await png("#123")], { type: "image/png" }), "refused.png");
      }
      const response = await session.post(`/api/threads/${thread.id}/messages`, form);
      const body = (await response.json()) as { message: WebMessage; disposition: { status: string } };
      statuses.push(body.disposition.status);
      if (index === 5) refusedMessage = body.message;
    }
    expect(statuses.slice(0, 5).every((status) => status === "accepted")).toBe(true);
    expect(statuses[5]).toBe("rate-limited");
    // A refused message's files are not kept.
    expect(refusedMessage?.kind === "user" && refusedMessage.files).toEqual([]);
    expect((await readdir(filesDir).catch(() => [])).length).toBe(filesBefore);
    await app.bot.idle();
    const stored = (await (await session.get(`/api/threads/${thread.id}`)).json()) as {
      messages: WebMessage[];
    };
    expect(
      stored.messages.some(
        (message) => message.kind === "notice" && message.text.includes("Please try again in"),
      ),
    ).toBe(true);
    // Another browser session has its own allowance.
    const other = await openSession();
    const otherThread = await other.thread();
    const form = new FormData();
    form.set("text", "say hi");
    const response = await other.post(`/api/threads/${otherThread.id}/messages`, form);
    expect(((await response.json()) as { disposition: { status: string } }).disposition.status).toBe(
      "accepted",
    );
    await app.bot.idle();
  });
});

describe("the web playground's limits", () => {
  it("gives one client address a few new sessions an hour, so that a fresh cookie before each request does not dodge the rate limit", async () => {
    const limited = harness.app({
      DATA_DIR: join(dir, "limited"),
      RATE_LIMIT_REQUESTS: "2",
      WEB_NEW_SESSIONS_PER_HOUR: "3",
    });
    let playground = createWebPlayground(limited, { port: 0 });
    await playground.start(limited.bot);
    try {
      const server = playground.url ?? "";
      const say = async (session: Awaited<ReturnType<typeof openSession>>, thread: ThreadSummary) => {
        const form = new FormData();
        form.set("text", "say hi");
        const response = await session.post(`/api/threads/${thread.id}/messages`, form);
        expect(response.status).toBe(202);
        return ((await response.json()) as { disposition: { status: string } }).disposition.status;
      };
      const pages: number[] = [];
      const opened: Array<{ session: Awaited<ReturnType<typeof openSession>>; thread: ThreadSummary }> = [];
      let accepted = 0;
      // A client that drops its cookie before every request: a fresh session each time, while they last.
      for (let attempt = 0; attempt < 8; attempt++) {
        const session = await openSession(server);
        pages.push(session.page.status);
        if (session.cookie !== "") {
          const thread = await session.thread();
          opened.push({ session, thread });
          if ((await say(session, thread)) === "accepted") accepted++;
          continue;
        }
        // Refused a session, it sends without a cookie, or with one it made up: refused as well.
        const [id] = (opened[0]?.session.cookie.split("=")[1] ?? "").split(".");
        for (const cookie of [
          undefined,
          `hgb_session=${id}.forged`,
          "hgb_session=aaaaaaaaaaaaaaaaaaaa.bbbb",
        ]) {
          const response = await fetch(`${server}/api/threads`, {
            method: "POST",
            headers: { origin: server, ...(cookie ? { cookie } : {}) },
          });
          expect(response.status).toBe(429);
        }
      }
      expect(pages).toEqual([200, 200, 200, 429, 429, 429, 429, 429]);
      expect(accepted).toBe(3);
      // The sessions it got keep their own allowance, and no more: an address's hour is bounded by
      // WEB_NEW_SESSIONS_PER_HOUR × RATE_LIMIT_REQUESTS.
      for (const { session, thread } of opened) {
        expect(await say(session, thread)).toBe("accepted");
        expect(await say(session, thread)).toBe("rate-limited");
      }

      // The refusal: the page still loads, says 429 and when to come back, gives no cookie; its first
      // call to the API explains.
      const page = await fetch(`${server}/`);
      expect(page.status).toBe(429);
      expect(page.headers.get("set-cookie")).toBeNull();
      const retryAfter = Number(page.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(3000);
      expect(retryAfter).toBeLessThanOrEqual(3600);
      expect(await page.text()).toContain("/assets/app.js");
      const explained = await fetch(`${server}/api/session`);
      expect(explained.status).toBe(429);
      expect(Number(explained.headers.get("retry-after"))).toBeGreaterThan(3000);
      expect(((await explained.json()) as { error: string }).error).toMatch(
        /^Too many new sessions were started from your address\. Please try again in (1 hour|\d+ minutes)/,
      );
      // A browser that kept its cookie is not affected.
      expect((await opened[0]!.session.get("/api/threads")).status).toBe(200);
      // Another client address has its own allowance (Linux answers all of 127.0.0.0/8).
      const host = new URL(server).host;
      const other = await rawResponse("/", { host }, "GET", { server, localAddress: "127.0.0.2" });
      expect(other.status).toBe(200);
      expect(other.setCookie?.[0]).toMatch(/^hgb_session=/);
      // X-Forwarded-For is not believed: writing another address there changes nothing.
      const forwarded = await rawResponse("/", { host, "x-forwarded-for": "203.0.113.9" }, "GET", { server });
      expect(forwarded.status).toBe(429);

      // The count is kept in the bot's storage: a restarted playground remembers it.
      await playground.stop();
      playground = createWebPlayground(limited, { port: 0 });
      await playground.start(limited.bot);
      const restarted = await fetch(`${playground.url}/`);
      expect(restarted.status).toBe(429);
      expect(restarted.headers.get("set-cookie")).toBeNull();
      await limited.bot.idle();
    } finally {
      await playground.stop();
    }
  });

  it("sweeps, while it runs, the files of sessions unused for longer than the retention, and keeps those of a session in use however old they are", async () => {
    const swept = harness.app({ DATA_DIR: join(dir, "swept") });
    const kv = swept.storage.namespace<WebRecord>("web", 30 * 24 * HOUR);
    const clock = createManualClock(Date.now());
    const lines: Array<{ msg: string; removed?: number; kept?: number }> = [];
    const dataDir = join(dir, "swept", "web");
    const playground = createWebAdapter({
      port: 0,
      dataDir,
      kv,
      maxFileBytes: 1024 * 1024,
      llm: true,
      commands: [],
      clock,
      fileRetentionMs: 3 * HOUR,
      sweepIntervalMs: HOUR,
      logger: createLogger({ level: "debug", write: (line) => lines.push(JSON.parse(line)) }),
    });
    await playground.start(swept.bot);
    try {
      const server = playground.url ?? "";
      const sweeps = () => lines.filter((line) => line.msg === "web files swept");
      /** An hour on the playground's clock, and the sweep it brings. */
      const hourLater = async () => {
        const before = sweeps().length;
        await clock.advance(HOUR);
        await vi.waitFor(() => expect(sweeps()).toHaveLength(before + 1), { timeout: 10_000 });
        return sweeps().at(-1);
      };
      const upload = async (session: Awaited<ReturnType<typeof openSession>>): Promise<WebFile> => {
        const thread = await session.thread();
        const form = new FormData();
        form.set("text", "keep this");
        form.append("files", new Blob([await png("#246")], { type: "image/png" }), "kept.png");
        const response = await session.post(`/api/threads/${thread.id}/messages`, form);
        const file = ((await response.json()) as { message: WebMessage }).message;
        if (file.kind !== "user" || !file.files[0]) throw new Error("no file stored");
        return file.files[0];
      };
      const idle = await openSession(server);
      const busy = await openSession(server);
      const idleFile = await upload(idle);
      const busyFile = await upload(busy);
      await swept.bot.idle();
      const files = join(dataDir, "files");
      expect((await readdir(files)).sort()).toEqual([idleFile.id, busyFile.id].sort());
      // The busy session's file is old already: written long before the retention.
      const old = new Date(clock.now() - 10 * HOUR);
      await utimes(join(files, busyFile.id), old, old);

      expect(await hourLater()).toMatchObject({ removed: 0, kept: 2 });
      expect(await hourLater()).toMatchObject({ removed: 0, kept: 2 });
      // Two hours on, the busy session is used again; the idle one is not.
      expect((await busy.get("/api/threads")).status).toBe(200);
      expect(await hourLater()).toMatchObject({ removed: 0, kept: 2 });
      // Four hours after its last use the idle session's file goes; the busy one's stays.
      expect(await hourLater()).toMatchObject({ removed: 1, kept: 1 });
      expect(await readdir(files)).toEqual([busyFile.id]);
      expect(await kv.get(`file:${idleFile.id}`)).toBeUndefined();
      expect((await idle.get(idleFile.url)).status).toBe(404);
      const kept = await busy.get(busyFile.url);
      expect(kept.status).toBe(200);
      expect(kept.headers.get("content-type")).toBe("image/png");
      expect(lines.some((line) => line.msg === "old web files removed")).toBe(true);
    } finally {
      await playground.stop();
    }
    // Stopped with the server: no sweep left waiting.
    expect(clock.pending()).toBe(0);
  });
});
