/**
 * Discord's HTTP interactions endpoint end to end: the app started as `start` starts it with
 * DISCORD_PUBLIC_KEY and DISCORD_GATEWAY=false (no gateway connection at all), `POST
 * /discord/interactions` on PORT, and the fake Discord as the other side: it checks the URL as the
 * Developer Portal does, then sends signed interactions there instead of INTERACTION_CREATE, times
 * each answer and holds it to Discord's OpenAPI contract for interaction responses. The answers come
 * through REST with the interaction token, as over the gateway. Last, the endpoint shares PORT with
 * Slack's HTTP receiver when both platforms run in one process.
 */
import sharp from "sharp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Adapter, Request } from "../../src/core/types.js";
import { type App, createPlatformAdapters, PLATFORM_ADAPTERS } from "../../src/main.js";
import {
  type DispatchedInteraction,
  type EndpointCheck,
  type FakeDiscord,
  type FakeMessage,
  MessageFlags,
  startFakeDiscord,
} from "../fakes/discord/index.js";
import { type ChatCompletionBody, stageOf } from "../fakes/openai-server.js";
import { type FakeSlack, startFakeSlack } from "../fakes/slack/index.js";
import { type RecordedBot, recordedBot } from "../support/adapter-contract.js";
import { freePort } from "../support/net.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";

const DETR = "facebook/detr-resnet-50";
const LONG_ANSWER = Array.from(
  { length: 40 },
  (_, index) => `Paragraph ${index}: ${"the zebra is striped. ".repeat(4).trim()}`,
).join("\n\n");

let discord: FakeDiscord;
let harness: PipelineHarness;
let app: App;
let adapter: Adapter;
let bot: RecordedBot;
let port: number;
let check: EndpointCheck | undefined;
let elsewhere: string;

function route(body: ChatCompletionBody) {
  const request = body.messages.at(-1)?.content ?? "";
  if (stageOf(body) === "plan") {
    const photo = /^- (\S+): image.*attached to this message$/m.exec(request)?.[1];
    return /Request: .*detect/.test(request) && photo
      ? JSON.stringify([{ id: 1, task: "object-detection", dep: [], args: { image: photo } }])
      : "[]";
  }
  const all = body.messages.map((message) => message.content).join("\n");
  if (all.includes("long answer please")) return LONG_ANSWER;
  return stageOf(body) === "respond" ? "I found a zebra." : `Hello: ${request.split("\n").at(-1) ?? ""}`;
}

async function png(color: string): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: color } })
    .png()
    .toBuffer();
}

/** The interaction's original reply once it is no longer "thinking…" and `done` says so. */
function finishedReply(sent: DispatchedInteraction, done: (message: FakeMessage) => boolean, what: string) {
  return discord.waitFor(
    () => {
      const id = sent.record.originalMessageId;
      const message = id ? discord.message(id) : undefined;
      return message && (message.flags & MessageFlags.Loading) === 0 && done(message) ? message : undefined;
    },
    { timeoutMs: 15_000, what },
  );
}

function planCalls(text: string) {
  return harness.llm.requests.filter(
    (request) =>
      stageOf(request.body) === "plan" && (request.body.messages.at(-1)?.content ?? "").includes(text),
  );
}

const latencies: Array<{ test: string; ms: number }> = [];

beforeAll(async () => {
  discord = await startFakeDiscord({
    guilds: [{ name: "Fake Guild", channels: [{ name: "general" }, { name: "random" }] }],
  });
  elsewhere = discord.addChannel({ name: "not-enabled" }).id;
  const dm = discord.dmChannel(discord.user("alice").id);
  harness = await startPipelineHarness({
    models: [{ id: DETR, pipeline_tag: "object-detection", downloads: 1000 }],
  });
  harness.llm.route(route);
  port = await freePort();
  app = harness.app({
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_PUBLIC_KEY: discord.publicKey,
    DISCORD_GATEWAY: "false",
    PORT: String(port),
    ALLOWED_CHANNELS: [discord.channel("general").id, discord.channel("random").id, dm.id].join(","),
    MODEL_SELECTION: "top",
    RATE_LIMIT_REQUESTS: "0",
  });
  const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "discord");
  if (!spec) throw new Error("the Discord adapter is not registered");
  expect(spec.configured(app.config)).toBe(true);
  adapter = spec.create(app);
  bot = recordedBot(app.bot);
  await adapter.start(bot);
  // What an operator does next: paste the URL into the Developer Portal, which checks it.
  check = await discord.setInteractionsEndpoint(`http://127.0.0.1:${port}/discord/interactions`);
});

afterEach(() => {
  // Every answer the endpoint gave, in every test, keeps Discord's contract for interaction responses.
  const broken = discord.endpointDeliveries.filter((delivery) => delivery.contractFailure !== undefined);
  expect(broken.map((delivery) => ({ answer: delivery.answer, failure: delivery.contractFailure }))).toEqual(
    [],
  );
});

afterAll(async () => {
  if (latencies.length > 0) {
    console.log(
      `Discord interactions endpoint, request → deferral answered (real ms):\n${latencies
        .map((entry) => `  ${entry.test}: ${entry.ms.toFixed(1)} ms`)
        .join("\n")}`,
    );
  }
  await adapter?.stop();
  await harness?.close();
  await discord?.close();
});

/** An /ask over HTTP, its delivery checked: a deferral, accepted by Discord within its 3 s. */
async function ask(test: string, options: Parameters<FakeDiscord["dispatchInteraction"]>[0]) {
  const sent = discord.dispatchInteraction({ command: "ask", ...options });
  const delivery = await sent.delivered;
  expect(delivery).toMatchObject({ status: 200, accepted: true, answer: { type: 5 } });
  latencies.push({ test, ms: delivery?.latencyMs ?? Number.NaN });
  return sent;
}

describe("the Discord HTTP interactions endpoint", { timeout: 30_000 }, () => {
  it("passes Discord's URL check: a signed PING gets PONG, a badly signed one 401", () => {
    expect(check?.problems).toEqual([]);
    expect(check).toMatchObject({ ok: true, badSignatureStatus: 401 });
    expect(check?.ping).toMatchObject({ status: 200, contentType: "application/json", answer: { type: 1 } });
    expect(discord.interactionsEndpointUrl).toBe(`http://127.0.0.1:${port}/discord/interactions`);
  });

  it("refuses a bad signature, a missing header, a tampered body and a stale timestamp with 401, and hands nothing on", async () => {
    const payload = {
      type: 2,
      id: "1234567890123456789",
      application_id: discord.applicationId,
      token: "forged-token",
      version: 1,
      data: {
        id: "1",
        name: "ask",
        type: 1,
        options: [{ name: "prompt", type: 3, value: "forged request" }],
      },
      guild_id: discord.guild().id,
      channel_id: discord.channel("general").id,
      channel: { id: discord.channel("general").id, type: 0 },
      member: { user: { id: discord.user("bob").id, username: "bob" } },
    };
    const body = JSON.stringify(payload);
    const now = String(Math.floor(Date.now() / 1000));
    const anotherKeys = "ab".repeat(64);
    const answers = await Promise.all([
      discord.postToEndpoint(body, { signature: anotherKeys }),
      discord.postToEndpoint(body, { signature: null }),
      discord.postToEndpoint(body, { timestamp: null }),
      // Signed as sent, then changed on the way.
      discord.postToEndpoint(body.replace("forged request", "tampered request"), { signedBody: body }),
      // A valid signature over another timestamp than the one sent.
      discord.postToEndpoint(body, { timestamp: now, signedTimestamp: String(Number(now) - 1) }),
      // Signed properly, but an hour old: a replay.
      discord.postToEndpoint(body, { timestamp: String(Number(now) - 3600) }),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(bot.received.filter(({ request }) => request.text.includes("request"))).toEqual([]);
    // The same body, signed and fresh, is taken: the refusals were about the signatures.
    const taken = await discord.postToEndpoint(body);
    expect(taken).toMatchObject({ status: 200, answer: { type: 5 } });
  });

  it("answers /ask by deferring in the response itself, then editing the original reply; a thread follows", async () => {
    const sent = await ask("/ask with text", { options: { prompt: "say hello" } });
    const reply = await finishedReply(
      sent,
      (message) => message.content.includes("Hello: say hello"),
      "the answer",
    );
    expect(sent.record.callbacks).toMatchObject([{ type: 5, status: 204, via: "endpoint" }]);
    // The deferral came first: every edit of the reply (progress, then the answer) came after it.
    expect(sent.record.edits.length).toBeGreaterThan(0);
    for (const edit of sent.record.edits)
      expect(edit.afterMs).toBeGreaterThanOrEqual(sent.record.acknowledgedAfterMs ?? Number.NaN);
    const thread = await discord.waitFor(
      () => discord.threads(sent.channelId).find((channel) => channel.id === reply.id),
      {
        what: "the thread on the reply",
      },
    );
    expect(thread.name).toBe("say hello");
    // No gateway connection was ever opened.
    expect(discord.gatewayConnections).toEqual([]);
  });

  it("answers /ask with an attachment: the file is used, the annotated image in the reply, a long answer in follow-ups", async () => {
    const photo = discord.createAttachment(await png("#3a6"), { filename: "zebra.png" });
    const detections = harness.hf.inferenceCalls(DETR).length;
    const sent = await ask("/ask with a file", { options: { prompt: "detect the animals", file: photo } });
    const reply = await finishedReply(
      sent,
      (message) => message.embeds.length > 0,
      "the answer with its image",
    );
    expect(reply.content).toContain("I found a zebra.");
    expect(reply.attachments).toHaveLength(1);
    expect(harness.hf.inferenceCalls(DETR).length - detections).toBe(1);
    const request = bot.received.find((entry) => entry.request.id === sent.id)?.request as Request;
    expect(request).toMatchObject({
      platform: "discord",
      eventId: sent.id,
      channel: sent.channelId,
      thread: reply.id,
      workspace: discord.guild().id,
    });
    expect(request.author.name).toBe("alice");

    const long = await ask("/ask with a long answer", { options: { prompt: "long answer please" } });
    await discord.waitFor(() => long.record.followupIds.length >= 1, {
      timeoutMs: 15_000,
      what: "the follow-ups",
    });
    await app.bot.idle();
    const parts = [long.record.originalMessageId, ...long.record.followupIds].map(
      (id) => discord.message(id ?? "")?.content ?? "",
    );
    expect(parts.join("\n\n")).toBe(LONG_ANSWER);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(2000);
  });

  it("answers a command in a channel outside the allowlist with one line in its reply, and nothing else", async () => {
    const sent = await ask("/ask outside the allowlist", {
      channelId: elsewhere,
      options: { prompt: "not here" },
    });
    const reply = await finishedReply(sent, () => true, "the refusal");
    expect(reply.content).toBe("I'm not enabled in this channel.");
    await app.bot.idle();
    expect(discord.botMessages(elsewhere).map((message) => message.id)).toEqual([reply.id]);
    expect(planCalls("not here")).toEqual([]);
  });

  it("answers a direct message's command (a user, not a member)", async () => {
    const dm = discord.dmChannel(discord.user("alice").id);
    const sent = await ask("/ask in a DM", {
      channelId: dm.id,
      user: discord.user("alice"),
      options: { prompt: "hi in private" },
    });
    await finishedReply(sent, (message) => message.content.includes("Hello: hi in private"), "the DM answer");
    const request = bot.received.find((entry) => entry.request.id === sent.id)?.request;
    expect(request?.workspace).toBeUndefined();
    expect(request?.author.id).toBe(discord.user("alice").id);
  });

  it("answers an interaction delivered again only once", async () => {
    const sent = await ask("/ask redelivered", { options: { prompt: "only once please" } });
    // While it runs, and again once answered: Discord takes neither second response (40060).
    expect(await discord.redeliverInteraction(sent.id)).toMatchObject({
      status: 200,
      accepted: false,
      code: 40060,
    });
    await finishedReply(sent, (message) => message.content.includes("Hello: only once please"), "the answer");
    expect(await discord.redeliverInteraction(sent.id)).toMatchObject({
      status: 200,
      accepted: false,
      code: 40060,
    });
    // Each delivery reaches the bot once its deferral is written: wait for the third to be judged.
    const dispositions = await discord.waitFor(() => {
      const statuses = bot.received
        .filter((entry) => entry.request.id === sent.id)
        .map((entry) => entry.disposition?.status);
      return statuses.length === 3 && statuses.every((status) => status !== undefined) && statuses;
    });
    expect(dispositions).toEqual(["accepted", "duplicate", "duplicate"]);
    await app.bot.idle();
    expect(planCalls("only once please")).toHaveLength(1);
    expect(
      discord.botMessages(sent.channelId).filter((message) => message.content.includes("only once please")),
    ).toHaveLength(1);
  });
});

describe("the endpoint beside Slack's HTTP receiver", { timeout: 30_000 }, () => {
  let slack: FakeSlack;
  let both: App;
  let adapters: Adapter[] = [];

  afterAll(async () => {
    await Promise.all(adapters.map((running) => running.stop()));
    await slack?.close();
    await discord.setInteractionsEndpoint(undefined);
  });

  it("shares PORT: /slack/events and /discord/interactions on one server, both answered", async () => {
    slack = await startFakeSlack();
    const shared = await freePort();
    both = harness.app({
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_PUBLIC_KEY: discord.publicKey,
      DISCORD_GATEWAY: "false",
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(shared),
      RATE_LIMIT_REQUESTS: "0",
    });
    adapters = createPlatformAdapters(
      both,
      PLATFORM_ADAPTERS.filter((spec) => spec.configured(both.config)),
    );
    expect(adapters.map((running) => running.platform)).toEqual(["discord", "slack"]);
    // As `start` does: one after the other; Discord's would fail with EADDRINUSE had it listened too.
    for (const running of adapters) await running.start(both.bot);

    const saved = await discord.setInteractionsEndpoint(`http://127.0.0.1:${shared}/discord/interactions`);
    expect(saved?.problems).toEqual([]);
    const sent = discord.dispatchInteraction({ command: "ask", options: { prompt: "from Discord" } });
    expect(await sent.delivered).toMatchObject({ status: 200, accepted: true, answer: { type: 5 } });
    await finishedReply(
      sent,
      (message) => message.content.includes("Hello: from Discord"),
      "Discord's answer",
    );

    slack.setAppUrl(`http://127.0.0.1:${shared}/slack/events`);
    const mention = slack.mention({ text: `<@${slack.botUserId}> from Slack` });
    expect((await slack.sendEvent(mention)).status).toBe(200);
    await discord.waitFor(
      () =>
        slack
          .botMessages(mention.channel, mention.ts)
          .some((message) => JSON.stringify(message).includes("Hello: from Slack")),
      { timeoutMs: 15_000, what: "Slack's answer" },
    );
  });
});
