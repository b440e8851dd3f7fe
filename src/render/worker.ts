/**
 * The render worker's side: runs the jobs the pool sends, one message each, and answers with the
 * image (encoded, or decoded ahead) or the error. Several jobs may be in flight at once: while one
 * waits on libvips (decode, encode, on libuv's pool) another paints.
 */
import { parentPort } from "node:worker_threads";
import { isRenderJobName, RENDER_JOBS } from "./jobs.js";
import { movableBuffers, type RenderReply, type RenderValue, toWireError } from "./wire.js";

async function run(message: unknown): Promise<RenderReply | undefined> {
  if (typeof message !== "object" || message === null) return undefined;
  const { id, job, args } = message as { id?: unknown; job?: unknown; args?: unknown };
  if (typeof id !== "number") return undefined;
  try {
    if (!isRenderJobName(job) || !Array.isArray(args))
      throw new TypeError(`unknown render job ${String(job)}`);
    const draw = RENDER_JOBS[job] as (...values: unknown[]) => Promise<RenderValue>;
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
    // The image is a buffer of this job alone: moved where postMessage can (see movableBuffers).
    const value = reply.ok ? reply.value : undefined;
    const pixels = value === undefined ? undefined : "bytes" in value ? value.bytes : value.canvas.data;
    port.postMessage(reply, pixels ? movableBuffers(pixels) : []);
  });
});
