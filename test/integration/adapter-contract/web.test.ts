/**
 * The adapter contract (test/support/adapter-contract.ts) on the web playground: `createWebPlayground`
 * as `web` starts it, driven over its HTTP API as the page drives it (a session cookie, a thread per
 * conversation, messages posted as forms).
 */
import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import type { WebAdapter } from "../../../adapters/web/index.js";
import type { WebMessage } from "../../../adapters/web/protocol.js";
import { createWebPlayground } from "../../../src/main.js";
import { type AdapterDriver, adapterContract, type Sent } from "../../support/adapter-contract.js";

interface WebSent extends Sent {
  thread: string;
  text: string;
  /** The Idempotency-Key the message was posted with. */
  key: string;
  /** When the 202 arrived (the acknowledgement, at the latest). */
  acceptedAt: number;
}

function createWebDriver(): AdapterDriver<WebSent> {
  let web: WebAdapter | undefined;
  let base = "";
  let headers: Record<string, string> = {};
  let filesDir = "";
  /** Set while files are refused: what to do once the next message has been accepted. */
  let afterAccepted: (() => Promise<void>) | undefined;

  async function post(thread: string, text: string, key: string): Promise<Response> {
    const form = new FormData();
    form.append("text", text);
    return fetch(`${base}/api/threads/${thread}/messages`, {
      method: "POST",
      headers: { ...headers, "idempotency-key": key },
      body: form,
    });
  }

  async function postMessage(thread: string, marker: string, text: string): Promise<WebSent> {
    const key = randomUUID();
    const response = await post(thread, `${text} ${marker}`, key);
    const acceptedAt = Date.now();
    expect(response.status).toBe(202);
    await afterAccepted?.();
    return { marker, thread, text: `${text} ${marker}`, key, acceptedAt };
  }

  async function messagesOf(thread: string): Promise<WebMessage[]> {
    const response = await fetch(`${base}/api/threads/${thread}`, { headers });
    return ((await response.json()) as { messages: WebMessage[] }).messages;
  }

  const botMessages = async (sent: WebSent) =>
    (await messagesOf(sent.thread)).filter((message) => message.kind !== "user");

  return {
    setUp: async () => ({}),
    async start(app, bot) {
      web = createWebPlayground(app, { port: 0 });
      await web.start(bot);
      base = web.url ?? "";
      filesDir = join(app.config.DATA_DIR, "web", "files");
      const page = await fetch(`${base}/`);
      headers = { cookie: (page.headers.get("set-cookie") ?? "").split(";")[0] ?? "", origin: base };
    },
    async stop() {
      await web?.stop();
    },
    async send(marker, text) {
      const created = await fetch(`${base}/api/threads`, { method: "POST", headers });
      const { thread } = (await created.json()) as { thread: { id: string } };
      return postMessage(thread.id, marker, text);
    },
    followUp: (sent, marker, text) => postMessage(sent.thread, marker, text),
    async redeliver(sent) {
      // The same post again (a retry after a dropped connection): the same Idempotency-Key.
      const response = await post(sent.thread, sent.text, sent.key);
      expect(response.status).toBe(202);
    },
    echoOwnAnswer: {
      notApplicable: "the page posts only its user's messages: nothing delivers the bot's answers back",
    },
    async shown(sent) {
      const messages = await botMessages(sent);
      return {
        messages: messages.map((message) => message.text),
        files: messages.flatMap((message) =>
          message.kind === "answer" ? message.files.map((file) => file.name) : [],
        ),
      };
    },
    async timeline(sent, text) {
      const answer = (await botMessages(sent)).find((message) => message.text.includes(text));
      return { acknowledgedAt: sent.acceptedAt, textAt: answer?.at };
    },
    async withFilesRefused(run) {
      // Once the message is in, the folder of stored files becomes a file: nothing more can be stored.
      afterAccepted = async () => {
        await rename(filesDir, `${filesDir}.away`);
        await writeFile(filesDir, "not a folder");
      };
      try {
        return await run();
      } finally {
        afterAccepted = undefined;
        await rm(filesDir, { force: true });
        await rename(`${filesDir}.away`, filesDir).catch(() => mkdir(filesDir, { recursive: true }));
      }
    },
  };
}

adapterContract("the web adapter", createWebDriver);
