/**
 * The budget numbers a workspace's admins set over the environment's: requests, LLM tokens and
 * hosted model calls, a day and a month, for each user and for the whole workspace. This module only
 * gives them shape; enforcing them (counting use, refusing past a limit) is not done here.
 */
import {
  BUDGET_MEASURES,
  BUDGET_PERIODS,
  BUDGET_SUBJECTS,
  type BudgetMeasure,
  type BudgetPeriod,
  type BudgetSettingName,
  type BudgetSubject,
} from "./fields.js";

/** The limits of one period; a number left out is the environment's. */
export interface BudgetLimits {
  requests?: number;
  llmTokens?: number;
  hostedCalls?: number;
}

/**
 * A workspace's overrides of the environment's budget numbers, as stored by `/settings`. Each number
 * present replaces the environment's for this workspace and keeps its meaning: a count per period
 * (a calendar day or month), where **0 means no limit** (as RATE_LIMIT_REQUESTS=0). A number left out
 * means: the environment's number applies.
 *
 * @example
 * { user: { daily: { requests: 50 }, monthly: {} }, workspace: { daily: {}, monthly: { hostedCalls: 10_000 } } }
 * // each user of the workspace: at most 50 requests a day; the workspace: at most 10,000 hosted calls a
 * // month; every other number as the environment says
 */
export interface BudgetOverrides {
  /** Counted for each user of the workspace separately. */
  user: { daily: BudgetLimits; monthly: BudgetLimits };
  /** Counted for all the workspace's users together. */
  workspace: { daily: BudgetLimits; monthly: BudgetLimits };
}

const MEASURE_KEYS: Record<BudgetMeasure, keyof BudgetLimits> = {
  requests: "requests",
  "llm-tokens": "llmTokens",
  "hosted-calls": "hostedCalls",
};

/** Overrides without any number: the environment's budgets apply unchanged. */
export function noBudgetOverrides(): BudgetOverrides {
  return { user: { daily: {}, monthly: {} }, workspace: { daily: {}, monthly: {} } };
}

/** The overrides from the stored budget settings by name (`user-daily-requests` → `user.daily.requests`). */
export function budgetOverridesOf(values: Partial<Record<BudgetSettingName, number>>): BudgetOverrides {
  const overrides = noBudgetOverrides();
  for (const subject of BUDGET_SUBJECTS as readonly BudgetSubject[]) {
    for (const period of BUDGET_PERIODS as readonly BudgetPeriod[]) {
      for (const measure of BUDGET_MEASURES) {
        const value = values[`${subject}-${period}-${measure}`];
        if (value !== undefined) overrides[subject][period][MEASURE_KEYS[measure]] = value;
      }
    }
  }
  return overrides;
}
