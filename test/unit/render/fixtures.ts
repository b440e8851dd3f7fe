/**
 * Images for the render tests, generated with sharp (or by hand, for files sharp would refuse to
 * write), so the repository carries no binary fixtures.
 */
import { deflateSync } from "node:zlib";
import sharp from "sharp";

export interface Rgb {
  r: number;
  g: number;
  b: number;
}

export const GREY: Rgb = { r: 128, g: 128, b: 128 };

export function flatPng(width: number, height: number, colour: Rgb = GREY): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

export function flatJpeg(width: number, height: number, colour: Rgb = GREY): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** Gaussian noise: incompressible, so it makes files as large as their pixel count allows. */
export function noisy(width: number, height: number): sharp.Sharp {
  return sharp({
    create: {
      width,
      height,
      channels: 3,
      background: "#000000",
      noise: { type: "gaussian", mean: 128, sigma: 40 },
    },
  });
}

export async function pixels(
  bytes: Uint8Array,
): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

export function pixelAt(image: { data: Buffer; width: number; channels: number }, x: number, y: number): Rgb {
  const i = (y * image.width + x) * image.channels;
  return { r: image.data[i]!, g: image.data[i + 1]!, b: image.data[i + 2]! };
}

export function near(a: Rgb, b: Rgb, tolerance: number): boolean {
  return (
    Math.abs(a.r - b.r) <= tolerance && Math.abs(a.g - b.g) <= tolerance && Math.abs(a.b - b.b) <= tolerance
  );
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/**
 * A decompression bomb: a valid PNG header (correct CRCs) claiming width × height greyscale pixels,
 * followed by a little compressed data. A decoder that trusts it allocates width × height bytes.
 */
export function bombPng(width: number, height: number): Buffer {
  return greyPngFile(width, height, Buffer.alloc(width + 1));
}

/** An 8-bit greyscale PNG around already filtered rows, with any extra chunks before the image data. */
function greyPngFile(width: number, height: number, filtered: Buffer, extra: Buffer[] = []): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    ...extra,
    chunk("IDAT", deflateSync(filtered)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** PNG's predictor for filter type 4: whichever of left, above, upper-left is nearest left + above − upper-left. */
function paeth(left: number, above: number, aboveLeft: number): number {
  const estimate = left + above - aboveLeft;
  const [a, b, c] = [Math.abs(estimate - left), Math.abs(estimate - above), Math.abs(estimate - aboveLeft)];
  return a <= b && a <= c ? left : b <= c ? above : aboveLeft;
}

/**
 * An 8-bit greyscale PNG written by hand, row y stored with filter `filters[y % filters.length]`
 * (0 none, 1 sub, 2 up, 3 average, 4 Paeth), with any extra chunks before the image data: libvips
 * writes no filter but "none", while other encoders (Pillow's among them) choose one per row.
 */
export function greyPng(
  width: number,
  height: number,
  pixels: Uint8Array,
  filters: readonly number[] = [0],
  extra: Buffer[] = [],
): Buffer {
  const filtered = Buffer.alloc((width + 1) * height);
  const at = (x: number, y: number) => (x < 0 || y < 0 ? 0 : pixels[y * width + x]!);
  for (let y = 0; y < height; y++) {
    const filter = filters[y % filters.length]!;
    filtered[y * (width + 1)] = filter;
    for (let x = 0; x < width; x++) {
      const predictor = [
        0,
        at(x - 1, y),
        at(x, y - 1),
        (at(x - 1, y) + at(x, y - 1)) >>> 1,
        paeth(at(x - 1, y), at(x, y - 1), at(x - 1, y - 1)),
      ][filter]!;
      filtered[y * (width + 1) + 1 + x] = (at(x, y) - predictor) & 0xff;
    }
  }
  return greyPngFile(width, height, filtered, extra);
}
