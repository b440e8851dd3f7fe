import type { Rgb } from "./canvas.js";

/**
 * Saturated, mutually distinct colours (after Sasha Trubetskoy's "20 distinct colours", minus the
 * pale ones that vanish against sky and walls). Stable across runs, so "dog" is the same colour in
 * every picture the bot draws, which helps when a thread compares several images.
 */
const PALETTE: readonly Rgb[] = [
  { r: 230, g: 25, b: 75 }, // red
  { r: 60, g: 180, b: 75 }, // green
  { r: 255, g: 225, b: 25 }, // yellow
  { r: 67, g: 99, b: 216 }, // blue
  { r: 245, g: 130, b: 49 }, // orange
  { r: 145, g: 30, b: 180 }, // purple
  { r: 66, g: 212, b: 244 }, // cyan
  { r: 240, g: 50, b: 230 }, // magenta
  { r: 191, g: 239, b: 69 }, // lime
  { r: 250, g: 190, b: 212 }, // pink
  { r: 70, g: 153, b: 144 }, // teal
  { r: 220, g: 190, b: 255 }, // lavender
  { r: 154, g: 99, b: 36 }, // brown
  { r: 128, g: 0, b: 0 }, // maroon
  { r: 128, g: 128, b: 0 }, // olive
  { r: 0, g: 0, b: 117 }, // navy
  { r: 255, g: 216, b: 177 }, // apricot
  { r: 170, g: 255, b: 195 }, // mint
];

/** FNV-1a: a tiny, well-spread string hash, so the colour depends on the label alone. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * One colour per distinct label. Each label starts at its hashed palette slot; when two labels of
 * the same picture hash to one slot, the later (in sorted order, so the result does not depend on
 * the detection order) moves to the next free slot. Beyond the palette size colours repeat.
 */
export function labelColours(labels: Iterable<string>): Map<string, Rgb> {
  const unique = [...new Set(labels)].sort();
  const used = new Set<number>();
  const colours = new Map<string, Rgb>();
  for (const label of unique) {
    let slot = hash(label) % PALETTE.length;
    if (used.size < PALETTE.length) {
      while (used.has(slot)) slot = (slot + 1) % PALETTE.length;
    }
    used.add(slot);
    colours.set(label, PALETTE[slot]!);
  }
  return colours;
}
