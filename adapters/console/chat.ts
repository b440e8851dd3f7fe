import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import type { Readable, Writable } from "node:stream";
import { userMessageOf } from "../../src/errors.js";
import type { App } from "../../src/main.js";
import { formatSummary, type PipelineEvent } from "../../src/pipeline/index.js";
import { inputFromFile } from "../../src/pipeline/inputs.js";
import type { NamedInput } from "../../src/pipeline/types.js";
import { resourceFiles } from "../../src/tasks/index.js";
import { ConsoleSession } from "./session.js";

export interface ConsoleChatOptions {
  input: Readable;
  output: Writable;
  cwd: string;
  outDir: string;
}

const HELP = `Type a request and press Enter. Attach files with @path (e.g. "what is in this photo? @dog.jpg").
Commands: /forget clears the conversation, /help shows this, /quit leaves (or Ctrl-D).`;

function progressLine(event: PipelineEvent): string | undefined {
  switch (event.type) {
    case "plan":
      return event.plan.tasks.length === 0
        ? "  plan: no model needed"
        : `  plan: ${event.plan.tasks.map((task) => `${task.id}.${task.task}${task.dep.length > 0 ? `←${task.dep.join(",")}` : ""}`).join("  ")}`;
    case "task-start":
      return `  ▶ ${event.id}. ${event.task} on ${event.model} [${event.source}]`;
    case "task-end":
      return event.result.status === "ok"
        ? `  ✓ ${event.result.id}. ${event.result.task} (${(event.result.ms / 1000).toFixed(1)} s)`
        : `  ✗ ${event.result.id}. ${event.result.task}: ${event.result.error ?? event.result.status}`;
    default:
      return undefined;
  }
}

/** Splits "describe @a.jpg and @b.wav" into the request text and the attached paths. */
export function parseChatLine(line: string): { text: string; paths: string[] } {
  const paths: string[] = [];
  const text = line
    .replace(/(^|\s)@("([^"]+)"|(\S+))/g, (_match, space: string, _token, quoted?: string, bare?: string) => {
      paths.push(quoted ?? bare ?? "");
      return space;
    })
    .replace(/\s+/g, " ")
    .trim();
  return { text, paths };
}

/**
 * The terminal chat: one conversation on the pipeline, with progress lines, answers, summaries,
 * result files written to disk, and follow-ups that can use earlier results.
 */
export async function runConsoleChat(app: App, options: ConsoleChatOptions): Promise<void> {
  const write = (text: string) => options.output.write(`${text}\n`);
  const session = new ConsoleSession();
  const maxBytes = app.config.MAX_FILE_MB * 1024 * 1024;
  const lines = createInterface({ input: options.input, output: options.output, terminal: false });
  write(`hugginggpt-bot — ${HELP}`);
  if (!app.llm) {
    write(
      "Note: no language model is configured, so requests cannot be planned yet. Set OPENAI_API_KEY (or OPENAI_BASE_URL and LLM_MODEL for a local server such as Ollama) in .env.",
    );
  }
  for await (const raw of lines) {
    const line = raw.trim();
    if (line === "") continue;
    if (line === "/quit" || line === "/exit") break;
    if (line === "/help") {
      write(HELP);
      continue;
    }
    if (line === "/forget" || line === "forget") {
      session.forget();
      write("Forgotten: this conversation starts afresh.");
      continue;
    }
    const { text, paths } = parseChatLine(line);
    try {
      const attachments: NamedInput[] = [];
      for (const path of paths) {
        const bytes = await readFile(resolve(options.cwd, path)).catch(() => undefined);
        if (!bytes) throw new Error(`File not found: ${path}`);
        attachments.push(inputFromFile(basename(path), new Uint8Array(bytes), { maxBytes }));
      }
      const result = await app.pipeline.run({
        text: text || "Describe the attached files.",
        inputs: [...attachments, ...session.earlierResults],
        history: session.history,
        onEvent: (event) => {
          const progress = progressLine(event);
          if (progress) write(progress);
        },
      });
      const files = result.results.flatMap((task) => (task.output ? resourceFiles(task.output) : []));
      const written: string[] = [];
      if (files.length > 0) await mkdir(options.outDir, { recursive: true });
      for (const file of files) {
        const path = join(options.outDir, basename(file.name));
        await writeFile(path, file.bytes);
        written.push(path);
      }
      session.remember(text, attachments, result);
      write(`\n${result.answer}\n`);
      write(formatSummary(result.summary));
      if (written.length > 0) write(`Files:\n${written.map((path) => `  ${path}`).join("\n")}`);
      write("");
    } catch (error) {
      write(
        `Sorry: ${error instanceof Error && error.message.startsWith("File not found") ? error.message : userMessageOf(error)}\n`,
      );
      app.logger.warn("request failed", { error });
    }
  }
  lines.close();
}
