/**
 * Usage counts in Redis, shared by every process of the bot: each counter a hash
 * (`hgb:usage:day:2025-03-14:user:discord:42` → requests, promptTokens, …). A reservation is one Lua
 * script, so checking the budgets and counting the request is one step for Redis: two processes
 * cannot both take a user's last request.
 */
import type { Redis } from "ioredis";
import {
  COUNT_FIELDS,
  type Counter,
  type CounterRow,
  counterKey,
  counterOfKey,
  counterTtlMs,
  type UsageCounts,
  type UsageLedger,
  zeroCounts,
} from "../usage/types.js";
import { connectRedis, KEY_PREFIX } from "./redis.js";

/**
 * KEYS: the counters. ARGV per counter, four each: its TTL (ms), then its limits of requests, LLM
 * tokens and hosted calls (0: none). Returns {0} when the request was counted in every counter, or
 * {index (1-based), kind, used} of the first spent budget, and then counts nothing.
 */
const RESERVE = `
local function field(key, name)
  return tonumber(redis.call('HGET', key, name) or '0') or 0
end
for i = 1, #KEYS do
  local base = (i - 1) * 4
  local requests = tonumber(ARGV[base + 2])
  local tokens = tonumber(ARGV[base + 3])
  local hosted = tonumber(ARGV[base + 4])
  if requests > 0 then
    local used = field(KEYS[i], 'requests')
    if used >= requests then return {i, 'requests', used} end
  end
  if tokens > 0 then
    local used = field(KEYS[i], 'promptTokens') + field(KEYS[i], 'completionTokens')
    if used >= tokens then return {i, 'llmTokens', used} end
  end
  if hosted > 0 then
    local used = field(KEYS[i], 'hostedCalls')
    if used >= hosted then return {i, 'hostedCalls', used} end
  end
end
for i = 1, #KEYS do
  redis.call('HINCRBY', KEYS[i], 'requests', 1)
  redis.call('PEXPIRE', KEYS[i], ARGV[(i - 1) * 4 + 1])
end
return {0}
`;

export interface RedisUsageLedgerOptions {
  /** Key prefix (default `hgb:usage:`): tests that share a Redis give each their own. */
  prefix?: string;
}

function countsOf(hash: Record<string, string>): UsageCounts {
  const counts = zeroCounts();
  for (const field of COUNT_FIELDS) {
    const value = Number(hash[field] ?? 0);
    counts[field] = Number.isFinite(value) ? Math.max(0, value) : 0;
  }
  return counts;
}

/** The ledger on a Redis connection (a gateway's, a worker's, or one of its own for `start`). */
export function createRedisUsageLedger(redis: Redis, options: RedisUsageLedgerOptions = {}): UsageLedger {
  const prefix = options.prefix ?? `${KEY_PREFIX}usage:`;
  const keyOf = (counter: Counter) => `${prefix}${counterKey(counter)}`;

  async function change(counters: readonly Counter[], used: Partial<UsageCounts>): Promise<void> {
    const multi = redis.multi();
    let any = false;
    for (const counter of counters) {
      for (const field of COUNT_FIELDS) {
        const amount = Math.round(used[field] ?? 0);
        if (amount === 0) continue;
        multi.hincrby(keyOf(counter), field, amount);
        any = true;
      }
      multi.pexpire(keyOf(counter), counterTtlMs(counter.period));
    }
    if (any) await multi.exec();
    else multi.discard();
  }

  return {
    async reserve(counters) {
      const args = counters.flatMap((counter) => [
        counterTtlMs(counter.period),
        counter.limits.requests,
        counter.limits.llmTokens,
        counter.limits.hostedCalls,
      ]);
      const answer = (await redis.eval(RESERVE, counters.length, ...counters.map(keyOf), ...args)) as Array<
        number | string
      >;
      const index = Number(answer[0]);
      const plain = counters.map(({ limits: _limits, ...counter }) => counter);
      if (index === 0) return { allowed: true, counters: plain };
      const checked = counters[index - 1];
      const kind = answer[1] as "requests" | "llmTokens" | "hostedCalls";
      if (!checked) throw new Error(`the reserve script named counter ${index} of ${counters.length}`);
      const { limits, ...counter } = checked;
      return { allowed: false, exceeded: { counter, kind, limit: limits[kind], used: Number(answer[2]) } };
    },
    release: (counters) => change(counters, { requests: -1 }),
    add: change,
    async read(counter) {
      return countsOf(await redis.hgetall(keyOf(counter)));
    },
    async list(periods) {
      const rows: CounterRow[] = [];
      for (const { period, periodId } of periods) {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(
            cursor,
            "MATCH",
            `${prefix}${period}:${periodId}:*`,
            "COUNT",
            500,
          );
          cursor = next;
          for (const key of keys) {
            const counter = counterOfKey(key.slice(prefix.length));
            if (counter) rows.push({ ...counter, counts: countsOf(await redis.hgetall(key)) });
          }
        } while (cursor !== "0");
      }
      return rows;
    },
  };
}

/**
 * A ledger on a connection of its own, for `start` with REDIS_URL (the roles use theirs): processes
 * sharing one Redis share their counts. Its calls fail at once while Redis is down (the accounting
 * then lets requests through, logged), and it reconnects by itself.
 */
export function connectRedisUsageLedger(
  url: string,
  options: RedisUsageLedgerOptions = {},
): UsageLedger & { close(): Promise<void> } {
  const redis = connectRedis(url, "fail-fast", "usage");
  // Errors surface from the calls; the connection's own events would otherwise be unhandled.
  redis.on("error", () => undefined);
  // The first calls wait for the first connection (or its first failure); later ones fail at once while Redis is down.
  const opened = new Promise<void>((resolve) => {
    redis.once("ready", () => resolve());
    redis.once("error", () => resolve());
  });
  const ledger = createRedisUsageLedger(redis, options);
  return {
    reserve: async (counters) => opened.then(() => ledger.reserve(counters)),
    release: async (counters) => opened.then(() => ledger.release(counters)),
    add: async (counters, used) => opened.then(() => ledger.add(counters, used)),
    read: async (counter) => opened.then(() => ledger.read(counter)),
    list: async (periods) => opened.then(() => ledger.list(periods)),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
