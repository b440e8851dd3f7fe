import sharp from "sharp";
import { BotError } from "../errors.js";
import {
  DEFAULT_MAX_PIXELS,
  decodeError,
  type EncodedImage,
  type ImageOptions,
  maxPixelsOf,
  readHeader,
} from "./image.js";
import { readGreyPng, writePalettePng } from "./png.js";

const NAME = "The depth map";

/**
 * Google's polynomial fit of the Turbo colour map (Mikhailov, 2019): perceptually smoother than jet
 * and, unlike viridis, with enough hue change that near and far read apart at a glance.
 */
function turbo(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  const r =
    0.13572138 +
    x * (4.6153926 + x * (-42.66032258 + x * (132.13108234 + x * (-152.94239396 + x * 59.28637943))));
  const g =
    0.09140261 + x * (2.19418839 + x * (4.84296658 + x * (-14.18503333 + x * (4.27729857 + x * 2.82956604))));
  const b =
    0.1066733 +
    x * (12.64194608 + x * (-60.58204836 + x * (110.36276771 + x * (-89.90310912 + x * 27.34824973))));
  const byte = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
  return [byte(r), byte(g), byte(b)];
}

/** 256 Turbo colours as interleaved RGB, built per call (microseconds) to keep the module stateless. */
export function turboTable(): Uint8Array {
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) table.set(turbo(i / 255), i * 3);
  return table;
}

interface Grid {
  width: number;
  height: number;
  /** Row-major samples; NaN marks a missing value. */
  values: ArrayLike<number>;
}

function invalid(detail: string): BotError {
  return new BotError("input_invalid", `depth map: ${detail}`, {
    userMessage: `${NAME} could not be drawn (${detail}).`,
  });
}

function gridFromValues(rows: unknown, maxPixels: number): Grid {
  if (!Array.isArray(rows) || rows.length === 0 || !Array.isArray(rows[0]) || rows[0].length === 0) {
    throw invalid("it has no values");
  }
  const height = rows.length;
  const width = (rows[0] as unknown[]).length;
  if (width * height > maxPixels) {
    throw new BotError("input_too_large", `depth map: ${width}×${height} values exceed ${maxPixels}`, {
      userMessage: `${NAME} is too large to draw (${width}×${height} values).`,
    });
  }
  const values = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    const row: unknown = rows[y];
    if (!Array.isArray(row) || row.length !== width)
      throw invalid(`row ${y + 1} does not have ${width} values`);
    for (let x = 0; x < width; x++) {
      const v: unknown = row[x];
      if (typeof v !== "number" && v !== null)
        throw invalid(`row ${y + 1} holds something that is not a number`);
      values[y * width + x] = typeof v === "number" && Number.isFinite(v) ? v : Number.NaN;
    }
  }
  return { width, height, values };
}

/**
 * A depth PNG as 16-bit samples, so a 16-bit map keeps its precision through the normalisation. The
 * usual one-channel 8-bit map (hf-inference's) is read as it is, on this thread (png.ts) unless it
 * needs sharp: widening it to 16 bits only multiplies every sample by 257, which the min..max
 * stretch takes out again.
 */
async function gridFromPng(png: Uint8Array, options: ImageOptions): Promise<Grid> {
  const grey = readGreyPng(png, maxPixelsOf(options));
  if (grey) return { width: grey.width, height: grey.height, values: grey.data };
  const { maxPixels, channels, depth } = await readHeader(png, { maxPixels: options.maxPixels, name: NAME });
  try {
    const decoder = sharp(png, { limitInputPixels: maxPixels, failOn: "truncated" });
    if (channels === 1 && depth === "uchar") {
      const { data, info } = await decoder
        .toColourspace("b-w")
        .raw({ depth: "uchar" })
        .toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, values: data.subarray(0, info.width * info.height) };
    }
    const { data, info } = await decoder
      .toColourspace("grey16")
      .extractChannel(0)
      .raw({ depth: "ushort" })
      .toBuffer({ resolveWithObject: true });
    const samples = info.width * info.height;
    // A Uint16Array view needs an even offset; copy in the rare case the buffer is pooled oddly.
    const aligned = data.byteOffset % 2 === 0 ? data : Buffer.from(data);
    return {
      width: info.width,
      height: info.height,
      values: new Uint16Array(aligned.buffer, aligned.byteOffset, samples),
    };
  } catch (error) {
    throw decodeError(error, NAME);
  }
}

/** Smallest and largest value, NaN left out (an empty or all-NaN grid gives +∞, −∞). */
function rangeOf(values: ArrayLike<number>): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/**
 * Each sample's place on the colour map (0..255, min..max); `missing` marks NaN samples (left at 0),
 * undefined when there are none.
 */
function colourIndices(values: ArrayLike<number>): { indices: Uint8Array; missing: Uint8Array | undefined } {
  const { min, max } = rangeOf(values);
  // A flat map (or one with no valid value) has no range to stretch: draw it mid-scale.
  const range = max > min ? max - min : 0;
  const colourIndex = (v: number) => (range === 0 ? 128 : Math.round(((v - min) / range) * 255));
  const indices = new Uint8Array(values.length);
  if (values instanceof Uint8Array || values instanceof Uint16Array) {
    // Integer samples: each distinct value's place worked out once, then looked up per pixel.
    const lookup = new Uint8Array(max + 1);
    for (let v = min; v <= max; v++) lookup[v] = colourIndex(v);
    for (let i = 0; i < values.length; i++) indices[i] = lookup[values[i]!]!;
    return { indices, missing: undefined };
  }
  let missing: Uint8Array | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) {
      missing ??= new Uint8Array(values.length);
      missing[i] = 1;
    } else {
      indices[i] = colourIndex(v);
    }
  }
  return { indices, missing };
}

/**
 * Depth as a colour image: from the greyscale PNG an hf-inference depth model returns, or from a
 * 2-D array of numbers (`predicted_depth`). Values are stretched min..max over the Turbo map
 * (low = blue, high = red); missing values (NaN, null) are drawn black. Always PNG: a palette PNG of
 * the 256 Turbo colours, written on this thread (png.ts), or, when black is needed for missing values,
 * an RGB one.
 */
export async function renderDepth(
  input: { png?: Uint8Array; values?: number[][] },
  options: ImageOptions = {},
): Promise<EncodedImage> {
  const grid = input.png
    ? await gridFromPng(input.png, options)
    : input.values
      ? gridFromValues(input.values, options.maxPixels ?? DEFAULT_MAX_PIXELS)
      : undefined;
  if (!grid) throw invalid("no PNG and no values were given");
  const table = turboTable();
  const { indices, missing } = colourIndices(grid.values);
  if (!missing) {
    return { bytes: writePalettePng(grid.width, grid.height, indices, table), mime: "image/png" };
  }
  const rgb = new Uint8Array(indices.length * 3);
  for (let i = 0; i < indices.length; i++) {
    if (missing[i]) continue;
    const colour = indices[i]! * 3;
    rgb[i * 3] = table[colour]!;
    rgb[i * 3 + 1] = table[colour + 1]!;
    rgb[i * 3 + 2] = table[colour + 2]!;
  }
  const bytes = await sharp(rgb, { raw: { width: grid.width, height: grid.height, channels: 3 } })
    .png({ compressionLevel: 4 })
    .toBuffer();
  return { bytes, mime: "image/png" };
}
