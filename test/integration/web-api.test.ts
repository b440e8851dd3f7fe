/**
 * The web playground's HTTP API: sessions, threads, uploads streamed to disk under the size cap, the
 * progress stream, result files by id, and the refusals (another origin, another host, another
 * session). The real server on 127.0.0.1, the pipeline on the fake OpenAI and Hugging Face servers.
 */

import { mkdtemp, readdir, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebAdapter } from "../../adapters/web/index.js";
import type { ThreadSummary, WebEvent, WebMessage } from "../../adapters/web/protocol.js";
import { loadConfig } from "../../src/config/index.js";
import { type App, createApp, createWebPlayground } from "../../src/main.js";
import { createStorage } from "../../src/storage/index.js";
import { type ChatCompletionBody, stageOf } from "../fakes/openai-server.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";

const DETR = "facebook/detr-resnet-50";

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
async function openSession() {
  const page = await fetch(`${base}/`);
  const cookie = (page.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const headers = { cookie, origin: base };
  return {
    cookie,
    page,
    get: (path: string) => fetch(`${base}${path}`, { headers }),
    post: (path: string, body?: FormData) =>
      fetch(`${base}${path}`, { method: "POST", headers, ...(body ? { body } : {}) }),
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
): Promise<{ status: number; setCookie: string[] | undefined }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: url.hostname, port: url.port, path, method, headers }, (response) => {
      response.resume();
      resolve({ status: response.statusCode ?? 0, setCookie: response.headers["set-cookie"] });
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
