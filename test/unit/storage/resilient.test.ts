import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "../../../src/storage/index.js";
import { createStorageOver, type ManagedStorage } from "../../../src/storage/index.js";
import { MemoryBackend } from "../../../src/storage/memory.js";
import { captureLogger, faults, waitFor } from "./capture.js";

/** A backend that works, fails like a refused connection, or never answers, on command. */
class FlakyBackend implements Backend {
  readonly name = "redis" as const;
  readonly data = new MemoryBackend();
  mode: "up" | "fail" | "hang" = "up";
  delayMs = 0;
  calls = 0;

  private async run<T>(operation: () => T): Promise<T> {
    this.calls += 1;
    if (this.mode === "fail") throw new Error("connect ECONNREFUSED 127.0.0.1:6379");
    if (this.mode === "hang") return new Promise<T>(() => undefined);
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return operation();
  }
  get(key: string) {
    return this.run(() => this.data.getSync(key));
  }
  set(key: string, value: string, ttlMs?: number) {
    return this.run(() => this.data.setSync(key, value, ttlMs));
  }
  delete(key: string) {
    return this.run(() => this.data.deleteSync(key));
  }
  clear(prefix: string) {
    return this.run(() => this.data.clearSync(prefix));
  }
  keys(prefix: string) {
    return this.run(() => this.data.keysSync(prefix));
  }
  ping() {
    return this.run(() => undefined);
  }
  async close() {}
}

const opened: ManagedStorage[] = [];
function open(backend: Backend, options: { timeoutMs?: number; retryMs?: number } = {}) {
  const capture = captureLogger();
  const storage = createStorageOver(backend, { logger: capture.logger, ...options });
  opened.push(storage);
  return { storage, ...capture };
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});

describe("a storage backend that is down", () => {
  it("never throws into the caller: memory answers, and the fault is logged once", async () => {
    const backend = new FlakyBackend();
    backend.mode = "fail";
    const { storage, lines } = open(backend, { retryMs: 60_000 });
    const memory = storage.namespace<{ turns: string[] }>("memory", 60_000);
    const dedupe = storage.namespace<boolean>("dedupe", 60_000);
    for (let index = 0; index < 50; index++) {
      await memory.set(`thread-${index % 5}`, { turns: [`turn ${index}`] });
      expect(await dedupe.get(`event-${index}`)).toBeUndefined();
      await dedupe.set(`event-${index}`, true);
    }
    expect(await memory.get("thread-4")).toEqual({ turns: ["turn 49"] });
    expect(await dedupe.get("event-3")).toBe(true);
    expect(await memory.delete("thread-4")).toBe(true);
    await memory.clear();
    expect(await memory.get("thread-3")).toBeUndefined();
    expect(await dedupe.get("event-3")).toBe(true);
    // The first call found the fault; the others did not even try the backend.
    expect(backend.calls).toBe(1);
    expect(faults(lines)).toHaveLength(1);
    expect(faults(lines)[0]).toMatchObject({
      level: "warn",
      backend: "redis",
      operation: "set",
      error: "connect ECONNREFUSED 127.0.0.1:6379",
    });
    expect(storage.status()).toMatchObject({ backend: "redis", state: "down" });
  });

  it("lists keys from memory while the backend is down, and from the backend once it is back", async () => {
    const backend = new FlakyBackend();
    const { storage } = open(backend, { retryMs: 50 });
    const installations = storage.namespace<string>("slack-installations", 0);
    await installations.set("team:T1", "stored in the backend");
    backend.mode = "fail";
    await installations.set("team:T2", "kept in memory");
    // Memory knows only what was written while the backend was down.
    expect(await storage.keys("slack-installations")).toEqual(["team:T2"]);
    backend.mode = "up";
    await waitFor(() => storage.status().state === "up");
    expect((await storage.keys("slack-installations")).sort()).toEqual(["team:T1", "team:T2"]);
  });

  it("does not let a backend that never answers hold a request for longer than the timeout", async () => {
    const backend = new FlakyBackend();
    backend.mode = "hang";
    const { storage, lines } = open(backend, { timeoutMs: 100, retryMs: 60_000 });
    const results = storage.namespace<string>("results", 60_000);
    let started = performance.now();
    await results.set("key", "value");
    expect(performance.now() - started).toBeLessThan(400);
    started = performance.now();
    for (let index = 0; index < 100; index++) await results.get("key");
    expect(performance.now() - started).toBeLessThan(100);
    expect(await results.get("key")).toBe("value");
    expect(faults(lines)).toHaveLength(1);
    expect(String(faults(lines)[0]?.error)).toContain("took longer than 100 ms");
  });

  it("uses the backend again once it is back, after writing what changed meanwhile", async () => {
    const backend = new FlakyBackend();
    const { storage, lines } = open(backend, { retryMs: 50 });
    const memory = storage.namespace<string>("memory", 60_000);
    const results = storage.namespace<string>("results", 60_000);
    await memory.set("changed", "before");
    await memory.set("deleted", "before");
    await memory.set("untouched", "before");
    await results.set("cleared", "before");

    backend.mode = "fail";
    await memory.set("changed", "during");
    expect(await memory.delete("deleted")).toBe(false); // memory does not know it; the backend's copy goes later
    await results.clear();
    await results.set("new", "during");
    await memory.set("expires", "during", 100);
    expect(storage.status()).toMatchObject({ state: "down", pending: 5 });

    backend.mode = "up";
    await waitFor(() => storage.status().state === "up", 5_000, "the backend to be used again");
    expect(storage.status().pending).toBe(0);
    expect(backend.data.getSync("memory:changed")).toContain("during");
    expect(backend.data.getSync("memory:deleted")).toBeUndefined();
    expect(backend.data.getSync("memory:untouched")).toContain("before");
    expect(backend.data.getSync("results:cleared")).toBeUndefined();
    expect(backend.data.getSync("results:new")).toContain("during");
    // The time to live went along.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(backend.data.getSync("memory:expires")).toBeUndefined();
    expect(await memory.get("untouched")).toBe("before");

    expect(faults(lines)).toHaveLength(1);
    const back = lines.filter((line) => line.msg === "storage is back");
    expect(back).toHaveLength(1);
    expect(back[0]).toMatchObject({ level: "info", backend: "redis", replayed: 5 });
  });

  it("keeps changes made while the replay runs", async () => {
    const backend = new FlakyBackend();
    const { storage } = open(backend, { retryMs: 20, timeoutMs: 1_000 });
    const memory = storage.namespace<number>("memory", 60_000);
    backend.mode = "fail";
    for (let index = 0; index < 20; index++) await memory.set(`k${index}`, index);
    backend.mode = "up";
    backend.delayMs = 10;
    // Keep writing while the probe and the replay run.
    let round = 0;
    while (storage.status().state === "down") {
      await memory.set(`k${round % 20}`, 1000 + round);
      await new Promise((resolve) => setTimeout(resolve, 5));
      round += 1;
      if (round > 2000) throw new Error("never came back");
    }
    backend.delayMs = 0;
    expect(round).toBeGreaterThan(0);
    for (let index = 0; index < 20; index++) {
      const lastWrite = [...Array(round).keys()].filter((r) => r % 20 === index).pop();
      const expected = lastWrite === undefined ? index : 1000 + lastWrite;
      expect(await memory.get(`k${index}`)).toBe(expected);
    }
  });

  it("stays in memory while the backend is still down, trying again less and less often", async () => {
    const backend = new FlakyBackend();
    backend.mode = "fail";
    const { storage, lines } = open(backend, { retryMs: 30 });
    const results = storage.namespace<string>("results", 60_000);
    await results.set("a", "1");
    await new Promise((resolve) => setTimeout(resolve, 400));
    // Probes at ~30, 90, 210 ms (doubling), not one per 30 ms.
    expect(backend.calls).toBeGreaterThanOrEqual(3);
    expect(backend.calls).toBeLessThanOrEqual(6);
    expect(await results.get("a")).toBe("1");
    expect(faults(lines)).toHaveLength(1);
    expect(lines.filter((line) => line.msg === "storage still unavailable").length).toBeGreaterThan(0);
  });
});
