import type { Detection } from "../tasks/resource.js";
import { type Canvas, strokeRect } from "./canvas.js";
import { canvasOf, type DecodedImage, type EncodedImage, encodeCanvas, type ImageOptions } from "./image.js";
import { clampLabel, drawLabel, layoutLabel, scaleFor } from "./layout.js";
import { labelColours } from "./palette.js";

/** More boxes than this is noise on a picture (and a runaway model output); the best ones are kept. */
const MAX_DRAWN = 1000;

interface PixelBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The box in whole pixels, corners in either order, clamped to the canvas and at least one pixel
 * wide and high, so a box that runs off the edge still shows the part that is in the picture.
 * Undefined for coordinates that are not numbers.
 */
export function clampBox(detection: Detection, width: number, height: number): PixelBox | undefined {
  const { xmin, ymin, xmax, ymax } = detection.box;
  if (![xmin, ymin, xmax, ymax].every(Number.isFinite)) return undefined;
  const span = (a: number, b: number, size: number): [number, number] => {
    let lo = Math.max(0, Math.min(size - 1, Math.floor(Math.min(a, b))));
    let hi = Math.max(0, Math.min(size, Math.ceil(Math.max(a, b))));
    if (hi <= lo) {
      lo = Math.min(lo, size - 1);
      hi = lo + 1;
    }
    return [lo, hi];
  };
  const [x0, x1] = span(xmin, xmax, width);
  const [y0, y1] = span(ymin, ymax, height);
  return { x0, y0, x1, y1 };
}

/** Boxes and labels painted onto an already decoded canvas (exposed for tests and benchmarks). */
export function paintDetections(canvas: Canvas, detections: readonly Detection[]): void {
  const { unit, line } = scaleFor(canvas.width, canvas.height);
  const colours = labelColours(detections.map((d) => d.label));
  // Ascending score, so where boxes or labels overlap the most confident one ends on top.
  const ordered = [...detections]
    .sort((a, b) => (Number.isFinite(b.score) ? b.score : -1) - (Number.isFinite(a.score) ? a.score : -1))
    .slice(0, MAX_DRAWN)
    .reverse();
  const placed: Array<{ detection: Detection; box: PixelBox }> = [];
  for (const detection of ordered) {
    const box = clampBox(detection, canvas.width, canvas.height);
    if (!box) continue;
    placed.push({ detection, box });
    strokeRect(canvas, box.x0, box.y0, box.x1, box.y1, line, colours.get(detection.label)!);
  }
  // Labels after all boxes, so no box line crosses a label's text.
  for (const { detection, box } of placed) {
    const label = layoutLabel(detection.label, detection.score, canvas.width, unit);
    if (!label) continue;
    // Above the box when there is room, otherwise just inside its top edge.
    const top = box.y0 - label.height >= 0 ? box.y0 - label.height : box.y0;
    const position = clampLabel(canvas, label, box.x0, top);
    drawLabel(canvas, label, position.left, position.top, colours.get(detection.label)!, unit);
  }
}

/**
 * The image with one box per detection and its label and score ("dog 0.98"), one colour per
 * label. JPEG in, JPEG out (quality 85); anything else comes out as PNG. The picture is a file, or
 * its pixels decoded ahead (`decodeAhead`), painted on as they are.
 */
export async function drawDetections(
  image: Uint8Array | DecodedImage,
  detections: Detection[],
  options: ImageOptions = {},
): Promise<EncodedImage> {
  const { canvas, info } = await canvasOf(image, options);
  paintDetections(canvas, detections);
  return encodeCanvas(canvas, info.format === "jpeg");
}
