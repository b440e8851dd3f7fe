/**
 * Redeliveries dropped by their event id: a Slack retry, the `app_mention` and `message` twins of one
 * message, a Discord event replayed after a RESUME. The ledger here keeps ids in storage and in this
 * process (so redeliveries are dropped even while storage is down); the roles use an atomic one on
 * Redis (src/scale/), where two gateways may receive the same event at once.
 */
import type Keyv from "keyv";
import { errorSummary } from "../errors.js";
import type { Logger } from "../log.js";
import type { Clock } from "./clock.js";

export interface DeliveryLedger {
  /** True the first time a key is seen within the ledger's time to live; false for every repeat. */
  firstSight(key: string, log: Logger): Promise<boolean>;
}

/** Event ids remembered in-process too. */
const RECENT_EVENTS_KEPT = 10_000;

/**
 * A ledger over a keyv namespace, read then written: exact within one process (admission runs a
 * thread's messages one at a time), and what storage allows between processes.
 */
export function createStoredLedger(store: Keyv<boolean>, ttlMs: number, clock: Clock): DeliveryLedger {
  /** Event ids seen by this process, with when each may be forgotten (oldest first). */
  const recent = new Map<string, number>();
  return {
    async firstSight(key, log) {
      const now = clock.now();
      const until = recent.get(key);
      if (until !== undefined && until > now) return false;
      // Deleted first so that a re-added id moves to the end: the map stays oldest first.
      recent.delete(key);
      recent.set(key, now + ttlMs);
      if (recent.size > RECENT_EVENTS_KEPT) {
        const oldest = recent.keys().next().value;
        if (oldest !== undefined) recent.delete(oldest);
      }
      try {
        if (await store.get(key)) return false;
        await store.set(key, true);
      } catch (error) {
        log.warn("dedupe storage failed; continuing with this process's memory", {
          error: errorSummary(error),
        });
      }
      return true;
    },
  };
}
