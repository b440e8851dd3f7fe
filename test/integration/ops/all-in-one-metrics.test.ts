/**
 * `npm start` as an operator runs it, with its metrics and traces: the real bin in a child process on
 * the fake Slack, the pipeline on the fake OpenAI and Hugging Face servers, METRICS_PORT and an OTLP
 * collector of this test. A real mention goes through the bot; `/metrics` (read strictly as Prometheus
 * text) moves with it, and its trace arrives with the request as root and its stages, task and LLM
 * calls beneath.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stageOf } from "../../fakes/openai-server.js";
import { type OtlpReceiver, startOtlpReceiver } from "../../fakes/otlp-receiver.js";
import { type FakeSlack, startFakeSlack } from "../../fakes/slack/index.js";
import { freePort } from "../../support/net.js";
import { type PipelineHarness, startPipelineHarness } from "../../support/pipeline-app.js";
import { type Exposition, parsePrometheusText } from "../../support/prometheus.js";
import { type RoleProcess, startProcess } from "../../support/role-process.js";
import { waitUntil } from "../../support/wait.js";

const CLASSIFIER = "distilbert/distilbert-base-uncased-finetuned-sst-2-english";
const PLAN = JSON.stringify([{ id: 1, task: "text-classification", args: { text: "I love this bot" } }]);

let slack: FakeSlack;
let harness: PipelineHarness;
let collector: OtlpReceiver;
let dataDir: string;
let bot: RoleProcess | undefined;
let ops: string;

async function scrape(): Promise<Exposition> {
  const response = await fetch(`${ops}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

beforeAll(async () => {
  slack = await startFakeSlack();
  harness = await startPipelineHarness({
    models: [{ id: CLASSIFIER, pipeline_tag: "text-classification", downloads: 10 }],
  });
  harness.llm.route((body) => (stageOf(body) === "plan" ? PLAN : "It is positive."));
  collector = await startOtlpReceiver();
  dataDir = mkdtempSync(join(tmpdir(), "hgb-metrics-"));
  const [port, metrics] = [await freePort(), await freePort()];
  ops = `http://127.0.0.1:${metrics}`;
  bot = startProcess("all-in-one", ["start"], {
    env: harness.env({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      METRICS_PORT: String(metrics),
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: "hugginggpt-metrics-test",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
    }),
    cwd: dataDir,
  });
  slack.setAppUrl(`http://127.0.0.1:${port}/slack/events`);
}, 30_000);

afterAll(async () => {
  await bot?.stop("SIGKILL");
  await harness?.close();
  await slack?.close();
  await collector?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("the metrics and traces of npm start", () => {
  it("is alive at once, and ready once Slack is connected", async () => {
    const status = async (path: string) => (await fetch(`${ops}${path}`).catch(() => undefined))?.status;
    await waitUntil(
      async () => (await status("/healthz")) === 200,
      () => `/healthz:\n${bot?.output()}`,
      30_000,
    );
    await waitUntil(
      async () => (await status("/readyz")) === 200,
      () => `/readyz:\n${bot?.output()}`,
      30_000,
    );
    const readiness = await (await fetch(`${ops}/readyz`)).json();
    expect(readiness).toEqual({ ready: true, checks: { platforms: true } });
  }, 40_000);

  it("counts a real request on /metrics: its outcome, stages, LLM tokens, model call, progress edits and a 429", async () => {
    const before = await scrape();
    expect(before.value("hugginggpt_process_info", { role: "all-in-one" })).toBe(1);
    expect(before.sum("hugginggpt_requests_total")).toBe(0);

    // Slack answers the bot's first post with a 429: the client waits it out and posts again.
    slack.failNext("chat.postMessage", { error: "ratelimited", retryAfter: 0 });
    const mention = slack.mention({ text: `<@${slack.botUserId}> is "I love this bot" positive?` });
    expect((await slack.sendEvent(mention)).status).toBe(200);
    await waitUntil(
      () =>
        slack
          .botMessages(slack.generalChannel, mention.ts)
          .some((message) => message.text.includes("It is positive.")),
      () => `the answer:\n${bot?.output()}`,
    );
    // The turn is counted once it is over, just after its answer was posted.
    await waitUntil(async () => (await scrape()).sum("hugginggpt_requests_total") > 0, "the request's count");

    const after = await scrape();
    expect(after.value("hugginggpt_requests_total", { platform: "slack", outcome: "answered" })).toBe(1);
    expect(after.value("hugginggpt_request_duration_seconds_count", { platform: "slack" })).toBe(1);
    expect(after.value("hugginggpt_queue_wait_seconds_count", { platform: "slack" })).toBe(1);
    for (const stage of ["plan", "select", "execute", "respond"]) {
      expect(after.value("hugginggpt_stage_duration_seconds_count", { stage }), stage).toBe(1);
    }
    // Planning and the answer: one LLM call each, 10 prompt and 10 completion tokens by the fake's usage field.
    expect(after.value("hugginggpt_llm_calls_total", { stage: "plan" })).toBe(1);
    expect(after.value("hugginggpt_llm_calls_total", { stage: "respond" })).toBe(1);
    expect(after.sum("hugginggpt_llm_tokens_total", { kind: "prompt" })).toBe(20);
    expect(after.sum("hugginggpt_llm_tokens_total", { kind: "completion" })).toBe(20);
    expect(
      after.value("hugginggpt_model_calls_total", {
        source: "hosted",
        task: "text-classification",
        status: "ok",
      }),
    ).toBe(1);
    expect(
      after.value("hugginggpt_progress_edits_total", { platform: "slack", status: "ok" }),
    ).toBeGreaterThan(0);
    expect(after.value("hugginggpt_platform_rate_limited_total", { platform: "slack" })).toBe(1);
    expect(after.value("hugginggpt_queue_depth", { state: "running" })).toBe(0);
    expect(after.value("hugginggpt_queue_depth", { state: "waiting" })).toBe(0);
    // No label carries a user, a channel or a text.
    const labelValues = [...after.families.values()].flatMap((family) =>
      family.samples.flatMap((sample) => Object.values(sample.labels)),
    );
    expect(labelValues.filter((value) => /U0|C0|love|positive/.test(value))).toEqual([]);
  }, 40_000);

  it("sends the request's trace to the collector when it stops", async () => {
    expect(await bot?.stop("SIGTERM")).toBe(0);
    const spans = await collector.waitForSpans((all) => all.some((span) => span.name === "request"));
    const root = spans.find((span) => span.name === "request");
    expect(root?.parentSpanId).toBe("");
    expect(root?.resource).toMatchObject({
      "service.name": "hugginggpt-metrics-test",
      "hugginggpt.role": "all-in-one",
    });
    const trace = spans.filter((span) => span.traceId === root?.traceId);
    const parentOf = (name: string) =>
      trace.find((span) => span.spanId === trace.find((child) => child.name === name)?.parentSpanId)?.name;
    expect(parentOf("plan")).toBe("request");
    expect(parentOf("execute")).toBe("request");
    expect(parentOf("task text-classification")).toBe("execute");
    expect(parentOf("chat fake-gpt")).toMatch(/^(plan|respond)$/);
    expect(trace.filter((span) => span.name === "chat fake-gpt")).toHaveLength(2);
  }, 30_000);
});
