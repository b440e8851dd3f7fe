import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { isBotError } from "../../../src/errors.js";
import { textColourOn } from "../../../src/render/canvas.js";
import { clampBox } from "../../../src/render/detections.js";
import { drawDetections } from "../../../src/render/index.js";
import { scaleFor } from "../../../src/render/layout.js";
import { labelColours } from "../../../src/render/palette.js";
import type { Detection } from "../../../src/tasks/resource.js";
import { bombPng, flatJpeg, flatPng, GREY, near, pixelAt, pixels } from "./fixtures.js";

function detection(
  label: string,
  score: number,
  xmin: number,
  ymin: number,
  xmax: number,
  ymax: number,
): Detection {
  return { label, score, box: { xmin, ymin, xmax, ymax } };
}

describe("drawDetections", () => {
  it("draws each box in its label's colour and leaves the inside untouched (320×240 PNG)", async () => {
    const detections = [detection("dog", 0.98, 40, 100, 150, 220), detection("cat", 0.9, 180, 60, 300, 200)];
    const out = await drawDetections(await flatPng(320, 240), detections);
    expect(out.mime).toBe("image/png");
    const image = await pixels(out.bytes);
    expect([image.width, image.height]).toEqual([320, 240]);
    const colours = labelColours(["dog", "cat"]);
    const dog = colours.get("dog")!;
    const cat = colours.get("cat")!;
    expect(dog).not.toEqual(cat);
    // Left and right edges half-way down, bottom edge half-way across: the outline is drawn inside the box.
    expect(pixelAt(image, 40, 160)).toEqual(dog);
    expect(pixelAt(image, 149, 160)).toEqual(dog);
    expect(pixelAt(image, 95, 219)).toEqual(dog);
    expect(pixelAt(image, 299, 130)).toEqual(cat);
    expect(pixelAt(image, 95, 160)).toEqual(GREY);
    expect(pixelAt(image, 10, 10)).toEqual(GREY);
  });

  it("puts the label above the box with text in a contrasting colour", async () => {
    const out = await drawDetections(await flatPng(320, 240), [detection("dog", 0.98, 40, 100, 150, 220)]);
    const image = await pixels(out.bytes);
    const dog = labelColours(["dog"]).get("dog")!;
    const text = textColourOn(dog);
    const { unit } = scaleFor(320, 240);
    const labelHeight = 12 * unit;
    let background = 0;
    let ink = 0;
    for (let y = 100 - labelHeight; y < 100; y++) {
      for (let x = 40; x < 140; x++) {
        const p = pixelAt(image, x, y);
        if (near(p, dog, 0)) background++;
        else if (near(p, text, 0)) ink++;
      }
    }
    expect(background).toBeGreaterThan(ink);
    expect(ink).toBeGreaterThan(100);
  });

  it("scales lines and labels for a 4000×3000 JPEG and answers JPEG", async () => {
    const out = await drawDetections(await flatJpeg(4000, 3000), [
      detection("person", 0.91, 1000, 800, 3000, 2800),
    ]);
    expect(out.mime).toBe("image/jpeg");
    const image = await pixels(out.bytes);
    expect([image.width, image.height]).toEqual([4000, 3000]);
    const person = labelColours(["person"]).get("person")!;
    const { line, unit } = scaleFor(4000, 3000);
    expect(line).toBeGreaterThanOrEqual(8);
    expect(unit).toBeGreaterThanOrEqual(8);
    // Middle of the stroke, away from JPEG's blurred chroma at the stroke's edges.
    expect(near(pixelAt(image, 1000 + Math.floor(line / 2), 1800), person, 40)).toBe(true);
    expect(near(pixelAt(image, 2000, 1800), GREY, 6)).toBe(true);
    // The label sits above the box: its background fills the band right above the top edge.
    expect(near(pixelAt(image, 1005, 800 - 3), person, 40)).toBe(true);
  });

  it("clamps boxes that run off the image and keeps their labels inside", async () => {
    const detections = [
      detection("bus", 0.8, -50, -40, 5000, 4000),
      detection("kite", 0.7, 290, 5, 400, 30),
      detection("broken", 0.5, Number.NaN, 0, 10, 10),
    ];
    const out = await drawDetections(await flatPng(320, 240), detections);
    const image = await pixels(out.bytes);
    const bus = labelColours(["bus", "kite", "broken"]).get("bus")!;
    expect(pixelAt(image, 0, 120)).toEqual(bus);
    expect(pixelAt(image, 319, 120)).toEqual(bus);
    expect(pixelAt(image, 160, 239)).toEqual(bus);
    expect(pixelAt(image, 160, 120)).toEqual(GREY);
    const kite = labelColours(["bus", "kite", "broken"]).get("kite")!;
    // The kite's label is wider than the 30 px left of the box: it is shifted left to stay whole.
    expect(pixelAt(image, 319, 6)).toEqual(kite);
    expect(pixelAt(image, 250, 6)).toEqual(kite);
  });

  it("clamps coordinates in either order to whole pixels", () => {
    expect(clampBox(detection("a", 1, 10.4, 20.6, 5.5, 2.2), 100, 100)).toEqual({
      x0: 5,
      y0: 2,
      x1: 11,
      y1: 21,
    });
    expect(clampBox(detection("a", 1, 200, 200, 300, 300), 100, 100)).toEqual({
      x0: 99,
      y0: 99,
      x1: 100,
      y1: 100,
    });
    expect(clampBox(detection("a", 1, 0, 0, Number.POSITIVE_INFINITY, 5), 100, 100)).toBeUndefined();
  });

  it("keeps an alpha channel and gives one colour per label across many labels", async () => {
    const transparent = await sharp({
      create: { width: 200, height: 200, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const labels = ["a", "b", "c", "d", "e", "f"];
    const out = await drawDetections(
      transparent,
      labels.map((label, i) => detection(label, 0.5, 10 + i * 30, 50, 35 + i * 30, 190)),
    );
    const meta = await sharp(out.bytes).metadata();
    expect(meta.hasAlpha).toBe(true);
    expect(new Set([...labelColours(labels).values()].map((c) => `${c.r},${c.g},${c.b}`)).size).toBe(
      labels.length,
    );
  });

  it("draws on greyscale and 16-bit images in colour", async () => {
    const dog = labelColours(["dog"]).get("dog")!;
    const grey = await sharp(await flatJpeg(320, 240))
      .toColourspace("b-w")
      .png()
      .toBuffer();
    const deep = await sharp(await flatPng(320, 240))
      .toColourspace("rgb16")
      .png()
      .toBuffer();
    for (const input of [grey, deep]) {
      const image = await pixels(
        (await drawDetections(input, [detection("dog", 0.9, 40, 100, 150, 220)])).bytes,
      );
      expect(image.channels).toBe(3);
      expect(pixelAt(image, 40, 160)).toEqual(dog);
    }
  });

  it("refuses a decompression bomb before decoding it", async () => {
    const error = await drawDetections(bombPng(100_000, 100_000), []).catch((e: unknown) => e);
    expect(isBotError(error) && error.code).toBe("input_too_large");
  });

  it("draws 50 detections on a 12-megapixel JPEG in reasonable time", async () => {
    const photo = await flatJpeg(4000, 3000);
    const detections = Array.from({ length: 50 }, (_, i) =>
      detection(
        ["person", "car", "dog", "traffic light", "bicycle"][i % 5]!,
        0.5 + i / 100,
        (i * 71) % 3000,
        (i * 53) % 2200,
        ((i * 71) % 3000) + 900,
        ((i * 53) % 2200) + 700,
      ),
    );
    const start = performance.now();
    const out = await drawDetections(photo, detections);
    // Generous bound for slow CI machines; bench/render.ts measures the real figure.
    expect(performance.now() - start).toBeLessThan(3000);
    expect(out.mime).toBe("image/jpeg");
  });
});
