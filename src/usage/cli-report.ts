/**
 * `hugginggpt-bot usage` and `doctor`'s line: every counter of today and this month, and the budgets
 * in force, in words.
 */
import { type BudgetTable, describeLimits } from "./limits.js";
import { periodIdOf } from "./periods.js";
import { describeCounts } from "./report.js";
import type { CounterRow, PeriodKind, Scope, UsageLedger } from "./types.js";

const SCOPES: ReadonlyArray<readonly [Scope, string]> = [
  ["workspace", "Workspaces (Discord servers, Slack workspaces)"],
  ["user", "Users"],
];

/** Today's and this month's period ids at a time. */
export function currentPeriods(at: number): Array<{ period: PeriodKind; periodId: string }> {
  return [
    { period: "day", periodId: periodIdOf("day", at) },
    { period: "month", periodId: periodIdOf("month", at) },
  ];
}

/** The whole report: per workspace and per user, today and this month, against the environment's budgets. */
export async function usageReport(ledger: UsageLedger, budgets: BudgetTable, at: number): Promise<string> {
  const [day, month] = currentPeriods(at);
  const rows = await ledger.list(currentPeriods(at));
  const lines = [
    `Usage today (${day?.periodId}, UTC) and this month (${month?.periodId}), limits as the environment sets them (a workspace's settings may change its own):`,
  ];
  for (const [scope, title] of SCOPES) {
    const mine = rows.filter((row) => row.scope === scope);
    const ids = [...new Set(mine.map((row) => row.id))].sort();
    lines.push("", `${title}: ${ids.length === 0 ? "none" : ids.length}`);
    for (const id of ids) {
      lines.push(`  ${id}`);
      for (const period of ["day", "month"] as const) {
        const row: CounterRow | undefined = mine.find((item) => item.id === id && item.period === period);
        if (!row) continue;
        lines.push(
          `    ${period === "day" ? "today" : "this month"}: ${describeCounts(row.counts, budgets[scope][period])}`,
        );
      }
    }
  }
  return lines.join("\n");
}

/** The budgets in force, in one line for `doctor`. */
export function describeBudgets(budgets: BudgetTable): string {
  const parts: string[] = [];
  for (const [scope, noun] of [
    ["user", "each user"],
    ["workspace", "each workspace"],
  ] as const) {
    for (const [period, words] of [
      ["day", "a day"],
      ["month", "a month"],
    ] as const) {
      const limits = describeLimits(budgets[scope][period]);
      if (limits) parts.push(`${noun}: ${limits} ${words}`);
    }
  }
  return parts.length === 0
    ? "none set: usage is counted, nothing is limited (set BUDGET_* to limit it)"
    : `${parts.join("; ")} (UTC days and months; a workspace's settings may change its own)`;
}
