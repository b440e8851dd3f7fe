import type { Logger } from "../log.js";
import { type Backend, type BackendName, withTimeout } from "./backend.js";
import { MemoryBackend } from "./memory.js";

export interface ResilienceOptions {
  logger: Logger;
  /** Where the backend is, for the log (a file, host:port); never a password. */
  location?: string;
  /** The longest one backend call may take before memory answers instead. */
  timeoutMs?: number;
  /** First retry after a failure; doubles up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Budget of the in-memory fallback. */
  fallbackMaxBytes?: number;
}

export interface BackendStatus {
  backend: BackendName;
  /** down: memory answers until the backend is back. */
  state: "up" | "down";
  /** Since when it is down (epoch ms). */
  since?: number;
  error?: string;
  /** Changes made in memory that wait to be written to the backend. */
  pending: number;
}

interface Mark {
  op: "set" | "delete";
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    // AggregateError (a connect to both ::1 and 127.0.0.1) carries its reasons inside.
    const inner = error instanceof AggregateError ? error.errors.map(describe).join("; ") : "";
    return error.message || inner || error.name;
  }
  return String(error);
}

/**
 * A backend that never throws and never hangs. Each call gets `timeoutMs`; when one fails or times
 * out, the backend is marked down (logged once), and memory answers until a probe finds it back.
 * Changes made meanwhile (sets, deletes, clears) are then written to the backend in order, and
 * the backend answers again (logged once).
 */
export class ResilientBackend {
  private state: "up" | "down" = "up";
  private since: number | undefined;
  private lastError: string | undefined;
  private failures = 0;
  private nextProbeAt = 0;
  private probing: Promise<void> | undefined;
  /** Set while the last changes are written back: calls wait for it (bounded) instead of adding more. */
  private barrier: Promise<void> | undefined;
  private probeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly fallback: MemoryBackend;
  /** Keys changed in memory while down, oldest first. */
  private readonly dirty = new Map<string, Mark>();
  /** Prefixes cleared while down, in order. */
  private readonly clears: string[] = [];
  private readonly timeoutMs: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;

  constructor(
    private readonly primary: Backend,
    private readonly options: ResilienceOptions,
  ) {
    this.fallback = new MemoryBackend(
      options.fallbackMaxBytes !== undefined ? { maxBytes: options.fallbackMaxBytes } : {},
    );
    this.timeoutMs = options.timeoutMs ?? 1500;
    this.retryMs = options.retryMs ?? 2000;
    this.maxRetryMs = options.maxRetryMs ?? 30_000;
  }

  get name(): BackendName {
    return this.primary.name;
  }

  status(): BackendStatus {
    return {
      backend: this.primary.name,
      state: this.state,
      ...(this.since !== undefined ? { since: this.since } : {}),
      ...(this.lastError !== undefined ? { error: this.lastError } : {}),
      pending: this.dirty.size + this.clears.length,
    };
  }

  async get(key: string): Promise<string | undefined> {
    if (this.barrier) await this.waitForReplay();
    if (this.usePrimary()) {
      try {
        return await this.call("get", () => this.primary.get(key));
      } catch (error) {
        this.fail("get", error);
      }
    }
    return this.fallback.getSync(key);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (this.barrier) await this.waitForReplay();
    if (this.usePrimary()) {
      try {
        await this.call("set", () => this.primary.set(key, value, ttlMs));
        return;
      } catch (error) {
        this.fail("set", error);
      }
    }
    this.fallback.setSync(key, value, ttlMs);
    this.mark(key, "set");
  }

  async delete(key: string): Promise<boolean> {
    if (this.barrier) await this.waitForReplay();
    if (this.usePrimary()) {
      try {
        return await this.call("delete", () => this.primary.delete(key));
      } catch (error) {
        this.fail("delete", error);
      }
    }
    const existed = this.fallback.deleteSync(key);
    this.mark(key, "delete");
    return existed;
  }

  async clear(prefix: string): Promise<void> {
    if (this.barrier) await this.waitForReplay();
    if (this.usePrimary()) {
      try {
        await this.call("clear", () => this.primary.clear(prefix));
        return;
      } catch (error) {
        this.fail("clear", error);
      }
    }
    this.fallback.clearSync(prefix);
    for (const key of [...this.dirty.keys()]) if (key.startsWith(prefix)) this.dirty.delete(key);
    this.clears.push(prefix);
  }

  /** The whole keys that start with `prefix`: the backend's, or memory's while it is down. */
  async keys(prefix: string): Promise<string[]> {
    if (this.barrier) await this.waitForReplay();
    if (this.usePrimary()) {
      try {
        return await this.call("keys", () => this.primary.keys(prefix));
      } catch (error) {
        this.fail("keys", error);
      }
    }
    return this.fallback.keysSync(prefix);
  }

  /** Drops expired entries; a failure here is not an outage (a big table may just be slow). */
  async sweep(): Promise<void> {
    this.fallback.sweepSync();
    const sweep = this.primary.sweep?.bind(this.primary);
    if (!sweep || this.state !== "up" || this.closed) return;
    try {
      await withTimeout(sweep(), this.timeoutMs * 20, this.primary.name, "sweep");
    } catch (error) {
      this.options.logger.debug("storage sweep failed", {
        backend: this.primary.name,
        error: describe(error),
      });
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.probeTimer);
    const pending = this.dirty.size + this.clears.length;
    if (pending > 0) {
      this.options.logger.warn("storage closed while down; changes kept in memory are lost", {
        backend: this.primary.name,
        pending,
      });
    }
    await withTimeout(this.primary.close(), this.timeoutMs, this.primary.name, "close").catch(
      () => undefined,
    );
    this.fallback.removeAll();
    this.dirty.clear();
  }

  private async waitForReplay(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.barrier,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.timeoutMs);
      }),
    ]);
    clearTimeout(timer);
  }

  private call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return withTimeout(Promise.resolve().then(run), this.timeoutMs, this.primary.name, operation);
  }

  private usePrimary(): boolean {
    if (this.closed) return false;
    if (this.state === "up") return true;
    if (Date.now() >= this.nextProbeAt) this.probe();
    return false;
  }

  private mark(key: string, op: Mark["op"]): void {
    // Delete first: a Map keeps the first insertion's place, and the replay goes in change order.
    this.dirty.delete(key);
    this.dirty.set(key, { op });
  }

  private fail(operation: string, error: unknown): void {
    if (this.closed || this.state === "down") return;
    this.state = "down";
    this.since = Date.now();
    this.lastError = describe(error);
    this.failures = 0;
    this.options.logger.warn("storage unavailable; keeping data in memory until it is back", {
      backend: this.primary.name,
      ...(this.options.location ? { location: this.options.location } : {}),
      operation,
      error: this.lastError,
    });
    this.scheduleProbe(this.retryMs);
  }

  private scheduleProbe(delayMs: number): void {
    this.nextProbeAt = Date.now() + delayMs;
    clearTimeout(this.probeTimer);
    this.probeTimer = setTimeout(() => this.probe(), delayMs);
    this.probeTimer.unref();
  }

  private probe(): void {
    if (this.probing || this.closed || this.state === "up") return;
    this.probing = this.recover().finally(() => {
      this.probing = undefined;
    });
  }

  /**
   * Back up? Then write what changed meanwhile, in order, and switch back to the backend. The first
   * pass runs while memory keeps answering; what changed during it is written in a second pass during
   * which calls wait (at most `timeoutMs`), so a steady stream of writes cannot keep the replay going.
   */
  private async recover(): Promise<void> {
    let replayed = 0;
    let release: (() => void) | undefined;
    try {
      await this.call("ping", () => this.primary.ping());
      replayed += await this.replay(this.clears.length + this.dirty.size);
      this.barrier = new Promise<void>((resolve) => {
        release = resolve;
      });
      replayed += await this.replay(Number.POSITIVE_INFINITY);
      if (this.closed) return;
      // Nothing awaited between the replay's last check and the switch: no change can fall in between.
      this.state = "up";
      this.fallback.removeAll();
      const downMs = this.since === undefined ? 0 : Date.now() - this.since;
      this.since = undefined;
      this.lastError = undefined;
      this.options.logger.info("storage is back", {
        backend: this.primary.name,
        ...(this.options.location ? { location: this.options.location } : {}),
        downMs,
        replayed,
      });
    } catch (error) {
      this.failures += 1;
      this.lastError = describe(error);
      this.options.logger.debug("storage still unavailable", {
        backend: this.primary.name,
        error: this.lastError,
        replayed,
      });
      if (!this.closed) this.scheduleProbe(Math.min(this.retryMs * 2 ** this.failures, this.maxRetryMs));
    } finally {
      this.barrier = undefined;
      release?.();
    }
  }

  /** Writes up to `limit` pending changes to the backend, oldest first; returns how many. */
  private async replay(limit: number): Promise<number> {
    let done = 0;
    while (done < limit && !this.closed) {
      const prefix = this.clears[0];
      if (prefix !== undefined) {
        await this.call("clear", () => this.primary.clear(prefix));
        this.clears.shift();
        done += 1;
        continue;
      }
      const next = this.dirty.entries().next();
      if (next.done) break;
      const [key, mark] = next.value;
      const live = mark.op === "set" ? this.fallback.peek(key) : undefined;
      if (live) await this.call("set", () => this.primary.set(key, live.value, live.ttlMs));
      // A delete, or a value that expired or was evicted meanwhile: the backend's older value must go.
      else await this.call("delete", () => this.primary.delete(key));
      // Changed again while this write ran: it stays for a later write.
      if (this.dirty.get(key) === mark) this.dirty.delete(key);
      done += 1;
    }
    return done;
  }
}
