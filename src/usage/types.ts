/**
 * The vocabulary of usage and budgets: what is counted, for whom, over which period, and the limits.
 * The limits' overrides are the shapes the workspace's settings give (`/settings`).
 */
import { noUsage, type RequestUsage } from "../core/usage.js";
import type { BudgetLimits, BudgetOverrides } from "../workspace-settings/budgets.js";

export type { BudgetLimits, BudgetOverrides };

/** Reads a workspace's overrides, as its admins set them (the settings' `budgetOverrides`). */
export type BudgetOverridesReader = (workspace: {
  platform: string;
  workspace: string;
}) => Promise<BudgetOverrides>;

/** Whose use a counter holds. */
export type Scope = "user" | "workspace";

/** Calendar periods in UTC. */
export type PeriodKind = "day" | "month";

/** What is counted per scope and period: requests, and what they used. Times are whole milliseconds. */
export interface UsageCounts extends RequestUsage {
  requests: number;
}

export const COUNT_FIELDS: readonly (keyof UsageCounts)[] = [
  "requests",
  "promptTokens",
  "completionTokens",
  "hostedCalls",
  "hostedMs",
  "localCpuMs",
  "bytesIn",
  "bytesOut",
];

/** The limited quantities. */
export type BudgetKind = keyof Required<BudgetLimits>;

/** Limits in force for one scope and period: every kind a number, 0 = no limit. */
export type Limits = Record<BudgetKind, number>;

/** One counter: a scope's id (`platform:id`) in one period (`2025-03-14`, `2025-03`). */
export interface Counter {
  scope: Scope;
  /** `discord:123…`, `slack:T…`: the platform in front, so ids of two platforms never meet. */
  id: string;
  period: PeriodKind;
  /** The period's own name: `2025-03-14` for a day, `2025-03` for a month. */
  periodId: string;
}

/** A counter with the limits it is checked against when a request is reserved. */
export interface CheckedCounter extends Counter {
  limits: Limits;
}

/** Which budget refused a request. */
export interface Exceeded {
  counter: Counter;
  kind: BudgetKind;
  limit: number;
  used: number;
}

export type Reservation = { allowed: true; counters: Counter[] } | { allowed: false; exceeded: Exceeded };

/** A counter with what it holds, for reports. */
export interface CounterRow extends Counter {
  counts: UsageCounts;
}

/**
 * Where counts live. One implementation over the bot's storage (atomic within one process: SQLite,
 * or memory in tests), one over Redis (atomic across processes, by Lua scripts: src/scale/).
 */
export interface UsageLedger {
  /**
   * In one atomic step: refuses when any counter has spent one of its limits (requests at the
   * limit, tokens or hosted calls at or past it), else adds one request to every counter.
   */
  reserve(counters: readonly CheckedCounter[]): Promise<Reservation>;
  /** Takes back a reserved request (it was not queued after all). */
  release(counters: readonly Counter[]): Promise<void>;
  /** Adds what a request used to each counter. */
  add(counters: readonly Counter[], used: Partial<UsageCounts>): Promise<void>;
  /** What a counter holds (zeros when it holds nothing). */
  read(counter: Counter): Promise<UsageCounts>;
  /** Every counter of these periods, for the CLI. */
  list(periods: ReadonlyArray<{ period: PeriodKind; periodId: string }>): Promise<CounterRow[]>;
}

export function zeroCounts(): UsageCounts {
  return { requests: 0, ...noUsage() };
}

/** A counter's key, the same in every ledger: `day:2025-03-14:user:discord:42`. */
export function counterKey(counter: Counter): string {
  return `${counter.period}:${counter.periodId}:${counter.scope}:${counter.id}`;
}

/** The counter a key names (undefined for a key of another shape). */
export function counterOfKey(key: string): Counter | undefined {
  const match = /^(day|month):([0-9-]+):(user|workspace):(.+)$/.exec(key);
  if (!match) return undefined;
  return {
    period: match[1] as PeriodKind,
    periodId: match[2] ?? "",
    scope: match[3] as Scope,
    id: match[4] ?? "",
  };
}

/** How long a counter is kept after its period began: a day's a week, a month's a year and a bit. */
export function counterTtlMs(period: PeriodKind): number {
  return period === "day" ? 8 * 86_400_000 : 400 * 86_400_000;
}

/** The LLM tokens of some counts: prompt and completion together. */
export function tokensOf(counts: Pick<UsageCounts, "promptTokens" | "completionTokens">): number {
  return counts.promptTokens + counts.completionTokens;
}

/** How much of a limited kind counts hold. */
export function usedOf(counts: UsageCounts, kind: BudgetKind): number {
  return kind === "requests" ? counts.requests : kind === "llmTokens" ? tokensOf(counts) : counts.hostedCalls;
}

/** Whether counts have spent a limit: requests at it (the next would pass it), tokens and calls at or past it. */
export function spent(counts: UsageCounts, limits: Limits): BudgetKind | undefined {
  for (const kind of ["requests", "llmTokens", "hostedCalls"] as const) {
    if (limits[kind] > 0 && usedOf(counts, kind) >= limits[kind]) return kind;
  }
  return undefined;
}
