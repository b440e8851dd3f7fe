/**
 * The `models [TASK]` report: where each task can run in this setup and the candidates stage 2 would
 * try, for the `models` command and the CLI.
 */
import { BotError } from "../errors.js";
import type { LocalBackend } from "../experts/local/index.js";
import type { LlmClient } from "../llm/types.js";
import { describeCompetence } from "../models/competence.js";
import { resolveTaskName, TASK_NAMES, TASKS, type TaskName } from "../tasks/index.js";
import { candidatesFor, noModelReason, type SelectDependencies } from "./select.js";

/** What the report reads: the pipeline's catalog, backends and settings, and this machine's experts. */
export interface ModelsReportSources extends Omit<SelectDependencies, "llm"> {
  llm: LlmClient | undefined;
  /** This machine's experts (absent in hosted mode): the ones that cannot run here are listed with why. */
  local: Pick<LocalBackend, "status"> | undefined;
}

function formatDownloads(downloads: number): string {
  if (downloads >= 1_000_000) return `${(downloads / 1_000_000).toFixed(1)}M`;
  if (downloads >= 1_000) return `${Math.round(downloads / 1_000)}k`;
  return String(downloads);
}

/**
 * Where a task can run in this setup, and its candidates in the order stage 2 would try them: the
 * same `candidatesFor` the pipeline uses, so the listing cannot drift from what a request does.
 */
async function describeTask(sources: ModelsReportSources, task: TaskName): Promise<string> {
  const spec = TASKS.get(task)!;
  const lines = [`${task} — ${spec.description}`];
  const { candidates, note } = await candidatesFor(
    task,
    {
      catalog: sources.catalog,
      backends: sources.backends,
      settings: sources.settings,
      ...(sources.llm ? { llm: sources.llm } : {}),
    },
    undefined,
  );
  for (const { model, source } of candidates) {
    const downloads = source === "local" ? "" : ` — ${formatDownloads(model.downloads)} downloads`;
    const limits = describeCompetence(model.competence);
    const rank = `tier ${model.rank?.tier ?? 3}${limits ? `; ${limits}` : ""}`;
    lines.push(`  ${`[${source}]`.padEnd(10)} ${model.id}${downloads} — ${model.description} (${rank})`);
  }
  if (candidates.length === 0) lines.push(`  (${noModelReason(task, sources)})`);
  // The local experts that could serve this task but cannot run here, and how to add them.
  for (const expert of (await sources.local?.status()) ?? []) {
    if (expert.task !== task || expert.availability.available) continue;
    const { reason, howToAdd } = expert.availability;
    lines.push(
      `  ${"[local]".padEnd(10)} ${expert.model} — not available: ${reason} (to add it: ${howToAdd})`,
    );
  }
  if (note) lines.push(`  note: ${note}`);
  return lines.join("\n");
}

/** The `models [TASK]` command's text: one task, or every task. */
export async function listModels(
  sources: ModelsReportSources,
  taskName: string | undefined,
): Promise<string> {
  if (taskName) {
    const task = resolveTaskName(taskName);
    if (!task) {
      throw new BotError("input_invalid", `unknown task ${taskName}`, {
        userMessage: `Unknown task "${taskName}". Known tasks: ${TASK_NAMES.join(", ")}.`,
      });
    }
    return describeTask(sources, task);
  }
  const blocks = await Promise.all(TASK_NAMES.map((task) => describeTask(sources, task)));
  return blocks.join("\n\n");
}
