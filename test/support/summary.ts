import type { Summary, SummaryRow } from "../../src/core/types.js";

/** A summary row of a task that ran fine on a hosted detector, with what a test overrides. */
export function summaryRow(id: number, overrides: Partial<SummaryRow> = {}): SummaryRow {
  return {
    id,
    task: "object-detection",
    model: "facebook/detr-resnet-50",
    source: "hosted",
    ms: 1234,
    status: "ok",
    ...overrides,
  };
}

export function summaryOf(tasks: SummaryRow[], notes: string[] = []): Summary {
  return { planner: "gpt-4o-mini", catalog: "builtin", tasks, totalMs: 4321, notes };
}
