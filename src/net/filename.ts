const MAX_NAME_LENGTH = 200;
export const DEFAULT_FILE_NAME = "download";

/**
 * A file name that is safe to write anywhere: the last path component only (a server must not be able to
 * name `../../.bashrc`), no control characters, not `.` or `..`, bounded length. Empty when nothing usable
 * is left.
 */
export function sanitizeFileName(raw: string): string {
  const base = raw.split(/[/\\]/).pop() ?? "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const cleaned = base.replace(/[\u0000-\u001f\u007f]/g, "").trim();
  if (cleaned === "." || cleaned === "..") return "";
  if (cleaned.length <= MAX_NAME_LENGTH) return cleaned;
  // Keep the extension when shortening, since later stages guess the type from it.
  const dot = cleaned.lastIndexOf(".");
  const ext = dot > 0 && cleaned.length - dot <= 16 ? cleaned.slice(dot) : "";
  return cleaned.slice(0, MAX_NAME_LENGTH - ext.length) + ext;
}

function decodeExtValue(value: string): string | null {
  // RFC 8187: charset'language'percent-encoded. UTF-8 is what everyone sends; ISO-8859-1 is decoded
  // byte-wise because decodeURIComponent would reject its lone high bytes.
  const match = /^([^']*)'[^']*'(.*)$/.exec(value);
  if (!match) return null;
  const charset = (match[1] ?? "").toLowerCase();
  const encoded = match[2] ?? "";
  try {
    if (charset === "iso-8859-1") {
      return encoded.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
        String.fromCharCode(Number.parseInt(hex, 16)),
      );
    }
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

/** The file name in a Content-Disposition header (`filename*` preferred over `filename`), unsanitized. */
export function fileNameFromContentDisposition(header: string | undefined): string | null {
  if (!header) return null;
  const extended = /(?:^|;)\s*filename\*\s*=\s*("?)([^";]*)\1/i.exec(header);
  if (extended?.[2]) {
    const decoded = decodeExtValue(extended[2].trim());
    if (decoded) return decoded;
  }
  const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted?.[1] !== undefined) return quoted[1].replace(/\\(.)/g, "$1");
  const token = /(?:^|;)\s*filename\s*=\s*([^;\s]+)/i.exec(header);
  return token?.[1] ?? null;
}

/** The last non-empty segment of a URL's path, percent-decoded when that is valid. */
export function fileNameFromUrl(url: URL): string | null {
  const segment = url.pathname
    .split("/")
    .filter((s) => s !== "")
    .pop();
  if (!segment) return null;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The name to give a fetched file: Content-Disposition first, then the final URL's path, then a default. */
export function fetchedFileName(contentDisposition: string | undefined, finalUrl: URL): string {
  for (const candidate of [fileNameFromContentDisposition(contentDisposition), fileNameFromUrl(finalUrl)]) {
    if (candidate === null) continue;
    const safe = sanitizeFileName(candidate);
    if (safe !== "") return safe;
  }
  return DEFAULT_FILE_NAME;
}
