import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { isBotError } from "../../../src/errors.js";
import { drawMasks } from "../../../src/render/index.js";
import { labelColours } from "../../../src/render/palette.js";
import { flatJpeg, flatPng, GREY, near, pixelAt, pixels } from "./fixtures.js";

/** White-on-black greyscale PNG, as hf-inference returns masks, with one white rectangle. */
function rectMask(
  width: number,
  height: number,
  x: number,
  y: number,
  w: number,
  h: number,
): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="${width}" height="${height}" fill="black"/><rect x="${x}" y="${y}" width="${w}" height="${h}" fill="white"/></svg>`;
  return sharp(Buffer.from(svg)).extractChannel(0).png().toBuffer();
}

describe("drawMasks", () => {
  it("washes each segment in its label's colour, at a mask of another size, and leaves the rest", async () => {
    // The sofa mask is half the image size: it covers x 160..320, y 0..240 once stretched.
    const segments = [
      { label: "sofa", score: 0.95, mask: await rectMask(160, 120, 80, 0, 80, 120) },
      { label: "cat", score: 0.9, mask: await rectMask(320, 240, 20, 20, 100, 100) },
    ];
    const out = await drawMasks(await flatPng(320, 240), segments);
    expect(out.mime).toBe("image/png");
    const image = await pixels(out.bytes);
    const colours = labelColours(["sofa", "cat"]);
    const wash = (c: { r: number; g: number; b: number }) => ({
      r: (GREY.r + c.r + 1) >> 1,
      g: (GREY.g + c.g + 1) >> 1,
      b: (GREY.b + c.b + 1) >> 1,
    });
    // Away from the labels (drawn at each region's centre) and from the outlines.
    expect(near(pixelAt(image, 300, 220), wash(colours.get("sofa")!), 2)).toBe(true);
    expect(near(pixelAt(image, 30, 110), wash(colours.get("cat")!), 2)).toBe(true);
    expect(pixelAt(image, 60, 200)).toEqual(GREY);
    // The outline of the cat region is the full colour.
    expect(pixelAt(image, 20, 110)).toEqual(colours.get("cat")!);
  });

  it("reads one-channel, grey+alpha and RGBA masks alike (transparent = outside)", async () => {
    const one = await rectMask(100, 100, 10, 10, 30, 30);
    expect((await sharp(one).metadata()).channels).toBe(1);
    // White square on a transparent background, once as RGBA and once as grey+alpha.
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><rect x="10" y="10" width="30" height="30" fill="white"/></svg>',
    );
    const rgba = await sharp(svg).png().toBuffer();
    const greyAlpha = await sharp(svg).toColourspace("b-w").png().toBuffer();
    expect((await sharp(rgba).metadata()).channels).toBe(4);
    expect((await sharp(greyAlpha).metadata()).channels).toBe(2);
    const dog = labelColours(["dog"]).get("dog")!;
    for (const mask of [one, rgba, greyAlpha]) {
      const image = await pixels(
        (await drawMasks(await flatPng(100, 100), [{ label: "dog", score: 1, mask }])).bytes,
      );
      expect(pixelAt(image, 10, 25)).toEqual(dog);
      expect(pixelAt(image, 80, 80)).toEqual(GREY);
    }
  });

  it("labels each region at its centre", async () => {
    const mask = await rectMask(320, 240, 100, 80, 120, 80);
    const out = await drawMasks(await flatPng(320, 240), [{ label: "cat", score: 0.9, mask }]);
    const image = await pixels(out.bytes);
    const cat = labelColours(["cat"]).get("cat")!;
    expect(pixelAt(image, 160, 120 - 8)).toEqual(cat);
  });

  it("lets the smaller segment win where masks overlap", async () => {
    const table = await rectMask(320, 240, 0, 0, 320, 240);
    const cup = await rectMask(320, 240, 200, 150, 60, 60);
    const out = await drawMasks(await flatPng(320, 240), [
      { label: "cup", score: 0.8, mask: cup },
      { label: "table", score: 0.9, mask: table },
    ]);
    const image = await pixels(out.bytes);
    const cup2 = labelColours(["cup", "table"]).get("cup")!;
    expect(
      near(
        pixelAt(image, 205, 205),
        { r: (128 + cup2.r + 1) >> 1, g: (128 + cup2.g + 1) >> 1, b: (128 + cup2.b + 1) >> 1 },
        2,
      ),
    ).toBe(true);
  });

  it("answers JPEG for a JPEG photo and tolerates a null score", async () => {
    const mask = await rectMask(64, 48, 0, 0, 32, 48);
    const out = await drawMasks(await flatJpeg(640, 480), [{ label: "sky", score: Number.NaN, mask }]);
    expect(out.mime).toBe("image/jpeg");
    expect((await sharp(out.bytes).metadata()).width).toBe(640);
  });

  it("names the label whose mask cannot be read", async () => {
    const error = await drawMasks(await flatPng(50, 50), [
      { label: "dog", score: 1, mask: new Uint8Array([1, 2, 3]) },
    ]).catch((e: unknown) => e);
    expect(isBotError(error) && error.code).toBe("input_invalid");
    expect(isBotError(error) && error.userMessage).toContain('The mask for "dog"');
  });
});
