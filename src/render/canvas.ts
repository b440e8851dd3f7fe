/**
 * Drawing on decoded pixels. Boxes, labels and mask overlays are painted straight into the raw
 * buffer between one decode and one encode: compositing dozens of overlays in libvips costs about a
 * millisecond per layer on a 12-megapixel image, and a full-size SVG overlay costs more than the
 * decode and encode together, while filling the few rows a box covers costs almost nothing.
 */

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

/** Interleaved 8-bit sRGB pixels, with alpha as the 4th channel when the image has one. */
export interface Canvas {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3 | 4;
}

/**
 * Fills [x0, x1) × [y0, y1) with an opaque colour, clipped to the canvas. One pixel is written, then
 * doubled with copyWithin across the row, and the row copied to the rows below: a 4000 px edge costs
 * a dozen memmoves, not 4000 loop turns.
 */
export function fillRect(canvas: Canvas, x0: number, y0: number, x1: number, y1: number, colour: Rgb): void {
  const left = Math.max(0, Math.floor(x0));
  const top = Math.max(0, Math.floor(y0));
  const right = Math.min(canvas.width, Math.floor(x1));
  const bottom = Math.min(canvas.height, Math.floor(y1));
  if (right <= left || bottom <= top) return;
  const { data, channels, width } = canvas;
  const stride = width * channels;
  const rowStart = top * stride + left * channels;
  const rowBytes = (right - left) * channels;
  data[rowStart] = colour.r;
  data[rowStart + 1] = colour.g;
  data[rowStart + 2] = colour.b;
  if (channels === 4) data[rowStart + 3] = 255;
  for (let filled = channels; filled < rowBytes; filled *= 2) {
    data.copyWithin(rowStart + filled, rowStart, rowStart + Math.min(filled, rowBytes - filled));
  }
  for (let y = top + 1; y < bottom; y++) {
    data.copyWithin(y * stride + left * channels, rowStart, rowStart + rowBytes);
  }
}

/** A rectangle outline of the given thickness drawn inside [x0, x1) × [y0, y1). */
export function strokeRect(
  canvas: Canvas,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  thickness: number,
  colour: Rgb,
): void {
  const t = Math.max(1, Math.min(thickness, Math.ceil((x1 - x0) / 2), Math.ceil((y1 - y0) / 2)));
  fillRect(canvas, x0, y0, x1, y0 + t, colour);
  fillRect(canvas, x0, y1 - t, x1, y1, colour);
  fillRect(canvas, x0, y0 + t, x0 + t, y1 - t, colour);
  fillRect(canvas, x1 - t, y0 + t, x1, y1 - t, colour);
}

/** Black or white, whichever reads better on the background (WCAG relative luminance, simplified). */
export function textColourOn(background: Rgb): Rgb {
  const luminance = 0.2126 * background.r + 0.7152 * background.g + 0.0722 * background.b;
  return luminance > 140 ? { r: 0, g: 0, b: 0 } : { r: 255, g: 255, b: 255 };
}
