/**
 * Drawing and image handling with sharp: detection boxes, segmentation masks, depth maps, safe
 * inspection of user images, and fitting files under upload limits. Every decode has a pixel limit
 * and every failure is a BotError (`input_invalid` or `input_too_large`) with a message for the user.
 *
 * The three drawings run on worker threads (pool.ts), so that their per-pixel JavaScript never holds
 * the event loop; inspecting and fitting stay here, since libvips already does their work off it. A
 * photo that boxes or masks will be drawn on can be decoded while the model works (prepareImage).
 */
import type { Detection } from "../tasks/resource.js";
import type { renderDepth as renderDepthHere } from "./depth.js";
import type { DecodedImage, EncodedImage, ImageOptions } from "./image.js";
import type { Segment } from "./masks.js";
import { renderPool } from "./pool.js";
import { PreparedImage } from "./prepared.js";

export { fitImage } from "./fit.js";
export {
  DEFAULT_MAX_PIXELS,
  type EncodedImage,
  type ImageInfo,
  type ImageOptions,
  inspectImage,
} from "./image.js";
export type { Segment } from "./masks.js";
export { closeRenderPool } from "./pool.js";
export { PreparedImage, prepareImage } from "./prepared.js";

/** The picture for a drawing job, its decoding options, and the buffers to move rather than copy. */
async function source(
  image: Uint8Array | PreparedImage,
  options: ImageOptions,
): Promise<{ picture: Uint8Array | DecodedImage; options: ImageOptions; transfer: ArrayBuffer[] }> {
  if (!(image instanceof PreparedImage)) return { picture: image, options, transfer: [] };
  const picture = await image.take();
  const transfer =
    picture instanceof Uint8Array || !(picture.canvas.data.buffer instanceof ArrayBuffer)
      ? []
      : [picture.canvas.data.buffer];
  return { picture, options: image.options, transfer };
}

/**
 * The image with one box per detection and its label and score ("dog 0.98"), one colour per
 * label. JPEG in, JPEG out (quality 85); anything else comes out as PNG. Drawn on a render worker,
 * on the file or on a photo prepared with prepareImage (then decoded with the options given there).
 */
export async function drawDetections(
  image: Uint8Array | PreparedImage,
  detections: Detection[],
  options: ImageOptions = {},
): Promise<EncodedImage> {
  const job = await source(image, options);
  return renderPool().runMoving("drawDetections", job.transfer, job.picture, detections, job.options);
}

/**
 * The image with each segment washed in its label's colour, outlined, and labelled at the region
 * ("person 0.99"; no score for semantic segmentation, whose scores are null). Drawn on a render
 * worker, on the file or on a photo prepared with prepareImage (then decoded with the options given
 * there).
 */
export async function drawMasks(
  image: Uint8Array | PreparedImage,
  segments: Segment[],
  options: ImageOptions = {},
): Promise<EncodedImage> {
  const job = await source(image, options);
  return renderPool().runMoving("drawMasks", job.transfer, job.picture, segments, job.options);
}

/**
 * Depth as a colour image (Turbo map, near = red), from a depth PNG or a 2-D array of numbers; always
 * PNG. Drawn on a render worker.
 */
export function renderDepth(
  input: Parameters<typeof renderDepthHere>[0],
  options: ImageOptions = {},
): Promise<EncodedImage> {
  return renderPool().run("renderDepth", input, options);
}
