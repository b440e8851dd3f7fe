import sharp from "sharp";
import type { Canvas } from "./canvas.js";
import { decodeCanvas, type EncodedImage, type ImageOptions, readHeader } from "./image.js";

/** Qualities tried at full size before giving up pixels; below 55 JPEG artefacts show more than a smaller size would. */
const QUALITIES = [85, 70, 55];
/** Quality used once the image is being downscaled. */
const SCALED_QUALITY = 70;
/** A quality step saves at most about this factor; beyond it, go straight to downscaling. */
const QUALITY_REACH = 3;
const MAX_SCALE_STEPS = 12;
/** Smaller than this on its short side, a picture is no longer worth sending. */
const MIN_SIDE = 16;

function isTransparent(canvas: Canvas): boolean {
  if (canvas.channels !== 4) return false;
  for (let i = 3; i < canvas.data.length; i += 4) if (canvas.data[i]! < 255) return true;
  return false;
}

/**
 * The image re-encoded, and if need be downscaled, to at most `maxBytes`, for a platform's upload
 * limit; unchanged if it already fits; undefined if even a thumbnail does not fit. Opaque images
 * become JPEG, transparent ones WebP (which keeps the alpha and which Discord and Slack show).
 * An animated GIF that must shrink keeps its first frame only.
 */
export async function fitImage(
  bytes: Uint8Array,
  maxBytes: number,
  options: ImageOptions = {},
): Promise<EncodedImage | undefined> {
  const { info } = await readHeader(bytes, options);
  if (bytes.byteLength <= maxBytes) return { bytes, mime: info.mime };
  if (!(maxBytes > 0)) return undefined;
  const { canvas } = await decodeCanvas(bytes, options);
  const webp = isTransparent(canvas);
  const mime = webp ? "image/webp" : "image/jpeg";
  const encode = (width: number, height: number, quality: number): Promise<Buffer> => {
    let image = sharp(canvas.data, {
      raw: { width: canvas.width, height: canvas.height, channels: canvas.channels },
    });
    if (width !== canvas.width || height !== canvas.height)
      image = image.resize(width, height, { fit: "fill" });
    return webp ? image.webp({ quality }).toBuffer() : image.removeAlpha().jpeg({ quality }).toBuffer();
  };

  let size = Number.POSITIVE_INFINITY;
  for (const quality of QUALITIES) {
    const out = await encode(canvas.width, canvas.height, quality);
    if (out.byteLength <= maxBytes) return { bytes: out, mime };
    size = out.byteLength;
    if (size > maxBytes * QUALITY_REACH) break;
  }
  // Bytes grow roughly with the pixel count, so the side shrinks by √(limit / size), with a margin.
  let width = canvas.width;
  let height = canvas.height;
  for (let step = 0; step < MAX_SCALE_STEPS; step++) {
    const factor = Math.min(0.9, Math.max(0.25, Math.sqrt(maxBytes / size) * 0.95));
    width = Math.round(width * factor);
    height = Math.round(height * factor);
    if (Math.min(width, height) < MIN_SIDE) return undefined;
    const out = await encode(width, height, SCALED_QUALITY);
    if (out.byteLength <= maxBytes) return { bytes: out, mime };
    size = out.byteLength;
  }
  return undefined;
}
