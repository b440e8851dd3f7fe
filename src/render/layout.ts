/**
 * Sizes and placement shared by boxes and mask labels: everything scales with the image, so a label
 * reads the same when a 320 px thumbnail is shown as it is and when a 4000 px photo is shown
 * shrunk to a chat preview.
 */
import { type Canvas, fillRect, type Rgb, textColourOn } from "./canvas.js";
import { ADVANCE, drawText, GLYPH_ROWS, textUnits, toFontText, truncateToUnits } from "./font.js";

/** Blank font units around the text inside a label's background (below it only under descenders). */
const PAD_X = 2;
const PAD_TOP = 2;
const PAD_BOTTOM = 1;
const LABEL_ROWS = PAD_TOP + GLYPH_ROWS + PAD_BOTTOM;
/** Labels should fit at least this many characters across even a narrow image. */
const MIN_CHARS_ACROSS = 14;

export interface Scale {
  /** Pixels per font unit: a capital letter is 7 units tall. */
  unit: number;
  /** Box outline thickness in pixels: as thick as a letter's stroke, so both survive the same shrinking. */
  line: number;
}

/**
 * Font unit ≈ 1/280 of the image's geometric mean side: capitals 14 px tall on 320×240 (read at full
 * size), 84 px on 4000×3000 (about 10 px once a chat client shrinks it to a 500 px preview).
 */
export function scaleFor(width: number, height: number): Scale {
  const size = Math.sqrt(width * height);
  let unit = size < 180 ? 1 : Math.max(2, Math.round(size / 280));
  unit = Math.max(1, Math.min(unit, Math.floor(width / (MIN_CHARS_ACROSS * ADVANCE))));
  return { unit, line: unit };
}

export function formatScore(score: number): string | undefined {
  return Number.isFinite(score) ? score.toFixed(2) : undefined;
}

export interface LabelBox {
  text: string;
  width: number;
  height: number;
}

/**
 * "dog 0.98" as it will be drawn, cut with "…" so that it fits the image width; the score is kept
 * whole, since it is the part a long label would otherwise push out. Undefined if nothing fits.
 */
export function layoutLabel(
  label: string,
  score: number,
  canvasWidth: number,
  unit: number,
): LabelBox | undefined {
  const maxUnits = Math.floor(canvasWidth / unit) - 2 * PAD_X;
  const name = toFontText(label);
  const scoreText = formatScore(score);
  let text = scoreText === undefined ? name : name ? `${name} ${scoreText}` : scoreText;
  if (textUnits(text) > maxUnits) {
    if (scoreText === undefined) {
      text = truncateToUnits(name, maxUnits);
    } else {
      const room = maxUnits - (scoreText.length + 1) * ADVANCE;
      const cut = truncateToUnits(name, room);
      text = cut ? `${cut} ${scoreText}` : truncateToUnits(scoreText, maxUnits);
    }
  }
  if (!text) return undefined;
  return { text, width: (textUnits(text) + 2 * PAD_X) * unit, height: LABEL_ROWS * unit };
}

/** Moves a label's top-left corner so the whole label lies inside the canvas. */
export function clampLabel(
  canvas: Canvas,
  box: LabelBox,
  left: number,
  top: number,
): { left: number; top: number } {
  return {
    left: Math.round(Math.max(0, Math.min(left, canvas.width - box.width))),
    top: Math.round(Math.max(0, Math.min(top, canvas.height - box.height))),
  };
}

/** The label's background in its colour, and the text in black or white, whichever reads better. */
export function drawLabel(
  canvas: Canvas,
  box: LabelBox,
  left: number,
  top: number,
  colour: Rgb,
  unit: number,
): void {
  fillRect(canvas, left, top, left + box.width, top + box.height, colour);
  drawText(canvas, left + PAD_X * unit, top + PAD_TOP * unit, box.text, unit, textColourOn(colour));
}
