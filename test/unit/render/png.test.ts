import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { readGreyPng, writePalettePng } from "../../../src/render/png.js";
import { chunk, greyPng, noisy } from "./fixtures.js";

/** Smooth with some noise, as a depth map or a soft mask edge: every filter has work to do. */
function texture(width: number, height: number): Uint8Array {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) pixels[y * width + x] = (x * 7 + y * 3 + ((x * y * 31) % 17)) & 0xff;
  }
  return pixels;
}

async function decodedBySharp(png: Uint8Array): Promise<Buffer> {
  return sharp(png).toColourspace("b-w").raw().toBuffer();
}

describe("readGreyPng", () => {
  it("reads every row filter as libvips does", async () => {
    const [width, height] = [37, 23];
    const pixels = texture(width, height);
    for (const filters of [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4]]) {
      const png = greyPng(width, height, pixels, filters);
      const read = readGreyPng(png, 10_000);
      expect(read && [read.width, read.height]).toEqual([width, height]);
      expect(Buffer.from(read!.data).equals(Buffer.from(pixels))).toBe(true);
      expect(Buffer.from(read!.data).equals(await decodedBySharp(png))).toBe(true);
    }
  });

  it("reads what sharp writes, and a file with only inert chunks besides", async () => {
    const pixels = texture(64, 48);
    const written = await sharp(pixels, { raw: { width: 64, height: 48, channels: 1 } })
      .toColourspace("b-w")
      .png()
      .toBuffer();
    expect(Buffer.from(readGreyPng(written, 10_000)!.data).equals(Buffer.from(pixels))).toBe(true);
    const withText = greyPng(64, 48, pixels, [2], [chunk("tEXt", Buffer.from("Comment\0a mask"))]);
    expect(Buffer.from(readGreyPng(withText, 10_000)!.data).equals(Buffer.from(pixels))).toBe(true);
  });

  it("leaves to sharp what it does not read: other formats and layouts, chunks that change pixels, damage", async () => {
    const pixels = texture(16, 16);
    const grey = greyPng(16, 16, pixels);
    const raw = { raw: { width: 16, height: 16, channels: 1 as const } };
    const gamma = Buffer.alloc(4);
    gamma.writeUInt32BE(45455);
    const others: Array<[string, Uint8Array]> = [
      ["RGB", await sharp(pixels, raw).png().toBuffer()],
      ["16-bit", await sharp(pixels, raw).toColourspace("grey16").png().toBuffer()],
      ["interlaced", await sharp(pixels, raw).toColourspace("b-w").png({ progressive: true }).toBuffer()],
      ["transparency", greyPng(16, 16, pixels, [0], [chunk("tRNS", Buffer.from([0, 0]))])],
      ["gamma", greyPng(16, 16, pixels, [0], [chunk("gAMA", gamma)])],
      ["JPEG", await noisy(16, 16).jpeg().toBuffer()],
      ["truncated", grey.subarray(0, grey.length - 20)],
      ["empty", new Uint8Array(0)],
    ];
    // An unknown filter type (5) on the first row.
    const badFilter = greyPng(16, 16, pixels, [0]);
    const idat = badFilter.indexOf("IDAT", 0, "latin1");
    const inflated = (await import("node:zlib")).inflateSync(badFilter.subarray(idat + 4, -16));
    inflated[0] = 5;
    const deflated = (await import("node:zlib")).deflateSync(inflated);
    others.push([
      "unknown filter",
      Buffer.concat([
        badFilter.subarray(0, idat - 4),
        chunk("IDAT", deflated),
        chunk("IEND", Buffer.alloc(0)),
      ]),
    ]);
    for (const [what, png] of others)
      expect({ what, read: readGreyPng(png, 10_000) }).toEqual({ what, read: undefined });
    // Within the format but over the pixel limit: sharp's header check then says how large it is.
    expect(readGreyPng(grey, 255)).toBeUndefined();
    expect(readGreyPng(grey, 256)?.width).toBe(16);
  });
});

describe("writePalettePng", () => {
  it("writes a palette PNG that decodes to each pixel's palette colour", async () => {
    const palette = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) palette.set([i, 255 - i, (i * 37) & 0xff], i * 3);
    for (const [width, height] of [
      [1, 1],
      [1, 9],
      [9, 1],
      [61, 47],
    ] as const) {
      const indices = texture(width, height);
      const png = writePalettePng(width, height, indices, palette);
      const metadata = await sharp(png).metadata();
      expect([metadata.width, metadata.height, metadata.isPalette]).toEqual([width, height, true]);
      const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect(info.channels).toBe(3);
      const expected = Buffer.alloc(width * height * 3);
      for (let i = 0; i < indices.length; i++)
        expected.set(palette.subarray(indices[i]! * 3, indices[i]! * 3 + 3), i * 3);
      expect(data.equals(expected)).toBe(true);
    }
  });

  it("refuses indices that do not cover the image and palettes of no or too many colours", () => {
    expect(() => writePalettePng(2, 2, new Uint8Array(3), new Uint8Array(3))).toThrow(RangeError);
    expect(() => writePalettePng(1, 1, new Uint8Array(1), new Uint8Array(0))).toThrow(RangeError);
    expect(() => writePalettePng(1, 1, new Uint8Array(1), new Uint8Array(257 * 3))).toThrow(RangeError);
  });
});
