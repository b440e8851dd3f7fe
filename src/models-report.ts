import { BotError } from "./errors.js";
import type { App } from "./main.js";
import { resolveTaskName, TASK_NAMES, TASKS, type TaskName } from "./tasks/index.js";

function formatDownloads(downloads: number): string {
  if (downloads >= 1_000_000) return `${(downloads / 1_000_000).toFixed(1)}M`;
  if (downloads >= 1_000) return `${Math.round(downloads / 1_000)}k`;
  return String(downloads);
}

/** Where a task can run in this setup, and its candidates ranked as stage 2 would see them. */
async function describeTask(app: App, task: TaskName): Promise<string> {
  const { config, backends } = app;
  const spec = TASKS.get(task)!;
  const lines = [`${task} — ${spec.description}`];
  if (config.LLM_TEXT_TASKS && spec.textOnly && app.llm) {
    lines.push(`  [llm]    ${app.llm.model} (LLM_TEXT_TASKS=true: the LLM answers this task)`);
    return lines.join("\n");
  }
  const local = config.INFERENCE_MODE !== "hosted" ? backends.local : undefined;
  for (const model of local?.supports(task) ? (local.models?.(task) ?? []) : []) {
    lines.push(`  [local]  ${model.id} — ${model.description}`);
  }
  if (config.INFERENCE_MODE === "local") {
    if (lines.length === 1) lines.push("  (no local expert; INFERENCE_MODE=local forbids hosted models)");
    return lines.join("\n");
  }
  const listing = await app.catalog.list(task, { limit: config.MODEL_CANDIDATES });
  for (const model of listing.models) {
    lines.push(
      `  [hosted] ${model.id} — ${formatDownloads(model.downloads)} downloads — ${model.description}`,
    );
  }
  if (listing.note) lines.push(`  note: ${listing.note}`);
  return lines.join("\n");
}

/** The `models [TASK]` command's text. */
export async function listModels(app: App, taskName: string | undefined): Promise<string> {
  if (taskName) {
    const task = resolveTaskName(taskName);
    if (!task) {
      throw new BotError("input_invalid", `unknown task ${taskName}`, {
        userMessage: `Unknown task "${taskName}". Known tasks: ${TASK_NAMES.join(", ")}.`,
      });
    }
    return describeTask(app, task);
  }
  const blocks = await Promise.all(TASK_NAMES.map((task) => describeTask(app, task)));
  return blocks.join("\n\n");
}
