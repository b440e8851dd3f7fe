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
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stageOf } from "../../fakes/openai-server.js";
import { type FakeSlack, type FakeSlackMessage, startFakeSlack } from "../../fakes/slack/index.js";
import { freePort } from "../../support/net.js";
import { type PipelineHarness, startPipelineHarness } from "../../support/pipeline-app.js";
import { type RoleProcess, startRole } from "../../support/role-process.js";
import {
  findRedisServer,
  isCi,
  type RedisServer,
  startRedisServer,
} from "../../unit/storage/redis-server.js";

const binary = findRedisServer();
const noRedis =
  binary === undefined ? "redis-server is not installed (apt-get install redis-server)" : undefined;
if (noRedis && isCi()) {
  describe("the roles as processes in CI", () => {
    it("have a redis-server to run on", () => {
      throw new Error(`CI=true but ${noRedis}: .ci/run installs it`);
    });
  });
}

const THREADS = 20;
const PER_THREAD = 10;
/** "t4m7": thread 4, message 7, in the request's text and in its answer. */
const TOKEN = /\bt(\d+)m(\d+)\b/g;

async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 90_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

describe.skipIf(noRedis !== undefined)("two gateways and three workers as processes on one Redis", () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let harness: PipelineHarness;
  let dir: string;
  const gateways: Array<{ process: RoleProcess; events: string; ops: string }> = [];
  const workers: Array<{ process: RoleProcess; ops: string }> = [];
  /** What the LLM saw, in order: each run's planning, then the writing of its answer. */
  const steps: Array<{ step: "plan" | "answer"; token: string }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hgb-roles-"));
    redis = await startRedisServer(binary ?? "redis-server", undefined, { appendOnlyDir: dir });
    slack = await startFakeSlack();
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
    for (const name of ["gateway-a", "gateway-b"]) {
      const [port, metrics] = [await freePort(), await freePort()];
      gateways.push({
        process: startRole(
          name,
          "gateway",
          { ...base, PORT: String(port), METRICS_PORT: String(metrics) },
          dir,
        ),
        events: `http://127.0.0.1:${port}/slack/events`,
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
      await waitFor(
        () => ready(role.ops),
        `${role.process.name} to be ready:\n${role.process.output()}`,
        60_000,
      );
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...gateways, ...workers].map((role) => role.process.stop("SIGTERM")));
    await harness?.close();
    await slack?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

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

    await deliver(1, 4);
    await waitFor(() => answered() >= 30, "30 answers");
    // A crash: no goodbye, its running jobs' locks expire and other workers take them.
    const killed = workers[0]!;
    const code = await killed.process.stop("SIGKILL");
    expect(code).toBe("SIGKILL");

    await deliver(5, 7);
    await waitFor(() => answered() >= 90, "90 answers");
    // Redis killed and started again: the append-only file keeps the queue.
    await redis.kill();
    await redis.restart();
    const alive = [...gateways, ...workers.slice(1)];
    for (const role of alive) await waitFor(() => ready(role.ops), `${role.process.name} to be ready again`);

    await deliver(8, PER_THREAD);
    expect(delivered).toBe(THREADS * PER_THREAD);
    await waitFor(() => answered() === THREADS * PER_THREAD, "every request to be answered", 180_000);

    const plansOf = (token: string) =>
      steps.filter((step) => step.step === "plan" && step.token === token).length;
    const runAgain = tokens.flat().filter((token) => plansOf(token) > 1);
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
    // In order: a request of a thread is first planned only after the one before it was last answered.
    const outOfOrder = tokens.flatMap((thread) =>
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
