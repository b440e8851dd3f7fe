/**
 * Usage in words: the refusal of a request over budget, the `usage` command's lines, the CLI's table.
 */
import type { Platform } from "../core/types.js";
import { describeSize } from "../text.js";
import { describeAmount } from "./limits.js";
import { describeReset, periodWords } from "./periods.js";
import { type Exceeded, type Limits, type PeriodKind, tokensOf, type UsageCounts } from "./types.js";

/** What a workspace is called on its platform. */
export function workspaceWord(platform: Platform | string): string {
  return platform === "discord" ? "server" : "workspace";
}

/**
 * The notice of a refused request: which budget, and when it resets.
 *
 * @example
 * "You have used your 20 requests for today; it resets at 00:00 UTC, in 3 h 12 min."
 * "This server has used its 50,000 LLM tokens for this month (50,213 used); it resets on 1 April at 00:00 UTC, in 12 days 3 h."
 */
export function refusalMessage(exceeded: Exceeded, platform: Platform | string, at: number): string {
  const { counter, kind, limit, used } = exceeded;
  const amount = describeAmount(kind, limit);
  const over = kind !== "requests" && used > limit ? ` (${used.toLocaleString("en-US")} used)` : "";
  const who =
    counter.scope === "user"
      ? `You have used your ${amount}`
      : `This ${workspaceWord(platform)} has used its ${amount}`;
  return `${who} for ${periodWords(counter.period)}${over}; it resets ${describeReset(counter.period, at)}.`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

function number(value: number): string {
  return value.toLocaleString("en-US");
}

function ofLimit(limit: number | undefined): string {
  return limit !== undefined && limit > 0 ? ` of ${number(limit)}` : "";
}

/**
 * "3 requests of 20 · 1,234 LLM tokens (1,000 prompt, 234 completion) · 2 hosted model calls (4.1 s) ·
 * local CPU 1.2 s · files 1.2 MB in, 300 bytes out": what counts hold, against their limits.
 */
export function describeCounts(counts: UsageCounts, limits?: Limits): string {
  const tokens = tokensOf(counts);
  const parts = [
    `${number(counts.requests)} ${counts.requests === 1 ? "request" : "requests"}${ofLimit(limits?.requests)}`,
    `${number(tokens)} LLM tokens${ofLimit(limits?.llmTokens)}${
      tokens > 0
        ? ` (${number(counts.promptTokens)} prompt, ${number(counts.completionTokens)} completion)`
        : ""
    }`,
    `${number(counts.hostedCalls)} hosted model ${counts.hostedCalls === 1 ? "call" : "calls"}${ofLimit(limits?.hostedCalls)}${
      counts.hostedMs > 0 ? ` (${seconds(counts.hostedMs)})` : ""
    }`,
    `local CPU ${seconds(counts.localCpuMs)}`,
    `files ${describeSize(counts.bytesIn)} in, ${describeSize(counts.bytesOut)} out`,
  ];
  return parts.join(" · ");
}

/** One period's line of the `usage` command: "Today: … (resets at 00:00 UTC, in 3 h 12 min)". */
export function periodLine(period: PeriodKind, counts: UsageCounts, limits: Limits, at: number): string {
  const label = period === "day" ? "Today" : "This month";
  const limited = Object.values(limits).some((limit) => limit > 0);
  return `${label}: ${describeCounts(counts, limits)}${limited ? ` (resets ${describeReset(period, at)})` : ""}`;
}
