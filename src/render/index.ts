/**
 * Drawing and image handling with sharp: detection boxes, segmentation masks, depth maps, safe
 * inspection of user images, and fitting files under upload limits. Every decode has a pixel limit
 * and every failure is a BotError (`input_invalid` or `input_too_large`) with a message for the user.
 */

export { renderDepth } from "./depth.js";
export { drawDetections } from "./detections.js";
export { fitImage } from "./fit.js";
export {
  DEFAULT_MAX_PIXELS,
  type EncodedImage,
  type ImageInfo,
  type ImageOptions,
  inspectImage,
} from "./image.js";
export { drawMasks, type Segment } from "./masks.js";
