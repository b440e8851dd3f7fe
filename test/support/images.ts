import sharp from "sharp";

/**
 * Black text on white, one `<text>` per line, in DejaVu Sans (installed with fontconfig), as a PNG:
 * what the OCR and document experts read in tests and benches.
 */
export async function textImage(lines: readonly string[], size = 44): Promise<Uint8Array> {
  const lineHeight = Math.round(size * 1.6);
  const height = lines.length * lineHeight + size;
  const texts = lines
    .map(
      (line, index) =>
        `<text x="40" y="${size * 1.2 + index * lineHeight}" font-family="DejaVu Sans" font-size="${size}" fill="#000">${line}</text>`,
    )
    .join("");
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1200" height="${height}"><rect width="100%" height="100%" fill="#fff"/>${texts}</svg>`;
  return new Uint8Array(await sharp(Buffer.from(svg)).png().toBuffer());
}
