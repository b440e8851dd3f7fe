import { describe, expect, it } from "vitest";
import { createPostsOnce, idempotencyKeyOf } from "../../../../adapters/web/idempotency.js";

describe("posts with an Idempotency-Key", () => {
  it("takes a key of letters, digits, - and _, and refuses anything else", () => {
    expect(idempotencyKeyOf(undefined)).toBeUndefined();
    expect(idempotencyKeyOf("3f2c9a1e-77b0-4c1e-9d2f-0a4b5c6d7e8f")).toBe(
      "3f2c9a1e-77b0-4c1e-9d2f-0a4b5c6d7e8f",
    );
    expect(idempotencyKeyOf("short")).toBeNull();
    expect(idempotencyKeyOf("has spaces in it")).toBeNull();
    expect(idempotencyKeyOf(["aaaaaaaa", "bbbbbbbb"])).toBeNull();
  });

  it("runs the first post of a key, and answers its repeats, even concurrent ones, with its result", async () => {
    const posts = createPostsOnce<number>();
    let runs = 0;
    const take = async () => {
      runs += 1;
      await new Promise((resolve) => setTimeout(resolve, 10));
      return runs;
    };
    const [first, repeat] = await Promise.all([posts.once("key-aaaa", take), posts.once("key-aaaa", take)]);
    expect(first).toEqual({ result: 1, repeated: false });
    expect(repeat).toEqual({ result: 1, repeated: true });
    expect(await posts.once("key-bbbb", take)).toEqual({ result: 2, repeated: false });
    expect(await posts.once(undefined, take)).toEqual({ result: 3, repeated: false });
    expect(runs).toBe(3);
  });

  it("runs a key again when its first post failed", async () => {
    const posts = createPostsOnce<string>();
    await expect(posts.once("key-cccc", () => Promise.reject(new Error("disk full")))).rejects.toThrow();
    expect(await posts.once("key-cccc", async () => "taken")).toEqual({ result: "taken", repeated: false });
  });

  it("forgets the oldest keys past its limit", async () => {
    const posts = createPostsOnce<string>(2);
    for (const key of ["key-0001", "key-0002", "key-0003"]) await posts.once(key, async () => key);
    expect((await posts.once("key-0001", async () => "again")).repeated).toBe(false);
    expect((await posts.once("key-0003", async () => "again")).repeated).toBe(true);
  });
});
