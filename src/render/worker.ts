/**
 * The render worker's side: runs the jobs the pool sends, one message each, and answers with the
 * encoded image or the error. Several jobs may be in flight at once: while one waits on libvips
 * (decode, encode, on libuv's pool) another paints.
 */
import { parentPort } from "node:worker_threads";
import type { EncodedImage } from "./image.js";
import { isRenderJobName, RENDER_JOBS } from "./jobs.js";
import { type RenderReply, toWireError } from "./wire.js";

/**
 * The buffer under `bytes`, to move rather than copy, when `bytes` is all of it: sharp returns each
 * encoded image in a buffer of its own, but a view into a shared pool must be copied.
 */
function movableBuffers(bytes: Uint8Array): ArrayBuffer[] {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && buffer.byteLength === bytes.byteLength
    ? [buffer]
    : [];
}

async function run(message: unknown): Promise<RenderReply | undefined> {
  if (typeof message !== "object" || message === null) return undefined;
  const { id, job, args } = message as { id?: unknown; job?: unknown; args?: unknown };
  if (typeof id !== "number") return undefined;
  try {
    if (!isRenderJobName(job) || !Array.isArray(args))
      throw new TypeError(`unknown render job ${String(job)}`);
    const draw = RENDER_JOBS[job] as (...values: unknown[]) => Promise<EncodedImage>;
    const value = await draw(...args);
    return { id, ok: true, value };
  } catch (error) {
    return { id, ok: false, error: toWireError(error) };
  }
}

const port = parentPort;
if (!port) throw new Error("src/render/worker.ts runs as a worker thread (see pool.ts)");
port.on("message", (message: unknown) => {
  void run(message).then((reply) => {
    if (!reply) return;
    // The encoded bytes are a fresh buffer of this job: moved, not copied.
    port.postMessage(reply, reply.ok ? movableBuffers(reply.value.bytes) : []);
  });
});
