import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { isBotError } from "../../../src/errors.js";
import type { Canvas } from "../../../src/render/canvas.js";
import { decodeAhead } from "../../../src/render/image.js";
import { drawMasks, prepareImage } from "../../../src/render/index.js";
import { clampLabel, drawLabel, layoutLabel, scaleFor } from "../../../src/render/layout.js";
import { drawMasks as drawMasksHere } from "../../../src/render/masks.js";
import { labelColours } from "../../../src/render/palette.js";
import { flatJpeg, flatPng, GREY, greyPng, near, noisy, pixelAt, pixels } from "./fixtures.js";

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

/** A small deterministic generator, so a failing case can be run again. */
function random(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return Math.floor((state / 2 ** 32) * below);
  };
}

/** Coverage (0..255) of a random rectangle, ellipse or speckle, as a model's soft mask might be. */
function randomCoverage(width: number, height: number, next: (below: number) => number): Uint8Array {
  const coverage = new Uint8Array(width * height);
  const [cx, cy] = [next(width), next(height)];
  const [rx, ry] = [1 + next(width), 1 + next(height)];
  const shape = next(3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside =
        shape === 0
          ? Math.abs(x - cx) < rx / 2 && Math.abs(y - cy) < ry / 2
          : shape === 1
            ? ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 < 0.25
            : next(4) === 0;
      coverage[y * width + x] = inside ? 128 + next(128) : next(128);
    }
  }
  return coverage;
}

/**
 * What drawMasks is specified to draw, written pixel by pixel for clarity, not speed: each pixel shows
 * the covering segment (coverage ≥ 128) of smallest area, the later one on a tie; a region pixel is
 * its colour when it lies within `line` px of the border or the pixel `line` px away left, right,
 * above or below belongs to another region, else the photo washed half in the colour; each label is
 * centred on the region pixel nearest the region's centroid (the first in reading order on a tie).
 */
function drawnBySpec(
  canvas: Canvas,
  segments: Array<{ label: string; score: number; coverage: Uint8Array }>,
) {
  const { width, height, channels, data } = canvas;
  const areas = segments.map(({ coverage }) => coverage.filter((value) => value >= 128).length);
  const region = new Uint8Array(width * height);
  for (let p = 0; p < region.length; p++) {
    let best = 0;
    segments.forEach(({ coverage }, index) => {
      if (coverage[p]! >= 128 && (best === 0 || areas[index]! <= areas[best - 1]!)) best = index + 1;
    });
    region[p] = best;
  }
  const byLabel = labelColours(segments.map((segment) => segment.label));
  const { unit, line } = scaleFor(width, height);
  const at = (x: number, y: number) => region[y * width + x];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const id = at(x, y)!;
      if (id === 0) continue;
      const colour = byLabel.get(segments[id - 1]!.label)!;
      const onEdge =
        x < line ||
        y < line ||
        x >= width - line ||
        y >= height - line ||
        [at(x - line, y), at(x + line, y), at(x, y - line), at(x, y + line)].some((other) => other !== id);
      const i = (y * width + x) * channels;
      const [r, g, b] = [colour.r, colour.g, colour.b];
      if (channels === 4) {
        const below = data[i + 3]! / 255;
        const a = onEdge ? 1 : 0.5;
        const out = a + below * (1 - a);
        [r, g, b].forEach((c, k) => {
          data[i + k] = Math.round((c * a + data[i + k]! * below * (1 - a)) / out);
        });
        data[i + 3] = Math.round(out * 255);
      } else {
        [r, g, b].forEach((c, k) => {
          data[i + k] = onEdge ? c : (data[i + k]! + c + 1) >> 1;
        });
      }
    }
  }
  segments.forEach((segment, index) => {
    const pixelsOf: Array<[number, number]> = [];
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) if (at(x, y) === index + 1) pixelsOf.push([x, y]);
    if (pixelsOf.length === 0) return;
    const cx = pixelsOf.reduce((sum, [x]) => sum + x, 0) / pixelsOf.length;
    const cy = pixelsOf.reduce((sum, [, y]) => sum + y, 0) / pixelsOf.length;
    let anchor = pixelsOf[0]!;
    for (const pixel of pixelsOf) {
      const distance = (pixel[0] - cx) ** 2 + (pixel[1] - cy) ** 2;
      if (distance < (anchor[0] - cx) ** 2 + (anchor[1] - cy) ** 2) anchor = pixel;
    }
    const label = layoutLabel(segment.label, segment.score, width, unit);
    if (!label) return;
    const position = clampLabel(canvas, label, anchor[0] - label.width / 2, anchor[1] - label.height / 2);
    drawLabel(canvas, label, position.left, position.top, byLabel.get(segment.label)!, unit);
  });
  return data;
}

/**
 * Ties, which random masks seldom make: two overlapping squares of one area (the later shows), and
 * a region whose centroid lies halfway between two columns (its label goes by the left one).
 */
function ties(width: number, height: number) {
  const square = (left: number, top: number) =>
    Uint8Array.from({ length: width * height }, (_, p) => {
      const [x, y] = [p % width, Math.floor(p / width)];
      return x >= left && x < left + 12 && y >= top && y < top + 12 ? 255 : 0;
    });
  return [
    { label: "cat", score: 0.5, coverage: square(20, 20) },
    { label: "dog", score: 0.5, coverage: square(24, 24) },
    { label: "sky", score: 0.5, coverage: square(60, 50) },
  ];
}

describe("drawMasks", () => {
  it("draws what the pixel-by-pixel specification draws, on random masks of both kinds", async () => {
    const next = random(20_240_611);
    for (let round = 0; round < 12; round++) {
      const [width, height] = round === 0 ? [120, 90] : [20 + next(120), 20 + next(90)];
      const withAlpha = next(3) === 0;
      // RGB, or RGBA with a translucent background (the wash then brings its own opacity).
      const photo = await (withAlpha ? noisy(width, height).ensureAlpha(0.6) : noisy(width, height))
        .png()
        .toBuffer();
      const segments =
        round === 0
          ? ties(width, height)
          : Array.from({ length: 1 + next(5) }, () => ({
              label: ["cat", "dog", "sofa", "sky"][next(4)]!,
              score: next(5) === 0 ? Number.NaN : next(100) / 100,
              coverage: randomCoverage(width, height, next),
            }));
      // Greyscale PNGs with Pillow-like row filters (read in JS), or grey + alpha (read by sharp).
      const masks = await Promise.all(
        segments.map(({ coverage }, index) =>
          index % 2 === 0
            ? greyPng(width, height, coverage, [0, 1, 2, 3, 4].slice(next(5)))
            : sharp(Buffer.from(Array.from(coverage, (value) => [255, value]).flat()), {
                raw: { width, height, channels: 2 },
              })
                .png()
                .toBuffer(),
        ),
      );
      const { canvas } = (await decodeAhead(photo))!;
      const expected = drawnBySpec(canvas, segments);
      const drawn = await drawMasks(
        photo,
        segments.map(({ label, score }, index) => ({ label, score, mask: masks[index]! })),
      );
      const { data, info } = await sharp(drawn.bytes).raw().toBuffer({ resolveWithObject: true });
      expect({ round, size: [info.width, info.height, info.channels] }).toEqual({
        round,
        size: [width, height, canvas.channels],
      });
      expect({ round, same: data.equals(Buffer.from(expected)) }).toEqual({ round, same: true });
    }
  });

  it("draws on a photo decoded ahead exactly what it draws on the file", async () => {
    const photo = await noisy(200, 150).jpeg({ quality: 80 }).toBuffer();
    const segments = [
      { label: "sky", score: 0.9, mask: await rectMask(200, 150, 0, 0, 200, 50) },
      { label: "tree", score: 0.8, mask: await rectMask(100, 75, 10, 20, 40, 50) },
    ];
    const fromFile = await drawMasksHere(photo, segments);
    const ahead = await drawMasksHere((await decodeAhead(photo))!, segments);
    const prepared = await drawMasks(prepareImage(photo), segments);
    expect(ahead.mime).toBe("image/jpeg");
    expect(Buffer.from(ahead.bytes).equals(Buffer.from(fromFile.bytes))).toBe(true);
    expect(Buffer.from(prepared.bytes).equals(Buffer.from(fromFile.bytes))).toBe(true);
  });

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
