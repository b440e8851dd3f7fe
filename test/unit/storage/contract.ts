/**
 * The storage contract every backend keeps (memory, SQLite, Redis): run by memory.test.ts,
 * sqlite.test.ts and test/integration/storage-redis.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ManagedStorage } from "../../../src/storage/index.js";

export interface ContractTarget {
  /** Whether values outlive the storage object (SQLite, Redis). */
  persistent: boolean;
  /** A fresh storage; `reopen` (when the backend persists) opens another one on the same data. */
  open(): Promise<{ storage: ManagedStorage; reopen?: () => Promise<ManagedStorage> }>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const ROUND_TRIP_VALUES: Array<[string, unknown]> = [
  ["a plain string", "hello"],
  ["an empty string", ""],
  ["a string with unicode and newlines", "Grüße, 世界 🎉\nline two\ttab"],
  ["a string that looks like keyv's encodings", ":base64:aGVsbG8="],
  ["a string that starts with colons", "::two colons"],
  ["a string of JSON", '{"value":1,"expires":2}'],
  ["a long string", "x".repeat(200_000)],
  ["zero", 0],
  ["a negative float", -12.5],
  ["true", true],
  ["false", false],
  ["null", null],
  ["an empty object", {}],
  ["an array of mixed values", [1, "two", null, { three: [3] }]],
  [
    "a nested object",
    {
      turns: [
        { user: "make a picture of a cat", attachments: ["cat.png"], results: [{ task: 1, text: "done" }] },
      ],
      meta: { count: 2, ok: true, none: null, "key with spaces": "v", ünï: "ç" },
    },
  ],
];

export function storageContract(name: string, target: ContractTarget): void {
  describe(`storage contract: ${name}`, () => {
    const opened: ManagedStorage[] = [];
    const open = async () => {
      const result = await target.open();
      opened.push(result.storage);
      return result;
    };
    afterEach(async () => {
      const storages = opened.splice(0);
      // The backend itself answered: a contract kept by the in-memory fallback proves nothing.
      const states = storages.map((storage) => storage.status().state);
      await Promise.all(storages.map((storage) => storage.close()));
      expect(
        states.every((state) => state === "up"),
        `${name} was down during the test`,
      ).toBe(true);
    });

    it("sets, gets and deletes", async () => {
      const { storage } = await open();
      const results = storage.namespace<string>("results", 60_000);
      expect(await results.get("missing")).toBeUndefined();
      expect(await results.set("a", "one")).toBe(true);
      expect(await results.get("a")).toBe("one");
      expect(await results.has("a")).toBe(true);
      await results.set("a", "two");
      expect(await results.get("a")).toBe("two");
      expect(await results.delete("a")).toBe(true);
      expect(await results.get("a")).toBeUndefined();
      expect(await results.has("a")).toBe(false);
      expect(await results.delete("a")).toBe(false);
      expect(storage.status().state).toBe("up");
    });

    it.each(ROUND_TRIP_VALUES)("round-trips %s", async (_label, value) => {
      const { storage } = await open();
      const memory = storage.namespace<unknown>("memory", 60_000);
      await memory.set("value", value);
      expect(await memory.get("value")).toEqual(value);
    });

    it("reads many keys at once", async () => {
      const { storage } = await open();
      const dedupe = storage.namespace<number>("dedupe", 60_000);
      await dedupe.set("e1", 1);
      await dedupe.set("e3", 3);
      expect(await dedupe.get(["e1", "e2", "e3"])).toEqual([1, undefined, 3]);
    });

    it("expires entries after the namespace's time to live", async () => {
      const { storage } = await open();
      const ratelimit = storage.namespace<number>("ratelimit", 250);
      await ratelimit.set("user", 1);
      expect(await ratelimit.get("user")).toBe(1);
      await sleep(400);
      expect(await ratelimit.get("user")).toBeUndefined();
    });

    it("lets one set() choose its own time to live", async () => {
      const { storage } = await open();
      const catalog = storage.namespace<string>("catalog", 250);
      await catalog.set("short", "s", 100);
      await catalog.set("long", "l", 60_000);
      await sleep(400);
      expect(await catalog.get("short")).toBeUndefined();
      expect(await catalog.get("long")).toBe("l");
    });

    it("keeps namespaces apart", async () => {
      const { storage } = await open();
      const results = storage.namespace<string>("results", 60_000);
      const memory = storage.namespace<string>("memory", 60_000);
      const dedupe = storage.namespace<string>("dedupe", 60_000);
      await results.set("same-key", "from results");
      await memory.set("same-key", "from memory");
      await dedupe.set("other", "kept");
      expect(await results.get("same-key")).toBe("from results");
      expect(await memory.get("same-key")).toBe("from memory");
      await results.delete("same-key");
      expect(await memory.get("same-key")).toBe("from memory");
      await memory.clear();
      expect(await memory.get("same-key")).toBeUndefined();
      expect(await dedupe.get("other")).toBe("kept");
    });

    it("keys with separators and odd characters stay separate", async () => {
      const { storage } = await open();
      const memory = storage.namespace<string>("memory", 60_000);
      const keys = ["discord:guild:channel:thread", "slack:T1:C1:1700000000.1234", "a%b_c*d?[e]", "ключ"];
      for (const key of keys) await memory.set(key, `value of ${key}`);
      for (const key of keys) expect(await memory.get(key)).toBe(`value of ${key}`);
      await storage.namespace<string>("results", 60_000).clear();
      for (const key of keys) expect(await memory.get(key)).toBe(`value of ${key}`);
    });

    it("lists the live keys of one namespace, without its prefix", async () => {
      const { storage } = await open();
      const installations = storage.namespace<string>("slack-installations", 0);
      const results = storage.namespace<string>("results", 60_000);
      expect(await storage.keys("slack-installations")).toEqual([]);
      const keys = ["team:T1", "enterprise:E1", "team:a%b_c*d?[e]"];
      for (const key of keys) await installations.set(key, `value of ${key}`);
      await results.set("team:T9", "another namespace");
      await installations.set("gone", "soon", 50);
      await sleep(150);
      expect((await storage.keys("slack-installations")).filter((key) => key !== "gone").sort()).toEqual(
        [...keys].sort(),
      );
      // An expired entry may still be listed until it is swept; it is never read.
      expect(await installations.get("gone")).toBeUndefined();
      await installations.delete("team:T1");
      expect(await storage.keys("slack-installations")).not.toContain("team:T1");
      expect(await storage.keys("results")).toEqual(["team:T9"]);
    });

    if (!target.persistent) return;
    it("keeps values across a re-open", async () => {
      const { storage, reopen } = await open();
      if (!reopen) throw new Error("a persistent target must give reopen()");
      const memory = storage.namespace<{ turns: string[] }>("memory", 60_000);
      await memory.set("thread-1", { turns: ["first", "second"] });
      await storage.namespace<string>("ratelimit", 200).set("soon-gone", "x");
      await storage.close();
      await sleep(300);
      const again = await reopen();
      opened.push(again);
      expect(await again.namespace<{ turns: string[] }>("memory", 60_000).get("thread-1")).toEqual({
        turns: ["first", "second"],
      });
      expect(await again.namespace<string>("ratelimit", 200).get("soon-gone")).toBeUndefined();
    });
  });
}
