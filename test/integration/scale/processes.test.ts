/**
 * The roles as an operator runs them: two gateways and three workers, each its own process (the real
 * bin, `start --role gateway|worker`), on one Redis with append-only persistence, against the fake
 * Slack over HTTP, with the pipeline on the fake OpenAI and Hugging Face servers of this process.
 *
 * 200 requests in 20 threads, each delivered to one gateway and delivered again to the other; one
 * worker killed (SIGKILL) while requests run; Redis killed and restarted once. Then: nothing lost,
 * nothing answered twice, no thread out of order (a request starts only after the one before it in
 * its thread has its answer), every acknowledgement within Slack's 3 s.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeDiscord, startFakeDiscord } from "../../fakes/discord/index.js";
import { stageOf } from "../../fakes/openai-server.js";
import { type FakeSlack, type FakeSlackMessage, startFakeSlack } from "../../fakes/slack/index.js";
import { freePort } from "../../support/net.js";
import { type PipelineHarness, startPipelineHarness } from "../../support/pipeline-app.js";
import { redisServerForTests } from "../../support/redis.js";
import { type RoleProcess, startRole } from "../../support/role-process.js";
import { waitUntil } from "../../support/wait.js";
import { type RedisServer, startRedisServer } from "../../unit/storage/redis-server.js";

const { binary, skip: noRedis } = redisServerForTests("the roles as processes");

const THREADS = 20;
const PER_THREAD = 10;
/** Messages in each Discord thread: a mention that starts it, then follow-ups in it. */
const DISCORD_PER_THREAD = 5;
/** "t4m7": thread 4, message 7, in the request's text and in its answer. */
const TOKEN = /\bt(\d+)m(\d+)\b/g;

/** The last answer of each endpoint's /readyz, for the message of a wait that fails. */
const readiness = new Map<string, string>();

async function ready(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/readyz`);
    readiness.set(url, `${response.status} ${(await response.text()).trim()}`);
    return response.status === 200;
  } catch (error) {
    readiness.set(url, String(error));
    return false;
  }
}

/** A load balancer as an operator puts in front of the gateways: each POST to the next one, in turn. */
function roundRobin(targets: readonly string[]): Promise<Server> {
  let next = 0;
  const server = createServer((incoming, outgoing) => {
    const target = new URL(targets[next++ % targets.length] ?? "");
    const forwarded = httpRequest(
      target,
      { method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on("error", () => {
      outgoing.writeHead(502);
      outgoing.end();
    });
    incoming.pipe(forwarded);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

describe.skipIf(noRedis !== undefined)("two gateways and three workers as processes on one Redis", () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let discord: FakeDiscord;
  /** Discord's Interactions Endpoint URL: a load balancer taking turns between the two gateways. */
  let balancer: Server;
  let harness: PipelineHarness;
  let dir: string;
  const gateways: Array<{ process: RoleProcess; events: string; interactions: string; ops: string }> = [];
  const workers: Array<{ process: RoleProcess; ops: string }> = [];
  /** What the LLM saw, in order: each run's planning, then the writing of its answer. */
  const steps: Array<{ step: "plan" | "answer"; token: string }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hgb-roles-"));
    redis = await startRedisServer(binary ?? "redis-server", undefined, { appendOnlyDir: dir });
    slack = await startFakeSlack();
    // Two servers, one on each shard of two: each gateway process runs one shard.
    discord = await startFakeDiscord({ guilds: [{ onShard: [0, 2] }, { onShard: [1, 2] }] });
    harness = await startPipelineHarness({ models: [] });
    harness.llm.route((body) => {
      const last = body.messages.at(-1)?.content ?? "";
      const token = [...last.matchAll(TOKEN)].at(-1)?.[0] ?? "none";
      if (stageOf(body) === "plan") {
        steps.push({ step: "plan", token });
        // Long enough that a thread's next message arrives while this one runs.
        return { content: "[]", delayMs: 120 };
      }
      steps.push({ step: "answer", token });
      return `Answer to ${token}.`;
    });
    const base = harness.env({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN: discord.token,
      DISCORD_API_URL: discord.apiUrl,
      DISCORD_PUBLIC_KEY: discord.publicKey,
      DISCORD_MESSAGE_CONTENT: "true",
      DISCORD_SHARDS: "2",
      REDIS_URL: redis.url,
      RATE_LIMIT_REQUESTS: "0",
      MAX_CONCURRENT_REQUESTS: "3",
      MAX_QUEUED_REQUESTS: "1000",
      JOB_LOCK_SECONDS: "3",
      DRAIN_SECONDS: "5",
      INFERENCE_MODE: "hosted",
      LOG_LEVEL: "warn",
      DATA_DIR: dir,
    });
    for (const [shard, name] of ["gateway-a", "gateway-b"].entries()) {
      const [port, metrics] = [await freePort(), await freePort()];
      gateways.push({
        process: startRole(
          name,
          "gateway",
          { ...base, PORT: String(port), METRICS_PORT: String(metrics), DISCORD_SHARD_IDS: String(shard) },
          dir,
        ),
        events: `http://127.0.0.1:${port}/slack/events`,
        interactions: `http://127.0.0.1:${port}/discord/interactions`,
        ops: `http://127.0.0.1:${metrics}`,
      });
    }
    for (const name of ["worker-1", "worker-2", "worker-3"]) {
      const metrics = await freePort();
      workers.push({
        process: startRole(name, "worker", { ...base, PORT: "0", METRICS_PORT: String(metrics) }, dir),
        ops: `http://127.0.0.1:${metrics}`,
      });
    }
    for (const role of [...gateways, ...workers]) {
      await waitUntil(
        () => ready(role.ops),
        () =>
          `${role.process.name} to be ready (/readyz: ${readiness.get(role.ops) ?? "no answer"}):\n${role.process.output()}`,
        60_000,
      );
    }
    balancer = await roundRobin(gateways.map((gateway) => gateway.interactions));
    const address = balancer.address();
    const check = await discord.setInteractionsEndpoint(
      `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/discord/interactions`,
    );
    expect(check?.ok, JSON.stringify(check)).toBe(true);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...gateways, ...workers].map((role) => role.process.stop("SIGTERM")));
    await harness?.close();
    await slack?.close();
    await discord?.close();
    await new Promise((resolve) => balancer?.close(resolve));
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The bot's answers on Discord (messages with the summary's embed) carrying a token. */
  function discordAnswersOf(token: string): string[] {
    return discord
      .botMessages()
      .filter(
        (message) =>
          message.embeds.length > 0 &&
          [...message.content.matchAll(TOKEN)].some((match) => match[0] === token),
      )
      .map((message) => message.id);
  }

  /** The answers (messages with the summary's context block) carrying a token. */
  function answersOf(token: string): FakeSlackMessage[] {
    return slack
      .botMessages(slack.generalChannel)
      .filter(
        (message) =>
          (message.blocks ?? []).some((block) => (block as { type?: string }).type === "context") &&
          [...(message.text ?? "").matchAll(TOKEN)].some((match) => match[0] === token),
      );
  }

  it("loses nothing, answers nothing twice and keeps every thread in order through a killed worker and a Redis restart", async () => {
    const roots = Array.from({ length: THREADS }, (_, index) =>
      slack.mention({ text: `<@${slack.botUserId}> t${index + 1}m1 first` }),
    );
    const tokens = roots.map((_, thread) =>
      Array.from({ length: PER_THREAD }, (_, message) => `t${thread + 1}m${message + 1}`),
    );
    let delivered = 0;
    /** Messages `from`..`to` (1-based) of every thread: in order within a thread, threads side by side. */
    const deliver = (from: number, to: number) =>
      Promise.all(
        roots.map(async (root, thread) => {
          for (let message = from; message <= to; message++) {
            const event =
              message === 1
                ? root
                : slack.mention({
                    text: `<@${slack.botUserId}> t${thread + 1}m${message} more`,
                    thread_ts: root.ts,
                  });
            const [first, second] =
              message % 2 === 0 ? [gateways[0]!, gateways[1]!] : [gateways[1]!, gateways[0]!];
            const sent = await slack.sendEvent(event, { url: first.events });
            expect(sent.status).toBe(200);
            // The same event again, to the other gateway (Slack retries where it is routed).
            const again = await slack.sendEvent(event, {
              url: second.events,
              eventId: sent.eventId,
              retryNum: 1,
              retryReason: "http_timeout",
            });
            expect(again.status).toBe(200);
            delivered += 1;
          }
        }),
      );
    const answered = () => tokens.flat().filter((token) => answersOf(token).length > 0).length;

    // Discord beside it: mentions that start threads (over each gateway's shard) with follow-ups in
    // them, and slash commands over the HTTP endpoint behind the load balancer, each delivered twice.
    const generals = [...discord.state.guilds.values()].map(
      (guild) =>
        [...discord.state.channels.values()].find(
          (channel) => channel.guildId === guild.id && channel.type === 0,
        )?.id ?? "",
    );
    const mentionThreads = generals.flatMap((channel, guild) =>
      Array.from({ length: 3 }, (_, index) => ({ channel, thread: 101 + guild * 3 + index })),
    );
    const discordTokens = mentionThreads.map(({ thread }) =>
      Array.from({ length: DISCORD_PER_THREAD }, (_, message) => `t${thread}m${message + 1}`),
    );
    const slashTokens: string[] = [];
    const roomsOf = new Map<number, string>();
    const slash = async (from: number, count: number) => {
      for (let index = 0; index < count; index++) {
        const token = `t${from + index}m1`;
        slashTokens.push(token);
        const sent = discord.dispatchInteraction({
          command: "ask",
          options: { prompt: `${token} over http` },
          channelId: generals[index % generals.length] ?? "",
        });
        const first = await sent.delivered;
        expect(first?.accepted, JSON.stringify(first)).toBe(true);
        // Delivered again: the balancer sends it to the other gateway, which answers it the same.
        const again = await discord.redeliverInteraction(sent.id);
        expect(again.status).toBe(200);
      }
    };
    const mention = async (from: number, to: number) => {
      await Promise.all(
        mentionThreads.map(async ({ channel, thread }) => {
          for (let message = from; message <= to; message++) {
            const content = `<@${discord.botUser.id}> t${thread}m${message} hello`;
            if (message === 1) {
              const root = discord.dispatchMessage({ channelId: channel, content });
              roomsOf.set(thread, root.id);
              continue;
            }
            // The thread exists once the bot has posted in it (Discord gives it the message's id).
            const room = await waitUntil(
              () => discord.threads(channel).find((item) => item.id === roomsOf.get(thread))?.id,
              `the thread of t${thread}m1`,
              90_000,
            );
            discord.dispatchMessage({ channelId: room, content: `t${thread}m${message} and then` });
          }
        }),
      );
    };

    const began = performance.now();
    const phase = (name: string) =>
      console.log(`${name} at ${((performance.now() - began) / 1000).toFixed(1)} s`);
    await Promise.all([mention(1, 3), slash(201, 5)]);
    await deliver(1, 4);
    phase("first messages delivered");
    await waitUntil(() => answered() >= 30, "30 answers", 90_000);
    phase("30 answers");
    // A crash: no goodbye, its running jobs' locks expire and other workers take them.
    const killed = workers[0]!;
    const code = await killed.process.stop("SIGKILL");
    expect(code).toBe("SIGKILL");

    await deliver(5, 7);
    await waitUntil(() => answered() >= 90, "90 answers", 90_000);
    phase("90 answers");
    // Redis killed and started again: the append-only file keeps the queue.
    await redis.kill();
    await redis.restart();
    const alive = [...gateways, ...workers.slice(1)];
    for (const role of alive)
      await waitUntil(() => ready(role.ops), `${role.process.name} to be ready again`, 90_000);
    phase("ready again after the Redis restart");

    await Promise.all([deliver(8, PER_THREAD), mention(4, DISCORD_PER_THREAD), slash(211, 5)]);
    expect(delivered).toBe(THREADS * PER_THREAD);
    phase("every message delivered");
    await waitUntil(() => answered() === THREADS * PER_THREAD, "every Slack request to be answered", 180_000);
    phase("every Slack request answered");
    const everyDiscordToken = [...discordTokens.flat(), ...slashTokens];
    await waitUntil(
      () => everyDiscordToken.every((token) => discordAnswersOf(token).length > 0),
      "every Discord request to be answered",
      180_000,
    );

    const plansOf = (token: string) =>
      steps.filter((step) => step.step === "plan" && step.token === token).length;
    const runAgain = [...tokens.flat(), ...everyDiscordToken].filter((token) => plansOf(token) > 1);
    console.log(
      `requests run again after the kill or the restart: ${runAgain.length} (${runAgain.join(", ")})`,
    );
    // Nothing lost, nothing twice.
    const notOnce = tokens.flat().flatMap((token) => {
      const found = answersOf(token);
      if (found.length === 1) return [];
      const seen = steps.flatMap((step, at) => (step.token === token ? [`${at}:${step.step}`] : []));
      return [
        `${token}: ${found.length} answers ${JSON.stringify(found.map((message) => ({ ts: message.ts, text: message.text })))}; steps ${seen.join(", ")}`,
      ];
    });
    expect(notOnce).toEqual([]);
    const notOnceOnDiscord = everyDiscordToken.filter((token) => discordAnswersOf(token).length !== 1);
    expect(notOnceOnDiscord).toEqual([]);
    // In order: a request of a thread is first planned only after the one before it was last answered.
    const outOfOrder = [...tokens, ...discordTokens].flatMap((thread) =>
      thread.slice(1).flatMap((token, index) => {
        const before = thread[index] ?? "";
        const lastAnswer = steps.findLastIndex((step) => step.step === "answer" && step.token === before);
        const firstPlan = steps.findIndex((step) => step.step === "plan" && step.token === token);
        if (lastAnswer >= 0 && firstPlan > lastAnswer) return [];
        const seen = steps.flatMap((step, at) =>
          thread.includes(step.token) ? [`${at}:${step.step} ${step.token}`] : [],
        );
        return [
          `${token} planned at ${firstPlan}, ${before} last answered at ${lastAnswer}: ${seen.join(", ")}`,
        ];
      }),
    );
    expect(outOfOrder).toEqual([]);
    // Every interaction answered (deferred) within Discord's 3 seconds, held to Discord's contract;
    // a redelivery gets an answer too (Discord refuses a second acknowledgement, which is all it is).
    const interactions = discord.endpointDeliveries.filter((delivery) => delivery.type === 2);
    expect(interactions).toHaveLength(2 * slashTokens.length);
    const firsts = interactions.filter(
      (delivery, index) =>
        interactions.findIndex((other) => other.interactionId === delivery.interactionId) === index,
    );
    expect(
      firsts.filter(
        (delivery) => !delivery.accepted || delivery.latencyMs >= 3_000 || delivery.contractFailure,
      ),
    ).toEqual([]);
    expect(
      interactions.filter(
        (delivery) => delivery.status !== 200 || delivery.latencyMs >= 3_000 || delivery.contractFailure,
      ),
    ).toEqual([]);
    // Every acknowledgement within Slack's 3 seconds, the redeliveries included.
    const events = slack.deliveries.filter((delivery) => delivery.kind === "event");
    expect(events.length).toBe(2 * THREADS * PER_THREAD);
    expect(events.every((delivery) => delivery.status === 200 && delivery.ackMs < 3_000)).toBe(true);
    // Nobody was told the queue was unreachable: Redis came back before the next message.
    expect(
      slack.botMessages(slack.generalChannel).some((message) => /unreachable/.test(message.text ?? "")),
    ).toBe(false);
  }, 300_000);
});
