import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { type Config, loadConfig } from "./config/index.js";
import { runDoctor } from "./doctor.js";
import { BotError, errorSummary, isBotError, userMessageOf } from "./errors.js";
import { createApp, startTerminalChat } from "./main.js";
import { listModels } from "./models-report.js";
import { argValueText } from "./pipeline/arg-value.js";
import { formatSummary, type PipelineResult } from "./pipeline/index.js";
import { inputFromFile } from "./pipeline/inputs.js";
import type { NamedInput } from "./pipeline/types.js";
import { describeResource, resourceFiles } from "./tasks/index.js";

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  cwd: string;
}

const USAGE = `Usage: hugginggpt-bot <command> [options]

Commands:
  start               run the bot: the terminal chat (Discord and Slack adapters come later)
  chat [--out DIR]    the terminal chat: requests with @file attachments, follow-ups, progress
  ask "<request>" [--file PATH]... [--out DIR] [--json]
                      run one request through plan → select → execute → respond
  models [TASK]       candidate models per task and where they run
  doctor              what is configured, what answers, what is missing (with the fix)
  help                this text

Configuration comes from the environment and from .env in the current directory (see .env.example).`;

class UsageError extends Error {}

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
    if (!info?.isFile()) {
      throw new BotError("input_invalid", `no file at ${path}`, { userMessage: `File not found: ${path}` });
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
    inputs.push(inputFromFile(name, new Uint8Array(await readFile(full)), { maxBytes }));
  }
  return inputs;
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
    tasks: result.results.map((task) => ({
      id: task.id,
      task: task.task,
      model: task.model ?? null,
      source: task.source ?? null,
      status: task.status,
      ms: task.ms,
      output: task.output ? describeResource(task.output) : null,
      files: task.output ? resourceFiles(task.output).map((file) => join(outDir, basename(file.name))) : [],
      error: task.error ?? null,
    })),
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
  const inputs = await readInputs(values.file ?? [], io, config);
  const app = createApp(config, { env: io.env });
  try {
    const result = await app.pipeline.run({ text, inputs });
    const outDir = resolve(io.cwd, values.out ?? "out");
    const files = await writeFiles(result, outDir);
    if (values.json) {
      io.stdout(`${JSON.stringify(jsonReport(result, files, outDir))}\n`);
    } else {
      const fileLines = files.length > 0 ? `\n\nFiles:\n${files.map((file) => `  ${file}`).join("\n")}` : "";
      io.stdout(`${result.answer}\n\n${formatSummary(result.summary)}${fileLines}\n`);
    }
    return 0;
  } finally {
    await app.close();
  }
}

/** Runs one command; returns the exit code. Errors become one line on stderr, never a stack. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    loadDotEnv(io);
    switch (command) {
      case "ask":
        return await ask(rest, io);
      case "start":
      case "chat": {
        const { values } = parseArgs({ args: rest, options: { out: { type: "string", short: "o" } } });
        const config = loadConfig(io.env);
        const app = createApp(config, { env: io.env });
        try {
          await startTerminalChat(app, {
            input: process.stdin,
            output: process.stdout,
            cwd: io.cwd,
            outDir: resolve(io.cwd, values.out ?? "out"),
          });
        } finally {
          await app.close();
        }
        return 0;
      }
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
      case "doctor": {
        const config = loadConfig(io.env);
        const report = await runDoctor(config);
        io.stdout(`${report.text}\n`);
        return report.ok ? 0 : 1;
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
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error)) {
      io.stderr(`hugginggpt-bot: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    io.stderr(`hugginggpt-bot: ${isBotError(error) ? userMessageOf(error) : errorSummary(error)}\n`);
    if (io.env.LOG_LEVEL === "debug" && error instanceof Error) io.stderr(`${error.stack ?? ""}\n`);
    return 1;
  }
}
