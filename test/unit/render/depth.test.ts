import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { isBotError } from "../../../src/errors.js";
import { turboTable } from "../../../src/render/depth.js";
import { renderDepth } from "../../../src/render/index.js";
import { greyPng, pixelAt, pixels } from "./fixtures.js";

function turbo(index: number) {
  const table = turboTable();
  return { r: table[index * 3]!, g: table[index * 3 + 1]!, b: table[index * 3 + 2]! };
}

describe("renderDepth", () => {
  it("colours a 2-D array from its minimum (blue end) to its maximum (red end)", async () => {
    const values = [
      [2, 4, 6],
      [8, 10, 12],
    ];
    const out = await renderDepth({ values });
    expect(out.mime).toBe("image/png");
    const image = await pixels(out.bytes);
    expect([image.width, image.height]).toEqual([3, 2]);
    expect(pixelAt(image, 0, 0)).toEqual(turbo(0));
    expect(pixelAt(image, 2, 1)).toEqual(turbo(255));
    expect(pixelAt(image, 2, 0)).toEqual(turbo(102));
    // Blue-ish near, red-ish far end of the map.
    expect(turbo(40).b).toBeGreaterThan(turbo(40).r);
    expect(turbo(230).r).toBeGreaterThan(turbo(230).b);
  });

  it("colours a greyscale PNG (8 and 16 bit), stretched over its own range", async () => {
    const ramp = Buffer.from(Array.from({ length: 256 }, (_, x) => 50 + Math.round((x / 255) * 100)));
    const png8 = await sharp(ramp, { raw: { width: 256, height: 1, channels: 1 } })
      .png()
      .toBuffer();
    const image = await pixels((await renderDepth({ png: png8 })).bytes);
    expect([image.width, image.height]).toEqual([256, 1]);
    expect(pixelAt(image, 0, 0)).toEqual(turbo(0));
    expect(pixelAt(image, 255, 0)).toEqual(turbo(255));

    // The 256 colours of the map as a palette PNG, a third of the bytes of RGB.
    expect((await sharp((await renderDepth({ png: png8 })).bytes).metadata()).isPalette).toBe(true);
    // One-channel, as hf-inference sends it: read in JS (plain) or by sharp (interlaced), the same picture.
    const grey = greyPng(256, 1, ramp);
    const interlaced = await sharp(grey).toColourspace("b-w").png({ progressive: true }).toBuffer();
    expect((await sharp(interlaced).metadata()).channels).toBe(1);
    for (const png of [grey, interlaced]) {
      expect((await pixels((await renderDepth({ png })).bytes)).data.equals(image.data)).toBe(true);
    }

    const png16 = await sharp(png8).toColourspace("grey16").png().toBuffer();
    expect((await sharp(png16).metadata()).depth).toBe("ushort");
    const image16 = await pixels((await renderDepth({ png: png16 })).bytes);
    expect(pixelAt(image16, 255, 0)).toEqual(turbo(255));
  });

  it("draws a flat map mid-scale and missing values black", async () => {
    const image = await pixels((await renderDepth({ values: [[5, 5, Number.NaN]] })).bytes);
    expect(pixelAt(image, 0, 0)).toEqual(turbo(128));
    expect(pixelAt(image, 2, 0)).toEqual({ r: 0, g: 0, b: 0 });
  });

  it("refuses ragged rows, non-numbers, no input and an unreadable PNG", async () => {
    const code = (p: Promise<unknown>) =>
      p.then(
        () => "ok",
        (e: unknown) => (isBotError(e) ? e.code : String(e)),
      );
    expect(await code(renderDepth({ values: [[1, 2], [3]] }))).toBe("input_invalid");
    expect(await code(renderDepth({ values: [[1, "x" as unknown as number]] }))).toBe("input_invalid");
    expect(await code(renderDepth({ values: [] }))).toBe("input_invalid");
    expect(await code(renderDepth({}))).toBe("input_invalid");
    expect(await code(renderDepth({ png: new Uint8Array([137, 80, 78, 71]) }))).toBe("input_invalid");
    expect(await code(renderDepth({ values: [[1, 2]] }, { maxPixels: 1 }))).toBe("input_too_large");
  });
});
