/**
 * A photo decoded while a model works on it. Drawing boxes or masks on the model's answer starts
 * with decoding the photo it was sent (4 ms for 640×480, about 100 ms for 12 megapixels), which
 * has nothing to wait for: done during the model call, it leaves the drawing only its painting and
 * encoding once the answer comes.
 */
import type { DecodedImage, ImageOptions } from "./image.js";
import { renderPool } from "./pool.js";

export class PreparedImage {
  /** The file, decoded again by a drawing that finds no pixels here. */
  readonly bytes: Uint8Array;
  readonly options: ImageOptions;
  private decoded: Promise<DecodedImage | undefined> | undefined;

  /** Starts decoding `bytes` on a render worker; see `prepareImage`. */
  constructor(bytes: Uint8Array, options: ImageOptions = {}) {
    this.bytes = bytes;
    this.options = options;
    this.decoded = renderPool().run("decodeAhead", bytes, options);
    // Awaited by the drawing, if there is one: a model that fails leaves it unread.
    this.decoded.catch(() => undefined);
  }

  /**
   * The pixels for one drawing, which takes them over (they move to the worker that draws): the file
   * when they are gone or were never decoded (a photo above DECODE_AHEAD_MAX_PIXELS). Rejects as
   * decoding the file would.
   */
  async take(): Promise<DecodedImage | Uint8Array> {
    const decoded = this.decoded;
    this.decoded = undefined;
    return (await decoded) ?? this.bytes;
  }
}

/**
 * Starts decoding a photo that boxes or masks will be drawn on, before the model that finds them has
 * answered; pass the result to drawDetections or drawMasks in place of the bytes.
 *
 * @example
 * const photo = prepareImage(image.bytes);
 * const detections = await detect(image); // the photo decodes meanwhile
 * const drawn = await drawDetections(photo, detections);
 */
export function prepareImage(bytes: Uint8Array, options: ImageOptions = {}): PreparedImage {
  return new PreparedImage(bytes, options);
}
