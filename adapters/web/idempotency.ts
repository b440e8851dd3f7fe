/**
 * Messages posted with an `Idempotency-Key` header (the page sends one per message it composes, and the
 * same one when it sends that message again after a failure, when it cannot know whether the first
 * post arrived): a repeat of a post already taken gets the first post's response, and the bot never
 * sees the message twice. A repeat that arrives while the first is still being taken waits for it.
 * Remembered in this process; after a restart the bot's own dedupe of event ids (made from the key)
 * still drops the repeat.
 */
import { z } from "zod";
import { KeyedQueue } from "../../src/core/keyed-queue.js";

/** What a client may use as a key: unguessable enough to be unique, and safe in storage keys and logs. */
const KEY = z.string().regex(/^[\w-]{8,128}$/);

/** The header's key; undefined without one; null for a header that is not a usable key. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | undefined | null {
  if (header === undefined) return undefined;
  const parsed = KEY.safeParse(header);
  return parsed.success ? parsed.data : null;
}

export interface PostsOnce<T> {
  /**
   * Runs `take` for the first post of `key` and remembers its result; a repeat gets that result with
   * `repeated: true` instead of running `take`. Without a key, `take` always runs.
   */
  once(key: string | undefined, take: () => Promise<T>): Promise<{ result: T; repeated: boolean }>;
}

/** Remembers the results of the last `limit` keyed posts. */
export function createPostsOnce<T>(limit = 1000): PostsOnce<T> {
  const order = new KeyedQueue();
  const results = new Map<string, T>();
  return {
    async once(key, take) {
      if (key === undefined) return { result: await take(), repeated: false };
      return order.run(key, async () => {
        const earlier = results.get(key);
        if (earlier !== undefined) return { result: earlier, repeated: true };
        const result = await take();
        results.set(key, result);
        // Maps iterate in insertion order: the first key is the oldest.
        if (results.size > limit) results.delete(results.keys().next().value as string);
        return { result, repeated: false };
      });
    },
  };
}
