/**
 * The roles in one process, on a real Redis: a gateway (the real Slack adapter over HTTP, admission
 * on Redis, BullMQ jobs) and two workers (the real Web API client, rebuilt reply targets) against the
 * fake Slack, with the pipeline on the fake OpenAI and Hugging Face servers. Requests of one thread
 * run in the order Slack stamped them, each is answered once (redeliveries included), a cancel
 * reaches the worker that runs the request, and a gateway whose Redis is down says so.
 * (test/integration/scale/processes.test.ts runs the same roles as separate processes.)
 */
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import type { Adapter } from "../../../src/core/types.js";
import {
  type App,
  createApp,
  createAppGateway,
  PLATFORM_ADAPTERS,
  startAppWorker,
} from "../../../src/main.js";
import { QUEUE_NAME } from "../../../src/scale/redis.js";
import type { Gateway, Worker } from "../../../src/scale/roles.js";
import { stageOf } from "../../fakes/openai-server.js";
import { type FakeSlack, type FakeSlackMessage, startFakeSlack } from "../../fakes/slack/index.js";
import { freePort } from "../../support/net.js";
import { type PipelineHarness, startPipelineHarness } from "../../support/pipeline-app.js";
import { redisServerForTests } from "../../support/redis.js";
import { waitUntil } from "../../support/wait.js";
import { type RedisServer, startRedisServer } from "../../unit/storage/redis-server.js";

const { binary, skip: noRedis } = redisServerForTests("the roles");

/** A request's token ("t2m3": thread 2, message 3), written in its text and echoed in its answer. */
const TOKEN = /\bt(\d+)m(\d+)\b/;

describe.skipIf(noRedis !== undefined)("gateway and workers on Redis, against the fake Slack", () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let harness: PipelineHarness;
  let app: App;
  let gateway: Gateway;
  let adapter: Adapter;
  const workers: Worker[] = [];
  /** The tokens in the order their requests were planned, i.e. started. */
  const planned: string[] = [];
  /** What the LLM saw, in order: each request's planning, then the writing of its answer. */
  const steps: string[] = [];
  /** Tokens whose planning never answers (until the request is cancelled). */
  const held = new Set<string>();

  beforeAll(async () => {
    redis = await startRedisServer(binary ?? "redis-server");
    slack = await startFakeSlack();
    harness = await startPipelineHarness({ models: [] });
    harness.llm.route((body) => {
      // The request is the last one named in the last message (earlier turns of the thread come first).
      const last = body.messages.at(-1)?.content ?? "";
      const token = [...last.matchAll(new RegExp(TOKEN.source, "g"))].at(-1)?.[0] ?? "none";
      if (stageOf(body) === "plan") {
        planned.push(token);
        steps.push(`plan ${token}`);
        // Slow enough that the next message of the thread arrives while this one runs.
        return held.has(token) ? { hang: true } : { content: "[]", delayMs: 150 };
      }
      steps.push(`answer ${token}`);
      return `Answer to ${token}.`;
    });
    const port = await freePort();
    const env = harness.env({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      REDIS_URL: redis.url,
      RATE_LIMIT_REQUESTS: "0",
      MAX_CONCURRENT_REQUESTS: "3",
      JOB_LOCK_SECONDS: "5",
    });
    app = createApp(loadConfig(env), { env });
    gateway = await createAppGateway(app);
    const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "slack");
    if (!spec) throw new Error("the Slack adapter is not registered");
    adapter = spec.create(app);
    await adapter.start(gateway.bot);
    slack.setAppUrl(`http://127.0.0.1:${port}/slack/events`);
    workers.push(await startAppWorker(app), await startAppWorker(app));
  });

  afterAll(async () => {
    await adapter?.stop();
    await gateway?.bot.close();
    await Promise.all(workers.map((worker) => worker.close(5_000)));
    await app?.close();
    await harness?.close();
    await slack?.close();
    await redis?.stop();
  });

  /** The bot's answers (messages with the summary's context block) in a thread. */
  function answersIn(threadTs: string): FakeSlackMessage[] {
    return slack
      .botMessages(slack.generalChannel)
      .filter(
        (message) =>
          message.thread_ts === threadTs &&
          (message.blocks ?? []).some((block) => (block as { type?: string }).type === "context"),
      );
  }

  it("answers every request once, one at a time per thread in Slack's order, redeliveries included", async () => {
    const threads = 4;
    const perThread = 5;
    const roots = Array.from({ length: threads }, (_, index) =>
      slack.mention({ text: `<@${slack.botUserId}> t${index + 1}m1 hello` }),
    );
    const tokensOf = new Map<string, string[]>();
    await Promise.all(
      roots.map(async (root, index) => {
        const thread = index + 1;
        const events = [
          root,
          ...Array.from({ length: perThread - 1 }, (_, message) =>
            slack.mention({
              text: `<@${slack.botUserId}> t${thread}m${message + 2} again`,
              thread_ts: root.ts,
            }),
          ),
        ];
        tokensOf.set(
          root.ts,
          events.map((_, message) => `t${thread}m${message + 1}`),
        );
        for (const event of events) {
          const sent = await slack.sendEvent(event);
          expect(sent.status).toBe(200);
          expect(sent.ackMs).toBeLessThan(3_000);
          // Slack delivers it again (as after a slow acknowledgement): one job, one answer.
          const again = await slack.sendEvent(event, {
            eventId: sent.eventId,
            retryNum: 1,
            retryReason: "http_timeout",
          });
          expect(again.status).toBe(200);
        }
      }),
    );

    for (const root of roots) {
      const expected = tokensOf.get(root.ts) ?? [];
      const answers = await waitUntil(
        () => {
          const found = answersIn(root.ts);
          return found.length >= expected.length && found;
        },
        `the answers in thread ${root.ts}`,
        30_000,
      );
      // Once each, in order.
      expect(answers.map((message) => TOKEN.exec(message.text ?? "")?.[0])).toEqual(expected);
      // One at a time: a request of the thread starts only once the one before it has its answer.
      expect(steps.filter((step) => expected.includes(step.split(" ")[1] ?? ""))).toEqual(
        expected.flatMap((token) => [`plan ${token}`, `answer ${token}`]),
      );
    }
  });

  it("does not run a request again whose turn ended before its worker lost the job", async () => {
    // A worker killed, or cut from Redis, between the end of a turn and BullMQ's record of it: the
    // job comes back. Here the first test's t1m1, put back in the queue as BullMQ puts back a job.
    const queue = new Queue(QUEUE_NAME, { connection: { url: redis.url } });
    try {
      const done = (await queue.getCompleted()).find((job) => JSON.stringify(job.data).includes("t1m1"));
      if (!done?.id) throw new Error("t1m1's job is not among the completed ones");
      const before = {
        planned: planned.filter((token) => token === "t1m1").length,
        posts: slack.botMessages().length,
      };
      await done.remove();
      await queue.add(done.name, done.data, { jobId: done.id });
      await waitUntil(
        async () => (await queue.getJobState(done.id ?? "")) === "completed",
        "the job to end again",
        30_000,
      );
      expect(planned.filter((token) => token === "t1m1")).toHaveLength(before.planned);
      expect(slack.botMessages()).toHaveLength(before.posts);
    } finally {
      await queue.close();
    }
  });

  it("stops the running request of a thread on the worker that runs it when the user cancels", async () => {
    held.add("t9m1");
    const root = slack.mention({ text: `<@${slack.botUserId}> t9m1 slow one` });
    await slack.sendEvent(root);
    await waitUntil(() => planned.includes("t9m1"), "the request to start", 30_000);
    const cancel = slack.mention({ text: `<@${slack.botUserId}> cancel`, thread_ts: root.ts });
    await slack.sendEvent(cancel);
    const said = await waitUntil(
      () =>
        slack
          .botMessages(slack.generalChannel)
          .find(
            (message) =>
              message.thread_ts === root.ts && /Stopped the running request/.test(message.text ?? ""),
          ),
      "the cancel's answer",
      30_000,
    );
    expect(said).toBeDefined();
    await waitUntil(
      () =>
        slack
          .botMessages(slack.generalChannel)
          .find((message) => message.thread_ts === root.ts && /cancelled/i.test(message.text ?? "")),
      "the progress message to say cancelled",
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answersIn(root.ts)).toHaveLength(0);
  });

  it("acknowledges and tells the user when Redis is down, and takes requests again when it is back", async () => {
    await redis.kill();
    const root = slack.mention({ text: `<@${slack.botUserId}> t7m1 while Redis is down` });
    const sent = await slack.sendEvent(root);
    expect(sent.status).toBe(200);
    expect(sent.ackMs).toBeLessThan(3_000);
    await waitUntil(
      () =>
        slack
          .botMessages(slack.generalChannel)
          .find(
            (message) => message.thread_ts === root.ts && /queue is unreachable/.test(message.text ?? ""),
          ),
      "the notice that the queue is unreachable",
      30_000,
    );
    await redis.restart();
    await waitUntil(() => gateway.redis.status === "ready", "the gateway to reconnect", 30_000);
    const later = slack.mention({ text: `<@${slack.botUserId}> t8m1 after Redis returned` });
    await slack.sendEvent(later);
    await waitUntil(() => answersIn(later.ts).length === 1, "the answer after Redis returned", 60_000);
  });
});
