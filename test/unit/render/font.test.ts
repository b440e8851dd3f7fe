import { describe, expect, it } from "vitest";
import type { Canvas } from "../../../src/render/canvas.js";
import {
  ADVANCE,
  drawText,
  fontCharacters,
  GLYPH_ROWS,
  GLYPH_WIDTH,
  textUnits,
  toFontText,
  truncateToUnits,
} from "../../../src/render/font.js";
import { layoutLabel, scaleFor } from "../../../src/render/layout.js";

function blank(width: number, height: number): Canvas {
  return { data: new Uint8Array(width * height * 3), width, height, channels: 3 };
}

function inked(canvas: Canvas): number {
  let count = 0;
  for (let i = 0; i < canvas.data.length; i += 3) if (canvas.data[i] === 255) count++;
  return count;
}

describe("bitmap font", () => {
  it("has every letter, digit and the punctuation labels use, each glyph distinct", () => {
    const chars = fontCharacters();
    for (const c of "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .-_,:()/'") {
      expect(chars).toContain(c);
    }
    const shapes = new Set<string>();
    for (const c of chars) {
      const canvas = blank(ADVANCE, GLYPH_ROWS);
      drawText(canvas, 0, 0, c, 1, { r: 255, g: 255, b: 255 });
      const shape = Buffer.from(canvas.data).toString("base64");
      // Glyphs stay inside their 5×9 cell.
      for (let y = 0; y < GLYPH_ROWS; y++) expect(canvas.data[(y * ADVANCE + GLYPH_WIDTH) * 3]).toBe(0);
      expect(shapes.has(shape), `glyph ${JSON.stringify(c)} duplicates another`).toBe(false);
      shapes.add(shape);
    }
  });

  it("draws scaled blocks: ink grows with the square of the scale", () => {
    const one = blank(60, 20);
    drawText(one, 0, 0, "dog", 1, { r: 255, g: 255, b: 255 });
    const three = blank(180, 60);
    drawText(three, 0, 0, "dog", 3, { r: 255, g: 255, b: 255 });
    expect(inked(one)).toBeGreaterThan(20);
    expect(inked(three)).toBe(inked(one) * 9);
  });

  it("drops accents, collapses spaces and shows unknown characters as ?", () => {
    expect(toFontText("  café   crème ")).toBe("cafe creme");
    expect(toFontText("狗 dog")).toBe("? dog");
  });

  it("truncates with an ellipsis to a width in font units", () => {
    expect(textUnits("abc")).toBe(3 * ADVANCE - 1);
    expect(truncateToUnits("abc", 100)).toBe("abc");
    expect(truncateToUnits("traffic light", textUnits("traff…"))).toBe("traff…");
    expect(truncateToUnits("abc", 2)).toBe("");
  });

  it("lays out 'label score', cutting the label but never the score", () => {
    const { unit } = scaleFor(320, 240);
    expect(layoutLabel("dog", 0.98, 320, unit)?.text).toBe("dog 0.98");
    const long = layoutLabel("a very long label that cannot fit on a small picture", 0.5, 320, unit);
    expect(long?.text.endsWith("… 0.50")).toBe(true);
    expect(long!.width).toBeLessThanOrEqual(320);
    expect(layoutLabel("sky", Number.NaN, 320, unit)?.text).toBe("sky");
  });

  it("scales labels and lines with the image", () => {
    expect(scaleFor(320, 240).unit).toBe(2);
    expect(scaleFor(4000, 3000).unit).toBeGreaterThanOrEqual(10);
    expect(scaleFor(100, 80).unit).toBe(1);
    // A narrow, tall image still fits a dozen characters across.
    const narrow = scaleFor(300, 4000);
    expect(300 / (narrow.unit * ADVANCE)).toBeGreaterThanOrEqual(12);
  });
});
