import { fileURLToPath, pathToFileURL } from "node:url";
import sharp from "sharp";
import { loadConfig } from "../src/config/index.js";
import type { RequestReport } from "../src/core/bot.js";
import type { Disposition } from "../src/core/types.js";
import { createApp, createAppBot } from "../src/main.js";
import { builtinModels } from "../src/models/index.js";
import { createStorage } from "../src/storage/index.js";
import { isTaskName } from "../src/tasks/index.js";
import { type FakeHubModel, startFakeHuggingFace } from "../test/fakes/hf-server.js";
import {
  type ChatCompletionBody,
  type FakeReply,
  stageOf,
  startFakeOpenAi,
} from "../test/fakes/openai-server.js";
import { createTestAdapter, type TestMessage, testAttachment } from "../test/support/test-adapter.js";
import { serveFakesToParent, startFakesInChild } from "./fake-process.js";
import { type BenchFigure, benchInChild, peakRss } from "./harness.js";
import { BENCH_PLANS, type BenchPlan } from "./plans.js";
import { scriptedAnswer } from "./scripted-llm.js";

/** What the fake LLM and the fake HF wait before answering each call. */
const LATENCY_MS = 100;
const REQUESTS = 200;
const USERS = 50;
const THREADS = 20;
/** The burst must be over by then, or the bench fails. */
const DEADLINE_MS = 5 * 60_000;
/** How often the running and queued counts are sampled. */
const STATUS_SAMPLE_MS = 50;
const OPENAI_KEY = "sk-bench-bot-load";
const HF_TOKEN = "hf_bench_bot_load";
/** One HF call each: with text, and with a photo the bot downloads from the (test) platform first. */
const MIX = ["draw", "speak", "sentiment", "caption"].map((name) => {
  const plan = BENCH_PLANS.find((candidate) => candidate.name === name);
  if (!plan) throw new Error(`no bench plan named ${name}`);
  return plan;
});

/** Request `seq` (0-based, in submission order): who sends it, in which thread, which plan. */
function requestOf(seq: number): { user: string; thread: string; plan: BenchPlan } {
  return {
    user: `user-${seq % USERS}`,
    // Threads are shared by several users (a channel's thread), and each user writes in two threads.
    thread: `thread-${seq % THREADS}`,
    plan: MIX[seq % MIX.length]!,
  };
}

/**
 * The plan of request `seq`, its literal text arguments marked with the number: the pipeline's result
 * cache would otherwise answer every request after the first of its kind without calling HF.
 */
function tasksOf(seq: number): BenchPlan["tasks"] {
  return requestOf(seq).plan.tasks.map((task) => ({
    ...task,
    args: Object.fromEntries(
      Object.entries(task.args).map(([name, value]) => [
        name,
        name === "text" ? `${value} (#${seq})` : value,
      ]),
    ),
  }));
}

/** The request's sequence number as its text carries it: "#17 draw a cat on a skateboard". */
function seqIn(text: string): number | undefined {
  const match = /(?:^|\n)Request: #(\d+) /.exec(text);
  return match ? Number(match[1]) : undefined;
}

function fakeModels(): FakeHubModel[] {
  const tasks = new Set(MIX.flatMap((plan) => plan.tasks.map((task) => task.task)).filter(isTaskName));
  return [...tasks].flatMap((task) =>
    builtinModels(task).map((model) => ({
      id: model.id,
      pipeline_tag: task,
      downloads: model.downloads,
      likes: model.likes,
    })),
  );
}

/**
 * The LLM's side, served by the fake OpenAI server after 100 ms: the plan of the request's kind (read
 * from the sequence number in the request line, not from the thread's history above it), the first
 * candidate at selection, and an answer that names the request it answers.
 */
function llmRouter(body: ChatCompletionBody): FakeReply {
  const user = body.messages.filter((message) => message.role === "user").at(-1)?.content ?? "";
  const seq = seqIn(user);
  const reply = (content: string): FakeReply => ({ content, delayMs: LATENCY_MS });
  switch (stageOf(body)) {
    case "plan":
      if (seq === undefined) return { status: 500, message: "bench: no sequence number in the plan prompt" };
      return reply(JSON.stringify(tasksOf(seq)));
    case "select":
      return reply(scriptedAnswer(body.messages as Parameters<typeof scriptedAnswer>[0], []));
    case "respond":
      if (seq === undefined)
        return { status: 500, message: "bench: no sequence number in the answer prompt" };
      return reply(`Answer to #${seq}: here are your results.`);
    default:
      return { status: 500, message: `bench: unexpected ${stageOf(body)} call` };
  }
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const MB = 1024 * 1024;
const fixed = (value: number, digits = 1) => value.toFixed(digits);

export interface BotLoadMeasurement {
  figures: BenchFigure[];
  reports: RequestReport[];
  wallMs: number;
  /** From the first delivery to the last disposition of the burst (admission, rate limit, queue notices). */
  admittedMs: number;
}

/** Set in the child process that runs the load for `benchBotLoad`. */
const CHILD_ENV = "BENCH_BOT_LOAD_CHILD";
/** Set beside CHILD_ENV for the comparison run without the image safety check. */
const NO_SAFETY_ENV = "BENCH_BOT_LOAD_NO_SAFETY";

/**
 * The whole bot under a burst: 200 requests from 50 users in 20 threads, all submitted at once through
 * the in-memory test adapter to the real bot (createApp + createAppBot: in-memory storage, default
 * rate limit and concurrency cap, the real pipeline and clients) with the fake OpenAI and HF servers on
 * 127.0.0.1 answering every call after 100 ms. Throws if any request is lost, answered twice, answered
 * wrongly or out of its thread's order. Figures: the time the bot adds around the pipeline
 * (`workMs − pipelineMs` of each request's report), the queue wait, and the peak RSS.
 *
 * The bot runs in a fresh process of its own (this file, under tsx's loader): in `npm run bench` the
 * benches before it leave this process's RSS at several hundred MB, which would say nothing about the
 * bot. The fakes run in another (this file again, with FAKES_ENV), so that the peak RSS is the bot's.
 */
export async function benchBotLoad(): Promise<BenchFigure[]> {
  const module = fileURLToPath(import.meta.url);
  const figures = await benchInChild(module, CHILD_ENV, "bot-load");
  // The same burst in another fresh process with SAFETY_CHECK=false: what the classifier adds.
  const bare = await benchInChild(module, CHILD_ENV, "bot-load without the safety check", {
    [NO_SAFETY_ENV]: "1",
  });
  const rss = bare.find((figure) => figure.name.startsWith("Bot load: peak RSS"));
  if (rss) {
    figures.push({
      ...rss,
      name: "  the same burst with SAFETY_CHECK=false (no nsfwjs classifier)",
      target: "",
    });
  }
  return figures;
}

/** Set in the grandchild process that serves the fakes to the bot. */
const FAKES_ENV = "BENCH_BOT_LOAD_FAKES";

/** Both fakes, started in this (the fakes') process. */
async function startFakes() {
  const llm = await startFakeOpenAi({ apiKey: OPENAI_KEY });
  llm.route(llmRouter);
  const hf = await startFakeHuggingFace({ latencyMs: LATENCY_MS, models: fakeModels(), token: HF_TOKEN });
  return { llm, hf };
}

export async function measureBotLoad(): Promise<BotLoadMeasurement> {
  // The fakes answer from a process of their own, so this process holds the bot alone.
  const fakes = await startFakesInChild<{ llm: string; hf: string }>(
    fileURLToPath(import.meta.url),
    FAKES_ENV,
  );
  const llmRequests = () => fakes.ask("llm-requests");
  const hfCalls = () => fakes.ask("hf-calls");
  const env: Record<string, string> = {
    OPENAI_API_KEY: OPENAI_KEY,
    OPENAI_BASE_URL: `${fakes.info.llm}/v1`,
    LLM_MODEL: "bench",
    HF_TOKEN,
    HF_INFERENCE_ENDPOINT: fakes.info.hf,
    HF_ENDPOINT: fakes.info.hf,
    INFERENCE_MODE: "hosted",
    // The LLM picks among the candidates: plan, select and respond calls, 3 × 100 ms per request.
    MODEL_SELECTION: "llm",
    // The built-in model list: no Hub listing call in the measured requests.
    HUB_CATALOG: "false",
    LOG_LEVEL: "silent",
    // The comparison run of benchBotLoad: the same burst without the image safety check.
    ...(process.env[NO_SAFETY_ENV] === "1" ? { SAFETY_CHECK: "false" } : {}),
    // Default RATE_LIMIT_REQUESTS (10 per 60 s) and MAX_CONCURRENT_REQUESTS (4) stay: each user sends 4.
    // The burst puts 196 requests in the queue at once; the default bound (50) would refuse 146 of them.
    MAX_QUEUED_REQUESTS: String(REQUESTS),
  };
  const config = loadConfig(env);
  if (config.RATE_LIMIT_REQUESTS !== 0 && config.RATE_LIMIT_REQUESTS < REQUESTS / USERS) {
    throw new Error(`RATE_LIMIT_REQUESTS ${config.RATE_LIMIT_REQUESTS} would refuse part of the burst`);
  }
  const app = createApp(config, { env, storage: createStorage() });
  const reports: RequestReport[] = [];
  const bot = createAppBot(app, { onSettled: (report) => reports.push(report) });
  const adapter = createTestAdapter();
  await adapter.start(bot);

  // A photo of its own for each request that sends one (a colour per number), for the same reason.
  const photoOf = async (seq: number) =>
    new Uint8Array(
      await sharp({
        create: { width: 320, height: 240, channels: 3, background: { r: seq % 256, g: 170, b: 119 } },
      })
        .jpeg({ quality: 80 })
        .toBuffer(),
    );
  const messages: Array<TestMessage & { id: string; thread: string }> = [];
  for (let seq = 0; seq < REQUESTS; seq += 1) {
    const { user, thread, plan } = requestOf(seq);
    messages.push({
      id: `request-${seq}`,
      user,
      thread,
      channel: "bench",
      text: `#${seq} ${plan.request}`,
      // The mix's only attachment is the caption plan's photo.
      attachments: await Promise.all(
        plan.attachments.map(async ({ name }) =>
          testAttachment({ name, bytes: await photoOf(seq), mime: "image/jpeg" }),
        ),
      ),
    });
  }
  const seqOf = new Map(messages.map((message, seq) => [message.id, seq]));

  const baselineRss = process.memoryUsage().rss;
  let maxRunning = 0;
  let maxQueued = 0;
  const sample = () => {
    const status = bot.status();
    maxRunning = Math.max(maxRunning, status.running);
    maxQueued = Math.max(maxQueued, status.queued);
  };
  const sampler = setInterval(sample, STATUS_SAMPLE_MS);
  let deadline: NodeJS.Timeout | undefined;
  const started = performance.now();
  try {
    // The burst: every message delivered before any is awaited, in submission order.
    const dispositions: Disposition[] = await Promise.all(messages.map((message) => adapter.send(message)));
    const admittedMs = performance.now() - started;
    sample();
    const refused = dispositions
      .map((disposition, seq) => ({ disposition, seq }))
      .filter(({ disposition }) => disposition.status !== "accepted");
    if (refused.length > 0) {
      const first = refused[0]!;
      throw new Error(
        `${refused.length} of ${REQUESTS} requests were not accepted (#${first.seq}: ${JSON.stringify(first.disposition)})`,
      );
    }
    await Promise.race([
      bot.idle(),
      new Promise<never>((_resolve, reject) => {
        deadline = setTimeout(
          () =>
            reject(
              new Error(`the burst was not over after ${DEADLINE_MS / 1000} s: ${reports.length} settled`),
            ),
          DEADLINE_MS,
        );
      }),
    ]);
    const wallMs = performance.now() - started;
    sample();

    // Exactly once, each reply to its own request, in submission order within each thread.
    const replies = new Map<string, number>();
    const problems: string[] = [];
    for (const entry of adapter.transcript()) {
      if (entry.type !== "reply") continue;
      replies.set(entry.request, (replies.get(entry.request) ?? 0) + 1);
      const seq = seqOf.get(entry.request);
      if (seq === undefined) problems.push(`a reply to unknown request ${entry.request}`);
      else if (!entry.reply.text.includes(`Answer to #${seq}:`))
        problems.push(`#${seq} got the answer ${JSON.stringify(entry.reply.text.slice(0, 60))}`);
    }
    const lost = messages.filter((message) => !replies.has(message.id));
    const duplicated = messages.filter((message) => (replies.get(message.id) ?? 0) > 1);
    let outOfOrder = 0;
    for (let thread = 0; thread < THREADS; thread += 1) {
      const name = `thread-${thread}`;
      const sent = messages.filter((message) => message.thread === name).map((message) => message.id);
      const answered = adapter
        .transcript(name)
        .flatMap((entry) => (entry.type === "reply" ? [entry.request] : []))
        .filter((id, index, all) => all.indexOf(id) === index);
      const expected = sent.filter((id) => replies.has(id));
      const wrong = answered.filter((id, index) => id !== expected[index]).length;
      if (wrong > 0) {
        outOfOrder += wrong;
        problems.push(`${name} answered ${answered.map((id) => seqOf.get(id)).join(",")}`);
      }
    }
    const notices = adapter
      .transcript()
      .flatMap((entry) => (entry.type === "notice" ? [entry.text] : []))
      .filter((text) => !text.startsWith("You're number "));
    const notAnswered = reports.filter((report) => report.outcome !== "answered");
    // One HF call per request: none answered from the result cache, none retried.
    const hfCallCount = await hfCalls();
    if (hfCallCount !== REQUESTS) problems.push(`${hfCallCount} HF calls for ${REQUESTS} one-task requests`);
    if (
      lost.length + duplicated.length + outOfOrder + problems.length + notices.length + notAnswered.length >
        0 ||
      reports.length !== REQUESTS
    ) {
      throw new Error(
        `bot load: ${lost.length} lost (${lost
          .slice(0, 5)
          .map((message) => message.id)
          .join(", ")}), ${duplicated.length} duplicated, ${outOfOrder} out of thread order, ` +
          `${reports.length} settled (${notAnswered.length} not answered), ${notices.length} failure notices` +
          `${notices[0] ? ` ("${notices[0]}")` : ""}; ${problems.slice(0, 5).join("; ")}`,
      );
    }

    const added = reports.map((report) => report.workMs - report.pipelineMs);
    const queued = reports.map((report) => report.queuedMs);
    const pipeline = reports.map((report) => report.pipelineMs);
    const llmCalls = await llmRequests();
    const highWater = await peakRss();
    const memory = process.memoryUsage();
    const setup = `${REQUESTS} requests, ${USERS} users, ${THREADS} threads, one burst; MAX_CONCURRENT_REQUESTS ${config.MAX_CONCURRENT_REQUESTS}, MAX_QUEUED_REQUESTS ${config.MAX_QUEUED_REQUESTS}, RATE_LIMIT_REQUESTS ${config.RATE_LIMIT_REQUESTS}`;
    const figures: BenchFigure[] = [
      {
        name: "Bot load: requests lost + duplicated + out of thread order",
        value: lost.length + duplicated.length + outOfOrder,
        unit: "requests",
        target: "≤ 0",
        detail:
          `${REQUESTS}/${REQUESTS} answered exactly once, each thread in submission order; ${setup}; ` +
          `${llmCalls} LLM + ${hfCallCount} HF calls at ${LATENCY_MS} ms each; all done in ${fixed(wallMs / 1000)} s ` +
          `(${fixed(REQUESTS / (wallMs / 1000))} requests/s), all ${REQUESTS} admitted in ${fixed(admittedMs, 0)} ms; at most ${maxRunning} running and ${maxQueued} queued`,
      },
      {
        name: "Bot load: time the bot adds outside the pipeline, p99",
        value: percentile(added, 99),
        unit: "ms (workMs − pipelineMs)",
        target: "< 50 ms",
        detail: `p50 ${fixed(percentile(added, 50), 2)} ms, max ${fixed(Math.max(...added), 2)} ms; pipeline p50 ${fixed(percentile(pipeline, 50), 0)} ms, p99 ${fixed(percentile(pipeline, 99), 0)} ms`,
      },
      {
        name: "Bot load: time the bot adds outside the pipeline, p50",
        value: percentile(added, 50),
        unit: "ms (workMs − pipelineMs)",
        target: "< 50 ms",
        detail: "the target is on p99; download, memory recall and write, progress message, reply",
      },
      {
        name: "Bot load: queue wait (the concurrency cap, not added time)",
        value: percentile(queued, 99),
        unit: "ms (p99)",
        target: "",
        detail: `p50 ${fixed(percentile(queued, 50), 0)} ms, max ${fixed(Math.max(...queued), 0)} ms: ${REQUESTS} requests through ${config.MAX_CONCURRENT_REQUESTS} slots`,
      },
      {
        name: "Bot load: peak RSS of the bot's process (the fakes in a process of their own)",
        value: highWater / MB,
        unit: "MB (VmHWM)",
        target: "< 300 MB",
        detail: `the kernel's high-water mark (/proc/self/status VmHWM) of the process that runs the bot, SAFETY_CHECK ${config.SAFETY_CHECK ? `on (the nsfwjs classifier ${(await app.safety?.probe())?.available ? "loaded for the generated images" : "cannot run here"})` : "off"}; ${fixed(baselineRss / MB)} MB before the burst; at the end V8 heap ${fixed(memory.heapUsed / MB)} MB used of ${fixed(memory.heapTotal / MB)}, external ${fixed(memory.external / MB)} MB (WASM memories and buffers)`,
      },
    ];
    return { figures, reports, wallMs, admittedMs };
  } finally {
    clearInterval(sampler);
    if (deadline) clearTimeout(deadline);
    await bot.close();
    await app.close();
    await fakes.close();
  }
}

if (process.env[FAKES_ENV] === "1") {
  const { llm, hf } = await startFakes();
  serveFakesToParent({
    info: { llm: llm.url, hf: hf.url },
    answer(command) {
      if (command === "llm-requests") return llm.requests.length;
      if (command === "hf-calls") return hf.inferenceCalls().length;
      throw new Error(`unknown command ${command}`);
    },
    close: async () => {
      await Promise.all([llm.close(), hf.close()]);
    },
  });
} else if (process.env[CHILD_ENV] === "1") {
  // The figures as one JSON line for the parent; a failed check exits non-zero with its message.
  const { figures } = await measureBotLoad();
  process.stdout.write(`${JSON.stringify(figures)}\n`);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // `tsx bench/bot-load.ts`: the same measurement, in this (fresh) process.
  const { figures } = await measureBotLoad();
  for (const figure of figures) console.log(figure);
}
