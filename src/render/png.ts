/**
 * The two PNG shapes the drawings handle most, read and written here over node:zlib on the worker's
 * own thread: an 8-bit greyscale image in (a mask, a depth map, as hf-inference sends them) and an
 * 8-bit palette image out (a depth map has 256 colours). Through sharp, each would be a job queued
 * on libuv's thread pool and a wake-up on its return: on a busy machine those waits cost more than
 * the decoding, and two drawings of one plan contend for the same four threads. Anything else (16-bit,
 * interlaced, a colour profile, transparency, a damaged file) is left to sharp, which reads it, or
 * says what is wrong with it, as before.
 */
import { deflateSync, inflateSync } from "node:zlib";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/**
 * Chunks that change no pixel value: a file with any other (gAMA, iCCP, sBIT, tRNS…) goes to sharp,
 * which may act on it.
 */
const INERT_CHUNKS = new Set(["IHDR", "IDAT", "IEND", "pHYs", "tEXt", "zTXt", "iTXt", "tIME"]);
/** zlib level for written PNGs: as sharp's `compressionLevel: 4` elsewhere in render/. */
const DEFLATE_LEVEL = 4;

export interface GreyPixels {
  width: number;
  height: number;
  /** One byte per pixel, row by row. */
  data: Uint8Array;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/**
 * The pixels of an 8-bit greyscale, non-interlaced PNG of at most `maxPixels`; undefined for any
 * other file, including a damaged one (sharp then reads it or names the damage). The image data is
 * checked by zlib's own checksum; chunk CRCs are not read.
 */
export function readGreyPng(bytes: Uint8Array, maxPixels: number): GreyPixels | undefined {
  if (bytes.length < 8 + 25 || SIGNATURE.some((byte, i) => bytes[i] !== byte)) return undefined;
  let width = 0;
  let height = 0;
  const compressed: Uint8Array[] = [];
  let ended = false;
  for (let at = 8; at + 12 <= bytes.length && !ended; ) {
    const length = readUint32(bytes, at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    const data = at + 8;
    if (length > bytes.length - data - 4 || !INERT_CHUNKS.has(type)) return undefined;
    if (type === "IHDR") {
      // Bit depth 8, colour type 0 (grey), deflate, adaptive filters, no interlace.
      if (length !== 13 || at !== 8) return undefined;
      width = readUint32(bytes, data);
      height = readUint32(bytes, data + 4);
      const [depth, colour, compression, filtering, interlace] = bytes.subarray(data + 8, data + 13);
      if (depth !== 8 || colour !== 0 || compression !== 0 || filtering !== 0 || interlace !== 0) {
        return undefined;
      }
    } else if (type === "IDAT") {
      compressed.push(bytes.subarray(data, data + length));
    } else if (type === "IEND") {
      ended = true;
    }
    at = data + length + 4;
  }
  if (!ended || width < 1 || height < 1 || width * height > maxPixels || compressed.length === 0) {
    return undefined;
  }
  const stride = width + 1;
  let filtered: Uint8Array;
  try {
    filtered = inflateSync(compressed.length === 1 ? compressed[0]! : Buffer.concat(compressed), {
      maxOutputLength: stride * height,
    });
  } catch {
    return undefined;
  }
  if (filtered.length !== stride * height) return undefined;
  return unfilter(filtered, width, height);
}

/** Undoes PNG's per-row filters for one byte per pixel; undefined for an unknown filter type. */
function unfilter(filtered: Uint8Array, width: number, height: number): GreyPixels | undefined {
  const data = new Uint8Array(width * height);
  const stride = width + 1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const source = y * stride + 1;
    const filter = filtered[y * stride]!;
    // The row above, or zeros for the first row (as the format says).
    const up = y > 0 ? row - width : -1;
    if (filter === 0 || (filter === 2 && up < 0)) {
      data.set(filtered.subarray(source, source + width), row);
    } else if (filter === 1) {
      let left = 0;
      for (let x = 0; x < width; x++) {
        left = (filtered[source + x]! + left) & 0xff;
        data[row + x] = left;
      }
    } else if (filter === 2) {
      for (let x = 0; x < width; x++) data[row + x] = (filtered[source + x]! + data[up + x]!) & 0xff;
    } else if (filter === 3) {
      let left = 0;
      for (let x = 0; x < width; x++) {
        const above = up < 0 ? 0 : data[up + x]!;
        left = (filtered[source + x]! + ((left + above) >>> 1)) & 0xff;
        data[row + x] = left;
      }
    } else if (filter === 4) {
      let left = 0;
      let aboveLeft = 0;
      for (let x = 0; x < width; x++) {
        const above = up < 0 ? 0 : data[up + x]!;
        const estimate = left + above - aboveLeft;
        const toLeft = Math.abs(estimate - left);
        const toAbove = Math.abs(estimate - above);
        const toAboveLeft = Math.abs(estimate - aboveLeft);
        const predictor =
          toLeft <= toAbove && toLeft <= toAboveLeft ? left : toAbove <= toAboveLeft ? above : aboveLeft;
        left = (filtered[source + x]! + predictor) & 0xff;
        data[row + x] = left;
        aboveLeft = above;
      }
    } else {
      return undefined;
    }
  }
  return { width, height, data };
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * An 8-bit palette PNG: one index per pixel into `palette` (RGB triples, at most 256). Each row is
 * stored as its difference from the row above (PNG's "Up" filter): the indices of a depth map rise and
 * fall smoothly, so the differences are small and compress well.
 */
export function writePalettePng(
  width: number,
  height: number,
  indices: Uint8Array,
  palette: Uint8Array,
): Buffer {
  if (indices.length !== width * height) throw new RangeError("one index per pixel is needed");
  if (palette.length % 3 !== 0 || palette.length === 0 || palette.length > 256 * 3) {
    throw new RangeError("a palette holds 1 to 256 RGB colours");
  }
  const stride = width + 1;
  const filtered = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const target = y * stride;
    if (y === 0) {
      filtered.set(indices.subarray(0, width), 1);
      continue;
    }
    filtered[target] = 2;
    for (let x = 0; x < width; x++) {
      filtered[target + 1 + x] = (indices[row + x]! - indices[row - width + x]!) & 0xff;
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 3, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from(SIGNATURE),
    chunk("IHDR", header),
    chunk("PLTE", palette),
    chunk("IDAT", deflateSync(filtered, { level: DEFLATE_LEVEL })),
    chunk("IEND", new Uint8Array(0)),
  ]);
}
