import sharp from "sharp";
import type { Canvas, Rgb } from "./canvas.js";
import {
  decodeCanvas,
  decodeError,
  type EncodedImage,
  encodeCanvas,
  type ImageOptions,
  readHeader,
} from "./image.js";
import { clampLabel, drawLabel, layoutLabel, scaleFor } from "./layout.js";
import { labelColours } from "./palette.js";

export interface Segment {
  label: string;
  score: number;
  /** A PNG mask as hf-inference returns it: white where the segment is, black elsewhere, any size. */
  mask: Uint8Array;
}

/** The region map holds segment numbers in one byte per pixel (0 = no segment). */
const MAX_SEGMENTS = 254;
/** Opacity of the colour wash over a segment: enough to see the colour, little enough to see the photo. */
const FILL_ALPHA = 0.5;

/**
 * The mask as one byte of coverage per pixel of the canvas: the brightest colour channel, times
 * alpha when there is one (transparent parts are outside the segment, whatever colour they hide).
 * Computed in JS on the raw pixels: libvips' greyscale and flatten conversions cost several times
 * the PNG decode on a 12 MP mask. Stretched (bilinear) when the model answered at another size.
 */
async function decodeMask(
  segment: Segment,
  width: number,
  height: number,
  options: ImageOptions,
): Promise<Uint8Array> {
  const name = `The mask for "${segment.label}"`;
  const header = await readHeader(segment.mask, { maxPixels: options.maxPixels, name });
  try {
    let image = sharp(segment.mask, { limitInputPixels: header.maxPixels, failOn: "truncated" });
    // sharp's raw output is sRGB by default: keep hf-inference's one-channel masks one channel.
    if (header.channels === 1) image = image.toColourspace("b-w");
    const { data, info } = await image.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
    const { channels } = info;
    const hasAlpha = channels === 2 || channels === 4;
    const colourChannels = hasAlpha ? channels - 1 : channels;
    const samples = info.width * info.height;
    let coverage: Uint8Array;
    if (channels === 1) {
      coverage = data;
    } else {
      coverage = new Uint8Array(samples);
      for (let p = 0, i = 0; p < samples; p++, i += channels) {
        let v = data[i]!;
        for (let c = 1; c < colourChannels; c++) v = Math.max(v, data[i + c]!);
        coverage[p] = hasAlpha ? (v * data[i + colourChannels]!) / 255 : v;
      }
    }
    if (info.width === width && info.height === height) return coverage;
    return await sharp(coverage, { raw: { width: info.width, height: info.height, channels: 1 } })
      .resize(width, height, { fit: "fill", kernel: "linear" })
      .toColourspace("b-w")
      .raw()
      .toBuffer();
  } catch (error) {
    throw decodeError(error, name);
  }
}

/**
 * Which segment each pixel shows. Where masks overlap the smaller segment wins, so a cup on a
 * table stays visible instead of being painted over by "table". The next mask is decoded (on
 * libuv's pool) while this one is merged (on this thread).
 */
async function regionMap(
  size: { width: number; height: number },
  segments: readonly Segment[],
  options: ImageOptions,
): Promise<Uint8Array> {
  const pixels = size.width * size.height;
  const map = new Uint8Array(pixels);
  const areas = [Number.POSITIVE_INFINITY];
  const decode = (index: number): Promise<Uint8Array> | undefined => {
    const segment = segments[index];
    if (!segment) return undefined;
    const pending = decodeMask(segment, size.width, size.height, options);
    // Awaited on the next turn; until then a rejection must not count as unhandled.
    pending.catch(() => undefined);
    return pending;
  };
  let next = decode(0);
  for (let index = 0; next; index++) {
    const mask = await next;
    next = decode(index + 1);
    // Coverage ≥ 128 is "in the segment": the byte's top bit, counted without a branch.
    let area = 0;
    for (let p = 0; p < pixels; p++) area += mask[p]! >>> 7;
    areas.push(area);
    const id = index + 1;
    for (let p = 0; p < pixels; p++) {
      if (mask[p]! >= 128 && areas[map[p]!]! >= area) map[p] = id;
    }
  }
  return map;
}

/**
 * Washes each region in its colour and outlines it (band `edge` px wide inside its border, so
 * neighbouring instances of one label stay apart), then returns for each region the pixel where its
 * label goes: the region pixel nearest its centroid, so a ring-shaped region gets its label on itself.
 *
 * Rows are walked as runs of one region: a run's centroid sums are one multiplication, and a pixel's
 * left and right neighbours `edge` away lie inside its own run unless it is near the run's ends.
 */
function paintRegions(
  canvas: Canvas,
  map: Uint8Array,
  colours: readonly Rgb[],
  edge: number,
): Array<[number, number]> {
  const { width, height, channels, data } = canvas;
  const count = colours.length;
  const palette = new Uint8Array(count * 3);
  for (const [id, colour] of colours.entries()) palette.set([colour.r, colour.g, colour.b], id * 3);
  const sumX = new Float64Array(count);
  const sumY = new Float64Array(count);
  const area = new Float64Array(count);
  const rightBand = width - edge;
  const rowsApart = edge * width;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const edgeRow = y < edge || y >= height - edge;
    let start = 0;
    while (start < width) {
      const id = map[row + start]!;
      let end = start + 1;
      while (end < width && map[row + end] === id) end++;
      if (id === 0) {
        start = end;
        continue;
      }
      const length = end - start;
      sumX[id] = sumX[id]! + ((start + end - 1) * length) / 2;
      sumY[id] = sumY[id]! + y * length;
      area[id] = area[id]! + length;
      const r = palette[id * 3]!;
      const g = palette[id * 3 + 1]!;
      const b = palette[id * 3 + 2]!;
      for (let x = start; x < end; x++) {
        const p = row + x;
        const onEdge =
          edgeRow ||
          x < edge ||
          x >= rightBand ||
          (x - edge < start && map[p - edge] !== id) ||
          (x + edge >= end && map[p + edge] !== id) ||
          map[p - rowsApart] !== id ||
          map[p + rowsApart] !== id;
        const i = p * channels;
        if (channels === 4) {
          // Over a transparent pixel the wash must bring its own opacity, not darken invisible colour.
          const below = data[i + 3]! / 255;
          const a = onEdge ? 1 : FILL_ALPHA;
          const out = a + below * (1 - a);
          data[i] = Math.round((r * a + data[i]! * below * (1 - a)) / out);
          data[i + 1] = Math.round((g * a + data[i + 1]! * below * (1 - a)) / out);
          data[i + 2] = Math.round((b * a + data[i + 2]! * below * (1 - a)) / out);
          data[i + 3] = Math.round(out * 255);
        } else if (onEdge) {
          data[i] = r;
          data[i + 1] = g;
          data[i + 2] = b;
        } else {
          data[i] = (data[i]! + r + 1) >> 1;
          data[i + 1] = (data[i + 1]! + g + 1) >> 1;
          data[i + 2] = (data[i + 2]! + b + 1) >> 1;
        }
      }
      start = end;
    }
  }
  const anchors: Array<[number, number]> = [];
  const best = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
  const cx = new Float64Array(count);
  const cy = new Float64Array(count);
  for (let id = 0; id < count; id++) {
    cx[id] = sumX[id]! / (area[id] || 1);
    cy[id] = sumY[id]! / (area[id] || 1);
  }
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const id = map[row + x]!;
      if (id === 0) continue;
      const dx = x - cx[id]!;
      const dy = y - cy[id]!;
      const d = dx * dx + dy * dy;
      if (d < best[id]!) {
        best[id] = d;
        anchors[id] = [x, y];
      }
    }
  }
  return anchors;
}

/**
 * The image with each segment washed in its label's colour, outlined, and labelled at the
 * region ("person 0.99"; no score for semantic segmentation, whose scores are null).
 */
export async function drawMasks(
  image: Uint8Array,
  segments: Array<{ label: string; score: number; mask: Uint8Array }>,
  options: ImageOptions = {},
): Promise<EncodedImage> {
  // The header gives the size the masks are stretched to, so that they decode (on libuv's pool)
  // while the photo does.
  const { info: header } = await readHeader(image, options);
  const kept = segments.slice(0, MAX_SEGMENTS);
  const [{ canvas, info }, map] = await Promise.all([
    decodeCanvas(image, options),
    regionMap(header, kept, options),
  ]);
  if (canvas.width !== header.width || canvas.height !== header.height) {
    throw new Error(
      `decoded ${canvas.width}×${canvas.height}, the header said ${header.width}×${header.height}`,
    );
  }
  const byLabel = labelColours(kept.map((s) => s.label));
  const colours: Rgb[] = [{ r: 0, g: 0, b: 0 }, ...kept.map((s) => byLabel.get(s.label)!)];
  const { unit, line } = scaleFor(canvas.width, canvas.height);
  const anchors = paintRegions(canvas, map, colours, line);
  kept.forEach((segment, index) => {
    const anchor = anchors[index + 1];
    if (!anchor) return;
    const label = layoutLabel(segment.label, segment.score, canvas.width, unit);
    if (!label) return;
    const position = clampLabel(canvas, label, anchor[0] - label.width / 2, anchor[1] - label.height / 2);
    drawLabel(canvas, label, position.left, position.top, colours[index + 1]!, unit);
  });
  return encodeCanvas(canvas, info.format === "jpeg");
}
