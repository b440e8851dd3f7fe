/**
 * Reading images safely. Every decode in render/ goes through here, so every decode has a pixel
 * limit, and every failure becomes a BotError whose message names the file and says what is wrong
 * (truncated, not an image, too many pixels) instead of a libvips message.
 */
import sharp, { type Metadata } from "sharp";
import { BotError } from "../errors.js";
import type { Canvas } from "./canvas.js";

/** 50 megapixels: above any phone camera (a 48 MP photo passes), far below a decompression bomb. */
export const DEFAULT_MAX_PIXELS = 50_000_000;

export interface ImageOptions {
  /** Largest width × height accepted before any pixel is decoded. */
  maxPixels?: number;
  /** The file name used in messages ("photo.png is too large…"). */
  name?: string;
}

export interface ImageInfo {
  /** Width and height as displayed, i.e. after the EXIF orientation is applied. */
  width: number;
  height: number;
  format: string;
  mime: string;
}

export interface EncodedImage {
  bytes: Uint8Array;
  mime: string;
}

/** A picture decoded for drawing: its pixels, and what its header said. */
export interface DecodedImage {
  canvas: Canvas;
  info: ImageInfo;
}

/**
 * Formats we accept as images: the ones libvips decodes that a Hugging Face model server also
 * reads. SVG is refused on purpose: it is a program for a renderer, not a photo, and no vision
 * model takes it.
 */
const MIME_BY_FORMAT: Readonly<Record<string, string>> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
  gif: "image/gif",
  tiff: "image/tiff",
  avif: "image/avif",
  heif: "image/heic",
};

const FORMAT_LIST = "JPEG, PNG, WebP, GIF, TIFF, AVIF or HEIC";

function subject(name: string | undefined): string {
  return name?.trim() ? name.trim() : "The image";
}

/** The pixel limit the options set (or the default), checked to be a positive number. */
export function maxPixelsOf(options: ImageOptions): number {
  const max = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!Number.isFinite(max) || max < 1)
    throw new RangeError(`maxPixels must be a positive number, got ${max}`);
  return Math.floor(max);
}

function megapixels(pixels: number): string {
  const mp = pixels / 1_000_000;
  return mp >= 10 ? `${Math.round(mp)}` : `${Number(mp.toFixed(1))}`;
}

function notAnImage(name: string | undefined, cause?: unknown): BotError {
  return new BotError("input_invalid", `${subject(name)}: unsupported image format`, {
    userMessage: `${subject(name)} is not a readable image (it is not a ${FORMAT_LIST} file).`,
    cause,
  });
}

function damaged(name: string | undefined, cause?: unknown): BotError {
  const detail = cause instanceof Error ? cause.message.split("\n")[0] : "undecodable";
  return new BotError("input_invalid", `${subject(name)}: cannot decode image: ${detail}`, {
    userMessage: `${subject(name)} is not a readable image (the file is truncated or damaged).`,
    cause,
  });
}

function tooLarge(name: string | undefined, width: number, height: number, maxPixels: number): BotError {
  const size = `${width}×${height} pixels`;
  return new BotError("input_too_large", `${subject(name)}: ${size} exceeds the ${maxPixels} pixel limit`, {
    userMessage: `${subject(name)} is too large to process (${size}; the limit is ${megapixels(maxPixels)} megapixels).`,
  });
}

/**
 * Turns a libvips failure during decoding into the message a user should see. HEIC gets its own:
 * sharp's prebuilt libvips reads AVIF but carries no HEVC decoder, so an iPhone photo fails to
 * decode although its header reads fine, and "damaged" would send the user looking for the wrong fix.
 */
export function decodeError(error: unknown, name: string | undefined, format?: string): BotError {
  if (error instanceof BotError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (format === "heif") {
    return new BotError("input_invalid", `${subject(name)}: cannot decode HEIC: ${message.split("\n")[0]}`, {
      userMessage: `${subject(name)} is a HEIC photo, which I cannot decode; please send it as JPEG or PNG.`,
      cause: error,
    });
  }
  if (/unsupported image format/i.test(message)) return notAnImage(name, error);
  if (/exceeds pixel limit/i.test(message)) {
    return new BotError("input_too_large", `${subject(name)}: ${message}`, {
      userMessage: `${subject(name)} is too large to process.`,
      cause: error,
    });
  }
  return damaged(name, error);
}

function formatOf(meta: Metadata): string | undefined {
  if (meta.format === "heif" && meta.compression === "av1") return "avif";
  return meta.format;
}

/**
 * Reads the header only (no pixel is decoded) and applies every check that needs no pixels:
 * empty, not an image, a refused format, too many pixels. The limit is checked here rather than by
 * sharp's own `limitInputPixels`, so that the message can give the size the file claims.
 */
export async function readHeader(
  bytes: Uint8Array,
  options: ImageOptions = {},
): Promise<{
  info: ImageInfo;
  maxPixels: number;
  hasAlpha: boolean;
  channels: number;
  /** Bits per sample as libvips names them: "uchar" for 8, "ushort" for 16. */
  depth: string;
}> {
  const maxPixels = maxPixelsOf(options);
  if (bytes.byteLength === 0) {
    throw new BotError("input_invalid", `${subject(options.name)}: empty file`, {
      userMessage: `${subject(options.name)} is empty.`,
    });
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw decodeError(error, options.name);
  }
  const format = formatOf(meta);
  const mime = format === undefined ? undefined : MIME_BY_FORMAT[format];
  if (format === "svg") {
    throw new BotError("input_invalid", `${subject(options.name)}: SVG refused`, {
      userMessage: `${subject(options.name)} is an SVG drawing, not a photo; please send it as PNG or JPEG.`,
    });
  }
  if (format === undefined || mime === undefined) throw notAnImage(options.name);
  const { width, height } = meta;
  if (!(width > 0 && height > 0)) throw damaged(options.name);
  if (width * height > maxPixels) throw tooLarge(options.name, width, height, maxPixels);
  return {
    info: { width: meta.autoOrient.width, height: meta.autoOrient.height, format, mime },
    maxPixels,
    hasAlpha: meta.hasAlpha,
    channels: meta.channels,
    depth: meta.depth,
  };
}

/**
 * Checks that bytes are an image we can use, within the pixel limit, and decodable to the end:
 * a truncated file has an intact header, so the pixels are decoded too, into a thumbnail, which
 * JPEG does at 1/8 scale (about 20 ms for 12 megapixels).
 */
export async function inspectImage(
  bytes: Uint8Array,
  options: { maxPixels?: number; name?: string } = {},
): Promise<ImageInfo> {
  const { info, maxPixels } = await readHeader(bytes, options);
  try {
    await sharp(bytes, { limitInputPixels: maxPixels, failOn: "truncated" })
      .resize(64, 64, { fit: "inside" })
      .raw()
      .toBuffer();
  } catch (error) {
    throw decodeError(error, options.name, info.format);
  }
  return info;
}

/**
 * Decodes to 8-bit sRGB pixels (alpha kept when present), upright per EXIF, which is how the
 * `transformers` pipelines load an image, so detection boxes line up with what we draw on.
 */
export async function decodeCanvas(bytes: Uint8Array, options: ImageOptions = {}): Promise<DecodedImage> {
  return decodeChecked(bytes, await readHeader(bytes, options), options.name);
}

async function decodeChecked(
  bytes: Uint8Array,
  { info, maxPixels }: { info: ImageInfo; maxPixels: number },
  name: string | undefined,
): Promise<DecodedImage> {
  try {
    const { data, info: raw } = await sharp(bytes, {
      limitInputPixels: maxPixels,
      failOn: "truncated",
      autoOrient: true,
    })
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (raw.channels !== 3 && raw.channels !== 4) {
      throw new Error(`unexpected ${raw.channels} channels after sRGB conversion`);
    }
    return { canvas: { data, width: raw.width, height: raw.height, channels: raw.channels }, info };
  } catch (error) {
    throw decodeError(error, name, info.format);
  }
}

/**
 * Photos up to this size are decoded ahead of their drawing (see `decodeAhead`): a 12 MP phone photo
 * passes. Above it, holding the pixels (3 bytes each) through a model call that may take minutes costs
 * more memory than the milliseconds it saves are worth, and the drawing decodes the file itself.
 */
export const DECODE_AHEAD_MAX_PIXELS = 16_000_000;

/**
 * decodeCanvas for a drawing that comes later, on another thread: the pixels are copied into an
 * ArrayBuffer of their own, which postMessage can move (a buffer from sharp is copied on every post,
 * so each thread it passes through would copy it again). Undefined above DECODE_AHEAD_MAX_PIXELS
 * (the drawing then decodes the file); rejects as decodeCanvas does.
 */
export async function decodeAhead(
  bytes: Uint8Array,
  options: ImageOptions = {},
): Promise<DecodedImage | undefined> {
  const header = await readHeader(bytes, options);
  if (header.info.width * header.info.height > DECODE_AHEAD_MAX_PIXELS) return undefined;
  const decoded = await decodeChecked(bytes, header, options.name);
  return { ...decoded, canvas: { ...decoded.canvas, data: new Uint8Array(decoded.canvas.data) } };
}

/** The pixels of a picture decoded ahead, or else of the file, decoded now. */
export function canvasOf(
  image: Uint8Array | DecodedImage,
  options: ImageOptions = {},
): Promise<DecodedImage> {
  return image instanceof Uint8Array ? decodeCanvas(image, options) : Promise.resolve(image);
}

/**
 * JPEG (quality 85) when the input was a JPEG, so a photo stays photo-sized; PNG otherwise. The JPEG
 * keeps libjpeg's standard Huffman tables: optimised tables take a second pass over the image that
 * costs more than the encoding itself (4.1 against 1.6 ms on 640×480) to save about 6% of the bytes,
 * and they change no decoded pixel.
 */
export async function encodeCanvas(canvas: Canvas, asJpeg: boolean): Promise<EncodedImage> {
  const image = sharp(canvas.data, {
    raw: { width: canvas.width, height: canvas.height, channels: canvas.channels },
  });
  if (asJpeg) {
    const bytes = await (canvas.channels === 4 ? image.flatten({ background: "#ffffff" }) : image)
      .jpeg({ quality: 85, optimiseCoding: false })
      .toBuffer();
    return { bytes, mime: "image/jpeg" };
  }
  // On photos level 6 saves under 1% over level 4 and costs about 15% more time (measured on 12 MP).
  return { bytes: await image.png({ compressionLevel: 4 }).toBuffer(), mime: "image/png" };
}
