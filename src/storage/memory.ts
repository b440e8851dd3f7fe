import type { Backend } from "./backend.js";

interface Entry {
  value: string;
  /** Epoch ms after which the entry is gone; undefined = no expiry. */
  expiresAt: number | undefined;
}

const DEFAULT_MAX_BYTES = 128 * 1024 * 1024;
const SWEEP_EVERY_SETS = 1000;

/**
 * Values in a Map: the backend of tests and `createStorage()`, and the fallback while SQLite or
 * Redis is down. Bounded: past `maxBytes` (string lengths, roughly bytes) the oldest entries go.
 */
export class MemoryBackend implements Backend {
  readonly name = "memory" as const;
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private setsSinceSweep = 0;

  constructor(private readonly options: { maxBytes?: number; now?: () => number } = {}) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  get size(): number {
    return this.entries.size;
  }

  /** The live entry with its remaining time to live (undefined: none). */
  peek(key: string): { value: string; ttlMs: number | undefined } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= this.now()) {
      this.remove(key);
      return undefined;
    }
    return {
      value: entry.value,
      ttlMs: entry.expiresAt === undefined ? undefined : entry.expiresAt - this.now(),
    };
  }

  getSync(key: string): string | undefined {
    return this.peek(key)?.value;
  }

  setSync(key: string, value: string, ttlMs?: number): void {
    this.remove(key);
    const expiresAt = ttlMs !== undefined && ttlMs > 0 ? this.now() + ttlMs : undefined;
    this.entries.set(key, { value, expiresAt });
    this.bytes += key.length + value.length;
    if (++this.setsSinceSweep >= SWEEP_EVERY_SETS) this.sweepSync();
    const maxBytes = this.options.maxBytes ?? DEFAULT_MAX_BYTES;
    // Oldest first (a Map keeps insertion order); the entry just written stays.
    for (const oldest of this.entries.keys()) {
      if (this.bytes <= maxBytes || oldest === key) break;
      this.remove(oldest);
    }
  }

  deleteSync(key: string): boolean {
    return this.peek(key) !== undefined && this.remove(key);
  }

  clearSync(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.remove(key);
  }

  keysSync(prefix: string): string[] {
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix) && this.peek(key) !== undefined);
  }

  sweepSync(): void {
    this.setsSinceSweep = 0;
    const now = this.now();
    for (const [key, entry] of [...this.entries]) {
      if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.remove(key);
    }
  }

  removeAll(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private remove(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.bytes -= key.length + entry.value.length;
    return true;
  }

  async get(key: string): Promise<string | undefined> {
    return this.getSync(key);
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.setSync(key, value, ttlMs);
  }

  async delete(key: string): Promise<boolean> {
    return this.deleteSync(key);
  }

  async clear(prefix: string): Promise<void> {
    this.clearSync(prefix);
  }

  async keys(prefix: string): Promise<string[]> {
    return this.keysSync(prefix);
  }

  async ping(): Promise<void> {}

  async sweep(): Promise<void> {
    this.sweepSync();
  }

  async close(): Promise<void> {
    this.removeAll();
  }
}
