/**
 * The Prometheus metrics of a process: the exposition parses strictly (the reader in test/support
 * refuses what Prometheus would), has Node's process metrics and the bot's own families at zero, and
 * each telemetry event moves its metric; the queue's depth is read at scrape time.
 */
import { describe, expect, it } from "vitest";
import { createMetrics } from "../../../src/ops/metrics.js";
import { parsePrometheusText } from "../../support/prometheus.js";

describe("the strict reader of Prometheus text", () => {
  it("reads families, labels with escapes and histograms", () => {
    const text = [
      "# HELP a_total Things.",
      "# TYPE a_total counter",
      'a_total{kind="x\\"y\\\\z",other="1"} 3',
      "# TYPE h histogram",
      'h_bucket{le="0.5"} 1',
      'h_bucket{le="+Inf"} 2',
      "h_sum 0.7",
      "h_count 2",
      "",
    ].join("\n");
    const parsed = parsePrometheusText(text);
    expect(parsed.value("a_total", { kind: 'x"y\\z', other: "1" })).toBe(3);
    expect(parsed.family("h").type).toBe("histogram");
    expect(parsed.value("h_count")).toBe(2);
  });

  it.each([
    ["a sample without its TYPE", "a_total 1\n"],
    ["an unquoted label", "# TYPE a counter\na{x=1} 1\n"],
    ["a value that is not a number", "# TYPE a counter\na one\n"],
    ["a series twice", '# TYPE a counter\na{x="1"} 1\na{x="1"} 2\n'],
    [
      "buckets that are not cumulative",
      '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
    ],
    ["a histogram without +Inf", '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n'],
    ["no final line feed", "# TYPE a counter\na 1"],
  ])("refuses %s", (_what, text) => {
    expect(() => parsePrometheusText(text)).toThrow();
  });
});

describe("the metrics of a process", () => {
  it("exposes Node's process metrics and every metric of the bot before any request", async () => {
    const metrics = createMetrics({ role: "worker" });
    const scraped = await metrics.scrape();
    expect(scraped.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    const parsed = parsePrometheusText(scraped.text);
    expect(parsed.family("process_cpu_user_seconds_total").type).toBe("counter");
    expect(parsed.family("nodejs_eventloop_lag_seconds").type).toBe("gauge");
    expect(parsed.value("hugginggpt_process_info", { role: "worker" })).toBe(1);
    for (const [name, type] of [
      ["hugginggpt_requests_total", "counter"],
      ["hugginggpt_request_duration_seconds", "histogram"],
      ["hugginggpt_queue_wait_seconds", "histogram"],
      ["hugginggpt_stage_duration_seconds", "histogram"],
      ["hugginggpt_llm_calls_total", "counter"],
      ["hugginggpt_llm_tokens_total", "counter"],
      ["hugginggpt_model_calls_total", "counter"],
      ["hugginggpt_model_call_duration_seconds", "histogram"],
      ["hugginggpt_progress_edits_total", "counter"],
      ["hugginggpt_platform_rate_limited_total", "counter"],
      ["hugginggpt_queue_depth", "gauge"],
    ] as const) {
      expect(parsed.family(name).type, name).toBe(type);
    }
  });

  it("moves each metric with its event", async () => {
    const metrics = createMetrics({ role: "all-in-one" });
    metrics.record({ type: "request", platform: "slack", outcome: "answered" });
    metrics.record({ type: "request", platform: "slack", outcome: "answered" });
    metrics.record({ type: "request", platform: "discord", outcome: "rate-limited" });
    metrics.record({ type: "turn", platform: "slack", queuedMs: 30, workMs: 1_500 });
    metrics.record({ type: "stage", stage: "plan", ms: 200 });
    metrics.record({ type: "stage", stage: "plan", ms: 3_000 });
    metrics.record({ type: "llm", stage: "plan", calls: 2, promptTokens: 120, completionTokens: 40 });
    metrics.record({ type: "model-call", source: "hosted", task: "object-detection", status: "ok", ms: 800 });
    metrics.record({ type: "model-call", source: "local", task: "image-to-text", status: "failed", ms: 50 });
    metrics.record({ type: "progress-edit", platform: "slack", ok: true });
    metrics.record({ type: "progress-edit", platform: "slack", ok: false });
    metrics.record({ type: "platform-rate-limited", platform: "discord" });

    const parsed = parsePrometheusText((await metrics.scrape()).text);
    expect(parsed.value("hugginggpt_requests_total", { platform: "slack", outcome: "answered" })).toBe(2);
    expect(parsed.value("hugginggpt_requests_total", { platform: "discord", outcome: "rate-limited" })).toBe(
      1,
    );
    expect(parsed.value("hugginggpt_request_duration_seconds_sum", { platform: "slack" })).toBeCloseTo(1.5);
    expect(parsed.value("hugginggpt_queue_wait_seconds_count", { platform: "slack" })).toBe(1);
    expect(parsed.value("hugginggpt_stage_duration_seconds_count", { stage: "plan" })).toBe(2);
    expect(parsed.value("hugginggpt_stage_duration_seconds_bucket", { stage: "plan", le: "0.25" })).toBe(1);
    expect(parsed.value("hugginggpt_stage_duration_seconds_sum", { stage: "plan" })).toBeCloseTo(3.2);
    expect(parsed.value("hugginggpt_llm_calls_total", { stage: "plan" })).toBe(2);
    expect(parsed.value("hugginggpt_llm_tokens_total", { stage: "plan", kind: "prompt" })).toBe(120);
    expect(parsed.value("hugginggpt_llm_tokens_total", { stage: "plan", kind: "completion" })).toBe(40);
    expect(
      parsed.value("hugginggpt_model_calls_total", {
        source: "hosted",
        task: "object-detection",
        status: "ok",
      }),
    ).toBe(1);
    expect(parsed.sum("hugginggpt_model_calls_total", { status: "failed" })).toBe(1);
    expect(parsed.value("hugginggpt_model_call_duration_seconds_count", { source: "local" })).toBe(1);
    expect(parsed.value("hugginggpt_progress_edits_total", { platform: "slack", status: "failed" })).toBe(1);
    expect(parsed.value("hugginggpt_platform_rate_limited_total", { platform: "discord" })).toBe(1);
  });

  it("reads the queue's depth at each scrape, and leaves it out while the queue does not answer", async () => {
    const metrics = createMetrics({ role: "gateway" });
    let depth: { running: number; queued: number } | Error = { running: 2, queued: 5 };
    metrics.watchQueue(async () => {
      if (depth instanceof Error) throw depth;
      return depth;
    });
    let parsed = parsePrometheusText((await metrics.scrape()).text);
    expect(parsed.value("hugginggpt_queue_depth", { state: "running" })).toBe(2);
    expect(parsed.value("hugginggpt_queue_depth", { state: "waiting" })).toBe(5);

    depth = new Error("Redis is down");
    parsed = parsePrometheusText((await metrics.scrape()).text);
    expect(parsed.family("hugginggpt_queue_depth").samples).toEqual([]);

    depth = { running: 0, queued: 1 };
    parsed = parsePrometheusText((await metrics.scrape()).text);
    expect(parsed.value("hugginggpt_queue_depth", { state: "waiting" })).toBe(1);
  });

  it("keeps two processes' registries apart (two in one test process)", async () => {
    const first = createMetrics({ role: "gateway" });
    const second = createMetrics({ role: "worker" });
    first.record({ type: "request", platform: "slack", outcome: "queue-full" });
    const parsed = parsePrometheusText((await second.scrape()).text);
    expect(parsed.sum("hugginggpt_requests_total")).toBe(0);
  });
});
