/** Small text helpers shared by prompts, user messages and logs. */

/**
 * `text` as it is when it has at most `max` characters; otherwise cut, with "…" where it was cut.
 *
 * Without `note`, the result has at most `max` characters, the "…" included: for a fixed budget.
 * With `note`, the first `max` characters are kept and the note, given the whole text's length, says
 * in parentheses what was left out.
 *
 * @example
 * shorten("a long sentence", 6) // "a lon…"
 * shorten("a long sentence", 6, (length) => `${length - 6} more characters`)
 * // "a long… (9 more characters)"
 */
export function shorten(text: string, max: number, note?: (length: number) => string): string {
  if (text.length <= max) return text;
  if (note) return `${text.slice(0, max)}… (${note(text.length)})`;
  return `${text.slice(0, Math.max(0, max - 1))}…`;
}

const SIZE_UNITS: readonly (readonly [number, string])[] = [
  [1024 * 1024 * 1024, "GB"],
  [1024 * 1024, "MB"],
  [1024, "KB"],
];

/** A size for people to read: "20 MB", "2.5 KB", "300 bytes". */
export function describeSize(bytes: number): string {
  for (const [size, unit] of SIZE_UNITS) {
    if (bytes >= size) {
      const value = bytes / size;
      return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
    }
  }
  return `${bytes} bytes`;
}
