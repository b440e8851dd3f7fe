/**
 * A small pool of worker threads for the drawing jobs (jobs.ts). Painting boxes, masks and depth
 * colours is JavaScript over every pixel: on the main thread it holds the event loop for tens of
 * milliseconds a picture, so two image tasks of one plan finish one after the other and every other
 * request waits meanwhile. On workers they overlap, and the main thread only passes bytes.
 *
 * Workers start on first use, up to `size`; a job goes to the worker with the fewest jobs in
 * flight. A worker holds the process open only while it has work (idle workers are unref'd, and
 * stop after `idleMs`), so a process that draws can still exit on its own.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
// sharp must be loaded by the main thread before any worker loads it: on glibc Linux its shared
// libraries must outlive every thread that used them.
import "sharp";
import type { RenderJobArgs, RenderJobName, RenderJobResult } from "./jobs.js";
import { fromWireError, parseRenderReply, type RenderRequest, type RenderValue } from "./wire.js";

/** More workers than this would only queue on libuv's four threads that decode and encode. */
const MAX_WORKERS = 4;
const DEFAULT_IDLE_MS = 60_000;
const ENTRY = new URL("./worker-entry.mjs", import.meta.url);

interface Pending {
  resolve(value: RenderValue): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
  idleTimer: NodeJS.Timeout | undefined;
  /** The jobs this worker has run: V8 has compiled their loops here. */
  ran: Set<RenderJobName>;
}

export interface RenderPoolOptions {
  /** Most workers at once; default: the cores, at most 4. */
  size?: number;
  /** An idle worker stops after this long (ms). */
  idleMs?: number;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class RenderPool {
  readonly size: number;
  private readonly idleMs: number;
  private readonly slots = new Set<Slot>();
  private nextId = 1;
  private closed = false;

  constructor(options: RenderPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? Math.min(availableParallelism(), MAX_WORKERS)));
    this.idleMs = options.idleMs ?? DEFAULT_IDLE_MS;
  }

  /** Workers alive now (started and not yet stopped). */
  get workers(): number {
    return this.slots.size;
  }

  /** Runs one job on a worker; settles as the function would have on this thread. */
  run<Name extends RenderJobName>(job: Name, ...args: RenderJobArgs<Name>): Promise<RenderJobResult<Name>> {
    return this.runMoving(job, [], ...args);
  }

  /**
   * `run`, moving the given buffers to the worker instead of copying them: they are empty here
   * afterwards. For pixels decoded ahead, which would otherwise be copied on their way to the drawing.
   */
  async runMoving<Name extends RenderJobName>(
    job: Name,
    transfer: readonly ArrayBuffer[],
    ...args: RenderJobArgs<Name>
  ): Promise<RenderJobResult<Name>> {
    if (this.closed) throw new Error("the render pool is closed");
    const slot = this.pick(job);
    const id = this.nextId++;
    // The worker ran `job`, whose result this is (the reply's shape is checked in parseRenderReply).
    const result = new Promise<RenderValue>((resolve, reject) => slot.pending.set(id, { resolve, reject }));
    this.busy(slot);
    slot.ran.add(job);
    const request: RenderRequest = { id, job, args };
    slot.worker.postMessage(request, [...transfer]);
    return (await result) as RenderJobResult<Name>;
  }

  /** Stops every worker; jobs still in flight reject. Later `run` calls throw. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = [...this.slots];
    await Promise.all(slots.map((slot) => this.stop(slot, new Error("the render pool was closed"))));
  }

  /**
   * An idle worker that has run this job before, else any idle one, else a new one while there is
   * room, else the least busy. Each worker compiles its own code: a worker's first mask drawing runs
   * in V8's interpreter until the loops are hot, several times slower than on a worker that has drawn
   * masks, so two drawings of a plan go each to the worker that knows it, when both are free.
   */
  private pick(job: RenderJobName): Slot {
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (slot.pending.size === 0 && slot.ran.has(job)) return slot;
      if (!best || slot.pending.size < best.pending.size) best = slot;
    }
    if (best && (best.pending.size === 0 || this.slots.size >= this.size)) return best;
    return this.start();
  }

  private start(): Slot {
    // Jobs posted before the worker has loaded wait in its port. The worker gets none of this
    // process's node flags: its entry loads what it needs, and flags such as --input-type would stop it.
    const worker = new Worker(ENTRY, { execArgv: [] });
    const slot: Slot = { worker, pending: new Map(), idleTimer: undefined, ran: new Set() };
    this.slots.add(slot);
    worker.on("message", (message: unknown) => {
      const reply = parseRenderReply(message);
      const pending = reply && slot.pending.get(reply.id);
      if (!reply || !pending) return;
      slot.pending.delete(reply.id);
      if (!reply.ok) pending.reject(fromWireError(reply.error));
      // A Buffer over encoded bytes, as sharp hands them out on this thread.
      else if (reply.value && "bytes" in reply.value)
        pending.resolve({ ...reply.value, bytes: asBuffer(reply.value.bytes) });
      else pending.resolve(reply.value);
      if (slot.pending.size === 0) this.idle(slot);
    });
    worker.on("error", (error) => {
      this.fail(slot, new Error(`a render worker failed: ${error.message}`, { cause: error }));
    });
    worker.on("exit", (code) => {
      this.fail(slot, new Error(`a render worker exited with code ${code} during the job`));
    });
    return slot;
  }

  private busy(slot: Slot): void {
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    slot.idleTimer = undefined;
    slot.worker.ref();
  }

  private idle(slot: Slot): void {
    slot.worker.unref();
    slot.idleTimer = setTimeout(() => {
      if (slot.pending.size === 0) void this.stop(slot);
    }, this.idleMs);
    slot.idleTimer.unref();
  }

  /** Takes a worker out of the pool and rejects its jobs. */
  private fail(slot: Slot, error: Error): void {
    if (!this.slots.delete(slot)) return;
    if (slot.idleTimer) clearTimeout(slot.idleTimer);
    for (const pending of slot.pending.values()) pending.reject(error);
    slot.pending.clear();
  }

  private async stop(slot: Slot, error = new Error("the render worker was stopped")): Promise<void> {
    this.fail(slot, error);
    await slot.worker.terminate();
  }
}

let shared: RenderPool | undefined;

/** The process's render pool, started on first use. */
export function renderPool(): RenderPool {
  shared ??= new RenderPool();
  return shared;
}

/**
 * Stops the process's render workers (a later drawing starts new ones). Not needed for the process to
 * exit: idle workers do not hold it open.
 */
export async function closeRenderPool(): Promise<void> {
  const pool = shared;
  shared = undefined;
  await pool?.close();
}
