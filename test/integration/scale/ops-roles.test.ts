/**
 * The operator's endpoint of the roles: a gateway and a worker as processes (the real bin, `start
 * --role gateway|worker`) on their own redis-server, against the fake Slack. Each serves `/metrics`
 * (the gateway counting what admission settles, the worker the turns it runs, both the shared
 * queue's depth); `/readyz` says 503 on both while Redis is down and 200 again once it is back.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stageOf } from "../../fakes/openai-server.js";
import { type FakeSlack, startFakeSlack } from "../../fakes/slack/index.js";
import { freePort } from "../../support/net.js";
import { type PipelineHarness, startPipelineHarness } from "../../support/pipeline-app.js";
import { type Exposition, parsePrometheusText } from "../../support/prometheus.js";
import { redisServerForTests } from "../../support/redis.js";
import { type RoleProcess, startRole } from "../../support/role-process.js";
import { waitUntil } from "../../support/wait.js";
import { type RedisServer, startRedisServer } from "../../unit/storage/redis-server.js";

const { binary, skip: noRedis } = redisServerForTests("the roles' metrics");

/** The port this worktree's tests were given on a shared machine; any free one when it is taken. */
const PREFERRED_REDIS_PORT = 6391;

/** Whether nothing listens on the port (another Redis there would answer our PING as if it were ours). */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

async function startOwnRedis(path: string): Promise<RedisServer> {
  return startRedisServer(path, (await isFree(PREFERRED_REDIS_PORT)) ? PREFERRED_REDIS_PORT : undefined);
}

async function status(url: string): Promise<number | undefined> {
  return (await fetch(url).catch(() => undefined))?.status;
}

async function scrape(ops: string): Promise<Exposition> {
  const response = await fetch(`${ops}/metrics`);
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

describe.skipIf(noRedis !== undefined)("the metrics and readiness of a gateway and a worker", () => {
  let redis: RedisServer;
  let slack: FakeSlack;
  let harness: PipelineHarness;
  let dir: string;
  const roles: Array<{ name: "gateway" | "worker"; process: RoleProcess; ops: string }> = [];
  const ops = (name: "gateway" | "worker") => roles.find((role) => role.name === name)?.ops ?? "";
  const output = () => roles.map((role) => `--- ${role.name}\n${role.process.output()}`).join("\n");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "hgb-ops-roles-"));
    redis = await startOwnRedis(binary ?? "redis-server");
    slack = await startFakeSlack();
    harness = await startPipelineHarness();
    harness.llm.route((body) => (stageOf(body) === "plan" ? "[]" : "Hello from a worker."));
    const port = await freePort();
    const base = harness.env({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      REDIS_URL: redis.url,
      DATA_DIR: dir,
      LOG_LEVEL: "warn",
      JOB_LOCK_SECONDS: "3",
      DRAIN_SECONDS: "2",
    });
    for (const name of ["gateway", "worker"] as const) {
      const metrics = await freePort();
      const env = { ...base, PORT: name === "gateway" ? String(port) : "0", METRICS_PORT: String(metrics) };
      roles.push({ name, process: startRole(name, name, env, dir), ops: `http://127.0.0.1:${metrics}` });
    }
    slack.setAppUrl(`http://127.0.0.1:${port}/slack/events`);
    for (const role of roles) {
      await waitUntil(
        async () => (await status(`${role.ops}/readyz`)) === 200,
        () => `${role.name} ready:\n${output()}`,
        60_000,
      );
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all(roles.map((role) => role.process.stop("SIGKILL")));
    await harness?.close();
    await slack?.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("serves /metrics on both, each counting its own part of a request", async () => {
    const mention = slack.mention({ text: `<@${slack.botUserId}> hello` });
    expect((await slack.sendEvent(mention, { eventId: "EvOps1" })).status).toBe(200);
    // Slack delivers it again (its retry): the gateway drops it.
    expect((await slack.sendEvent(mention, { eventId: "EvOps1", retryNum: 1 })).status).toBe(200);
    await waitUntil(
      () =>
        slack
          .botMessages(slack.generalChannel, mention.ts)
          .some((message) => message.text.includes("Hello from a worker.")),
      () => `the answer:\n${output()}`,
    );
    await waitUntil(
      async () => (await scrape(ops("worker"))).sum("hugginggpt_requests_total") > 0,
      "the worker's count",
    );

    const gateway = await scrape(ops("gateway"));
    expect(gateway.value("hugginggpt_process_info", { role: "gateway" })).toBe(1);
    expect(gateway.value("hugginggpt_requests_total", { platform: "slack", outcome: "duplicate" })).toBe(1);
    expect(gateway.value("hugginggpt_requests_total", { platform: "slack", outcome: "answered" })).toBe(0);
    expect(gateway.family("hugginggpt_queue_depth").samples).toHaveLength(2);
    expect(gateway.family("process_resident_memory_bytes").type).toBe("gauge");

    const worker = await scrape(ops("worker"));
    expect(worker.value("hugginggpt_process_info", { role: "worker" })).toBe(1);
    expect(worker.value("hugginggpt_requests_total", { platform: "slack", outcome: "answered" })).toBe(1);
    expect(worker.value("hugginggpt_llm_calls_total", { stage: "plan" })).toBe(1);
    expect(worker.value("hugginggpt_queue_wait_seconds_count", { platform: "slack" })).toBe(1);
    expect(worker.value("hugginggpt_queue_depth", { state: "waiting" })).toBe(0);
  }, 60_000);

  it("is not ready while Redis is down, and ready again once it is back", async () => {
    await redis.kill();
    for (const role of roles) {
      await waitUntil(
        async () => (await status(`${role.ops}/readyz`)) === 503,
        () => `${role.name} not ready:\n${output()}`,
      );
      const readiness = await (await fetch(`${role.ops}/readyz`)).json();
      expect(readiness).toMatchObject({ ready: false, checks: { queue: false } });
      // Alive all along, and its metrics still served, without the queue's depth it cannot read.
      expect(await status(`${role.ops}/healthz`)).toBe(200);
      expect((await scrape(role.ops)).family("hugginggpt_queue_depth").samples).toEqual([]);
    }

    await redis.restart();
    for (const role of roles) {
      await waitUntil(
        async () => (await status(`${role.ops}/readyz`)) === 200,
        () => `${role.name} ready again:\n${output()}`,
      );
      await waitUntil(
        async () => (await scrape(role.ops)).family("hugginggpt_queue_depth").samples.length === 2,
        `${role.name}'s queue depth`,
      );
    }
  }, 90_000);
});
