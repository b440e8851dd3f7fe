import type { SummaryRow } from "../../src/core/types.js";

/**
 * The words a chat platform shows for one summary row: where a task ran, its status, its time.
 * Shared so that Discord's embed fields and Slack's context blocks say the same thing.
 */
const WHERE: Record<string, string> = {
  local: "local",
  endpoint: "local endpoint",
  hosted: "hosted (Hugging Face)",
  llm: "the LLM",
};

const STATUS: Record<SummaryRow["status"], string> = {
  ok: "✅ ok",
  failed: "❌ failed",
  skipped: "⏭️ skipped",
};

export function whereWords(row: SummaryRow): string {
  return row.source ? (WHERE[row.source] ?? row.source) : "not run";
}

export function statusWords(row: SummaryRow): string {
  return STATUS[row.status];
}

export function secondsWords(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
