/**
 * Slash commands the bot refuses must not leave the deferred reply "thinking…": the real discord.js
 * against the fake Discord, the app started as `start` starts it, with an allowlist and a rate limit.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDiscordAdapter } from "../../adapters/discord/adapter.js";
import { COMMANDS } from "../../commands/index.js";
import { loadConfig } from "../../src/config/index.js";
import type { Adapter, BotHandle } from "../../src/core/types.js";
import { type App, createApp, PLATFORM_ADAPTERS } from "../../src/main.js";
import { createStorage } from "../../src/storage/index.js";
import {
  type FakeChannel,
  type FakeDiscord,
  MessageFlags,
  startFakeDiscord,
} from "../fakes/discord/index.js";
import { stageOf } from "../fakes/openai-server.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";

let discord: FakeDiscord;
let harness: PipelineHarness;
let app: App;
let adapter: Adapter;
let allowed: FakeChannel;
let closed: FakeChannel;

beforeAll(async () => {
  discord = await startFakeDiscord();
  allowed = discord.addChannel({ name: "bot-room" });
  closed = discord.addChannel({ name: "off-limits" });
  harness = await startPipelineHarness({ models: [] });
  harness.llm.route((body) => (stageOf(body) === "plan" ? "[]" : "Hello from the bot."));
  const env = harness.env({
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    ALLOWED_CHANNELS: allowed.id,
    RATE_LIMIT_REQUESTS: "1",
    RATE_LIMIT_WINDOW_SECONDS: "3600",
  });
  app = createApp(loadConfig(env), { env, storage: createStorage() });
  const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "discord");
  if (!spec) throw new Error("the Discord adapter is not registered");
  adapter = spec.create(app);
  await adapter.start(app.bot);
});

afterAll(async () => {
  await adapter?.stop();
  await app?.close();
  await harness?.close();
  await discord?.close();
});

/** The deferred reply's message once it is no longer the loading "thinking…" message. */
function finishedOriginal(record: { originalMessageId?: string }) {
  const id = record.originalMessageId;
  const message = id ? discord.message(id) : undefined;
  return message && (message.flags & MessageFlags.Loading) === 0 ? message : undefined;
}

describe("slash commands the bot refuses", () => {
  it("/ask in a channel not on ALLOWED_CHANNELS: the deferred reply says so, nothing else is posted", async () => {
    const sent = discord.dispatchInteraction({
      command: "ask",
      channelId: closed.id,
      options: { prompt: "hi" },
    });
    const reply = await discord.waitFor(() => finishedOriginal(sent.record), {
      what: "the deferred reply finished",
    });
    expect(sent.record.callbackType).toBe(5);
    expect(reply.content).toBe("I'm not enabled in this channel.");
    await app.bot.idle();
    // One message only (the edited deferred reply): no thread, no follow-up, no channel message, no run.
    expect(discord.botMessages(closed.id).map((message) => message.id)).toEqual([reply.id]);
    expect(discord.threads(closed.id)).toEqual([]);
    expect(sent.record.followupIds).toEqual([]);
    expect(harness.llm.requests).toHaveLength(0);
  });

  it("/help in a channel not on ALLOWED_CHANNELS is finished the same way", async () => {
    const sent = discord.dispatchInteraction({ command: "help", channelId: closed.id });
    const reply = await discord.waitFor(() => finishedOriginal(sent.record), {
      what: "the deferred reply finished",
    });
    expect(reply.content).toBe("I'm not enabled in this channel.");
  });

  it("/ask over the rate limit: the deferred reply says when to try again", async () => {
    const first = discord.dispatchInteraction({
      command: "ask",
      channelId: allowed.id,
      options: { prompt: "hello" },
    });
    await discord.waitFor(() => finishedOriginal(first.record)?.content.includes("Hello from the bot."), {
      timeoutMs: 15_000,
      what: "the first answer",
    });
    const second = discord.dispatchInteraction({
      command: "ask",
      channelId: allowed.id,
      options: { prompt: "hello again" },
    });
    const reply = await discord.waitFor(() => finishedOriginal(second.record), {
      what: "the rate-limited reply finished",
    });
    expect(reply.content).toMatch(/Please try again in (\d+ minutes?|1 hour)\./);
    await app.bot.idle();
    expect(harness.llm.requests.filter((request) => stageOf(request.body) === "plan")).toHaveLength(1);
  });
});

describe("a slash command the bot fails to take", () => {
  it("still finishes the deferred reply, and posts nothing in the channel", async () => {
    const own = await startFakeDiscord();
    const failing: BotHandle = {
      receive: async () => ({ status: "ignored", reason: "empty" }),
      command: async () => {
        throw new Error("storage exploded");
      },
      idle: async () => undefined,
      allows: () => true,
    };
    const broken = createDiscordAdapter({
      token: own.token,
      apiUrl: own.apiUrl,
      commands: COMMANDS,
      maxFileBytes: 1024 * 1024,
      downloadTimeoutMs: 5000,
      fitImage: async () => undefined,
    });
    try {
      await broken.start(failing);
      const sent = own.dispatchInteraction({ command: "help" });
      const id = await own.waitFor(() => sent.record.originalMessageId, { what: "the deferral" });
      const reply = await own.waitFor(
        () => {
          const message = own.message(id);
          return message && (message.flags & MessageFlags.Loading) === 0 ? message : undefined;
        },
        { what: "the deferred reply finished" },
      );
      expect(reply.content).toBe("Something went wrong on my side. Please try again.");
      expect(own.botMessages(sent.channelId).map((message) => message.id)).toEqual([reply.id]);
    } finally {
      await broken.stop();
      await own.close();
    }
  });
});
