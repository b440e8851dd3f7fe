import sharp from "sharp";
import type { Canvas, Rgb } from "./canvas.js";
import {
  type DecodedImage,
  decodeCanvas,
  decodeError,
  type EncodedImage,
  encodeCanvas,
  type ImageOptions,
  maxPixelsOf,
  readHeader,
} from "./image.js";
import { clampLabel, drawLabel, layoutLabel, scaleFor } from "./layout.js";
import { labelColours } from "./palette.js";
import { readGreyPng } from "./png.js";

export interface Segment {
  label: string;
  score: number;
  /** A PNG mask as hf-inference returns it: white where the segment is, black elsewhere, any size. */
  mask: Uint8Array;
}

/** The region map holds segment numbers in one byte per pixel (0 = no segment). */
const MAX_SEGMENTS = 254;
/**
 * Masks decoded at once, ahead of the one being merged: enough to keep libuv's four threads busy, few
 * enough that a model answering with hundreds of full-size masks does not hold them all in memory.
 */
const MASKS_IN_FLIGHT = 4;
/** Opacity of the colour wash over a segment: enough to see the colour, little enough to see the photo. */
const FILL_ALPHA = 0.5;

/**
 * The mask as one byte of coverage per pixel of the canvas: the brightest colour channel, times
 * alpha when there is one (transparent parts are outside the segment, whatever colour they hide).
 * hf-inference's masks (8-bit greyscale PNGs) are their own coverage and are read on this thread
 * (png.ts); other masks are decoded by sharp and reduced in JS on the raw pixels: libvips' greyscale
 * and flatten conversions cost several times the PNG decode on a 12 MP mask. Stretched (bilinear)
 * when the model answered at another size.
 */
async function decodeMask(
  segment: Segment,
  width: number,
  height: number,
  options: ImageOptions,
): Promise<Uint8Array> {
  const name = `The mask for "${segment.label}"`;
  const grey = readGreyPng(segment.mask, maxPixelsOf(options));
  const { coverage, size } = grey
    ? { coverage: grey.data, size: grey }
    : await decodeCoverage(segment.mask, { maxPixels: options.maxPixels, name });
  if (size.width === width && size.height === height) return coverage;
  try {
    return await sharp(coverage, { raw: { width: size.width, height: size.height, channels: 1 } })
      .resize(width, height, { fit: "fill", kernel: "linear" })
      .toColourspace("b-w")
      .raw()
      .toBuffer();
  } catch (error) {
    throw decodeError(error, name);
  }
}

/** A mask in any format sharp reads, as one byte of coverage per pixel at its own size. */
async function decodeCoverage(
  mask: Uint8Array,
  options: ImageOptions,
): Promise<{ coverage: Uint8Array; size: { width: number; height: number } }> {
  const header = await readHeader(mask, options);
  try {
    let image = sharp(mask, { limitInputPixels: header.maxPixels, failOn: "truncated" });
    // sharp's raw output is sRGB by default: keep one-channel masks one channel.
    if (header.channels === 1) image = image.toColourspace("b-w");
    const { data, info } = await image.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true });
    const { channels } = info;
    const hasAlpha = channels === 2 || channels === 4;
    const colourChannels = hasAlpha ? channels - 1 : channels;
    const samples = info.width * info.height;
    if (channels === 1) return { coverage: data, size: info };
    const coverage = new Uint8Array(samples);
    for (let p = 0, i = 0; p < samples; p++, i += channels) {
      let v = data[i]!;
      for (let c = 1; c < colourChannels; c++) v = Math.max(v, data[i + c]!);
      coverage[p] = hasAlpha ? (v * data[i + colourChannels]!) / 255 : v;
    }
    return { coverage, size: info };
  } catch (error) {
    throw decodeError(error, options.name);
  }
}

/**
 * The top bit of each of a word's four bytes (a byte ≥ 128: a covered pixel), as the signed 32-bit
 * value JavaScript's bitwise operators give: `word & COVERED` is compared with this, never with the
 * literal 0x80808080, which is a number above 2³¹ that no bitwise result equals.
 */
const COVERED = 0x80808080 | 0;

/**
 * Pixels of the mask with coverage ≥ 128 (the byte's top bit), four at a time where it is aligned.
 * Branch-free: skipping empty or full words was faster on the bench's three rectangles but slower on
 * masks of thin stripes, where most words are partly covered.
 */
function coveredArea(mask: Uint8Array): number {
  const words = wordsOf(mask);
  let area = 0;
  for (let w = 0; w < words.length; w++) area += Math.imul((words[w]! >>> 7) & 0x01010101, 0x01010101) >>> 24;
  for (let p = words.length * 4; p < mask.length; p++) area += mask[p]! >>> 7;
  return area;
}

/**
 * The mask's bytes four at a time (a whole number of words; the tail is left to the caller), as signed
 * words: V8 keeps them in registers as 32-bit integers, where a word above 2³¹ of a Uint32Array
 * becomes a floating-point number on every read.
 */
function wordsOf(mask: Uint8Array): Int32Array {
  return mask.byteOffset % 4 === 0
    ? new Int32Array(mask.buffer, mask.byteOffset, mask.length >>> 2)
    : new Int32Array(0);
}

/**
 * Which segment each pixel shows. Where masks overlap the smaller segment wins, so a cup on a
 * table stays visible instead of being painted over by "table". Masks decode on libuv's pool, a
 * few at a time, while the earlier ones are merged here in order. Four bytes of a mask are skipped
 * at once where none of them is covered.
 */
async function regionMap(
  size: { width: number; height: number },
  segments: readonly Segment[],
  options: ImageOptions,
): Promise<Uint8Array> {
  const pixels = size.width * size.height;
  const map = new Uint8Array(pixels);
  const areas = new Float64Array(segments.length + 1);
  areas[0] = Number.POSITIVE_INFINITY;
  const pending: Array<Promise<Uint8Array>> = [];
  const decode = (index: number): void => {
    const segment = segments[index];
    if (!segment) return;
    const mask = decodeMask(segment, size.width, size.height, options);
    // Awaited in its turn; until then a rejection must not count as unhandled.
    mask.catch(() => undefined);
    pending.push(mask);
  };
  for (let index = 0; index < MASKS_IN_FLIGHT; index++) decode(index);
  for (let index = 0; index < segments.length; index++) {
    const mask = await pending.shift()!;
    decode(index + MASKS_IN_FLIGHT);
    const area = coveredArea(mask);
    const id = index + 1;
    areas[id] = area;
    const words = wordsOf(mask);
    const regions = wordsOf(map);
    const all = Math.imul(id, 0x01010101);
    for (let w = 0; w < words.length; w++) {
      const covered = words[w]! & COVERED;
      if (covered === 0) continue;
      // Four covered pixels of one region no smaller than this segment: all four change at once.
      const below = regions[w]!;
      if (covered === COVERED && below === Math.imul(below & 0xff, 0x01010101)) {
        if (areas[below & 0xff]! >= area) regions[w] = all;
        continue;
      }
      for (let p = w * 4, last = p + 4; p < last; p++) {
        if (mask[p]! >= 128 && areas[map[p]!]! >= area) map[p] = id;
      }
    }
    for (let p = words.length * 4; p < pixels; p++) {
      if (mask[p]! >= 128 && areas[map[p]!]! >= area) map[p] = id;
    }
  }
  return map;
}

/**
 * Washes each region in its colour and outlines it (band `edge` px wide inside its border, so
 * neighbouring instances of one label stay apart), then returns for each region the pixel where its
 * label goes: the region pixel nearest its centroid (the first in reading order on a tie), so a
 * ring-shaped region gets its label on itself.
 *
 * Rows are walked as runs of one region: a run's centroid sums are one multiplication, and a pixel's
 * left and right neighbours `edge` away lie inside its own run unless it is near the run's ends. The
 * runs are kept, so the nearest pixels are found run by run (the clamped centroid column), not by a
 * second walk over every pixel.
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
  // Each run as (row, start, end, region), four entries, in reading order.
  let runs = new Int32Array(4 * Math.max(64, height * 4));
  let runCount = 0;
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
      if (runCount * 4 === runs.length) {
        const grown = new Int32Array(runs.length * 2);
        grown.set(runs);
        runs = grown;
      }
      runs.set([y, start, end, id], runCount * 4);
      runCount++;
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
  for (let run = 0; run < runCount * 4; run += 4) {
    const y = runs[run]!;
    const id = runs[run + 3]!;
    // The run's pixel nearest the centroid's column; halfway between two, the left one (read first).
    const x = Math.min(Math.max(Math.ceil(cx[id]! - 0.5), runs[run + 1]!), runs[run + 2]! - 1);
    const dx = x - cx[id]!;
    const dy = y - cy[id]!;
    const d = dx * dx + dy * dy;
    if (d < best[id]!) {
      best[id] = d;
      anchors[id] = [x, y];
    }
  }
  return anchors;
}

/**
 * The image with each segment washed in its label's colour, outlined, and labelled at the
 * region ("person 0.99"; no score for semantic segmentation, whose scores are null). The image is a
 * file, or its pixels decoded ahead (`decodeAhead`), painted on as they are.
 */
export async function drawMasks(
  image: Uint8Array | DecodedImage,
  segments: Array<{ label: string; score: number; mask: Uint8Array }>,
  options: ImageOptions = {},
): Promise<EncodedImage> {
  const kept = segments.slice(0, MAX_SEGMENTS);
  let decoded: DecodedImage;
  let map: Uint8Array;
  if (image instanceof Uint8Array) {
    // The header gives the size the masks are stretched to, so that they decode (on libuv's pool)
    // while the photo does.
    const { info: header } = await readHeader(image, options);
    [decoded, map] = await Promise.all([decodeCanvas(image, options), regionMap(header, kept, options)]);
    const { width, height } = decoded.canvas;
    if (width !== header.width || height !== header.height) {
      throw new Error(`decoded ${width}×${height}, the header said ${header.width}×${header.height}`);
    }
  } else {
    decoded = image;
    map = await regionMap(decoded.canvas, kept, options);
  }
  const { canvas, info } = decoded;
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
