/**
 * Two bot processes of one application, each running its own DISCORD_SHARD_IDS of DISCORD_SHARDS=2,
 * against one fake Discord that routes as Discord does: each is an App of its own (its own storage,
 * as two processes without Redis have), started as `start` starts it. They come up together, so
 * their IDENTIFYs collide in the one-per-5-s window: one is refused and discord.js identifies again.
 * Then every guild message is answered exactly once, by the process holding the guild's shard, and a
 * direct message by the process holding shard 0.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Adapter, BotHandle, Request } from "../../src/core/types.js";
import { type App, PLATFORM_ADAPTERS } from "../../src/main.js";
import { type FakeDiscord, IDENTIFY_WINDOW_MS, shardOf, startFakeDiscord } from "../fakes/discord/index.js";
import { stageOf } from "../fakes/openai-server.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";

interface BotProcess {
  shard: number;
  app: App;
  adapter: Adapter;
  /** The requests this process's bot was handed. */
  received: Request[];
}

let discord: FakeDiscord;
let harness: PipelineHarness;
const processes: BotProcess[] = [];

/** The bot of one process, recording what its adapter hands it. */
function recording(bot: BotHandle, received: Request[]): BotHandle {
  return {
    receive: (request, target) => {
      received.push(request);
      return bot.receive(request, target);
    },
    command: (name, options, request, target) => {
      received.push(request);
      return bot.command(name, options, request, target);
    },
    idle: () => bot.idle(),
    allows: (place) => bot.allows(place),
  };
}

beforeAll(async () => {
  discord = await startFakeDiscord({
    guilds: [
      { name: "Guild Zero", onShard: [0, 2] },
      { name: "Guild One", onShard: [1, 2] },
    ],
    // Most bots' limit: the two processes' first IDENTIFYs cannot both pass.
    maxConcurrency: 1,
  });
  harness = await startPipelineHarness({ models: [] });
  harness.llm.route((body) => {
    if (stageOf(body) === "plan") return "[]";
    // The chat reply's prompt ends with the request.
    return `Answer to: ${body.messages.at(-1)?.content.split("\n").at(-1) ?? ""}`;
  });
  for (const shard of [0, 1]) {
    const app = harness.app({
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_SHARDS: "2",
      DISCORD_SHARD_IDS: String(shard),
      RATE_LIMIT_REQUESTS: "0",
    });
    const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "discord");
    if (!spec) throw new Error("the Discord adapter is not registered");
    processes.push({ shard, app, adapter: spec.create(app), received: [] });
  }
  await Promise.all(
    processes.map((process) => process.adapter.start(recording(process.app.bot, process.received))),
  );
}, 30_000);

afterAll(async () => {
  await Promise.all(processes.map((process) => process.adapter.stop()));
  await harness?.close();
  await discord?.close();
});

/** The bot's messages anywhere whose text answers `text`. */
function answersTo(text: string) {
  return discord.botMessages().filter((message) => message.content.includes(`Answer to: ${text}`));
}

/** Which processes were handed a request with `text`. */
function takenBy(text: string): number[] {
  return processes
    .filter((process) => process.received.some((request) => request.text === text))
    .map((process) => process.shard);
}

describe("two bot processes running different shards of one application", { timeout: 20_000 }, () => {
  it("came up although their first IDENTIFYs collided: one was refused, then identified 5 s later", () => {
    const outcomes = discord.identifies.map((entry) => entry.outcome);
    expect(outcomes.filter((outcome) => outcome === "rate-limited")).toHaveLength(1);
    const accepted = discord.identifies.filter((entry) => entry.outcome === "accepted");
    expect(accepted.map((entry) => entry.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(Math.abs(accepted[1]!.at - accepted[0]!.at)).toBeGreaterThanOrEqual(IDENTIFY_WINDOW_MS);
    expect(
      discord
        .gatewaySessions()
        .map((session) => session.shard)
        .sort(),
    ).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });

  it("answers every guild message exactly once, in the process holding the guild's shard", async () => {
    const sent: Array<{ text: string; shard: number }> = [];
    for (const name of ["Guild Zero", "Guild One"]) {
      const guild = discord.guild(name);
      const channel = discord.addChannel({ name: `talk-${guild.id}`, guildId: guild.id });
      for (const word of ["first", "second"]) {
        const text = `${word} in ${name}`;
        discord.dispatchMessage({ channelId: channel.id, content: `<@${discord.botUser.id}> ${text}` });
        sent.push({ text, shard: shardOf(guild.id, 2) });
      }
    }
    for (const { text } of sent) {
      await discord.waitFor(() => answersTo(text).length > 0, {
        timeoutMs: 10_000,
        what: `the answer to ${text}`,
      });
    }
    await Promise.all(processes.map((process) => process.app.bot.idle()));
    for (const { text, shard } of sent) {
      expect(answersTo(text), text).toHaveLength(1);
      expect(takenBy(text), text).toEqual([shard]);
    }
    expect(sent.map(({ shard }) => shard).sort()).toEqual([0, 0, 1, 1]);
  });

  it("answers a slash command in the process holding its guild's shard", async () => {
    const channel = discord.addChannel({ name: "commands", guildId: discord.guild("Guild One").id });
    const sent = discord.dispatchInteraction({
      command: "ask",
      channelId: channel.id,
      options: { prompt: "a command in Guild One" },
    });
    await discord.waitFor(() => answersTo("a command in Guild One").length > 0, {
      timeoutMs: 10_000,
      what: "the answer",
    });
    expect(sent.record.callbackType).toBe(5);
    expect(takenBy("a command in Guild One")).toEqual([1]);
  });

  it("answers a direct message in the process holding shard 0 only", async () => {
    const dm = discord.dmChannel(discord.user("alice").id);
    discord.dispatchMessage({ channelId: dm.id, content: "a direct message" });
    await discord.waitFor(() => answersTo("a direct message").length > 0, {
      timeoutMs: 10_000,
      what: "the DM's answer",
    });
    await Promise.all(processes.map((process) => process.app.bot.idle()));
    expect(answersTo("a direct message")).toHaveLength(1);
    expect(takenBy("a direct message")).toEqual([0]);
  });
});
