/**
 * The delivery journal of a job on Redis: what each step of answering posted (a message id), so that
 * a job run again (its worker was killed, or lost its lock while Redis was away) edits the progress
 * message it posted instead of posting another and does not upload files twice. A step is claimed
 * with SET NX before it runs; a second run that finds it claimed waits for its record.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { DeliveryJournal } from "../core/types.js";
import { KEY_PREFIX } from "./redis.js";

/** How long a claimed step may take before another run may try it (one API call, retries included). */
const STEP_CLAIM_MS = 60_000;
/** How long records are kept: longer than any job's life. */
const RECORD_MS = 24 * 3_600_000;
const POLL_MS = 200;

const DONE = "done:";

export function createRedisJournal(redis: Redis, jobId: string): DeliveryJournal {
  const run = randomUUID();
  return {
    async once(step, perform) {
      const key = `${KEY_PREFIX}journal:${jobId}:${step}`;
      const mine = `running:${run}`;
      for (;;) {
        const claimed = await redis.set(key, mine, "PX", STEP_CLAIM_MS, "NX");
        // A claim sent again after a reconnect finds its own first sending: it is this run's.
        if (claimed === "OK" || (await redis.get(key)) === mine) {
          try {
            const value = await perform();
            await redis.set(key, `${DONE}${JSON.stringify(value)}`, "PX", RECORD_MS);
            return value;
          } catch (error) {
            // Not done: a run again may try it.
            await redis.del(key);
            throw error;
          }
        }
        const record = await redis.get(key);
        if (record?.startsWith(DONE))
          return JSON.parse(record.slice(DONE.length)) as Awaited<ReturnType<typeof perform>>;
        // Another run is posting it now, or died posting it: its claim expires, then this one tries.
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
  };
}
