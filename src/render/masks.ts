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
    let area = 0;
    for (let p = 0; p < pixels; p++) if (mask[p]! >= 128) area++;
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
 */
function paintRegions(
  canvas: Canvas,
  map: Uint8Array,
  colours: readonly Rgb[],
  edge: number,
): Array<[number, number]> {
  const { width, height, channels, data } = canvas;
  const count = colours.length;
  const sumX = new Float64Array(count);
  const sumY = new Float64Array(count);
  const area = new Float64Array(count);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const id = map[row + x]!;
      if (id === 0) continue;
      sumX[id] = sumX[id]! + x;
      sumY[id] = sumY[id]! + y;
      area[id] = area[id]! + 1;
      const colour = colours[id]!;
      const onEdge =
        x < edge ||
        y < edge ||
        x >= width - edge ||
        y >= height - edge ||
        map[row + x - edge] !== id ||
        map[row + x + edge] !== id ||
        map[row + x - edge * width] !== id ||
        map[row + x + edge * width] !== id;
      const i = (row + x) * channels;
      if (channels === 4) {
        // Over a transparent pixel the wash must bring its own opacity, not darken invisible colour.
        const below = data[i + 3]! / 255;
        const a = onEdge ? 1 : FILL_ALPHA;
        const out = a + below * (1 - a);
        data[i] = Math.round((colour.r * a + data[i]! * below * (1 - a)) / out);
        data[i + 1] = Math.round((colour.g * a + data[i + 1]! * below * (1 - a)) / out);
        data[i + 2] = Math.round((colour.b * a + data[i + 2]! * below * (1 - a)) / out);
        data[i + 3] = Math.round(out * 255);
      } else if (onEdge) {
        data[i] = colour.r;
        data[i + 1] = colour.g;
        data[i + 2] = colour.b;
      } else {
        data[i] = (data[i]! + colour.r + 1) >> 1;
        data[i + 1] = (data[i + 1]! + colour.g + 1) >> 1;
        data[i + 2] = (data[i + 2]! + colour.b + 1) >> 1;
      }
    }
  }
  const anchors: Array<[number, number]> = [];
  const best = new Float64Array(count).fill(Number.POSITIVE_INFINITY);
  const cx = Array.from(sumX, (s, id) => s / (area[id] || 1));
  const cy = Array.from(sumY, (s, id) => s / (area[id] || 1));
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const id = map[row + x]!;
      if (id === 0) continue;
      const d = (x - cx[id]!) ** 2 + (y - cy[id]!) ** 2;
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
