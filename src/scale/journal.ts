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

/** KEYS: the step. ARGV: the claim seen, this run's claim, ms. Takes a claim over if it is unchanged. */
const TAKE_OVER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
`;

/**
 * The journal of one run of a job. `rerun`: BullMQ runs the job again because the run before lost
 * its lock (its worker was killed): a step that run claimed before this one started will never be
 * finished by it, so this run takes it over at once instead of waiting out the claim; a post that run
 * made but did not record before it died is looked for by its marker (`find`) before posting again.
 * Left at least once: what the platform cannot find again by a marker (Slack's file uploads, Discord's
 * interaction follow-ups), for the window of one API call.
 */
export function createRedisJournal(
  redis: Redis,
  jobId: string,
  options: { rerun?: boolean } = {},
): DeliveryJournal {
  const run = randomUUID();
  const startedAt = Date.now();
  return {
    async once(step, perform, find) {
      const key = `${KEY_PREFIX}journal:${jobId}:${step}`;
      const marker = `${jobId}:${step}`;
      const mine = `running:${run}:${startedAt}`;
      for (;;) {
        const claimed = await redis.set(key, mine, "PX", STEP_CLAIM_MS, "NX");
        const holder = claimed === "OK" ? mine : await redis.get(key);
        const abandoned =
          options.rerun === true &&
          holder !== null &&
          holder !== mine &&
          holder.startsWith("running:") &&
          Number(holder.split(":")[2] ?? Number.NaN) < startedAt &&
          Number(await redis.eval(TAKE_OVER, 1, key, holder, mine, STEP_CLAIM_MS)) === 1;
        // A claim sent again after a reconnect finds its own first sending: it is this run's.
        if (holder === mine || abandoned) {
          try {
            // The run before may have posted this step and died before recording it.
            const earlier = options.rerun && find ? await find(marker) : undefined;
            const value = earlier !== undefined ? earlier : await perform(marker);
            await redis.set(key, `${DONE}${JSON.stringify(value)}`, "PX", RECORD_MS);
            return value;
          } catch (error) {
            // Not done: a run again may try it.
            await redis.del(key);
            throw error;
          }
        }
        const record = holder ?? (await redis.get(key));
        if (record?.startsWith(DONE))
          return JSON.parse(record.slice(DONE.length)) as Awaited<ReturnType<typeof perform>>;
        // Another run is posting it now, or died posting it: its claim expires, then this one tries.
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
  };
}
