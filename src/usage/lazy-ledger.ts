/**
 * A ledger whose implementation is loaded on first use: the Redis one brings ioredis, which a bot on
 * SQLite never loads (main.ts passes the import).
 */
import type { UsageLedger } from "./types.js";

export type ClosableLedger = UsageLedger & { close(): Promise<void> };

export function lazyUsageLedger(load: () => Promise<ClosableLedger>): ClosableLedger {
  let loading: Promise<ClosableLedger> | undefined;
  const ledger = () => {
    loading ??= load();
    return loading;
  };
  return {
    reserve: async (counters) => (await ledger()).reserve(counters),
    release: async (counters) => (await ledger()).release(counters),
    add: async (counters, used) => (await ledger()).add(counters, used),
    read: async (counter) => (await ledger()).read(counter),
    list: async (periods) => (await ledger()).list(periods),
    async close() {
      if (loading) await (await loading).close();
    },
  };
}
