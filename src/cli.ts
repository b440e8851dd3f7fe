import { closeSync, existsSync, mkdirSync, openSync, writeSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Config, llmConfigured, loadConfig, secretValues } from "./config/index.js";
import type { Adapter } from "./core/types.js";
import { runDoctor } from "./doctor.js";
import { BotError, errorSummary, isBotError, userMessageOf } from "./errors.js";
import { createLogger, redact } from "./log.js";
import {
  type App,
  createApp,
  createAppGateway,
  createAppLogger,
  createPlatformAdapters,
  createTerminalChat,
  createWebPlayground,
  deployDiscordCommands,
  openSlackInstallations,
  openUsageCounts,
  PLATFORM_ADAPTERS,
  startAppOps,
  startAppTelemetry,
  startAppWorker,
} from "./main.js";
import { argValueText } from "./pipeline/arg-value.js";
import { formatSummary, type PipelineResult } from "./pipeline/index.js";
import { inputFromFile } from "./pipeline/inputs.js";
import { listModels } from "./pipeline/models-report.js";
import type { NamedInput } from "./pipeline/types.js";
import { inspectImage } from "./render/index.js";
import type { Worker } from "./scale/roles.js";
import { describeResource, resourceFiles } from "./tasks/index.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

const USAGE = `Usage: hugginggpt-bot <command> [options]

Commands:
  start [--web]       run the bot on every configured platform; with none, the terminal chat (the
                      web playground with --web or without a terminal)
  start --role gateway|worker
                      several processes on one Redis (REDIS_URL): gateways take the platforms'
                      events and queue them, workers answer them (README: Run it on several machines)
  web [--port N]      the local web playground: threads, images, audio and the task graph in a browser
  chat [--out DIR] [--thread NAME]
                      the terminal chat: /attach files, follow-ups, progress; reads piped input too
  ask "<request>" [--file PATH]... [--out DIR] [--json]
                      run one request through plan → select → execute → respond
  models [TASK]       candidate models per task and where they run
  deploy-commands     register the Discord slash commands (globally, or to DISCORD_GUILD_ID); run it
                      once, and again when the commands change
  usage               what each workspace and user used today and this month, against the budgets
  doctor              what is configured, what answers, what is missing (with the fix)
  help                this text

Configuration comes from the environment and from .env in the current directory (see .env.example).`;

class UsageError extends Error {}

/** node:util parseArgs's own errors (unknown option, missing value) are usage errors too. */
function isParseArgsError(error: unknown): error is Error {
  const code: unknown = error instanceof TypeError ? Reflect.get(error, "code") : undefined;
  return typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_");
}

/** Loads .env from the working directory; variables already in the environment win. */
function loadDotEnv(io: CliIo): void {
  const path = join(io.cwd, ".env");
  if (io.env === process.env && existsSync(path)) process.loadEnvFile(path);
}

async function readInputs(paths: string[], io: CliIo, config: Config): Promise<NamedInput[]> {
  const maxBytes = config.MAX_FILE_MB * 1024 * 1024;
  const names = new Set<string>();
  const inputs: NamedInput[] = [];
  for (const path of paths) {
    const full = resolve(io.cwd, path);
    const info = await stat(full).catch(() => undefined);
    if (!info) {
      throw new BotError("input_invalid", `no file at ${path}`, { userMessage: `File not found: ${path}` });
    }
    if (!info.isFile()) {
      throw new BotError("input_invalid", `${path} is not a file`, {
        userMessage: `${path} is ${info.isDirectory() ? "a folder" : "not a regular file"}, not a file to attach.`,
      });
    }
    if (info.size > maxBytes) {
      throw new BotError("input_too_large", `${path} is ${info.size} bytes`, {
        userMessage: `${path} is too large (${(info.size / 1048576).toFixed(1)} MB; the limit is ${config.MAX_FILE_MB} MB).`,
      });
    }
    let name = basename(full);
    // Two files of the same name would be one input to the planner; keep both under distinct names.
    for (let n = 2; names.has(name); n += 1) name = `${n}-${basename(full)}`;
    names.add(name);
    const input = inputFromFile(name, new Uint8Array(await readFile(full)), { maxBytes });
    // A damaged photo is refused now, before any LLM call is spent on a request about it.
    if (input.resource.kind === "image") await inspectImage(input.resource.bytes, { name });
    inputs.push(input);
  }
  return inputs;
}

/** --out must be a folder or a path where one can be made; checked before any work is paid for. */
async function checkOutDir(outDir: string, given: string): Promise<void> {
  const info = await stat(outDir).catch(() => undefined);
  if (info && !info.isDirectory()) {
    throw new BotError("input_invalid", `${outDir} is not a directory`, {
      userMessage: `--out ${given} is a file, not a folder for the results.`,
    });
  }
}

async function writeFiles(result: PipelineResult, outDir: string): Promise<string[]> {
  const files = result.results.flatMap((task) => (task.output ? resourceFiles(task.output) : []));
  if (files.length === 0) return [];
  await mkdir(outDir, { recursive: true });
  return Promise.all(
    files.map(async (file) => {
      const path = join(outDir, basename(file.name));
      await writeFile(path, file.bytes);
      return path;
    }),
  );
}

function jsonReport(result: PipelineResult, files: string[], outDir: string) {
  return {
    request: result.request,
    plan: result.plan.tasks.map((task) => ({
      id: task.id,
      task: task.task,
      dep: task.dep,
      args: Object.fromEntries(
        Object.entries(task.args).map(([name, value]) => [name, value ? argValueText(value) : undefined]),
      ),
    })),
    // The summary's rows (id, task, model, source, ms, status), with each task's output and files.
    tasks: result.summary.tasks.map((row) => {
      const output = result.results.find((task) => task.id === row.id)?.output;
      return {
        ...row,
        output: output ? describeResource(output) : null,
        files: output ? resourceFiles(output).map((file) => join(outDir, basename(file.name))) : [],
        error: row.error ?? null,
      };
    }),
    answer: result.answer,
    summary: result.summary,
    files,
    stats: result.stats,
  };
}

async function ask(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      file: { type: "string", short: "f", multiple: true },
      out: { type: "string", short: "o" },
      json: { type: "boolean" },
    },
  });
  const text = positionals.join(" ").trim();
  if (!text)
    throw new UsageError(
      'ask needs a request, e.g. hugginggpt-bot ask "describe this photo" --file photo.jpg',
    );
  const config = loadConfig(io.env);
  const outDir = resolve(io.cwd, values.out ?? "out");
  await checkOutDir(outDir, values.out ?? "out");
  const inputs = await readInputs(values.file ?? [], io, config);
  // Retries and warnings would mix into what a script reads; only errors are logged unless asked.
  const logger = createLogger({
    level: io.env.LOG_LEVEL ? config.LOG_LEVEL : "error",
    secrets: secretValues(io.env),
  });
  const app = createApp(config, { env: io.env, logger });
  try {
    const result = await app.pipeline.run({ text, inputs });
    let files: string[] = [];
    let note = "";
    try {
      files = await writeFiles(result, outDir);
    } catch (error) {
      // The answer was paid for: print it even when its files cannot be written.
      note = `Note: the result files could not be written to ${outDir}: ${errorSummary(error)}`;
      io.stderr(`hugginggpt-bot: ${note}\n`);
    }
    if (values.json) {
      io.stdout(`${JSON.stringify(jsonReport(result, files, outDir))}\n`);
    } else {
      const fileLines = files.length > 0 ? `\n\nFiles:\n${files.map((file) => `  ${file}`).join("\n")}` : "";
      io.stdout(
        `${result.answer}\n\n${formatSummary(result.summary)}${fileLines}${note ? `\n\n${note}` : ""}\n`,
      );
    }
    return 0;
  } finally {
    await app.close();
  }
}

/** Runs the terminal chat on `app` until its input ends (Ctrl-D, /quit, end of a pipe) and its answers are in. */
async function runChat(
  app: App,
  io: CliIo,
  options: { out?: string; thread?: string; logFile?: string },
): Promise<void> {
  const adapter = createTerminalChat(app, {
    input: process.stdin,
    output: process.stdout,
    cwd: io.cwd,
    ...(options.out ? { filesDir: resolve(io.cwd, options.out) } : {}),
    ...(options.thread ? { thread: options.thread } : {}),
    ...(options.logFile
      ? { notes: [`Logs go to ${relative(io.cwd, options.logFile) || options.logFile}.`] }
      : {}),
  });
  await adapter.start(app.bot);
  await adapter.finished;
  await adapter.stop();
}

/** Whether the chat runs in a terminal (a prompt and a progress line redrawn in place). */
function inTerminal(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/**
 * The app of a terminal chat. Log lines on stderr would land in the middle of the chat's screen, so
 * in a terminal they go to DATA_DIR/chat.log instead; piped, they stay on stderr.
 */
function chatApp(config: Config, io: CliIo): { app: App; logFile?: string; close(): Promise<void> } {
  if (!inTerminal() || config.LOG_LEVEL === "silent") {
    const app = createApp(config, { env: io.env });
    return { app, close: () => app.close() };
  }
  const logFile = resolve(io.cwd, config.DATA_DIR, "chat.log");
  mkdirSync(dirname(logFile), { recursive: true });
  const descriptor = openSync(logFile, "a");
  const logger = createLogger({
    level: config.LOG_LEVEL,
    secrets: secretValues(io.env),
    write: (line) => writeSync(descriptor, `${line}\n`),
  });
  const app = createApp(config, { env: io.env, logger });
  return {
    app,
    logFile,
    async close() {
      await app.close();
      closeSync(descriptor);
    },
  };
}

async function chat(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { out: { type: "string", short: "o" }, thread: { type: "string", short: "t" } },
  });
  const { app, logFile, close } = chatApp(loadConfig(io.env), io);
  try {
    await runChat(app, io, { ...values, ...(logFile ? { logFile } : {}) });
  } finally {
    await close();
  }
  return 0;
}

/** What to configure for more than the playground: the platforms, a language model, hosted models. */
function whatToConfigure(config: Config): string[] {
  const platforms = PLATFORM_ADAPTERS.map((spec) => `  - ${spec.platform}: set ${spec.needs}`);
  const missing = [
    ...(llmConfigured(config)
      ? []
      : [
          "Without a language model, requests are planned by offline rules for what the local experts can do. For any request set OPENAI_API_KEY (or OPENAI_BASE_URL and LLM_MODEL for a local server such as Ollama).",
        ]),
    ...(config.HF_TOKEN || config.HF_INFERENCE_ENDPOINT
      ? []
      : ["Hosted models need HF_TOKEN (or HF_INFERENCE_ENDPOINT for your own model server)."]),
  ];
  return [
    "To run the bot on a chat platform:",
    ...platforms,
    ...(missing.length > 0 ? ["", ...missing] : []),
    "Set variables in .env (see .env.example); hugginggpt-bot doctor checks them.",
  ];
}

/** Runs until SIGINT or SIGTERM; resolves to the signal. */
function untilSignal(): Promise<string> {
  return new Promise<string>((resolveSignal) => {
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolveSignal(signal));
  });
}

/** The web playground on an app until a signal: says its address first. */
async function runWeb(config: Config, io: CliIo, port: number | undefined, note: string[]): Promise<number> {
  const app = createApp(config, { env: io.env });
  const stopped = untilSignal();
  const playground = createWebPlayground(app, port === undefined ? {} : { port });
  try {
    await playground.start(app.bot);
    io.stdout(
      [
        `The HuggingGPT playground is at ${playground.url} — open it in your browser. Ctrl-C stops it.`,
        ...(note.length > 0 ? ["", ...note] : []),
        "",
      ].join("\n"),
    );
    const signal = await stopped;
    app.logger.info("stopping", { signal });
    return 0;
  } finally {
    await playground.stop();
    await app.close();
  }
}

/** `web`: the local web playground, until SIGINT or SIGTERM. */
async function web(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { port: { type: "string" } } });
  const config = loadConfig(io.env);
  let port: number | undefined;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError("--port must be a port number");
  }
  return runWeb(config, io, port, llmConfigured(config) ? [] : whatToConfigure(config).slice(-3));
}

/**
 * `start`: every platform adapter whose credentials are configured, until SIGINT or SIGTERM; with none,
 * the terminal chat when there is a terminal, else (or with --web) the web playground.
 */
async function start(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { web: { type: "boolean" }, role: { type: "string" } } });
  const config = loadConfig(io.env);
  if (values.role !== undefined) {
    if (values.role === "worker") return runWorker(config, io);
    if (values.role !== "gateway") throw new UsageError("--role must be gateway or worker");
  }
  const platforms = PLATFORM_ADAPTERS.filter((spec) => spec.configured(config));
  if (values.role === "gateway" && platforms.length === 0) {
    throw new BotError("config_invalid", "a gateway without a platform", {
      userMessage: `A gateway takes a chat platform's events; configure one: ${PLATFORM_ADAPTERS.map((spec) => spec.needs).join("; or ")}.`,
    });
  }
  if (platforms.length === 0) {
    if (values.web || !process.stdin.isTTY) {
      return runWeb(config, io, undefined, ["No chat platform is configured.", ...whatToConfigure(config)]);
    }
    const { app, logFile, close } = chatApp(config, io);
    try {
      await runChat(app, io, logFile ? { logFile } : {});
    } finally {
      await close();
    }
    return 0;
  }
  const logger = createAppLogger(config, io.env);
  const telemetry = await startAppTelemetry(
    config,
    values.role === "gateway" ? "gateway" : "all-in-one",
    logger,
  );
  const app = createApp(config, { env: io.env, logger, telemetry });
  const gateway = values.role === "gateway" ? await createAppGateway(app) : undefined;
  const bot = gateway?.bot ?? app.bot;
  let started = false;
  const ops = await startAppOps(app, telemetry, {
    checks: {
      platforms: () => started,
      ...(gateway ? { queue: () => gateway.redis.status === "ready" } : {}),
    },
    // A gateway's queue is the one all gateways and workers share; alone, the process's own.
    queueDepth: gateway ? () => gateway.queueDepth() : () => bot.status(),
  });
  try {
    const adapters = createPlatformAdapters(app, platforms, { gateway: gateway !== undefined });
    const stopped = untilSignal();
    const running: Adapter[] = [];
    try {
      for (const adapter of adapters) {
        running.push(adapter);
        // A signal while a platform is still connecting stops the bot too, not only once all are up.
        const outcome = await Promise.race([adapter.start(bot).then(() => undefined), stopped]);
        if (outcome !== undefined) {
          app.logger.info("stopping before every platform started", { signal: outcome });
          return 0;
        }
      }
      started = true;
      app.logger.info("started", {
        platforms: running.map((adapter) => adapter.platform),
        ...(gateway ? { role: "gateway" } : {}),
      });
      const signal = await stopped;
      app.logger.info("stopping", { signal });
    } finally {
      // A platform that failed to start stops the others: a half-started bot is worse than a clear error.
      await Promise.all(running.map((adapter) => adapter.stop()));
    }
    return 0;
  } finally {
    await gateway?.bot.close();
    await ops.close();
    await app.close();
    // Last: the spans of the requests that ended while the bot closed.
    await telemetry.close();
  }
}

/** `start --role worker`: the turns of queued requests until SIGINT or SIGTERM, then a bounded drain. */
async function runWorker(config: Config, io: CliIo): Promise<number> {
  const logger = createAppLogger(config, io.env);
  const telemetry = await startAppTelemetry(config, "worker", logger);
  const app = createApp(config, { env: io.env, logger, telemetry });
  let worker: Worker | undefined;
  const ops = await startAppOps(app, telemetry, {
    checks: { queue: () => worker?.redis.status === "ready" },
    queueDepth: () => {
      if (!worker) throw new BotError("internal", "the worker has not started");
      return worker.queueDepth();
    },
  });
  try {
    const stopped = untilSignal();
    worker = await startAppWorker(app);
    app.logger.info("started", { role: "worker", concurrency: config.MAX_CONCURRENT_REQUESTS });
    const signal = await stopped;
    app.logger.info("stopping: finishing the running requests", { signal, running: worker.running() });
    await worker.close(config.DRAIN_SECONDS * 1000);
    return 0;
  } finally {
    await ops.close();
    await app.close();
    await telemetry.close();
  }
}

/** `deploy-commands`: one idempotent PUT of the slash commands of commands/, globally or to one server. */
async function deployCommandsCli(args: string[], io: CliIo): Promise<number> {
  parseArgs({ args, options: {} });
  const config = loadConfig(io.env);
  if (!config.DISCORD_TOKEN) {
    throw new BotError("config_invalid", "DISCORD_TOKEN is not set", {
      userMessage:
        "deploy-commands needs DISCORD_TOKEN (the bot token from the Discord Developer Portal, Bot tab) in .env.",
    });
  }
  const result = await deployDiscordCommands({ ...config, DISCORD_TOKEN: config.DISCORD_TOKEN });
  const where =
    result.scope === "guild"
      ? `to server ${config.DISCORD_GUILD_ID} (available now)`
      : "globally (Discord may take up to an hour to show them everywhere)";
  io.stdout(`Registered ${result.names.map((name) => `/${name}`).join(", ")} ${where}.\n`);
  return 0;
}

/** Runs one command; returns the exit code. Errors become one line on stderr, never a stack. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    loadDotEnv(io);
    switch (command) {
      case "ask":
        return await ask(rest, io);
      case "chat":
        return await chat(rest, io);
      case "web":
        return await web(rest, io);
      case "start":
        return await start(rest, io);
      case "models": {
        const config = loadConfig(io.env);
        const app = createApp(config, { env: io.env });
        try {
          io.stdout(`${await listModels(app, rest[0])}\n`);
        } finally {
          await app.close();
        }
        return 0;
      }
      case "deploy-commands":
        return await deployCommandsCli(rest, io);
      case "usage": {
        if (rest.length > 0) throw new UsageError(`usage takes no arguments (got ${rest.join(" ")})`);
        const counts = openUsageCounts(loadConfig(io.env));
        try {
          io.stdout(`${await counts.report(Date.now())}\n`);
        } finally {
          await counts.close();
        }
        return 0;
      }
      case "doctor": {
        const config = loadConfig(io.env);
        const installations = openSlackInstallations(config);
        try {
          const report = await runDoctor(
            config,
            installations ? { slackInstallations: () => installations.list() } : {},
          );
          io.stdout(`${report.text}\n`);
          return report.ok ? 0 : 1;
        } finally {
          await installations?.close();
        }
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.stdout(`${USAGE}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    const secrets = secretValues(io.env);
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`hugginggpt-bot: ${redact(errorSummary(error), secrets)}\n\n${USAGE}\n`);
      return 2;
    }
    const hint =
      isBotError(error) && error.code === "llm_unavailable"
        ? " (hugginggpt-bot doctor checks the setup)"
        : "";
    const line = isBotError(error) ? `${userMessageOf(error)}${hint}` : errorSummary(error);
    io.stderr(`hugginggpt-bot: ${redact(line, secrets)}\n`);
    if (io.env.LOG_LEVEL === "debug" && error instanceof Error)
      io.stderr(`${redact(error.stack ?? "", secrets)}\n`);
    return 1;
  }
}
