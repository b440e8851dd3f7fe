import type { InputKind } from "./resource.js";

export interface MediaType {
  mime: string;
  kind: InputKind | "video";
}

const EXTENSION_KINDS: Record<string, InputKind | "video"> = {
  jpg: "image",
  jpeg: "image",
  png: "image",
  gif: "image",
  webp: "image",
  bmp: "image",
  tif: "image",
  tiff: "image",
  wav: "audio",
  mp3: "audio",
  flac: "audio",
  ogg: "audio",
  oga: "audio",
  m4a: "audio",
  webm: "video",
  mp4: "video",
  mov: "video",
  txt: "text",
  md: "text",
  csv: "text",
  json: "text",
};

const EXTENSIONS_BY_MIME: Record<string, string> = {
  "image/png": "png",
  "image/jpeg": "jpg",
  "image/webp": "webp",
  "image/gif": "gif",
  "image/bmp": "bmp",
  "image/tiff": "tif",
  "audio/wav": "wav",
  "audio/x-wav": "wav",
  "audio/wave": "wav",
  "audio/flac": "flac",
  "audio/x-flac": "flac",
  "audio/mpeg": "mp3",
  "audio/ogg": "ogg",
  "audio/webm": "webm",
  "audio/mp4": "m4a",
  "video/mp4": "mp4",
  "video/webm": "webm",
  "video/quicktime": "mov",
  "text/plain": "txt",
  "application/json": "json",
};

/** Whether a media type is one the bot knows a file extension for. */
export function isKnownMediaType(mime: string): boolean {
  return mime in EXTENSIONS_BY_MIME;
}

/** The file extension for a media type ("audio/mp4" → "m4a"); the subtype, made safe, otherwise. */
export function extensionOf(mime: string): string {
  const clean = mime.split(";")[0]?.trim().toLowerCase() ?? "";
  return EXTENSIONS_BY_MIME[clean] ?? (clean.split("/")[1]?.replace(/[^a-z0-9]/g, "") || "bin");
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  return signature.every((byte, index) => bytes[offset + index] === byte);
}

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return String.fromCharCode(...bytes.subarray(start, end));
}

/** The media type told by a file's first bytes (its magic number), never by its name. */
export function sniffMediaType(bytes: Uint8Array): MediaType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { mime: "image/jpeg", kind: "image" };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { mime: "image/png", kind: "image" };
  if (ascii(bytes, 0, 4) === "GIF8") return { mime: "image/gif", kind: "image" };
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WEBP")
    return { mime: "image/webp", kind: "image" };
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a]))
    return { mime: "image/tiff", kind: "image" };
  if (ascii(bytes, 0, 4) === "RIFF" && ascii(bytes, 8, 12) === "WAVE")
    return { mime: "audio/wav", kind: "audio" };
  if (ascii(bytes, 0, 4) === "fLaC") return { mime: "audio/flac", kind: "audio" };
  if (ascii(bytes, 0, 4) === "OggS") return { mime: "audio/ogg", kind: "audio" };
  if (ascii(bytes, 0, 3) === "ID3" || startsWith(bytes, [0xff, 0xfb]) || startsWith(bytes, [0xff, 0xf3]))
    return { mime: "audio/mpeg", kind: "audio" };
  if (ascii(bytes, 4, 8) === "ftyp") {
    const brand = ascii(bytes, 8, 12);
    return brand.startsWith("M4A")
      ? { mime: "audio/mp4", kind: "audio" }
      : { mime: "video/mp4", kind: "video" };
  }
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) return { mime: "video/webm", kind: "video" };
  if (looksLikeText(bytes)) return { mime: "text/plain", kind: "text" };
  return undefined;
}

/** UTF-8 without control bytes other than whitespace in the first 4 KiB. */
function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 4096);
  if (head.length === 0) return false;
  for (const byte of head) {
    if (byte === 0 || (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d)) return false;
  }
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(
      head.length < bytes.length ? head.subarray(0, -4) : head,
    );
    return true;
  } catch {
    return false;
  }
}

/** What a file's name promises, for messages such as "photo.jpg is not a readable image". */
export function kindFromName(name: string): InputKind | "video" | undefined {
  const extension = name.toLowerCase().split(".").pop() ?? "";
  return EXTENSION_KINDS[extension];
}
