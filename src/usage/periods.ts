/**
 * Budget periods are calendar days and months in UTC: everyone's day ends at the same moment, which
 * a message can name ("it resets at 00:00 UTC"), whatever the user's time zone.
 */
import type { PeriodKind } from "./types.js";

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** The period's own name at a time: `2025-03-14` for a day, `2025-03` for a month. */
export function periodIdOf(period: PeriodKind, at: number): string {
  const iso = new Date(at).toISOString();
  return period === "day" ? iso.slice(0, 10) : iso.slice(0, 7);
}

/** When the period that holds `at` ends: the next 00:00 UTC, or the first of the next month. */
export function periodEnd(period: PeriodKind, at: number): number {
  const date = new Date(at);
  return period === "day"
    ? Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1)
    : Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

/**
 * "3 h 12 min", "45 min", "12 days 3 h": a time until something, rounded up to the minute so that a
 * user who waits that long finds it done.
 */
export function formatUntil(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours < 24) return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
  const days = Math.floor(hours / 24);
  const hoursLeft = (hours % 24) + (rest > 0 ? 1 : 0);
  const dayWord = `${days} ${days === 1 ? "day" : "days"}`;
  // Rounded up to the hour past a day: minutes no longer matter to someone waiting days.
  if (hoursLeft === 24) return `${days + 1} days`;
  return hoursLeft === 0 ? dayWord : `${dayWord} ${hoursLeft} h`;
}

/** "at 00:00 UTC, in 3 h 12 min" / "on 1 April at 00:00 UTC, in 12 days 3 h": when a period's budget resets. */
export function describeReset(period: PeriodKind, at: number): string {
  const end = periodEnd(period, at);
  const until = formatUntil(end - at);
  if (period === "day") return `at 00:00 UTC, in ${until}`;
  return `on 1 ${MONTHS[new Date(end).getUTCMonth()]} at 00:00 UTC, in ${until}`;
}

/** "today", "this month". */
export function periodWords(period: PeriodKind): string {
  return period === "day" ? "today" : "this month";
}
