/**
 * Throughput of the roles with 1, 2 and 4 workers, side by side in one run: a gateway and N worker
 * processes (`start --role …`, the real bin) on a Redis of their own, answering the fake Slack; every
 * request is CPU-bound local object detection on one of darknet's photos (no keys: the offline
 * planner, the local expert, the boxes drawn, the safety check of the image posted). Per setup:
 * requests a second and the ratio to one worker, how many cores one worker keeps busy (from
 * /proc/<pid>/stat), p99 from a job being added to its start (BullMQ's own timestamps), and Redis
 * commands per request (INFO's counter).
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createHumanDetectionRunner } from "../src/experts/local/detection.js";
import { QUEUE_NAME } from "../src/scale/redis.js";
import { startFakeSlack } from "../test/fakes/slack/index.js";
import { freePort } from "../test/support/net.js";
import { type RoleProcess, startRole } from "../test/support/role-process.js";
import { waitUntil } from "../test/support/wait.js";
import { findRedisServer, startRedisServer } from "../test/unit/storage/redis-server.js";
import { serveFakesToParent, startFakesInChild } from "./fake-process.js";
import type { BenchFigure } from "./harness.js";

const PHOTOS_DIR = "/usr/share/darknet/data";
/**
 * Requests timed per setup, each in a thread of its own (so thread order never holds one back). Enough
 * that the last request's imbalance between workers (one may idle while the other finishes) is a few
 * percent of the run, not a tenth of it.
 */
const REQUESTS = 64;
/** How often the bench looks for the answers: the run's end is known to within this. */
const POLL_MS = 10;
/**
 * The setups in the order they run: mirrored, so that a machine getting faster or slower over the
 * bench (its speed drifts by 10–20% over a minute here) weighs on every worker count alike; each
 * count's rate is the mean of its runs.
 */
const ORDER = [1, 2, 4, 2, 1] as const;
/**
 * Requests each worker answers before the timing starts: the first loads the detector and the safety
 * classifier; the next ten or so still run slower while V8 optimizes TensorFlow.js's and Human's code
 * (150–200 ms a detection, against 140 once hot).
 */
const WARM_PER_WORKER = 12;
/** One request at a time per worker: how much the workers add, not how much one worker overlaps. */
const PER_WORKER = 1;
const TICKS = 100;

interface Run {
  workers: number;
  perSecond: number;
  /** Cores the rest kept busy meanwhile: the gateway, redis-server, and this process (the fake Slack). */
  around: { gateway: number; redis: number; bench: number };
  /** CPU seconds of the workers per second of wall time. */
  cores: number;
  p99StartMs: number;
  redisCommands: number;
}

async function photos(): Promise<Array<{ name: string; bytes: Uint8Array }>> {
  const names = (await readdir(PHOTOS_DIR)).filter((name) => name.endsWith(".jpg")).sort();
  return Promise.all(
    names.map(async (name) => ({ name, bytes: new Uint8Array(await readFile(join(PHOTOS_DIR, name))) })),
  );
}

/** CPU seconds (user + system) a process has used, from /proc. */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  if (pid === undefined) return 0;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / TICKS;
}

/** CPU seconds redis-server has used, from its own INFO. */
async function redisCpuSeconds(client: Redis): Promise<number> {
  const info = await client.info("cpu");
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return field("used_cpu_user") + field("used_cpu_sys");
}

async function ready(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

/**
 * One setup on a Redis and a fake Slack of its own: the fake keeps every message, and the bench looks
 * through them for the answers, so one fake for all setups would make each look slower than the last.
 */
async function runSetup(
  workerCount: number,
  album: Array<{ name: string; bytes: Uint8Array }>,
): Promise<Run> {
  const binary = findRedisServer();
  if (!binary) throw new Error("redis-server is not installed (apt-get install redis-server)");
  const redis = await startRedisServer(binary);
  const slack = await startFakeSlack();
  const dir = await mkdtemp(join(tmpdir(), "hgb-throughput-"));
  const env = {
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    REDIS_URL: redis.url,
    INFERENCE_MODE: "local",
    HUB_CATALOG: "false",
    RATE_LIMIT_REQUESTS: "0",
    MAX_QUEUED_REQUESTS: "1000",
    LOG_LEVEL: "warn",
    DATA_DIR: dir,
  };
  const processes: RoleProcess[] = [];
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection: client });
  try {
    const [port, gatewayOps] = [await freePort(), await freePort()];
    processes.push(
      startRole(
        "gateway",
        "gateway",
        {
          ...env,
          PORT: String(port),
          METRICS_PORT: String(gatewayOps),
          MAX_CONCURRENT_REQUESTS: String(PER_WORKER),
        },
        dir,
      ),
    );
    const opsUrls = [`http://127.0.0.1:${gatewayOps}`];
    const workers: RoleProcess[] = [];
    for (let index = 0; index < workerCount; index++) {
      const ops = await freePort();
      const worker = startRole(
        `worker-${index + 1}`,
        "worker",
        { ...env, PORT: "0", METRICS_PORT: String(ops), MAX_CONCURRENT_REQUESTS: String(PER_WORKER) },
        dir,
      );
      workers.push(worker);
      processes.push(worker);
      opsUrls.push(`http://127.0.0.1:${ops}`);
    }
    for (const [index, url] of opsUrls.entries()) {
      await waitUntil(
        () => ready(url),
        () => `${processes[index]?.name} to be ready:\n${processes[index]?.output()}`,
        120_000,
      );
    }
    const events = `http://127.0.0.1:${port}/slack/events`;
    let sent = 0;
    const send = async (count: number): Promise<string[]> => {
      const roots: string[] = [];
      await Promise.all(
        Array.from({ length: count }, async () => {
          const photo = album[sent % album.length]!;
          // Bytes after the JPEG's end mark, which decoders ignore: each request's photo is new to the
          // results cache, so every request runs the detector.
          const unique = Buffer.concat([Buffer.from(photo.bytes), Buffer.from(`request ${sent++}`)]);
          const file = slack.addUserFile(unique, {
            name: photo.name,
            mimetype: "image/jpeg",
          });
          const mention = slack.mention({
            text: `<@${slack.botUserId}> what is in this photo?`,
            files: [file],
          });
          roots.push(mention.ts);
          const delivered = await slack.sendEvent(mention, { url: events });
          if (delivered.status !== 200) throw new Error(`the gateway answered ${delivered.status}`);
        }),
      );
      return roots;
    };
    const isAnswered = (root: string) =>
      slack
        .thread(slack.generalChannel, root)
        .some(
          (message) =>
            message.bot_id &&
            (message.blocks ?? []).some((block) => (block as { type?: string }).type === "context"),
        );
    /**
     * Waits for every answer, looking every POLL_MS at the threads still unanswered (cheap, as the
     * bench shares the cores it measures), and returns when the last one was seen.
     */
    const lastAnswer = async (roots: readonly string[]): Promise<number> => {
      const pending = new Set(roots);
      const until = Date.now() + 600_000;
      while (pending.size > 0) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${pending.size} answers`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        for (const root of pending) if (isAnswered(root)) pending.delete(root);
      }
      return performance.now();
    };

    const warm = await send(workerCount * WARM_PER_WORKER);
    await lastAnswer(warm);

    const before = await Promise.all(workers.map((worker) => cpuSeconds(worker.child.pid)));
    const gateway = processes[0]?.child.pid;
    const aroundBefore = {
      gateway: await cpuSeconds(gateway),
      redis: await redisCpuSeconds(client),
      bench: process.cpuUsage(),
    };
    const commandsBefore = Number(
      /total_commands_processed:(\d+)/.exec(await client.info("stats"))?.[1] ?? 0,
    );
    const started = performance.now();
    const startedAt = Date.now();
    const roots = await send(REQUESTS);
    const seconds = ((await lastAnswer(roots)) - started) / 1000;
    const after = await Promise.all(workers.map((worker) => cpuSeconds(worker.child.pid)));
    const benchCpu = process.cpuUsage(aroundBefore.bench);
    const around = {
      gateway: ((await cpuSeconds(gateway)) - aroundBefore.gateway) / seconds,
      redis: ((await redisCpuSeconds(client)) - aroundBefore.redis) / seconds,
      bench: (benchCpu.user + benchCpu.system) / 1e6 / seconds,
    };
    const commandsAfter = Number(/total_commands_processed:(\d+)/.exec(await client.info("stats"))?.[1] ?? 0);
    const jobs = (await queue.getJobs(["completed"], 0, 1000)).filter((job) => job.timestamp >= startedAt);
    const waits = jobs.flatMap((job) => (job.processedOn ? [job.processedOn - job.timestamp] : []));
    const cpu = after.reduce((sum, value, index) => sum + value - (before[index] ?? 0), 0);
    return {
      workers: workerCount,
      perSecond: REQUESTS / seconds,
      cores: cpu / seconds / workerCount,
      around,
      p99StartMs: percentile(waits, 99),
      // Less the commands of the bench's own reads.
      redisCommands: (commandsAfter - commandsBefore) / REQUESTS,
    };
  } finally {
    await Promise.all(processes.map((process) => process.stop("SIGTERM")));
    await queue.close();
    client.disconnect();
    await redis.stop();
    await slack.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** Set in the child processes that run the detector alone. */
const DETECTOR_ENV = "BENCH_THROUGHPUT_DETECTOR";
/** Detections per timed run of the detector alone (four rounds of darknet's photos). */
const BARE_DETECTIONS = 28;

/**
 * What this machine gives the work itself, without the bot: the same detector on the same photos in
 * one process, then in two processes at once, each warm (ms per detection). Two detections at once
 * each run slower than one alone when the cores share what TensorFlow.js's wasm leans on (caches,
 * memory bandwidth), whatever the bot does: `2 × alone ÷ together` is the most two workers can give.
 */
async function detectorAlone(): Promise<{ alone: number; together: number }> {
  const path = fileURLToPath(import.meta.url);
  const [first, second] = await Promise.all([
    startFakesInChild<object>(path, DETECTOR_ENV),
    startFakesInChild<object>(path, DETECTOR_ENV),
  ]);
  try {
    const before = await first.ask("detect");
    const together = await Promise.all([first.ask("detect"), second.ask("detect")]);
    const after = await second.ask("detect");
    return { alone: mean([before, after]), together: mean(together) };
  } finally {
    await Promise.all([first.close(), second.close()]);
  }
}

/** Each worker count's runs, in the order they ran. */
function byCount(runs: readonly Run[]): Array<[number, Run[]]> {
  const groups = new Map<number, Run[]>();
  for (const run of runs) groups.set(run.workers, [...(groups.get(run.workers) ?? []), run]);
  return [...groups].sort(([a], [b]) => a - b);
}

/** `order`: the worker counts of the setups, in the order they run; it must include 1. */
export async function benchThroughput(order: readonly number[] = ORDER): Promise<BenchFigure[]> {
  const album = await photos();
  const runs: Run[] = [];
  for (const count of order) runs.push(await runSetup(count, album));
  const bare = await detectorAlone();
  const ceiling = (2 * bare.alone) / bare.together;
  const groups = byCount(runs);
  const one = mean(groups.find(([count]) => count === 1)?.[1].map((run) => run.perSecond) ?? []);
  const scaling = groups.map(([workers, mine]): BenchFigure => {
    const perSecond = mean(mine.map((run) => run.perSecond));
    const rates = mine.map((run) => run.perSecond.toFixed(2)).join(" and ");
    return {
      name: `Throughput, ${workers} worker${workers === 1 ? "" : "s"} (local detection, one request at a time each)`,
      value: perSecond / one,
      unit: "× 1 worker",
      target: workers === 2 ? "≥ 1.7" : "",
      detail:
        `${perSecond.toFixed(2)} requests/s over ${REQUESTS} a run (${mine.length > 1 ? `runs ${rates}` : "one run"}; setups in the order ${order.join(", ")}); ` +
        `each worker kept ${mean(mine.map((run) => run.cores)).toFixed(2)} cores busy, ` +
        `the gateway ${mean(mine.map((run) => run.around.gateway)).toFixed(2)}, redis-server ${mean(mine.map((run) => run.around.redis)).toFixed(2)}, the bench's fake Slack ${mean(mine.map((run) => run.around.bench)).toFixed(2)}; ` +
        `p99 from a job added to its start ${Math.max(...mine.map((run) => run.p99StartMs)).toFixed(0)} ms; ` +
        `${mean(mine.map((run) => run.redisCommands)).toFixed(0)} Redis commands a request` +
        (workers === 2
          ? `; ${((100 * perSecond) / one / ceiling).toFixed(0)}% of what the machine gives two detectors (the last row)`
          : ""),
    };
  });
  return [
    ...scaling,
    {
      name: "  the detector alone (no bot): two processes at once ÷ one, the most two workers can give here",
      value: ceiling,
      unit: "× 1 process",
      target: "",
      detail: `${bare.alone.toFixed(1)} ms a detection in one process, ${bare.together.toFixed(1)} ms in each of two at once (Human CenterNet, TensorFlow.js wasm, ${BARE_DETECTIONS} detections a run on darknet's photos, warm)`,
    },
  ];
}

if (process.env[DETECTOR_ENV] === "1") {
  const album = await photos();
  const runner = createHumanDetectionRunner();
  const detect = async (index: number) => {
    const photo = album[index % album.length]!;
    const image = { kind: "image", mime: "image/jpeg", bytes: photo.bytes, name: photo.name } as const;
    await runner.run({ image }, { signal: AbortSignal.timeout(60_000) });
  };
  // Three rounds of the photos first: V8 optimizes TensorFlow.js's and Human's code over the first runs.
  for (let index = 0; index < 21; index++) await detect(index);
  serveFakesToParent({
    info: {},
    async answer(command) {
      if (command !== "detect") throw new Error(`unknown command ${command}`);
      const started = performance.now();
      for (let index = 0; index < BARE_DETECTIONS; index++) await detect(index);
      return (performance.now() - started) / BARE_DETECTIONS;
    },
    close: async () => undefined,
  });
} else if (import.meta.url === `file://${process.argv[1]}`) {
  // `tsx bench/throughput.ts [counts…]`, e.g. `1 2 1` for a shorter run.
  const order = process.argv.slice(2).map(Number);
  for (const figure of await benchThroughput(order.length ? order : ORDER)) console.log(figure);
}
