/**
 * Usage and budgets: counts per user and workspace (requests, LLM tokens, hosted model calls and
 * their time, local CPU, file bytes) per UTC day and month, and budgets over them.
 */
export { countersOf, createUsageAccounting, subjectOf, type UsageAccountingOptions } from "./accounting.js";
export { currentPeriods, describeBudgets, usageReport } from "./cli-report.js";
export { type ClosableLedger, lazyUsageLedger } from "./lazy-ledger.js";
export {
  anyBudget,
  applyOverrides,
  type BudgetTable,
  budgetDefaultsFrom,
  describeLimits,
  unlimitedBudgets,
} from "./limits.js";
export { describeReset, formatUntil, periodEnd, periodIdOf } from "./periods.js";
export { describeCounts, refusalMessage, workspaceWord } from "./report.js";
export { createStoredUsageLedger } from "./stored-ledger.js";
export * from "./types.js";
