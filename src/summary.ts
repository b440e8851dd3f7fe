/**
 * The summary of a request: which task ran on which model, where, how long, and how it ended. The
 * pipeline writes it, core's `Reply` carries it, and every platform renders it. It lives on the ground
 * floor (it imports only the task names) because the pipeline must not import core and adapters must
 * not import the pipeline: both meet here. Core re-exports the types (src/core/types.ts), so adapters
 * name them as core's vocabulary.
 */
import type { TaskName } from "./tasks/index.js";

/**
 * Where a task ran, as the summary reports it: on this machine (`local`), on the operator's own model
 * server (`endpoint`, LOCAL_INFERENCE_ENDPOINT), on Hugging Face (`hosted`), or by the chat LLM.
 */
export type ExpertSource = "local" | "endpoint" | "hosted" | "llm";

/** How a task ended: it ran, it failed (every candidate tried), or it was skipped (a dependency failed). */
export type TaskStatus = "ok" | "failed" | "skipped";

/** One task of the summary. */
export interface SummaryRow {
  id: number;
  task: TaskName;
  model: string | null;
  source: ExpertSource | null;
  ms: number;
  status: TaskStatus;
  error?: string;
}

/** The deterministic summary attached to every answer. */
export interface Summary {
  planner: string;
  catalog: "hub" | "builtin" | "mixed" | "none";
  tasks: SummaryRow[];
  totalMs: number;
  notes: string[];
}

/** The summary as plain text for terminals and logs. */
export function formatSummary(summary: Summary): string {
  const lines = summary.tasks.map((row) => {
    const where = row.model ? `${row.model} [${row.source}]` : "no model";
    const status = row.status === "ok" ? "ok" : `${row.status}: ${row.error ?? ""}`;
    return `  ${row.id}. ${row.task} — ${where} — ${(row.ms / 1000).toFixed(1)} s — ${status}`;
  });
  const header = `Tasks (planner: ${summary.planner}; models: ${catalogLabel(summary.catalog)}; total ${(summary.totalMs / 1000).toFixed(1)} s)`;
  const notes = summary.notes.map((note) => `  note: ${note}`);
  return [header, ...(lines.length > 0 ? lines : ["  (no task was needed)"]), ...notes].join("\n");
}

/** Where the candidate models came from, in words for summaries. */
export function catalogLabel(catalog: Summary["catalog"]): string {
  switch (catalog) {
    case "hub":
      return "live Hub listing";
    case "builtin":
      return "built-in list";
    case "mixed":
      return "Hub listing and built-in list";
    case "none":
      return "no listing needed";
  }
}
