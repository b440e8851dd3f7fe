/**
 * Storage on a real Redis: the shared contract, persistence across a re-open, and the outage a bot
 * must survive (Redis unreachable at start, killed mid-run, restarted). Each run starts its own
 * redis-server (so it can kill it); without the binary it uses TEST_REDIS_URL for the contract.
 * Without either the tests are skipped, except in CI (CI=true), where that is a failure.
 */
import { randomUUID } from "node:crypto";
import { createClient } from "@keyv/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStorage, type ManagedStorage } from "../../src/storage/index.js";
import { captureLogger, faults, waitFor } from "../unit/storage/capture.js";
import { storageContract } from "../unit/storage/contract.js";
import {
  findRedisServer,
  freePort,
  isCi,
  type RedisServer,
  startRedisServer,
} from "../unit/storage/redis-server.js";

const binary = findRedisServer();
const sharedUrl = process.env.TEST_REDIS_URL?.trim() || undefined;
const noRedis =
  binary === undefined && sharedUrl === undefined
    ? "redis-server is not installed and TEST_REDIS_URL is not set (apt-get install redis-server, or run .ci/run)"
    : undefined;
const noBinary =
  binary === undefined ? "redis-server is not installed (apt-get install redis-server)" : undefined;

if (noBinary && !isCi())
  console.warn(`storage-redis.test.ts: ${noRedis ?? noBinary}; skipping what needs it`);

if (isCi() && noBinary) {
  describe("redis storage in CI", () => {
    it("has a redis-server to test against", () => {
      throw new Error(`CI=true but ${noBinary}: .ci/run installs and starts it`);
    });
  });
}

let server: RedisServer | undefined;
beforeAll(async () => {
  if (binary) server = await startRedisServer(binary);
});
afterAll(async () => {
  await server?.stop();
});

const targetUrl = (): string => {
  const url = server?.url ?? sharedUrl;
  if (!url) throw new Error("no Redis");
  return url;
};

describe.skipIf(noRedis !== undefined)(`redis storage${noRedis ? ` (skipped: ${noRedis})` : ""}`, () => {
  storageContract("redis", {
    persistent: true,
    async open() {
      // A prefix of its own: TEST_REDIS_URL may be shared with other test files running at once.
      const prefix = `hgb-test-${randomUUID()}`;
      const open = () => createStorage({ backend: "redis", url: targetUrl(), prefix });
      return { storage: open(), reopen: async () => open() };
    },
  });

  it("lets Redis expire entries itself", async () => {
    const prefix = `hgb-test-${randomUUID()}`;
    const storage = createStorage({ backend: "redis", url: targetUrl(), prefix });
    await storage.namespace<number>("ratelimit", 60_000).set("user-1", 3);
    const raw = createClient({ url: targetUrl() });
    await raw.connect();
    try {
      const ttl = await raw.pTTL(`${prefix}::ratelimit:user-1`);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    } finally {
      await raw.close();
      await storage.close();
    }
  });
});

describe.skipIf(noBinary !== undefined)(`redis outages${noBinary ? ` (skipped: ${noBinary})` : ""}`, () => {
  it("answers from memory at once when Redis is unreachable at start, and never shows the password", async () => {
    const port = await freePort();
    const password = "s3cr3t-Redis-pa55";
    const { logger, lines, raw } = captureLogger();
    const storage = createStorage({
      backend: "redis",
      url: `redis://:${password}@127.0.0.1:${port}`,
      logger,
    });
    try {
      const memory = storage.namespace<{ turns: string[] }>("memory", 60_000);
      const started = performance.now();
      for (let index = 0; index < 20; index++) {
        await memory.set(`thread-${index}`, { turns: [`turn ${index}`] });
        expect(await memory.get(`thread-${index}`)).toEqual({ turns: [`turn ${index}`] });
      }
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(storage.status()).toMatchObject({ backend: "redis", state: "down" });
      expect(faults(lines)).toHaveLength(1);
      expect(faults(lines)[0]).toMatchObject({ backend: "redis", location: `127.0.0.1:${port}` });
      expect(raw.join("\n")).not.toContain(password);
    } finally {
      await storage.close();
    }
  });

  it("keeps answering when Redis is killed mid-run, logs it once, and writes back once Redis returns", async () => {
    if (!binary) throw new Error("unreachable");
    const own = await startRedisServer(binary);
    const prefix = `hgb-test-${randomUUID()}`;
    const { logger, lines } = captureLogger();
    let storage: ManagedStorage | undefined = createStorage({
      backend: "redis",
      url: own.url,
      prefix,
      logger,
      retryMs: 100,
      timeoutMs: 500,
    });
    try {
      const memory = storage.namespace<{ turns: string[] }>("memory", 60_000);
      const dedupe = storage.namespace<boolean>("dedupe", 60_000);
      await memory.set("thread-1", { turns: ["draw a cat"] });
      expect(await memory.get("thread-1")).toEqual({ turns: ["draw a cat"] });
      expect(storage.status().state).toBe("up");

      await own.kill();

      // The bot goes on: every call answers, quickly, from memory.
      let slowest = 0;
      for (let index = 0; index < 30; index++) {
        const started = performance.now();
        expect(await dedupe.get(`event-${index}`)).toBeUndefined();
        await dedupe.set(`event-${index}`, true);
        await memory.set("thread-1", { turns: ["draw a cat", `follow-up ${index}`] });
        expect(await memory.get("thread-1")).toEqual({ turns: ["draw a cat", `follow-up ${index}`] });
        slowest = Math.max(slowest, performance.now() - started);
      }
      expect(slowest).toBeLessThan(600);
      expect(storage.status()).toMatchObject({ state: "down", pending: 31 });
      expect(faults(lines)).toHaveLength(1);
      expect(faults(lines)[0]).toMatchObject({
        level: "warn",
        msg: "storage unavailable; keeping data in memory until it is back",
        backend: "redis",
        location: `127.0.0.1:${own.port}`,
      });

      await own.restart();
      await waitFor(() => storage?.status().state === "up", 20_000, "Redis to be used again");
      expect(lines.filter((line) => line.msg === "storage is back")).toHaveLength(1);
      expect(await memory.get("thread-1")).toEqual({ turns: ["draw a cat", "follow-up 29"] });
      await storage.close();
      storage = undefined;

      // What was written during the outage is in Redis now: a fresh process (client) reads it.
      const fresh = createStorage({ backend: "redis", url: own.url, prefix });
      try {
        expect(await fresh.namespace<{ turns: string[] }>("memory", 60_000).get("thread-1")).toEqual({
          turns: ["draw a cat", "follow-up 29"],
        });
        expect(await fresh.namespace<boolean>("dedupe", 60_000).get("event-17")).toBe(true);
        expect(fresh.status().state).toBe("up");
      } finally {
        await fresh.close();
      }
      expect(faults(lines)).toHaveLength(1);
    } finally {
      await storage?.close();
      await own.stop();
    }
  });
});
