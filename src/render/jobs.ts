/**
 * The functions that run on render worker threads (see pool.ts), by name. The drawings decode, paint
 * pixels in JavaScript and encode: the painting is the CPU work that would otherwise hold the event
 * loop while other tasks' answers wait to be read. `decodeAhead` decodes a photo while a model works
 * on it, so that the drawing after the answer starts from pixels.
 */
import { renderDepth } from "./depth.js";
import { drawDetections } from "./detections.js";
import { decodeAhead } from "./image.js";
import { drawMasks } from "./masks.js";

export const RENDER_JOBS = { decodeAhead, drawDetections, drawMasks, renderDepth } as const;

export type RenderJobName = keyof typeof RENDER_JOBS;

export type RenderJobArgs<Name extends RenderJobName> = Parameters<(typeof RENDER_JOBS)[Name]>;

export type RenderJobResult<Name extends RenderJobName> = Awaited<ReturnType<(typeof RENDER_JOBS)[Name]>>;

export function isRenderJobName(name: unknown): name is RenderJobName {
  return typeof name === "string" && Object.hasOwn(RENDER_JOBS, name);
}
