/**
 * The budgets in force: the environment's (BUDGET_*), replaced kind by kind by a workspace's
 * overrides from its settings.
 */
import type { Config } from "../config/index.js";
import type { BudgetKind, BudgetLimits, BudgetOverrides, Limits, PeriodKind, Scope } from "./types.js";

/** Limits for every scope and period: every kind a number, 0 = no limit. */
export type BudgetTable = Record<Scope, Record<PeriodKind, Limits>>;

const NO_LIMITS: Limits = { requests: 0, llmTokens: 0, hostedCalls: 0 };

/** The environment's budgets. Users have no hosted-call budget of the environment's; overrides may give one. */
export function budgetDefaultsFrom(config: Config): BudgetTable {
  return {
    user: {
      day: {
        requests: config.BUDGET_USER_DAILY_REQUESTS,
        llmTokens: config.BUDGET_USER_DAILY_TOKENS,
        hostedCalls: 0,
      },
      month: {
        requests: config.BUDGET_USER_MONTHLY_REQUESTS,
        llmTokens: config.BUDGET_USER_MONTHLY_TOKENS,
        hostedCalls: 0,
      },
    },
    workspace: {
      day: {
        requests: config.BUDGET_WORKSPACE_DAILY_REQUESTS,
        llmTokens: config.BUDGET_WORKSPACE_DAILY_TOKENS,
        hostedCalls: config.BUDGET_WORKSPACE_DAILY_HOSTED_CALLS,
      },
      month: {
        requests: config.BUDGET_WORKSPACE_MONTHLY_REQUESTS,
        llmTokens: config.BUDGET_WORKSPACE_MONTHLY_TOKENS,
        hostedCalls: config.BUDGET_WORKSPACE_MONTHLY_HOSTED_CALLS,
      },
    },
  };
}

/** No budget at all. */
export function unlimitedBudgets(): BudgetTable {
  return {
    user: { day: { ...NO_LIMITS }, month: { ...NO_LIMITS } },
    workspace: { day: { ...NO_LIMITS }, month: { ...NO_LIMITS } },
  };
}

function overridden(base: Limits, override: BudgetLimits | undefined): Limits {
  const limits = { ...base };
  for (const kind of Object.keys(limits) as BudgetKind[]) {
    const value = override?.[kind];
    // A negative or fractional number never comes from validated settings; it is read as "keep the default".
    if (typeof value === "number" && Number.isInteger(value) && value >= 0) limits[kind] = value;
  }
  return limits;
}

/** The defaults with a workspace's overrides: a number present replaces the default, 0 = no limit. */
export function applyOverrides(defaults: BudgetTable, overrides: BudgetOverrides | undefined): BudgetTable {
  return {
    user: {
      day: overridden(defaults.user.day, overrides?.user.daily),
      month: overridden(defaults.user.month, overrides?.user.monthly),
    },
    workspace: {
      day: overridden(defaults.workspace.day, overrides?.workspace.daily),
      month: overridden(defaults.workspace.month, overrides?.workspace.monthly),
    },
  };
}

/** Whether any budget is set. */
export function anyBudget(table: BudgetTable): boolean {
  return (["user", "workspace"] as const).some((scope) =>
    (["day", "month"] as const).some((period) =>
      Object.values(table[scope][period]).some((limit) => limit > 0),
    ),
  );
}

const KIND_WORDS: Record<BudgetKind, [string, string]> = {
  requests: ["request", "requests"],
  llmTokens: ["LLM token", "LLM tokens"],
  hostedCalls: ["hosted model call", "hosted model calls"],
};

/** "20 requests", "1 LLM token", "50,000 LLM tokens". */
export function describeAmount(kind: BudgetKind, amount: number): string {
  const [one, many] = KIND_WORDS[kind];
  return `${amount.toLocaleString("en-US")} ${amount === 1 ? one : many}`;
}

/** "20 requests and 50,000 LLM tokens a day": the limits of one scope and period, or undefined for none. */
export function describeLimits(limits: Limits): string | undefined {
  const parts = (Object.keys(limits) as BudgetKind[])
    .filter((kind) => limits[kind] > 0)
    .map((kind) => describeAmount(kind, limits[kind]));
  return parts.length === 0 ? undefined : parts.join(", ");
}
