/**
 * The drawing functions that run on render worker threads (see pool.ts), by name. Each decodes,
 * paints pixels in JavaScript and encodes: the painting is the CPU work that would otherwise hold
 * the event loop while other tasks' answers wait to be read.
 */
import { renderDepth } from "./depth.js";
import { drawDetections } from "./detections.js";
import { drawMasks } from "./masks.js";

export const RENDER_JOBS = { drawDetections, drawMasks, renderDepth } as const;

export type RenderJobName = keyof typeof RENDER_JOBS;

export type RenderJobArgs<Name extends RenderJobName> = Parameters<(typeof RENDER_JOBS)[Name]>;

export function isRenderJobName(name: unknown): name is RenderJobName {
  return typeof name === "string" && Object.hasOwn(RENDER_JOBS, name);
}
