/**
 * The real @slack/web-api 7 WebClient and @slack/bolt 4 App against the fake Slack (test/fakes/slack):
 * tokens, messages in threads, Slack's limits, files.uploadV2, url_private, rate limits, signed events,
 * slash commands with a modal, and Socket Mode.
 */
import type { Server } from "node:http";
import { App, LogLevel } from "@slack/bolt";
import {
  type ErrorCode,
  type Logger,
  type WebAPIPlatformError,
  WebClient,
  WebClientEvent,
  LogLevel as WebLogLevel,
} from "@slack/web-api";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeSlack, type Json, startFakeSlack } from "./slack/index.js";

let fake: FakeSlack;
let app: App | undefined;
let appServer: Server | undefined;

beforeEach(async () => {
  fake = await startFakeSlack();
});

afterEach(async () => {
  appServer?.closeAllConnections();
  await app?.stop().catch(() => undefined);
  app = undefined;
  appServer = undefined;
  await fake.close();
});

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** web-api logs `response_metadata.messages` of refused calls as errors; the tests check them instead. */
const silent: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  setLevel: () => undefined,
  getLevel: () => WebLogLevel.ERROR,
  setName: () => undefined,
};

function client(token = fake.botToken, retries = 0): WebClient {
  return new WebClient(token, {
    slackApiUrl: fake.apiUrl,
    logger: silent,
    retryConfig: { retries, factor: 1, minTimeout: 10, maxTimeout: 20 },
  });
}

async function platformError(promise: Promise<unknown>): Promise<WebAPIPlatformError> {
  try {
    await promise;
  } catch (error) {
    return error as WebAPIPlatformError;
  }
  throw new Error("expected the call to fail");
}

const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);

describe("Web API", () => {
  it("auth.test answers for the bot token and refuses revoked or unknown ones", async () => {
    const web = client();
    const auth = await within(web.auth.test(), 5000, "auth.test");
    expect(auth).toMatchObject({
      ok: true,
      user_id: fake.botUserId,
      bot_id: fake.botId,
      team_id: fake.teamId,
    });
    expect(fake.callsTo("auth.test")[0]?.token).toBe(fake.botToken);

    const unknown = await within(platformError(client("xoxb-nope").auth.test()), 5000, "unknown token");
    expect(unknown.code).toBe("slack_webapi_platform_error" satisfies `${ErrorCode.PlatformError}`);
    expect(unknown.data.error).toBe("invalid_auth");

    fake.revokeToken(fake.botToken);
    const revoked = await within(platformError(web.auth.test()), 5000, "revoked token");
    expect(revoked.data.error).toBe("token_revoked");
  });

  it("posts into a thread and updates the message there", async () => {
    const web = client();
    const parent = fake.userMessage({ text: "hello bot" });
    const posted = await within(
      web.chat.postMessage({ channel: fake.generalChannel, thread_ts: parent.ts, text: "working…" }),
      5000,
      "postMessage",
    );
    expect(posted.ok).toBe(true);
    const updated = await within(
      web.chat.update({ channel: fake.generalChannel, ts: posted.ts!, text: "done" }),
      5000,
      "update",
    );
    expect(updated.text).toBe("done");

    const thread = fake.thread(fake.generalChannel, parent.ts);
    expect(thread.map((m) => m.text)).toEqual(["hello bot", "done"]);
    expect(thread[1]).toMatchObject({
      bot_id: fake.botId,
      thread_ts: parent.ts,
      edited: { user: fake.botUserId },
    });
    const args = fake.callsTo("chat.postMessage")[0]?.args;
    expect(args).toMatchObject({ channel: fake.generalChannel, thread_ts: parent.ts, text: "working…" });

    const replies = await within(
      web.conversations.replies({ channel: fake.generalChannel, ts: parent.ts }),
      5000,
      "replies",
    );
    expect(replies.messages?.map((m) => m.text)).toEqual(["hello bot", "done"]);

    expect(replies.messages?.[0]?.reply_count).toBe(1);

    // JSON bodies (as other clients send them) work too.
    const json = await within(
      fetch(`${fake.apiUrl}chat.postMessage`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${fake.botToken}`,
          "content-type": "application/json; charset=utf-8",
        },
        body: JSON.stringify({ channel: fake.generalChannel, thread_ts: parent.ts, text: "json" }),
      }).then((r) => r.json() as Promise<Json>),
      5000,
      "json post",
    );
    expect(json).toMatchObject({ ok: true, channel: fake.generalChannel });

    const notIn = await within(
      platformError(web.chat.postMessage({ channel: fake.randomChannel, text: "hi" })),
      5000,
      "not in channel",
    );
    expect(notIn.data.error).toBe("not_in_channel");
  });

  it("refuses a 3001-character section, 51 blocks, 11 context elements and empty sections", async () => {
    const web = client();
    const section = (text: string) => ({ type: "section", text: { type: "mrkdwn", text } });
    const long = await within(
      platformError(
        web.chat.postMessage({
          channel: fake.generalChannel,
          text: "x",
          blocks: [section("a".repeat(3001))],
        }),
      ),
      5000,
      "long section",
    );
    expect(long.data.error).toBe("invalid_blocks");
    expect(JSON.stringify(long.data)).toContain(
      "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    );

    const many = await within(
      platformError(
        web.chat.postMessage({
          channel: fake.generalChannel,
          text: "x",
          blocks: Array.from({ length: 51 }, (_, i) => section(`block ${i}`)),
        }),
      ),
      5000,
      "51 blocks",
    );
    expect(many.data.error).toBe("invalid_blocks");

    const context = {
      type: "context",
      elements: Array.from({ length: 11 }, (_, i) => ({ type: "mrkdwn", text: `task ${i}` })),
    };
    const wide = await within(
      platformError(web.chat.postMessage({ channel: fake.generalChannel, text: "x", blocks: [context] })),
      5000,
      "11 context elements",
    );
    expect(wide.data.error).toBe("invalid_blocks");

    const empty = await within(
      platformError(web.chat.postMessage({ channel: fake.generalChannel, text: "x", blocks: [section("")] })),
      5000,
      "empty section",
    );
    expect(empty.data.error).toBe("invalid_blocks");

    const tooLong = await within(
      platformError(web.chat.postMessage({ channel: fake.generalChannel, text: "a".repeat(40_001) })),
      5000,
      "long text",
    );
    expect(tooLong.data.error).toBe("msg_too_long");

    const fits = await within(
      web.chat.postMessage({
        channel: fake.generalChannel,
        text: "ok",
        blocks: [section("a".repeat(3000)), ...Array.from({ length: 49 }, (_, i) => section(`b${i}`))],
      }),
      5000,
      "limits exactly",
    );
    expect(fits.ok).toBe(true);
    expect(fake.botMessages(fake.generalChannel)).toHaveLength(1);
  });

  it("files.uploadV2 with two files lands as one message with both files in the thread", async () => {
    const web = client();
    const parent = fake.userMessage({ text: "make two pictures" });
    const result = await within(
      web.files.uploadV2({
        channel_id: fake.generalChannel,
        thread_ts: parent.ts,
        initial_comment: "here they are",
        file_uploads: [
          { file: PNG, filename: "a.png" },
          { file: Buffer.from("hello"), filename: "b.txt" },
        ],
      }),
      5000,
      "uploadV2",
    );
    // The result nests: one entry per completeUploadExternal call, each with its `files`.
    const nested = (result as unknown as { files: Array<{ files: Array<{ id: string }> }> }).files;
    expect(nested).toHaveLength(1);
    expect(nested[0]?.files).toHaveLength(2);
    expect(fake.callsTo("files.getUploadURLExternal")).toHaveLength(2);
    expect(fake.callsTo("files.completeUploadExternal")).toHaveLength(1);

    const replies = fake.thread(fake.generalChannel, parent.ts).slice(1);
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({ text: "here they are", upload: true, bot_id: fake.botId });
    const [first, second] = replies[0]!.files!;
    expect(fake.fileBytes(first!)?.equals(PNG)).toBe(true);
    expect(fake.files.get(first!)?.mimetype).toBe("image/png");
    expect(fake.fileBytes(second!)?.toString()).toBe("hello");

    const info = await within(web.files.info({ file: first! }), 5000, "files.info");
    expect(info.file).toMatchObject({
      id: first,
      name: "a.png",
      size: PNG.length,
      channels: [fake.generalChannel],
    });
  });

  it("url_private serves the login page without the bot token and the bytes with it", async () => {
    const file = fake.addUserFile(PNG, { name: "cat.png", mimetype: "image/png" });
    const entry = fake.fileObject(file) as { url_private: string; url_private_download: string };

    const anonymous = await within(fetch(entry.url_private), 5000, "anonymous download");
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get("content-type")).toContain("text/html");
    expect(await anonymous.text()).toContain("<!DOCTYPE html>");

    const wrong = await within(
      fetch(entry.url_private, { headers: { authorization: "Bearer xoxb-wrong" } }),
      5000,
      "wrong token",
    );
    expect(wrong.headers.get("content-type")).toContain("text/html");
    await wrong.arrayBuffer();

    for (const url of [entry.url_private, entry.url_private_download]) {
      const authed = await within(
        fetch(url, { headers: { authorization: `Bearer ${fake.botToken}` } }),
        5000,
        "authorized download",
      );
      expect(authed.status).toBe(200);
      expect(authed.headers.get("content-type")).toBe("image/png");
      expect(Buffer.from(await authed.arrayBuffer()).equals(PNG)).toBe(true);
    }
  });

  it("a 429 with Retry-After is retried by the client and the message lands once", async () => {
    const web = client(fake.botToken, 3);
    const limited: number[] = [];
    web.on(WebClientEvent.RATE_LIMITED, (seconds: number) => limited.push(seconds));
    fake.failNext("chat.postMessage", { error: "ratelimited", retryAfter: 1 });
    const started = Date.now();
    const posted = await within(
      web.chat.postMessage({ channel: fake.generalChannel, text: "after the limit" }),
      8000,
      "rate limited post",
    );
    expect(posted.ok).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(limited).toEqual([1]);
    expect(fake.callsTo("chat.postMessage").map((c) => c.status)).toEqual([429, 200]);
    expect(fake.botMessages(fake.generalChannel).map((m) => m.text)).toEqual(["after the limit"]);
  });

  it("scripted errors: missing_scope with needed, channel_not_found", async () => {
    const web = client();
    fake.failNext("files.completeUploadExternal", { error: "missing_scope", needed: "files:write" });
    const scope = await within(
      platformError(web.files.uploadV2({ channel_id: fake.generalChannel, file: PNG, filename: "x.png" })),
      5000,
      "missing scope",
    );
    expect(scope.data).toMatchObject({ error: "missing_scope", needed: "files:write" });

    const missing = await within(
      platformError(web.chat.postMessage({ channel: "C0NOPE", text: "hi" })),
      5000,
      "unknown channel",
    );
    expect(missing.data.error).toBe("channel_not_found");
  });

  it("chat.update with text and no blocks removes the blocks", async () => {
    const web = client();
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*planning*" } }];
    const posted = await within(
      web.chat.postMessage({ channel: fake.generalChannel, text: "planning", blocks }),
      5000,
      "post with blocks",
    );
    expect(fake.botMessages()[0]?.blocks).toEqual(blocks);
    await within(
      web.chat.update({ channel: fake.generalChannel, ts: posted.ts!, text: "done" }),
      5000,
      "update",
    );
    expect(fake.botMessages()[0]?.blocks).toBeUndefined();
    const notMine = fake.userMessage({ text: "mine" });
    const refused = await within(
      platformError(web.chat.update({ channel: fake.generalChannel, ts: notMine.ts, text: "x" })),
      5000,
      "update a user's message",
    );
    expect(refused.data.error).toBe("cant_update_message");
  });

  it("enforces the upload size limit and refuses empty files", async () => {
    const web = client();
    fake.uploadLimitBytes = 10;
    const big = await within(
      platformError(
        web.files.uploadV2({ channel_id: fake.generalChannel, file: Buffer.alloc(11), filename: "big.bin" }),
      ),
      5000,
      "too large",
    );
    expect(big.data.error).toBe("file_too_large");
    const empty = await within(
      platformError(
        web.files.uploadV2({ channel_id: fake.generalChannel, file: Buffer.alloc(0), filename: "e.txt" }),
      ),
      5000,
      "empty",
    );
    expect(empty.data.error).toBe("invalid_arguments");

    // More bytes than the limit at the upload URL: 413.
    const url = await within(web.files.getUploadURLExternal({ filename: "a.bin", length: 5 }), 5000, "url");
    const posted = await within(
      fetch(url.upload_url!, { method: "POST", body: new Uint8Array(100) }),
      5000,
      "oversized upload",
    );
    expect(posted.status).toBe(413);
    expect(fake.botMessages()).toHaveLength(0);
  });

  it("views.open refuses unknown and expired trigger ids", async () => {
    const quick = await startFakeSlack({ triggerTtlMs: 50 });
    try {
      quick.setAppUrl(`${quick.url}/nowhere`); // the command itself is answered 404; only its trigger matters
      const sent = await within(quick.sendCommand({ text: "" }), 5000, "command");
      const web = new WebClient(quick.botToken, {
        slackApiUrl: quick.apiUrl,
        logger: silent,
        retryConfig: { retries: 0 },
      });
      const view = { type: "modal" as const, title: { type: "plain_text" as const, text: "x" }, blocks: [] };
      const unknown = await within(
        platformError(web.views.open({ trigger_id: "1.2.nope", view })),
        5000,
        "unknown",
      );
      expect(unknown.data.error).toBe("invalid_arguments");
      await new Promise((resolve) => setTimeout(resolve, 80));
      const late = await within(
        platformError(web.views.open({ trigger_id: sent.triggerId, view })),
        5000,
        "late",
      );
      expect(late.data.error).toBe("expired_trigger_id");
    } finally {
      await quick.close();
    }
  });
});

async function startBolt(configure: (bolt: App) => void, processBeforeResponse = false): Promise<string> {
  const bolt = new App({
    token: fake.botToken,
    signingSecret: fake.signingSecret,
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
    logLevel: LogLevel.ERROR,
    processBeforeResponse,
  });
  configure(bolt);
  app = bolt;
  appServer = (await within(bolt.start({ port: 0, host: "127.0.0.1" }), 5000, "bolt start")) as Server;
  const address = appServer.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  const url = `http://127.0.0.1:${address.port}/slack/events`;
  fake.setAppUrl(url);
  return url;
}

function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  return within(
    (async () => {
      while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
    })(),
    ms,
    what,
  );
}

describe("Bolt 4 HTTP receiver", () => {
  it("receives a signed app_mention, acknowledges at once and answers in the thread", async () => {
    const seen: Json[] = [];
    await startBolt((bolt) => {
      bolt.event("app_mention", async ({ event, client: web }) => {
        seen.push(event as unknown as Json);
        await new Promise((resolve) => setTimeout(resolve, 200)); // work after the ack
        await web.chat.postMessage({
          channel: event.channel,
          thread_ts: event.thread_ts ?? event.ts,
          text: "hi!",
        });
      });
    });
    const png = fake.addUserFile(PNG, { name: "cat.png", mimetype: "image/png" });
    const mention = fake.mention({ text: "what is this?", files: [png] });
    const sent = await within(fake.sendEvent(mention), 5000, "sendEvent");
    expect(sent.status).toBe(200);
    expect(sent.ackMs).toBeLessThan(1000);
    await waitFor(() => fake.botMessages(fake.generalChannel, mention.ts).length === 1, 5000, "answer");
    expect(seen[0]).toMatchObject({
      type: "app_mention",
      ts: mention.ts,
      files: [{ id: png.id, mimetype: "image/png" }],
    });
    expect(fake.thread(fake.generalChannel, mention.ts).map((m) => m.text)).toEqual([mention.text, "hi!"]);
    expect(fake.ackPercentile(95)).toBeLessThan(1000);

    // Slack echoes the bot's own reply as a message event; it carries bot_id (apps must ignore it).
    const echo = fake.eventFor(fake.botMessages(fake.generalChannel, mention.ts)[0]!);
    expect(echo).toMatchObject({
      type: "message",
      bot_id: fake.botId,
      thread_ts: mention.ts,
      channel_type: "channel",
    });
  });

  it("rejects a bad signature and a stale timestamp with 401; answers url_verification", async () => {
    let handled = 0;
    await startBolt((bolt) => {
      bolt.event("app_mention", async () => {
        handled += 1;
      });
    });
    const bad = await within(
      fake.sendEvent(fake.mention({ text: "x" }), { badSignature: true }),
      5000,
      "bad",
    );
    expect(bad.status).toBe(401);
    const stale = await within(
      fake.sendEvent(fake.mention({ text: "y" }), { staleTimestamp: true }),
      5000,
      "stale",
    );
    expect(stale.status).toBe(401);
    const verification = await within(fake.sendUrlVerification(), 5000, "url_verification");
    expect(verification.status).toBe(200);
    expect(verification.body).toContain(verification.challenge);
    const good = await within(fake.sendEvent(fake.mention({ text: "z" }), { retryNum: 1 }), 5000, "retry");
    expect(good.status).toBe(200);
    await waitFor(() => handled === 1, 5000, "one handled event");
  });

  it("does no dedupe: a redelivery with the same event_id reaches the listener again, with its retry number", async () => {
    const deliveries: Array<{ eventId: unknown; retryNum: unknown }> = [];
    await startBolt((bolt) => {
      bolt.event("app_mention", async ({ body, context }) => {
        deliveries.push({ eventId: (body as { event_id?: string }).event_id, retryNum: context.retryNum });
      });
    });
    const mention = fake.mention({ text: "twice" });
    const first = await within(fake.sendEvent(mention), 5000, "first");
    const again = await within(
      fake.sendEvent(mention, { eventId: first.eventId, retryNum: 1 }),
      5000,
      "retry",
    );
    expect([first.status, again.status]).toEqual([200, 200]);
    await waitFor(() => deliveries.length === 2, 5000, "both deliveries");
    expect(deliveries).toEqual([
      { eventId: first.eventId, retryNum: undefined },
      { eventId: first.eventId, retryNum: 1 },
    ]);
  });

  it("with processBeforeResponse the ack waits for the listener", async () => {
    await startBolt((bolt) => {
      bolt.event("app_mention", async () => {
        await new Promise((resolve) => setTimeout(resolve, 400));
      });
    }, true);
    const sent = await within(fake.sendEvent(fake.mention({ text: "slow" })), 5000, "slow ack");
    expect(sent.status).toBe(200);
    expect(sent.ackMs).toBeGreaterThanOrEqual(350);
  });

  it("a DM with an audio file arrives as message.im (file_share) and its url_private needs the token", async () => {
    const got: Json[] = [];
    await startBolt((bolt) => {
      bolt.message(async ({ message }) => {
        got.push(message as unknown as Json);
      });
    });
    const wav = fake.addUserFile(Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt "), {
      name: "voice.wav",
      mimetype: "audio/wav",
    });
    const dm = fake.directMessage({ text: "transcribe this", files: [wav] });
    const sent = await within(fake.sendEvent(dm), 5000, "dm");
    expect(sent.status).toBe(200);
    await waitFor(() => got.length === 1, 5000, "dm handled");
    expect(got[0]).toMatchObject({ channel: fake.dmChannel, channel_type: "im", subtype: "file_share" });
    const file = (got[0]!.files as Array<{ url_private: string; mimetype: string }>)[0]!;
    expect(file.mimetype).toBe("audio/wav");
    const bytes = await within(
      fetch(file.url_private, { headers: { authorization: `Bearer ${fake.botToken}` } }).then((r) =>
        r.arrayBuffer(),
      ),
      5000,
      "download",
    );
    expect(Buffer.from(bytes).equals(wav.bytes)).toBe(true);
  });

  it("a revoked token fails init() when initialization is deferred", async () => {
    fake.revokeToken(fake.botToken, "token_expired");
    const bolt = new App({
      token: fake.botToken,
      signingSecret: fake.signingSecret,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
      logLevel: LogLevel.ERROR,
      deferInitialization: true,
    });
    await expect(within(bolt.init(), 5000, "init")).rejects.toMatchObject({
      data: { error: "token_expired" },
    });
    expect(fake.callsTo("auth.test")).toHaveLength(1);
  });

  it("/ask with text: ack, respond() reaches the response_url, then a post and a threaded answer", async () => {
    await startBolt((bolt) => {
      bolt.command("/ask", async ({ ack, command, respond, client: web }) => {
        await ack();
        await respond({ response_type: "ephemeral", text: "on it" });
        const root = await web.chat.postMessage({
          channel: command.channel_id,
          text: `<@${command.user_id}> asked: ${command.text}`,
        });
        await web.chat.postMessage({ channel: command.channel_id, thread_ts: root.ts!, text: "answer" });
      });
    });
    const sent = await within(fake.sendCommand({ command: "/ask", text: "draw a cat" }), 5000, "command");
    expect(sent.status).toBe(200);
    expect(sent.form).toMatchObject({ command: "/ask", text: "draw a cat", channel_id: fake.generalChannel });
    await waitFor(() => fake.botMessages(fake.generalChannel).length === 2, 5000, "post and answer");
    const [root, answer] = fake.botMessages(fake.generalChannel);
    expect(answer).toMatchObject({ thread_ts: root!.ts, text: "answer" });
    expect(fake.responseUrlPosts).toEqual([
      { path: new URL(sent.responseUrl).pathname, body: { response_type: "ephemeral", text: "on it" } },
    ]);

    // A follow-up in that thread (no mention) and a reply to a reply both land under the root.
    const followUp = fake.userMessage({ text: "now make it blue", thread_ts: answer!.ts });
    expect(followUp).toMatchObject({ type: "message", thread_ts: root!.ts, channel_type: "channel" });
    expect(fake.thread(fake.generalChannel, root!.ts)).toHaveLength(3);
  });

  it("/ask without text opens a modal whose submission carries two files", async () => {
    const submitted: Json[] = [];
    await startBolt((bolt) => {
      bolt.command("/ask", async ({ ack, command, client: web }) => {
        await ack();
        await web.views.open({
          trigger_id: command.trigger_id,
          view: {
            type: "modal",
            callback_id: "ask_modal",
            private_metadata: command.channel_id,
            title: { type: "plain_text", text: "Ask" },
            submit: { type: "plain_text", text: "Run" },
            blocks: [
              {
                type: "input",
                block_id: "prompt",
                label: { type: "plain_text", text: "Prompt" },
                element: { type: "plain_text_input", action_id: "value" },
              },
              {
                type: "input",
                block_id: "files",
                label: { type: "plain_text", text: "Files" },
                element: { type: "file_input", action_id: "value", max_files: 10 },
              },
            ],
          },
        });
      });
      bolt.view("ask_modal", async ({ ack, view }) => {
        await ack();
        submitted.push(view as unknown as Json);
      });
    });
    const command = await within(fake.sendCommand({ command: "/ask", text: "" }), 5000, "command");
    expect(command.status).toBe(200);
    await waitFor(() => fake.views.length === 1, 5000, "views.open");
    const opened = fake.views[0]!;
    expect(opened).toMatchObject({ callback_id: "ask_modal", private_metadata: fake.generalChannel });

    const a = fake.addUserFile(PNG, { name: "a.png" });
    const b = fake.addUserFile(Buffer.from("RIFF....WAVE"), { name: "b.wav", mimetype: "audio/wav" });
    const submission = await within(
      fake.sendViewSubmission({
        id: String(opened.id),
        values: {
          prompt: { value: fake.plainTextValue("describe both") },
          files: { value: fake.fileInputValue([a, b]) },
        },
      }),
      5000,
      "view_submission",
    );
    expect(submission.status).toBe(200);
    await waitFor(() => submitted.length === 1, 5000, "view handler");
    const values = (submitted[0] as { state: { values: Record<string, Record<string, Json>> } }).state.values;
    expect(values.prompt?.value?.value).toBe("describe both");
    expect(((values.files?.value?.files ?? []) as Json[]).map((f) => f.id)).toEqual([a.id, b.id]);

    // A trigger is usable once, and only for 3 seconds.
    const reuse = await within(
      platformError(
        client().views.open({
          trigger_id: command.triggerId,
          view: { type: "modal", title: { type: "plain_text", text: "x" }, blocks: [] },
        }),
      ),
      5000,
      "reused trigger",
    );
    expect(reuse.data.error).toBe("exchanged_trigger_id");
  });
});

describe("Socket Mode", () => {
  it("connects through apps.connections.open, gets hello, receives an event and acks it", async () => {
    const mentions: Json[] = [];
    const bolt = new App({
      token: fake.botToken,
      appToken: fake.appToken,
      socketMode: true,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } },
      installerOptions: { clientOptions: { slackApiUrl: fake.apiUrl } },
      logLevel: LogLevel.ERROR,
    });
    bolt.event("app_mention", async ({ event }) => {
      mentions.push(event as unknown as Json);
    });
    app = bolt;
    await within(bolt.start(), 5000, "socket mode start");
    await fake.waitForSocket(5000);
    expect(fake.callsTo("apps.connections.open")[0]?.token).toBe(fake.appToken);

    const mention = fake.mention({ text: "over the socket" });
    const ack = await within(fake.pushSocketEvent(mention), 5000, "socket ack");
    expect(ack.ack.envelope_id).toBe(ack.envelopeId);
    await waitFor(() => mentions.length === 1, 5000, "socket event handled");
    expect(mentions[0]).toMatchObject({ ts: mention.ts, text: mention.text });
  });
});

/** Visits the authorize page as a browser would and returns where it was sent. */
async function authorize(
  params: Record<string, string>,
): Promise<{ status: number; location: URL | undefined }> {
  const url = new URL(`${fake.url}/oauth/v2/authorize`);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  const response = await fetch(url, { redirect: "manual" });
  await response.body?.cancel();
  const location = response.headers.get("location");
  return { status: response.status, location: location ? new URL(location) : undefined };
}

const REDIRECT = "https://bot.example/slack/oauth_redirect";

/** Installs the app through the authorize page and oauth.v2.access, as the bot's installer does. */
async function install(
  consent: Parameters<FakeSlack["approveNextInstall"]>[0],
  scopes: { scope: string; user_scope?: string } = { scope: "chat:write,files:read" },
) {
  fake.setRedirectUrl(REDIRECT);
  fake.approveNextInstall(consent);
  const code = (await authorize({ client_id: fake.clientId, ...scopes })).location?.searchParams.get("code");
  return new WebClient(undefined, { slackApiUrl: fake.apiUrl, logger: silent }).oauth.v2.access({
    client_id: fake.clientId,
    client_secret: fake.clientSecret,
    code: code ?? "",
  });
}

describe("workspaces and the install flow", () => {
  it("installs the app in a workspace: the authorize page redirects with a code that oauth.v2.access exchanges once", async () => {
    const acme = fake.addTeam({ id: "T2ACME", name: "Acme" });
    fake.setRedirectUrl(REDIRECT);
    fake.approveNextInstall({ team: acme.id });
    const visit = await authorize({ client_id: fake.clientId, scope: "chat:write,files:read", state: "s1" });
    expect(visit.status).toBe(302);
    expect(visit.location?.origin + (visit.location?.pathname ?? "")).toBe(REDIRECT);
    expect(visit.location?.searchParams.get("state")).toBe("s1");
    const code = visit.location?.searchParams.get("code") ?? "";
    expect(code).not.toBe("");

    const anonymous = new WebClient(undefined, { slackApiUrl: fake.apiUrl, logger: silent });
    const access = await anonymous.oauth.v2.access({
      client_id: fake.clientId,
      client_secret: fake.clientSecret,
      code,
    });
    expect(access).toMatchObject({
      ok: true,
      app_id: fake.appId,
      token_type: "bot",
      scope: "chat:write,files:read",
      bot_user_id: "U2ACMEBOT",
      team: { id: "T2ACME", name: "Acme" },
      enterprise: null,
      is_enterprise_install: false,
      authed_user: { id: acme.userId },
    });
    expect(access.access_token).toMatch(/^xoxb-T2ACME-/);
    expect(access.access_token).not.toBe(fake.botToken);
    expect(fake.installation("T2ACME")?.botToken).toBe(access.access_token);

    // A code is good once.
    const again = await platformError(
      anonymous.oauth.v2.access({ client_id: fake.clientId, client_secret: fake.clientSecret, code }),
    );
    expect(again.data.error).toBe("invalid_code");

    // Each token signs in as its own workspace's bot.
    const acmeAuth = await client(access.access_token).auth.test();
    expect(acmeAuth).toMatchObject({ team_id: "T2ACME", team: "Acme", user_id: "U2ACMEBOT" });
    expect((await client().auth.test()).team_id).toBe(fake.teamId);
  });

  it("takes the client's credentials in HTTP Basic auth, and refuses a wrong secret, a changed redirect_uri and a late code", async () => {
    const late = await startFakeSlack({ codeTtlMs: 50 });
    try {
      late.setRedirectUrl(REDIRECT);
      const visitOf = async (params: Record<string, string>) => {
        const url = new URL(`${late.url}/oauth/v2/authorize`);
        for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
        const response = await fetch(url, { redirect: "manual" });
        return new URL(response.headers.get("location") ?? "").searchParams.get("code") ?? "";
      };
      const exchange = (body: Record<string, string>, basic?: string) =>
        fetch(`${late.apiUrl}oauth.v2.access`, {
          method: "POST",
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            ...(basic ? { authorization: `Basic ${Buffer.from(basic).toString("base64")}` } : {}),
          },
          body: new URLSearchParams(body).toString(),
        }).then((response) => response.json() as Promise<Json>);

      const code = await visitOf({ client_id: late.clientId, scope: "chat:write" });
      expect(await exchange({ code, client_id: late.clientId, client_secret: "wrong" })).toMatchObject({
        ok: false,
        error: "bad_client_secret",
      });
      expect(await exchange({ code, client_id: "nobody", client_secret: late.clientSecret })).toMatchObject({
        error: "invalid_client_id",
      });
      const withRedirect = await visitOf({
        client_id: late.clientId,
        scope: "chat:write",
        redirect_uri: `${REDIRECT}/again`,
      });
      expect(await exchange({ code: withRedirect }, `${late.clientId}:${late.clientSecret}`)).toMatchObject({
        error: "bad_redirect_uri",
      });
      const fresh = await visitOf({ client_id: late.clientId, scope: "chat:write" });
      expect(await exchange({ code: fresh }, `${late.clientId}:${late.clientSecret}`)).toMatchObject({
        ok: true,
        token_type: "bot",
      });
      const slow = await visitOf({ client_id: late.clientId, scope: "chat:write" });
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await exchange({ code: slow }, `${late.clientId}:${late.clientSecret}`)).toMatchObject({
        error: "invalid_code",
      });
    } finally {
      await late.close();
    }
  });

  it("sends the browser back with error=access_denied when the person cancels, and refuses an unknown client or redirect", async () => {
    fake.setRedirectUrl(REDIRECT);
    fake.approveNextInstall({ deny: true });
    const denied = await authorize({ client_id: fake.clientId, scope: "chat:write", state: "s2" });
    expect(denied.location?.searchParams.get("error")).toBe("access_denied");
    expect(denied.location?.searchParams.get("state")).toBe("s2");
    expect(denied.location?.searchParams.get("code")).toBeNull();
    expect((await authorize({ client_id: "someone-else", scope: "chat:write" })).status).toBe(400);
    expect(
      (
        await authorize({
          client_id: fake.clientId,
          scope: "chat:write",
          redirect_uri: "https://evil.example/",
        })
      ).status,
    ).toBe(400);
  });

  it("lets a token act only in its own workspace: another workspace's channel and files are not found", async () => {
    const acme = fake.addTeam({ id: "T2ACME", name: "Acme" });
    const access = await install({ team: acme.id }, { scope: "chat:write,files:read" });
    const acmeBot = client(access.access_token);

    const posted = await acmeBot.chat.postMessage({ channel: acme.generalChannel, text: "hello Acme" });
    expect(fake.messages(acme.generalChannel).find((m) => m.ts === posted.ts)).toMatchObject({
      user: "U2ACMEBOT",
      bot_id: "B2ACMEBOT",
    });
    expect(fake.botMessages(acme.generalChannel)).toHaveLength(1);
    const elsewhere = await platformError(
      acmeBot.chat.postMessage({ channel: fake.generalChannel, text: "x" }),
    );
    expect(elsewhere.data.error).toBe("channel_not_found");
    const backwards = await platformError(
      client().chat.postMessage({ channel: acme.generalChannel, text: "x" }),
    );
    expect(backwards.data.error).toBe("channel_not_found");

    // A file shared in Acme opens with Acme's token only.
    const png = fake.addUserFile(PNG, { name: "cat.png", mimetype: "image/png", team: acme.id });
    const download = (token: string) =>
      fetch(png.url_private, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.text());
    expect(await download(access.access_token ?? "")).not.toContain("Sign in");
    expect(await download(fake.botToken)).toContain("Sign in to Slack");

    // Events in Acme carry Acme's team and its bot in authorizations.
    const mention = fake.mention({ text: "hi", channel: acme.generalChannel });
    expect(mention).toMatchObject({ team: "T2ACME", user: acme.userId });
    expect(String(mention.text)).toContain("<@U2ACMEBOT>");
  });

  it("uninstalls: the workspace's tokens stop working, and Slack sends tokens_revoked then app_uninstalled", async () => {
    const acme = fake.addTeam({ id: "T2ACME", name: "Acme" });
    const access = await install({ team: acme.id }, { scope: "chat:write", user_scope: "search:read" });
    expect(access.authed_user).toMatchObject({ id: acme.userId, token_type: "user", scope: "search:read" });
    const events: Json[] = [];
    await startBolt((bolt) => {
      bolt.event("tokens_revoked", async ({ event, context }) => {
        events.push({ ...(event as unknown as Json), team: context.teamId });
      });
      bolt.event("app_uninstalled", async ({ event, context }) => {
        events.push({ ...(event as unknown as Json), team: context.teamId });
      });
    });
    const sent = await fake.uninstall(acme.id);
    expect(sent.map((event) => event.status)).toEqual([200, 200]);
    await waitFor(() => events.length === 2, 5000, "both events");
    expect(events[0]).toMatchObject({
      type: "tokens_revoked",
      tokens: { bot: ["U2ACMEBOT"], oauth: [acme.userId] },
      team: "T2ACME",
    });
    expect(events[1]).toMatchObject({ type: "app_uninstalled", team: "T2ACME" });
    const refused = await platformError(client(access.access_token).auth.test());
    expect(refused.data.error).toBe("token_revoked");
    expect(fake.installation(acme.id)).toBeUndefined();
    // The default workspace is untouched.
    expect((await client().auth.test()).ok).toBe(true);
  });

  it("auth.revoke revokes the calling token (test=true only checks)", async () => {
    const web = client();
    expect(await web.auth.revoke({ test: true })).toMatchObject({ ok: true, revoked: false });
    expect((await web.auth.test()).ok).toBe(true);
    expect(await web.auth.revoke()).toMatchObject({ ok: true, revoked: true });
    expect((await platformError(web.auth.test())).data.error).toBe("token_revoked");
  });

  it("rotates tokens: the install answers with a refresh token, which gives a new bot token once", async () => {
    const rotating = await startFakeSlack({ tokenExpiresInSeconds: 43_200 });
    try {
      rotating.setRedirectUrl(REDIRECT);
      const response = await fetch(
        `${rotating.url}/oauth/v2/authorize?client_id=${rotating.clientId}&scope=chat:write`,
        { redirect: "manual" },
      );
      const code = new URL(response.headers.get("location") ?? "").searchParams.get("code") ?? "";
      const anonymous = new WebClient(undefined, { slackApiUrl: rotating.apiUrl, logger: silent });
      const credentials = { client_id: rotating.clientId, client_secret: rotating.clientSecret };
      const first = await anonymous.oauth.v2.access({ ...credentials, code });
      expect(first).toMatchObject({ expires_in: 43_200, token_type: "bot" });
      expect(first.refresh_token).toMatch(/^xoxe-1-/);
      const refreshed = await anonymous.oauth.v2.access({
        ...credentials,
        grant_type: "refresh_token",
        refresh_token: first.refresh_token ?? "",
      });
      expect(refreshed.access_token).not.toBe(first.access_token);
      expect(refreshed.refresh_token).not.toBe(first.refresh_token);
      const web = new WebClient(refreshed.access_token, { slackApiUrl: rotating.apiUrl, logger: silent });
      expect((await web.auth.test()).team_id).toBe(rotating.teamId);
      const reused = await platformError(
        anonymous.oauth.v2.access({
          ...credentials,
          grant_type: "refresh_token",
          refresh_token: first.refresh_token ?? "",
        }),
      );
      expect(reused.data.error).toBe("invalid_refresh_token");
    } finally {
      await rotating.close();
    }
  });

  it("installs for a whole Enterprise Grid organization: one token serves each of its workspaces", async () => {
    const east = fake.addTeam({ id: "T3EAST", name: "East", enterpriseId: "E1GRID", enterpriseName: "Grid" });
    const west = fake.addTeam({ id: "T4WEST", name: "West", enterpriseId: "E1GRID" });
    const access = await install({ enterprise: "E1GRID" }, { scope: "chat:write" });
    expect(access).toMatchObject({
      is_enterprise_install: true,
      team: null,
      enterprise: { id: "E1GRID", name: "Grid" },
    });
    const org = client(access.access_token);
    await org.chat.postMessage({ channel: east.generalChannel, text: "east" });
    await org.chat.postMessage({ channel: west.generalChannel, text: "west" });
    expect(
      (await platformError(org.chat.postMessage({ channel: fake.generalChannel, text: "x" }))).data.error,
    ).toBe("channel_not_found");
    const sent = fake.mention({ text: "hi", channel: west.generalChannel });
    await startBolt(() => undefined);
    const delivered = await fake.sendEvent(sent);
    expect(delivered.envelope).toMatchObject({
      team_id: "T4WEST",
      enterprise_id: "E1GRID",
      authorizations: [{ enterprise_id: "E1GRID", team_id: null, is_enterprise_install: true }],
    });
  });
});
