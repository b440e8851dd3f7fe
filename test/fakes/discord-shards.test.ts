/**
 * The fake Discord's sharding, held to Discord's gateway documentation: GET /gateway/bot recommends a
 * count and says `max_concurrency`; IDENTIFY carries `shard: [id, count]`; a guild's events go only to
 * the shard `(guild_id >> 22) % count`, everything without a guild (DMs) only to shard 0; one IDENTIFY
 * per 5 s per rate-limit key (`shard_id % max_concurrency`), a faster one answered with INVALID SESSION;
 * an invalid shard closes with 4010, too few shards for the guilds with 4011. Raw WebSocket clients
 * test the rules; the real discord.js client shows that its own sharding keeps them.
 */
import { once } from "node:events";
import { Client, Events, GatewayIntentBits, Partials } from "discord.js";
import { afterEach, describe, expect, it } from "vitest";
import { type RawData, WebSocket } from "ws";
import { type FakeDiscord, IDENTIFY_WINDOW_MS, shardOf, startFakeDiscord } from "./discord/index.js";

const INTENTS =
  GatewayIntentBits.Guilds |
  GatewayIntentBits.GuildMessages |
  GatewayIntentBits.DirectMessages |
  GatewayIntentBits.MessageContent;

let fake: FakeDiscord | undefined;
const sockets: WebSocket[] = [];
const clients: Client[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await Promise.all(clients.splice(0).map((client) => client.destroy()));
  await fake?.close();
  fake = undefined;
});

async function start(options: Parameters<typeof startFakeDiscord>[0]): Promise<FakeDiscord> {
  fake = await startFakeDiscord(options);
  return fake;
}

/** The first gateway payload after IDENTIFY that decides it: READY, INVALID SESSION, or the close code. */
interface IdentifyOutcome {
  ready?: { shard: unknown; guilds: string[] };
  invalidSession?: unknown;
  closeCode?: number;
  /** The guild ids of the GUILD_CREATEs received until the outcome was read. */
  guildCreates: string[];
  socket: WebSocket;
}

/** A raw gateway connection that IDENTIFYs with `shard` (none: Discord's default, [0, 1]). */
async function identify(discord: FakeDiscord, shard?: [number, number]): Promise<IdentifyOutcome> {
  const socket = new WebSocket(`${discord.gatewayUrl}?v=10&encoding=json`);
  sockets.push(socket);
  const outcome: IdentifyOutcome = { guildCreates: [], socket };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no IDENTIFY outcome within 5 s")), 5000);
    const settle = () => {
      clearTimeout(timer);
      // The GUILD_CREATEs follow READY at once: give them a moment to arrive.
      setTimeout(() => resolve(outcome), 50);
    };
    socket.on("message", (data: RawData) => {
      const payload = JSON.parse(data.toString()) as { op: number; t?: string; d: Record<string, unknown> };
      if (payload.op === 10) {
        socket.send(
          JSON.stringify({
            op: 2,
            d: {
              token: discord.token,
              intents: INTENTS,
              properties: { os: "linux", browser: "test", device: "test" },
              ...(shard ? { shard } : {}),
            },
          }),
        );
      } else if (payload.op === 0 && payload.t === "READY") {
        const guilds = (payload.d.guilds as Array<{ id: string }>).map((guild) => guild.id);
        outcome.ready = { shard: payload.d.shard, guilds };
        settle();
      } else if (payload.op === 0 && payload.t === "GUILD_CREATE") {
        outcome.guildCreates.push(String(payload.d.id));
      } else if (payload.op === 9) {
        outcome.invalidSession = payload.d;
        settle();
      }
    });
    socket.on("close", (code) => {
      outcome.closeCode = code;
      settle();
    });
    socket.on("error", () => undefined);
  });
}

/** Three guilds: two on shard 0 of 2, one on shard 1. */
const THREE_GUILDS = {
  guilds: [
    { name: "Zero A", onShard: [0, 2] as [number, number] },
    { name: "Zero B", onShard: [0, 2] as [number, number] },
    { name: "One", onShard: [1, 2] as [number, number] },
  ],
};

describe("the fake gateway's shards", { timeout: 15_000 }, () => {
  it("GET /gateway/bot recommends enough shards for the guilds and says max_concurrency", async () => {
    const discord = await start({ ...THREE_GUILDS, maxConcurrency: 16, maxGuildsPerShard: 2 });
    const response = await fetch(`${discord.apiUrl}/v10/gateway/bot`, {
      headers: { authorization: `Bot ${discord.token}` },
    });
    const body = (await response.json()) as {
      url: string;
      shards: number;
      session_start_limit: Record<string, number>;
    };
    expect(body.url).toBe(discord.gatewayUrl);
    // Three guilds, two at most per shard: two shards hold them (2 + 1).
    expect(body.shards).toBe(2);
    expect(body.session_start_limit).toEqual({
      total: 1000,
      remaining: 1000,
      reset_after: 14_400_000,
      max_concurrency: 16,
    });
  });

  it("READY and GUILD_CREATE carry only the shard's guilds; an invalid shard closes with 4010", async () => {
    const discord = await start({ ...THREE_GUILDS, maxConcurrency: 2 });
    const [zeroA, zeroB, one] = ["Zero A", "Zero B", "One"].map((name) => discord.guild(name).id);
    expect([zeroA, zeroB, one].map((id) => shardOf(id ?? "", 2))).toEqual([0, 0, 1]);

    const first = await identify(discord, [0, 2]);
    expect(first.ready?.shard).toEqual([0, 2]);
    expect(first.ready?.guilds.sort()).toEqual([zeroA, zeroB].sort());
    expect(first.guildCreates.sort()).toEqual([zeroA, zeroB].sort());
    const second = await identify(discord, [1, 2]);
    expect(second.ready?.guilds).toEqual([one]);
    expect(second.guildCreates).toEqual([one]);

    for (const shard of [
      [2, 2],
      [-1, 2],
      [0, 0],
    ] as Array<[number, number]>) {
      expect((await identify(discord, shard)).closeCode).toBe(4010);
    }
    expect(discord.identifies.map((entry) => entry.outcome)).toEqual([
      "accepted",
      "accepted",
      4010,
      4010,
      4010,
    ]);
  });

  it("too few shards for the guilds closes with 4011 (Sharding required)", async () => {
    const discord = await start({ ...THREE_GUILDS, maxGuildsPerShard: 2 });
    // One shard would hold all three guilds.
    expect((await identify(discord)).closeCode).toBe(4011);
    // Two shards hold two and one: accepted.
    expect((await identify(discord, [0, 2])).ready?.shard).toEqual([0, 2]);
  });

  it("one IDENTIFY per 5 s per rate-limit key: a faster one gets INVALID SESSION, not a session", async () => {
    const discord = await start({ ...THREE_GUILDS, maxConcurrency: 2 });
    expect((await identify(discord, [0, 4])).ready).toBeDefined();
    // Shard 1: key 1 % 2 = 1, its own bucket.
    expect((await identify(discord, [1, 4])).ready).toBeDefined();
    // Shard 2: key 2 % 2 = 0, the bucket shard 0 filled a moment ago.
    const refused = await identify(discord, [2, 4]);
    expect(refused.ready).toBeUndefined();
    expect(refused.invalidSession).toBe(false);
    expect(discord.gatewaySessions()).toHaveLength(2);
    discord.advanceTime(IDENTIFY_WINDOW_MS);
    expect((await identify(discord, [2, 4])).ready?.shard).toEqual([2, 4]);
    expect(discord.identifies.map((entry) => [entry.shard[0], entry.outcome])).toEqual([
      [0, "accepted"],
      [1, "accepted"],
      [2, "rate-limited"],
      [2, "accepted"],
    ]);
  });

  it("routes each guild's events to its shard only, and DMs to shard 0 only", async () => {
    const discord = await start({ ...THREE_GUILDS, maxConcurrency: 2 });
    const zero = await identify(discord, [0, 2]);
    const oneShard = await identify(discord, [1, 2]);
    const seen = new Map<WebSocket, string[]>([
      [zero.socket, []],
      [oneShard.socket, []],
    ]);
    for (const [socket, events] of seen) {
      socket.on("message", (data: RawData) => {
        const payload = JSON.parse(data.toString()) as { t?: string; d?: { content?: string } };
        if (payload.t === "MESSAGE_CREATE") events.push(payload.d?.content ?? "");
      });
    }
    const onZero = discord.guild("Zero B").id;
    const channelOnZero = discord.addChannel({ name: "on-zero", guildId: onZero });
    discord.dispatchMessage({ channelId: channelOnZero.id, content: "for shard 0" });
    discord.dispatchMessage({ channelId: discord.channel("general").id, content: "first guild's general" });
    const channelOnOne = discord.addChannel({ name: "on-one", guildId: discord.guild("One").id });
    discord.dispatchMessage({ channelId: channelOnOne.id, content: "for shard 1" });
    discord.dispatchMessage({
      channelId: discord.dmChannel(discord.user("alice").id).id,
      content: "a direct message",
    });
    await discord.waitFor(
      () => (seen.get(zero.socket)?.length ?? 0) >= 3 && (seen.get(oneShard.socket)?.length ?? 0) >= 1,
      {
        what: "the messages",
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.get(zero.socket)).toEqual(["for shard 0", "first guild's general", "a direct message"]);
    expect(seen.get(oneShard.socket)).toEqual(["for shard 1"]);
  });
});

describe("discord.js's own sharding against the fake", { timeout: 30_000 }, () => {
  async function login(discord: FakeDiscord, shards: number[], shardCount: number): Promise<Client<true>> {
    const client = new Client({
      intents: INTENTS,
      partials: [Partials.Channel],
      rest: { api: discord.apiUrl },
      shards,
      shardCount,
    });
    clients.push(client);
    const ready = once(client, Events.ClientReady);
    await client.login(discord.token);
    await ready;
    return client as Client<true>;
  }

  it("two clients with different shards of one application each get their shard's guilds", async () => {
    const discord = await start({ ...THREE_GUILDS, maxConcurrency: 2 });
    const [zero, one] = await Promise.all([login(discord, [0], 2), login(discord, [1], 2)]);
    expect([...zero.guilds.cache.keys()].sort()).toEqual(
      [discord.guild("Zero A").id, discord.guild("Zero B").id].sort(),
    );
    expect([...one.guilds.cache.keys()]).toEqual([discord.guild("One").id]);
    expect(discord.identifies.map((entry) => entry.outcome)).toEqual(["accepted", "accepted"]);
  });

  it("with max_concurrency 1, one client running two shards waits out the 5 s between their IDENTIFYs", async () => {
    const discord = await start({ ...THREE_GUILDS, maxConcurrency: 1 });
    const client = await login(discord, [0, 1], 2);
    expect(client.guilds.cache.size).toBe(3);
    const accepted = discord.identifies.filter((entry) => entry.outcome === "accepted");
    expect(accepted.map((entry) => entry.shard)).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(accepted[1]!.at - accepted[0]!.at).toBeGreaterThanOrEqual(IDENTIFY_WINDOW_MS);
    expect(discord.identifies.filter((entry) => entry.outcome === "rate-limited")).toEqual([]);
  });
});
