/**
 * A 5×9 bitmap font drawn straight into pixel buffers. sharp's SVG text goes through fontconfig,
 * and a fresh Debian machine or CI image may have no font at all (labels would silently vanish);
 * a bitmap font needs nothing installed, renders the same everywhere, and stays crisp when scaled
 * by an integer factor, which is what makes labels legible on a 4000 px photo.
 *
 * Each glyph is 9 rows of 5 columns, rows separated by spaces: rows 0-6 hold capitals and the
 * x-height, rows 7-8 the descenders (g, j, p, q, y, comma). Missing trailing rows are blank.
 */

import { type Canvas, fillRect, type Rgb } from "./canvas.js";

export const GLYPH_WIDTH = 5;
export const GLYPH_ROWS = 9;
/** Horizontal distance from one character to the next, in font units (one blank column). */
export const ADVANCE = GLYPH_WIDTH + 1;

const GLYPHS: Readonly<Record<string, string>> = {
  " ": "",
  "0": ".###. #...# #..## #.#.# ##..# #...# .###.",
  "1": "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
  "2": ".###. #...# ....# ...#. ..#.. .#... #####",
  "3": "##### ...#. ..#.. ...#. ....# #...# .###.",
  "4": "...#. ..##. .#.#. #..#. ##### ...#. ...#.",
  "5": "##### #.... ####. ....# ....# #...# .###.",
  "6": "..##. .#... #.... ####. #...# #...# .###.",
  "7": "##### ....# ...#. ..#.. .#... .#... .#...",
  "8": ".###. #...# #...# .###. #...# #...# .###.",
  "9": ".###. #...# #...# .#### ....# ...#. .##..",
  A: ".###. #...# #...# ##### #...# #...# #...#",
  B: "####. #...# #...# ####. #...# #...# ####.",
  C: ".###. #...# #.... #.... #.... #...# .###.",
  D: "###.. #..#. #...# #...# #...# #..#. ###..",
  E: "##### #.... #.... ####. #.... #.... #####",
  F: "##### #.... #.... ####. #.... #.... #....",
  G: ".###. #...# #.... #.### #...# #...# .####",
  H: "#...# #...# #...# ##### #...# #...# #...#",
  I: ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  J: "..### ...#. ...#. ...#. ...#. #..#. .##..",
  K: "#...# #..#. #.#.. ##... #.#.. #..#. #...#",
  L: "#.... #.... #.... #.... #.... #.... #####",
  M: "#...# ##.## #.#.# #.#.# #...# #...# #...#",
  N: "#...# #...# ##..# #.#.# #..## #...# #...#",
  O: ".###. #...# #...# #...# #...# #...# .###.",
  P: "####. #...# #...# ####. #.... #.... #....",
  Q: ".###. #...# #...# #...# #.#.# #..#. .##.#",
  R: "####. #...# #...# ####. #.#.. #..#. #...#",
  S: ".#### #.... #.... .###. ....# ....# ####.",
  T: "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
  U: "#...# #...# #...# #...# #...# #...# .###.",
  V: "#...# #...# #...# #...# #...# .#.#. ..#..",
  W: "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",
  X: "#...# #...# .#.#. ..#.. .#.#. #...# #...#",
  Y: "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",
  Z: "##### ....# ...#. ..#.. .#... #.... #####",
  a: "..... ..... .###. ....# .#### #...# .####",
  b: "#.... #.... #.##. ##..# #...# #...# ####.",
  c: "..... ..... .###. #.... #.... #...# .###.",
  d: "....# ....# .##.# #..## #...# #...# .####",
  e: "..... ..... .###. #...# ##### #.... .###.",
  f: "..##. .#..# .#... ###.. .#... .#... .#...",
  g: "..... ..... .#### #...# #...# #..## .##.# ....# .###.",
  h: "#.... #.... #.##. ##..# #...# #...# #...#",
  i: "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.",
  j: "...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..",
  k: "#.... #.... #..#. #.#.. ##... #.#.. #..#.",
  l: ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
  m: "..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#",
  n: "..... ..... #.##. ##..# #...# #...# #...#",
  o: "..... ..... .###. #...# #...# #...# .###.",
  p: "..... ..... ####. #...# #...# #...# ####. #.... #....",
  q: "..... ..... .#### #...# #...# #...# .#### ....# ....#",
  r: "..... ..... #.##. ##..# #.... #.... #....",
  s: "..... ..... .###. #.... .###. ....# ####.",
  t: ".#... .#... ###.. .#... .#... .#..# ..##.",
  u: "..... ..... #...# #...# #...# #..## .##.#",
  v: "..... ..... #...# #...# #...# .#.#. ..#..",
  w: "..... ..... #...# #...# #.#.# #.#.# .#.#.",
  x: "..... ..... #...# .#.#. ..#.. .#.#. #...#",
  y: "..... ..... #...# #...# #...# #...# .#### ....# .###.",
  z: "..... ..... ##### ...#. ..#.. .#... #####",
  ".": "..... ..... ..... ..... ..... .##.. .##..",
  ",": "..... ..... ..... ..... ..... .##.. .##.. ..#.. .#...",
  "-": "..... ..... ..... .###. ..... ..... .....",
  _: "..... ..... ..... ..... ..... ..... ..... #####",
  ":": "..... .##.. .##.. ..... .##.. .##.. .....",
  ";": "..... .##.. .##.. ..... .##.. .##.. ..#.. .#...",
  "'": "..#.. ..#.. .#... ..... ..... ..... .....",
  '"': ".#.#. .#.#. ..... ..... ..... ..... .....",
  "(": "...#. ..#.. .#... .#... .#... ..#.. ...#.",
  ")": ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",
  "[": ".###. .#... .#... .#... .#... .#... .###.",
  "]": ".###. ...#. ...#. ...#. ...#. ...#. .###.",
  "/": "....# ....# ...#. ..#.. .#... #.... #....",
  "?": ".###. #...# ....# ...#. ..#.. ..... ..#..",
  "!": "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",
  "+": "..... ..#.. ..#.. ##### ..#.. ..#.. .....",
  "=": "..... ..... ##### ..... ##### ..... .....",
  "%": "##... ##..# ...#. ..#.. .#... #..## ...##",
  "&": ".##.. #..#. #.#.. .#... #.#.# #..#. .##.#",
  "#": ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",
  "*": "..... ..#.. #.#.# .###. #.#.# ..#.. .....",
  "<": "...#. ..#.. .#... #.... .#... ..#.. ...#.",
  ">": ".#... ..#.. ...#. ....# ...#. ..#.. .#...",
  "@": ".###. #...# ....# .##.# #.#.# #.#.# .###.",
  "…": "..... ..... ..... ..... ..... ..... #.#.#",
};

/** Characters the font lacks are drawn as this one, so a label never silently loses a letter. */
const FALLBACK = "?";

/**
 * The label as the font can draw it: accents dropped (é → e, through NFKD), whitespace collapsed,
 * and any character outside the font replaced by "?" (Chinese or emoji labels still show their score).
 */
export function toFontText(text: string): string {
  const plain = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  let out = "";
  for (const char of plain) out += char in GLYPHS ? char : FALLBACK;
  return out;
}

/** Width in font units of text already passed through `toFontText` (no trailing blank column). */
export function textUnits(text: string): number {
  const length = [...text].length;
  return length === 0 ? 0 : length * ADVANCE - 1;
}

/** The longest prefix of `text` (ending in "…" when cut) that fits in `maxUnits`; "" if none. */
export function truncateToUnits(text: string, maxUnits: number): string {
  if (textUnits(text) <= maxUnits) return text;
  const chars = [...text];
  for (let keep = chars.length - 1; keep > 0; keep--) {
    const candidate = `${chars.slice(0, keep).join("").trimEnd()}…`;
    if (textUnits(candidate) <= maxUnits) return candidate;
  }
  return "";
}

/** Horizontal runs [row, startColumn, length] of one glyph, so a scaled glyph is a few rectangles. */
function glyphRuns(char: string): Array<[number, number, number]> {
  const rows = (GLYPHS[char] ?? GLYPHS[FALLBACK] ?? "").split(" ");
  const runs: Array<[number, number, number]> = [];
  rows.forEach((row, y) => {
    let start = -1;
    for (let x = 0; x <= row.length; x++) {
      const on = row[x] === "#";
      if (on && start < 0) start = x;
      if (!on && start >= 0) {
        runs.push([y, start, x - start]);
        start = -1;
      }
    }
  });
  return runs;
}

/**
 * Draws text (already passed through `toFontText`) with its top-left corner at (x, y), each font
 * unit becoming a `scale`×`scale` block. Pixels outside the canvas are skipped by `fillRect`.
 */
export function drawText(
  canvas: Canvas,
  x: number,
  y: number,
  text: string,
  scale: number,
  colour: Rgb,
): void {
  const runsByChar = new Map<string, Array<[number, number, number]>>();
  let penX = x;
  for (const char of text) {
    let runs = runsByChar.get(char);
    if (!runs) {
      runs = glyphRuns(char);
      runsByChar.set(char, runs);
    }
    for (const [row, column, length] of runs) {
      const left = penX + column * scale;
      const top = y + row * scale;
      fillRect(canvas, left, top, left + length * scale, top + scale, colour);
    }
    penX += ADVANCE * scale;
  }
}

/** Every character the font draws (for tests and for documentation of what labels can show). */
export function fontCharacters(): string[] {
  return Object.keys(GLYPHS);
}
