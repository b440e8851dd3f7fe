import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { type BotError, isBotError } from "../../../src/errors.js";
import {
  DECODE_AHEAD_MAX_PIXELS,
  decodeAhead,
  decodeCanvas,
  decodeError,
} from "../../../src/render/image.js";
import { inspectImage } from "../../../src/render/index.js";
import { bombPng, flatJpeg, flatPng, noisy } from "./fixtures.js";

async function failure(promise: Promise<unknown>): Promise<BotError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isBotError(error)) throw new Error(`expected a BotError, got ${String(error)}`);
  return error;
}

describe("inspectImage", () => {
  it("reports size, format and mime of a JPEG and a PNG", async () => {
    expect(await inspectImage(await flatJpeg(320, 240))).toEqual({
      width: 320,
      height: 240,
      format: "jpeg",
      mime: "image/jpeg",
    });
    expect(await inspectImage(await flatPng(10, 20))).toMatchObject({
      width: 10,
      height: 20,
      mime: "image/png",
    });
    const webp = await sharp(await flatPng(8, 8))
      .webp()
      .toBuffer();
    expect(await inspectImage(webp)).toMatchObject({ format: "webp", mime: "image/webp" });
  });

  it("gives the size as displayed, after the EXIF orientation", async () => {
    const rotated = await sharp(await flatJpeg(300, 100))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    expect(await inspectImage(rotated)).toMatchObject({ width: 100, height: 300 });
  });

  it("calls a truncated JPEG truncated, naming the file", async () => {
    const jpeg = await noisy(400, 300).jpeg().toBuffer();
    const error = await failure(inspectImage(jpeg.subarray(0, jpeg.length / 2), { name: "photo.jpg" }));
    expect(error.code).toBe("input_invalid");
    expect(error.userMessage).toBe("photo.jpg is not a readable image (the file is truncated or damaged).");
  });

  it("calls a truncated PNG truncated too (its header is intact)", async () => {
    const png = await noisy(400, 300).png().toBuffer();
    const error = await failure(inspectImage(png.subarray(0, png.length - 5000), { name: "scan.png" }));
    expect(error.code).toBe("input_invalid");
    expect(error.userMessage).toContain("truncated");
  });

  it("refuses a text file, an empty file and an SVG with a clear message", async () => {
    const text = await failure(
      inspectImage(new TextEncoder().encode("hello, this is a letter\n"), { name: "notes.txt" }),
    );
    expect(text.code).toBe("input_invalid");
    expect(text.userMessage).toMatch(/^notes\.txt is not a readable image \(it is not a JPEG, PNG/);
    const empty = await failure(inspectImage(new Uint8Array(0), { name: "empty.png" }));
    expect(empty.userMessage).toBe("empty.png is empty.");
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>');
    expect((await failure(inspectImage(svg))).code).toBe("input_invalid");
  });

  it("refuses a crafted 100000×100000 PNG header without decoding it", async () => {
    const error = await failure(inspectImage(bombPng(100_000, 100_000), { name: "bomb.png" }));
    expect(error.code).toBe("input_too_large");
    expect(error.userMessage).toBe(
      "bomb.png is too large to process (100000×100000 pixels; the limit is 50 megapixels).",
    );
    expect(error.message).not.toContain("\n");
  });

  it("refuses a real, highly compressed large PNG above a small pixel limit", async () => {
    const zeros = await sharp(Buffer.alloc(3000 * 3000), { raw: { width: 3000, height: 3000, channels: 1 } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(zeros.length).toBeLessThan(100_000);
    const error = await failure(inspectImage(zeros, { maxPixels: 1_000_000 }));
    expect(error.code).toBe("input_too_large");
    expect(error.userMessage).toBe(
      "The image is too large to process (3000×3000 pixels; the limit is 1 megapixels).",
    );
    expect(await inspectImage(zeros)).toMatchObject({ width: 3000, height: 3000 });
  });

  it("tells a HEIC photo that cannot be decoded apart from a damaged file", () => {
    const heic = decodeError(new Error("heifload: Unsupported feature"), "IMG_0001.HEIC", "heif");
    expect(heic.code).toBe("input_invalid");
    expect(heic.userMessage).toBe(
      "IMG_0001.HEIC is a HEIC photo, which I cannot decode; please send it as JPEG or PNG.",
    );
  });
});

describe("decodeAhead", () => {
  it("decodes as decodeCanvas does, into pixels that can move between threads", async () => {
    const photo = await noisy(40, 30).jpeg().toBuffer();
    const ahead = await decodeAhead(photo);
    const now = await decodeCanvas(photo);
    expect(ahead?.info).toEqual(now.info);
    expect(Buffer.from(ahead!.canvas.data).equals(Buffer.from(now.canvas.data))).toBe(true);
    // A buffer of its own, which postMessage moves rather than copies.
    expect(ahead!.canvas.data.buffer.byteLength).toBe(40 * 30 * 3);
  });

  it("leaves a photo above its limit to the drawing, and rejects what cannot be decoded", async () => {
    const side = Math.ceil(Math.sqrt(DECODE_AHEAD_MAX_PIXELS)) + 1;
    expect(await decodeAhead(bombPng(side, side))).toBeUndefined();
    expect((await failure(decodeAhead(bombPng(100_000, 100_000)))).code).toBe("input_too_large");
    expect((await failure(decodeAhead(new Uint8Array([1, 2, 3])))).code).toBe("input_invalid");
  });
});
