/**
 * The Prometheus metrics of one process: one prom-client registry with Node's default process
 * metrics (CPU, memory, event loop, GC: `process_*`, `nodejs_*`) and the bot's own, named
 * `hugginggpt_*` after Prometheus's conventions (`_total` counters, `_seconds` histograms). The bot's
 * parts report through the Telemetry interface (src/telemetry.ts); `record` turns each event into
 * counts here. The queue's depth is read when Prometheus scrapes, not kept up to date between scrapes.
 *
 * Labels come from small fixed sets only (platform, outcome, stage, source, status, task): never a
 * user, a channel or a text, so every metric has a bounded number of series.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { TelemetryEvent } from "../telemetry.js";

/** Which process this is: `start` alone, or one of the roles. */
export type ProcessRole = "all-in-one" | "gateway" | "worker";

/** The requests queued and running, as the queue reports them (`RequestQueue.status`). */
export type QueueDepth = { running: number; queued: number };

/** Stages and model calls: from 10 ms to 2 minutes. */
const STAGE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120];
/** Waiting for a slot or for the thread's earlier request: from 10 ms to 10 minutes. */
const WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];
/** A whole turn (download, pipeline, reply): from 100 ms to 10 minutes. */
const REQUEST_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600];

/** How long a scrape waits for the queue's counts (Redis) before leaving them out. */
const QUEUE_READ_MS = 1_000;

export interface Metrics {
  readonly registry: Registry;
  /** Counts one event of the bot's telemetry. */
  record(event: TelemetryEvent): void;
  /** Where the queue's depth is read at each scrape (the in-process queue, or BullMQ's counts). */
  watchQueue(depth: () => QueueDepth | Promise<QueueDepth>): void;
  /** The metrics in Prometheus's text format, for `/metrics`. */
  scrape(): Promise<{ text: string; contentType: string }>;
}

const seconds = (ms: number) => ms / 1000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The registry of one process, with every metric of the bot registered (and at zero until used). */
export function createMetrics(options: { role: ProcessRole }): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  let queueDepth: (() => QueueDepth | Promise<QueueDepth>) | undefined;

  new Gauge({
    name: "hugginggpt_process_info",
    help: "Always 1; its role label says what this process runs (all-in-one, gateway, worker).",
    labelNames: ["role"],
    registers,
  }).set({ role: options.role }, 1);

  const requests = new Counter({
    name: "hugginggpt_requests_total",
    help: "Requests by platform and outcome: answered, failed, cancelled (their turns), or refused at admission (rate-limited, queue-full, too-large, shutting-down, unavailable) or dropped as a duplicate delivery.",
    labelNames: ["platform", "outcome"],
    registers,
  });
  const requestSeconds = new Histogram({
    name: "hugginggpt_request_duration_seconds",
    help: "A request's work once started: download, pipeline, reply and memory (its queue wait not included).",
    labelNames: ["platform"],
    buckets: REQUEST_BUCKETS,
    registers,
  });
  const queueWait = new Histogram({
    name: "hugginggpt_queue_wait_seconds",
    help: "From a request's acceptance to the start of its turn: waiting for a slot, or for the earlier request of its thread.",
    labelNames: ["platform"],
    buckets: WAIT_BUCKETS,
    registers,
  });
  const stageSeconds = new Histogram({
    name: "hugginggpt_stage_duration_seconds",
    help: "One pipeline stage of one request (plan, select, execute, screen, respond), finished or not; screen runs beside execute and respond.",
    labelNames: ["stage"],
    buckets: STAGE_BUCKETS,
    registers,
  });
  const llmCalls = new Counter({
    name: "hugginggpt_llm_calls_total",
    help: "Requests sent to the LLM, retries included, by the pipeline stage that sent them (execute: text tasks the LLM runs itself).",
    labelNames: ["stage"],
    registers,
  });
  const llmTokens = new Counter({
    name: "hugginggpt_llm_tokens_total",
    help: "Tokens of the LLM requests as the endpoint reported them, by stage and kind (prompt, completion).",
    labelNames: ["stage", "kind"],
    registers,
  });
  const modelCalls = new Counter({
    name: "hugginggpt_model_calls_total",
    help: "Calls of task models by source (hosted, local, endpoint, llm), task and status (ok, failed, loading, rate-limited, timeout, cancelled); every try of a retry counts.",
    labelNames: ["source", "task", "status"],
    registers,
  });
  const modelSeconds = new Histogram({
    name: "hugginggpt_model_call_duration_seconds",
    help: "One call of a task model, by source, whatever its outcome.",
    labelNames: ["source"],
    buckets: STAGE_BUCKETS,
    registers,
  });
  const progressEdits = new Counter({
    name: "hugginggpt_progress_edits_total",
    help: "Edits of progress messages sent to the platform (the final one included), by platform and status (ok, failed).",
    labelNames: ["platform", "status"],
    registers,
  });
  const platformRateLimits = new Counter({
    name: "hugginggpt_platform_rate_limited_total",
    help: "HTTP 429 answers from the chat platform's API (the client waited and tried again), by platform.",
    labelNames: ["platform"],
    registers,
  });
  new Gauge({
    name: "hugginggpt_queue_depth",
    help: "Requests in the queue by state (waiting, running), read at scrape time: this process's queue, or with roles the shared queue on Redis (left out while Redis does not answer).",
    labelNames: ["state"],
    registers,
    async collect() {
      this.reset();
      if (!queueDepth) return;
      try {
        const depth = await withTimeout(Promise.resolve(queueDepth()), QUEUE_READ_MS);
        this.set({ state: "waiting" }, depth.queued);
        this.set({ state: "running" }, depth.running);
      } catch {
        // Unknown is not zero: no sample until the queue answers again.
      }
    },
  });

  function record(event: TelemetryEvent): void {
    switch (event.type) {
      case "request":
        requests.inc({ platform: event.platform, outcome: event.outcome });
        return;
      case "turn":
        queueWait.observe({ platform: event.platform }, seconds(event.queuedMs));
        requestSeconds.observe({ platform: event.platform }, seconds(event.workMs));
        return;
      case "stage":
        stageSeconds.observe({ stage: event.stage }, seconds(event.ms));
        return;
      case "llm":
        llmCalls.inc({ stage: event.stage }, event.calls);
        llmTokens.inc({ stage: event.stage, kind: "prompt" }, event.promptTokens);
        llmTokens.inc({ stage: event.stage, kind: "completion" }, event.completionTokens);
        return;
      case "model-call":
        modelCalls.inc({ source: event.source, task: event.task, status: event.status });
        modelSeconds.observe({ source: event.source }, seconds(event.ms));
        return;
      case "progress-edit":
        progressEdits.inc({ platform: event.platform, status: event.ok ? "ok" : "failed" });
        return;
      case "platform-rate-limited":
        platformRateLimits.inc({ platform: event.platform });
        return;
    }
  }

  return {
    registry,
    record,
    watchQueue(depth) {
      queueDepth = depth;
    },
    async scrape() {
      return { text: await registry.metrics(), contentType: registry.contentType };
    },
  };
}
