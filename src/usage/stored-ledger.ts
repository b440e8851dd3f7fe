/**
 * Counts in a namespace of the bot's storage (a SQLite file, or memory): each counter one entry,
 * read and written under one lock of this process, so a reservation is atomic here. Two processes
 * on one SQLite file (`chat` beside `ask`) are not kept apart by it; bots that share their counts
 * use Redis (src/scale/usage-ledger.ts).
 */
import { KeyedQueue } from "../core/keyed-queue.js";
import type { Storage } from "../storage/index.js";
import {
  COUNT_FIELDS,
  type Counter,
  type CounterRow,
  counterKey,
  counterOfKey,
  counterTtlMs,
  spent,
  type UsageCounts,
  type UsageLedger,
  usedOf,
  zeroCounts,
} from "./types.js";

/** One lock for every counter: a reservation reads and writes up to four of them together. */
const LOCK = "usage";

function parsed(value: unknown): UsageCounts {
  const counts = zeroCounts();
  if (typeof value !== "object" || value === null) return counts;
  for (const field of COUNT_FIELDS) {
    const number = (value as Record<string, unknown>)[field];
    if (typeof number === "number" && Number.isFinite(number)) counts[field] = number;
  }
  return counts;
}

export function createStoredUsageLedger(storage: Storage): UsageLedger {
  // The entries' own TTLs (a week for days, a year and a bit for months) are given on each write.
  const store = storage.namespace<UsageCounts>("usage", counterTtlMs("month"));
  const lock = new KeyedQueue();

  const read = async (counter: Counter) => parsed(await store.get(counterKey(counter)));
  const write = (counter: Counter, counts: UsageCounts) =>
    store.set(counterKey(counter), counts, counterTtlMs(counter.period));

  async function change(counters: readonly Counter[], used: Partial<UsageCounts>): Promise<void> {
    for (const counter of counters) {
      const counts = await read(counter);
      for (const field of COUNT_FIELDS) counts[field] = Math.max(0, counts[field] + (used[field] ?? 0));
      await write(counter, counts);
    }
  }

  return {
    reserve(counters) {
      return lock.run(LOCK, async () => {
        const current = await Promise.all(counters.map(read));
        for (const [index, counter] of counters.entries()) {
          const counts = current[index] ?? zeroCounts();
          const kind = spent(counts, counter.limits);
          if (kind) {
            const { limits: _limits, ...plain } = counter;
            return {
              allowed: false as const,
              exceeded: { counter: plain, kind, limit: counter.limits[kind], used: usedOf(counts, kind) },
            };
          }
        }
        for (const [index, counter] of counters.entries()) {
          const counts = current[index] ?? zeroCounts();
          counts.requests += 1;
          await write(counter, counts);
        }
        return {
          allowed: true as const,
          counters: counters.map(({ limits: _limits, ...plain }) => plain),
        };
      });
    },
    release(counters) {
      return lock.run(LOCK, () => change(counters, { requests: -1 }));
    },
    add(counters, used) {
      return lock.run(LOCK, () => change(counters, used));
    },
    read,
    async list(periods) {
      const rows: CounterRow[] = [];
      for (const key of await storage.keys("usage")) {
        const counter = counterOfKey(key);
        if (!counter) continue;
        if (!periods.some((p) => p.period === counter.period && p.periodId === counter.periodId)) continue;
        const value = await store.get(key);
        if (value !== undefined) rows.push({ ...counter, counts: parsed(value) });
      }
      return rows;
    },
  };
}
