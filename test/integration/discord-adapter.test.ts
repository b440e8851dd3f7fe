/**
 * The Discord adapter end to end: the real discord.js client against the fake Discord (REST, gateway,
 * CDN), started as `start` starts it (createApp, then the adapter registered in PLATFORM_ADAPTERS with
 * DISCORD_API_URL at the fake), with the pipeline on the fake OpenAI and Hugging Face servers.
 */
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import type { Adapter } from "../../src/core/types.js";
import { type App, createApp, PLATFORM_ADAPTERS } from "../../src/main.js";
import { createStorage } from "../../src/storage/index.js";
import {
  type DispatchedInteraction,
  type FakeDiscord,
  type FakeMessage,
  startFakeDiscord,
} from "../fakes/discord/index.js";
import { type ChatCompletionBody, stageOf } from "../fakes/openai-server.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";

const DETR = "facebook/detr-resnet-50";
const BLIP = "Salesforce/blip-image-captioning-large";
const LONG_ANSWER = Array.from(
  { length: 60 },
  (_, index) => `Paragraph ${index}: ${"the giraffe is tall and the zebra is striped. ".repeat(2).trim()}`,
).join("\n\n");

let discord: FakeDiscord;
let harness: PipelineHarness;
let app: App;
let adapter: Adapter;
/** Delay of the respond stage, for the tests that act while a request runs. */
let respondDelayMs = 0;

function allText(body: ChatCompletionBody): string {
  return body.messages.map((message) => message.content).join("\n");
}

/** Names of the inputs the planning prompt lists, attached ones and earlier results. */
function listedInputs(body: ChatCompletionBody): { attached: string[]; earlier: string[] } {
  const text = body.messages.at(-1)?.content ?? "";
  const attached = [...text.matchAll(/^- (\S+): image.*attached to this message$/gm)].map(
    (match) => match[1]!,
  );
  const earlier = [...text.matchAll(/^- (\S+): image.*from an earlier answer$/gm)].map((match) => match[1]!);
  return { attached, earlier };
}

function route(body: ChatCompletionBody) {
  const stage = stageOf(body);
  const request = body.messages.at(-1)?.content ?? "";
  if (stage === "plan") {
    const { attached, earlier } = listedInputs(body);
    if (/Request: .*detect/.test(request)) {
      return JSON.stringify(
        attached.map((name, index) => ({
          id: index + 1,
          task: "object-detection",
          dep: [],
          args: { image: name },
        })),
      );
    }
    if (/Request: .*caption the earlier/.test(request) && earlier[0]) {
      return JSON.stringify([{ id: 1, task: "image-to-text", dep: [], args: { image: earlier[0] } }]);
    }
    return "[]";
  }
  const long = allText(body).includes("long answer please");
  const content = long
    ? LONG_ANSWER
    : stage === "respond"
      ? "I found a giraffe and a zebra."
      : "Hello from the bot.";
  return respondDelayMs > 0 ? { content, delayMs: respondDelayMs } : content;
}

async function png(color: string, width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer();
}

/** The bot's messages in a channel whose text ends a request (not a progress line). */
function answers(channelId: string): FakeMessage[] {
  return discord.botMessages(channelId).filter((message) => message.embeds.length > 0);
}

/** The interaction's original reply, once `done` says it holds what the test waits for. */
function originalReply(
  sent: DispatchedInteraction,
  done: (message: FakeMessage) => boolean,
  what: string,
): Promise<FakeMessage> {
  return discord.waitFor(
    () => {
      const id = sent.record.originalMessageId;
      const message = id ? discord.message(id) : undefined;
      return message && done(message) ? message : undefined;
    },
    { timeoutMs: 15_000, what },
  );
}

beforeAll(async () => {
  discord = await startFakeDiscord();
  harness = await startPipelineHarness({
    models: [
      { id: DETR, pipeline_tag: "object-detection", downloads: 2_000_000 },
      { id: BLIP, pipeline_tag: "image-to-text", downloads: 1_000_000 },
    ],
  });
  harness.llm.route(route);
  const env = harness.env({
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    DISCORD_MESSAGE_CONTENT: "true",
    MODEL_SELECTION: "top",
    RATE_LIMIT_REQUESTS: "0",
  });
  app = createApp(loadConfig(env), { env, storage: createStorage() });
  const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "discord");
  if (!spec) throw new Error("the Discord adapter is not registered");
  expect(spec.configured(app.config)).toBe(true);
  adapter = spec.create(app);
  await adapter.start(app.bot);
});

afterAll(async () => {
  await adapter?.stop();
  await app?.close();
  await harness?.close();
  await discord?.close();
});

beforeEach(() => {
  respondDelayMs = 0;
  discord.clearFaults();
});

const timings: Array<{ test: string; deferMs: number; firstProgressMs: number }> = [];

afterAll(() => {
  if (timings.length > 0) {
    console.log(
      `Discord interaction timings (fake clock, INTERACTION_CREATE → deferral / → first progress edit):\n${timings
        .map((timing) => `  ${timing.test}: ${timing.deferMs} ms / ${timing.firstProgressMs} ms`)
        .join("\n")}`,
    );
  }
});

/** Records how fast an interaction was deferred and got its first progress edit. */
function recordTiming(test: string, token: string, dispatchedAt: number, deferMs: number | undefined) {
  const firstEdit = discord.requests.find(
    (request) => request.route === "editOriginal" && request.path.includes(token) && request.status < 300,
  );
  expect(deferMs).toBeDefined();
  expect(deferMs!).toBeLessThan(3000);
  expect(firstEdit).toBeDefined();
  timings.push({ test, deferMs: deferMs ?? -1, firstProgressMs: (firstEdit?.at ?? 0) - dispatchedAt });
}

describe("the Discord adapter against a fake Discord", () => {
  it("answers /ask with a PNG: deferred within 3 s, the answer with an embed and the annotated image, then a thread; every request keeps Discord's OpenAPI contract", async () => {
    const from = discord.requests.length;
    const photo = discord.createAttachment(await png("#3a6"), { filename: "photo.png" });
    const sent = discord.dispatchInteraction({
      command: "ask",
      options: { prompt: "detect the animals", file: photo },
    });
    const answer = await originalReply(
      sent,
      (message) => message.embeds.length > 0,
      "the answer in the original reply",
    );
    expect(sent.record.callbackType).toBe(5);
    recordTiming("/ask with a PNG", sent.token, sent.dispatchedAt, sent.record.acknowledgedAfterMs);
    expect(answer.content).toContain("I found a giraffe and a zebra.");
    expect(answer.attachments.length).toBe(1);
    const image = answer.attachments[0]!;
    expect(image.filename).toMatch(/\.png$/);
    expect(JSON.stringify(answer.embeds[0])).toContain(image.filename);
    expect(JSON.stringify(answer.embeds[0])).toContain(DETR);
    expect(harness.hf.inferenceCalls(DETR)).toHaveLength(1);
    const thread = await discord.waitFor(
      () => discord.threads(sent.channelId).find((item) => item.id === answer.id),
      { what: "a thread on the reply" },
    );
    // A message in that thread continues the conversation, without a mention, with the earlier result.
    const captions = harness.hf.inferenceCalls(BLIP).length;
    discord.dispatchMessage({ channelId: thread.id, content: "caption the earlier result" });
    await discord.waitFor(() => answers(thread.id)[0], {
      timeoutMs: 15_000,
      what: "the follow-up in the thread",
    });
    expect(harness.hf.inferenceCalls(BLIP).length - captions).toBe(1);

    // The whole run, slash command to thread, held to Discord's published contract (contract.ts).
    await app.bot.idle();
    const run = discord.requests.slice(from).filter((request) => request.route !== "cdn");
    const checked = run.filter((request) => request.operation !== undefined);
    expect(checked.map((request) => request.operation)).toEqual(
      expect.arrayContaining([
        "POST /interactions/{interaction_id}/{interaction_token}/callback",
        "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original",
        "POST /channels/{channel_id}/messages/{message_id}/threads",
        "POST /channels/{channel_id}/messages",
        "PATCH /channels/{channel_id}/messages/{message_id}",
      ]),
    );
    const broken = checked
      .filter((request) => (request.contractIssues ?? []).length > 0)
      .map((request) => ({ operation: request.operation, issues: request.contractIssues }));
    expect(broken).toEqual([]);
    expect(run.filter((request) => request.code === 50035)).toEqual([]);
    console.log(
      `Slash-command run: ${run.length} REST requests, ${checked.length} bodies checked against Discord's OpenAPI spec, ${broken.length} broke it`,
    );
  });

  it("answers /help and /models in the deferred reply", async () => {
    const help = discord.dispatchInteraction({ command: "help" });
    await discord.waitFor(
      () => {
        const id = help.record.originalMessageId;
        return id && discord.message(id)?.content.includes("Commands:");
      },
      { what: "the help text" },
    );
    const models = discord.dispatchInteraction({ command: "models", options: { task: "object-detection" } });
    await discord.waitFor(
      () => {
        const id = models.record.originalMessageId;
        return id && discord.message(id)?.content.includes(DETR);
      },
      { what: "the models of object-detection" },
    );
  });

  it("answers a direct message without a mention", async () => {
    const alice = discord.user("alice");
    const dm = discord.dmChannel(alice.id);
    discord.dispatchMessage({ channelId: dm.id, author: alice, content: "say hi" });
    await discord.waitFor(
      () => discord.botMessages(dm.id).find((item) => item.content.includes("Hello from the bot.")),
      { timeoutMs: 15_000, what: "the answer in the DM" },
    );
  });

  it("answers /ask without an attachment", async () => {
    const sent = discord.dispatchInteraction({ command: "ask", options: { prompt: "say hello" } });
    const answer = await originalReply(
      sent,
      (message) => message.content.includes("Hello from the bot."),
      "the chat answer",
    );
    recordTiming("/ask without a file", sent.token, sent.dispatchedAt, sent.record.acknowledgedAfterMs);
    expect(answer.attachments).toEqual([]);
  });

  it("starts a thread on a mention with two images, uses both, and continues there without a mention", async () => {
    const general = discord.channel("general");
    const before = harness.hf.inferenceCalls(DETR).length;
    const message = discord.dispatchMessage({
      channelId: general.id,
      content: `<@${discord.botUser.id}> detect what is in these`,
      attachments: [
        { bytes: await png("#a33"), filename: "left.png" },
        { bytes: await png("#33a"), filename: "right.png" },
      ],
    });
    const thread = await discord.waitFor(
      () => discord.threads(general.id).find((item) => item.id === message.id),
      {
        what: "the thread on the message",
      },
    );
    const answer = await discord.waitFor(() => answers(thread.id)[0], {
      timeoutMs: 15_000,
      what: "the answer",
    });
    expect(harness.hf.inferenceCalls(DETR).length - before).toBe(2);
    expect(answer.attachments).toHaveLength(2);
    expect(answer.embeds[0]?.fields).toHaveLength(2);

    const captions = harness.hf.inferenceCalls(BLIP).length;
    discord.dispatchMessage({ channelId: thread.id, content: "now caption the earlier result" });
    await discord.waitFor(() => answers(thread.id)[1], { timeoutMs: 15_000, what: "the follow-up answer" });
    expect(harness.hf.inferenceCalls(BLIP).length - captions).toBe(1);
  });

  it("leaves out a result over the upload limit with a note and keeps the text", async () => {
    const channel = discord.addChannel({ name: "tiny-uploads", uploadLimitBytes: 200 });
    const photo = discord.createAttachment(await png("#3a6", 320, 240), { filename: "big.png" });
    const sent = discord.dispatchInteraction({
      command: "ask",
      channelId: channel.id,
      options: { prompt: "detect the animals", file: photo },
    });
    const answer = await originalReply(sent, (message) => message.embeds.length > 0, "the answer");
    expect(answer.attachments).toEqual([]);
    expect(answer.content).toContain("I found a giraffe and a zebra.");
    expect(answer.content).toMatch(/was left out: even downscaled it is over this channel's upload limit/);
    expect(JSON.stringify(answer.embeds)).not.toContain("attachment://");
  });

  it("splits an answer over 2000 characters into the reply and follow-ups", async () => {
    const sent = discord.dispatchInteraction({ command: "ask", options: { prompt: "long answer please" } });
    await discord.waitFor(() => sent.record.followupIds.length >= 2 && sent.record.followupIds, {
      timeoutMs: 15_000,
      what: "the follow-ups",
    });
    await discord.waitFor(() => {
      const text = [sent.record.originalMessageId!, ...sent.record.followupIds]
        .map((id) => discord.message(id)?.content ?? "")
        .join("\n\n");
      return text.includes("Paragraph 59");
    });
    const parts = [sent.record.originalMessageId!, ...sent.record.followupIds].map(
      (id) => discord.message(id)!,
    );
    for (const part of parts) expect(part.content.length).toBeLessThanOrEqual(2000);
    expect(parts.map((part) => part.content).join("\n\n")).toBe(LONG_ANSWER);
  });

  it("ignores its own messages", async () => {
    await app.bot.idle();
    const llmCalls = harness.llm.requests.length;
    const general = discord.channel("general");
    const botCalls = () =>
      discord.requests.filter((request) =>
        ["createMessage", "startThreadFromMessage"].includes(request.route),
      ).length;
    const before = botCalls();
    discord.dispatchMessage({
      channelId: general.id,
      author: discord.botUser,
      content: `<@${discord.botUser.id}> detect this`,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(harness.llm.requests.length).toBe(llmCalls);
    expect(botCalls()).toBe(before);
  });

  it("still answers when creating a message is rate limited (429)", async () => {
    const general = discord.channel("general");
    discord.failNext("createMessage", { kind: "rateLimit", retryAfter: 0.05 });
    const message = discord.dispatchMessage({
      channelId: general.id,
      content: `<@${discord.botUser.id}> say hi`,
    });
    const thread = await discord.waitFor(() =>
      discord.threads(general.id).find((item) => item.id === message.id),
    );
    await discord.waitFor(
      () => discord.botMessages(thread.id).find((item) => item.content.includes("Hello from the bot.")),
      {
        timeoutMs: 15_000,
        what: "the answer after the 429",
      },
    );
    expect(
      discord.requests.some((request) => request.route === "createMessage" && request.status === 429),
    ).toBe(true);
  });

  it("answers once across a gateway disconnect and RESUME during a request", async () => {
    respondDelayMs = 600;
    const photo = discord.createAttachment(await png("#3a6"), { filename: "photo.png" });
    const sent = discord.dispatchInteraction({
      command: "ask",
      options: { prompt: "detect the animals", file: photo },
    });
    await discord.waitFor(() => sent.record.acknowledgedAfterMs !== undefined);
    const connections = discord.gatewayConnections.length;
    await discord.dropConnection({ code: 4000 });
    const general = discord.channel("general");
    // Sent while the bot is disconnected: replayed on RESUME, answered once.
    const during = discord.dispatchMessage({
      channelId: general.id,
      content: `<@${discord.botUser.id}> say hi`,
    });
    const answer = await originalReply(
      sent,
      (message) => message.embeds.length > 0,
      "the answer after the resume",
    );
    expect(answer.content).toContain("I found a giraffe and a zebra.");
    await discord.waitFor(() => discord.gatewayConnections.length > connections, {
      what: "a new connection",
    });
    const thread = await discord.waitFor(() =>
      discord.threads(general.id).find((item) => item.id === during.id),
    );
    await discord.waitFor(
      () => discord.botMessages(thread.id).find((item) => item.content.includes("Hello from the bot.")),
      {
        timeoutMs: 15_000,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sent.record.followupIds).toEqual([]);
    expect(
      discord.botMessages(thread.id).filter((item) => item.content.includes("Hello from the bot.")),
    ).toHaveLength(1);
    const resumed = discord.gatewayConnections.find((connection) => connection.kind === "resume");
    expect(resumed?.resume?.accepted).toBe(true);
    expect(resumed?.resume?.replayed).toBeGreaterThanOrEqual(1);
    expect(discord.gatewaySessions()).toHaveLength(1);
  });

  it("answers in the channel and says so when it may not create threads", async () => {
    const channel = discord.addChannel({ name: "no-threads", deny: ["CreatePublicThreads"] });
    discord.dispatchMessage({ channelId: channel.id, content: `<@${discord.botUser.id}> say hi` });
    const answer = await discord.waitFor(
      () => discord.botMessages(channel.id).find((item) => item.content.includes("Hello from the bot.")),
      { timeoutMs: 15_000, what: "the answer in the channel" },
    );
    expect(discord.threads(channel.id)).toEqual([]);
    const all = discord
      .botMessages(channel.id)
      .map((item) => item.content)
      .join("\n");
    expect(all).toMatch(/could not start a thread here/);
    expect(answer).toBeDefined();
  });

  it("keeps the text and says so when it may not attach files", async () => {
    const channel = discord.addChannel({ name: "no-files", deny: ["AttachFiles"] });
    discord.dispatchMessage({
      channelId: channel.id,
      content: `<@${discord.botUser.id}> detect the animals`,
      attachments: [{ bytes: await png("#3a6"), filename: "photo.png" }],
    });
    const thread = await discord.waitFor(() => discord.threads(channel.id)[0], { what: "the thread" });
    const answer = await discord.waitFor(() => answers(thread.id)[0], {
      timeoutMs: 15_000,
      what: "the answer",
    });
    expect(answer.attachments).toEqual([]);
    expect(answer.content).toContain("I found a giraffe and a zebra.");
    expect(answer.content).toMatch(/could not be attached: I do not have the Attach Files permission/);
  });

  it("answers in the channel when the interaction expired before the deferral", async () => {
    const channel = discord.addChannel({ name: "slow-ack" });
    discord.failNext(
      "interactionCallback",
      { kind: "error", status: 404, code: 10062, message: "Unknown interaction" },
      { channelId: channel.id },
    );
    const sent = discord.dispatchInteraction({
      command: "ask",
      channelId: channel.id,
      options: { prompt: "say hi" },
    });
    await discord.waitFor(
      () => discord.botMessages(channel.id).find((item) => item.content.includes("Hello from the bot.")),
      { timeoutMs: 15_000, what: "the answer in the channel" },
    );
    expect(sent.record.originalMessageId).toBeUndefined();
  });

  it("finishes in the thread on the reply through the channel API once the 15-minute token has expired", async () => {
    respondDelayMs = 800;
    const photo = discord.createAttachment(await png("#3a6"), { filename: "photo.png" });
    const sent = discord.dispatchInteraction({
      command: "ask",
      options: { prompt: "detect the animals", file: photo },
    });
    await discord.waitFor(
      () =>
        discord.requests.find(
          (request) =>
            request.route === "editOriginal" && request.path.includes(sent.token) && request.status < 300,
        ),
      { what: "the first progress edit" },
    );
    discord.advanceTime(16 * 60_000);
    const replyId = await discord.waitFor(() => sent.record.originalMessageId);
    const answer = await discord.waitFor(() => answers(replyId)[0], {
      timeoutMs: 15_000,
      what: "the answer in the thread on the reply",
    });
    expect(answer.content).toContain("I found a giraffe and a zebra.");
    expect(answer.attachments).toHaveLength(1);
  });
});
