import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { isBotError } from "../../../src/errors.js";
import { fitImage } from "../../../src/render/index.js";
import { flatPng, noisy } from "./fixtures.js";

describe("fitImage", () => {
  it("keeps an image that already fits, bytes and format unchanged", async () => {
    const png = await flatPng(100, 100);
    const out = await fitImage(png, png.length);
    expect(out).toEqual({ bytes: png, mime: "image/png" });
  });

  it("shrinks a large noisy PNG under the limit, as a JPEG that still decodes", async () => {
    const png = await noisy(1200, 900).png().toBuffer();
    expect(png.length).toBeGreaterThan(2_000_000);
    const limit = 120_000;
    const out = await fitImage(png, limit);
    expect(out).toBeDefined();
    expect(out!.bytes.byteLength).toBeLessThanOrEqual(limit);
    expect(out!.mime).toBe("image/jpeg");
    const meta = await sharp(out!.bytes).metadata();
    expect(meta.format).toBe("jpeg");
    // Same shape, within rounding.
    expect(Math.abs(meta.width / meta.height - 1200 / 900)).toBeLessThan(0.02);
  });

  it("re-encodes at lower quality before it drops pixels", async () => {
    const png = await noisy(400, 300).png().toBuffer();
    const q85 = await sharp(png).jpeg({ quality: 85 }).toBuffer();
    const out = await fitImage(png, q85.length - 1);
    expect(out).toBeDefined();
    expect((await sharp(out!.bytes).metadata()).width).toBe(400);
  });

  it("keeps transparency by choosing WebP", async () => {
    const rgba = await noisy(600, 400).ensureAlpha(0.5).png().toBuffer();
    const out = await fitImage(rgba, 100_000);
    expect(out?.mime).toBe("image/webp");
    expect((await sharp(out!.bytes).metadata()).hasAlpha).toBe(true);
  });

  it("returns undefined when no size can fit the limit", async () => {
    const png = await noisy(300, 200).png().toBuffer();
    expect(await fitImage(png, 100)).toBeUndefined();
    expect(await fitImage(png, 0)).toBeUndefined();
  });

  it("refuses bytes that are not an image", async () => {
    const error = await fitImage(new TextEncoder().encode("not an image"), 5).catch((e: unknown) => e);
    expect(isBotError(error) && error.code).toBe("input_invalid");
  });
});
