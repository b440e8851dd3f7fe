import { mkdir, open, stat, writeFile } from "node:fs/promises";
import { basename, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { sanitizeFileName } from "../../src/core/files.js";
import type { Attachment, ReplyFile } from "../../src/core/types.js";
import { BotError } from "../../src/errors.js";

const MIME_BY_EXTENSION: Record<string, string> = {
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".png": "image/png",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".bmp": "image/bmp",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".wav": "audio/wav",
  ".mp3": "audio/mpeg",
  ".flac": "audio/flac",
  ".ogg": "audio/ogg",
  ".oga": "audio/ogg",
  ".m4a": "audio/mp4",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mov": "video/quicktime",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".json": "application/json",
};

/** The type a file's name suggests (the platform's word, as for Discord and Slack); the bytes decide later. */
export function mimeFromName(name: string): string {
  return MIME_BY_EXTENSION[extname(name).toLowerCase()] ?? "application/octet-stream";
}

/** "812 B", "3.4 KB", "25 MB": a size for people (one decimal, none when whole). */
export function formatSize(bytes: number): string {
  const [value, unit] =
    bytes < 1024 ? [bytes, "B"] : bytes < 1024 * 1024 ? [bytes / 1024, "KB"] : [bytes / 1024 / 1024, "MB"];
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded : rounded.toFixed(1)} ${unit}`;
}

function tooLarge(path: string, size: number, maxBytes: number): BotError {
  return new BotError("input_too_large", `${path} is ${size} bytes, over ${maxBytes}`, {
    userMessage: `${path} is too large (${formatSize(size)}; the limit is ${formatSize(maxBytes)}).`,
  });
}

/**
 * A local file as an Attachment, checked when it is attached: it must exist, be a regular file and
 * be within `maxBytes` by its size on disk, so nothing is read that would be refused. `fetch()` reads
 * it later and checks again (the file may have grown, and the bot may pass a lower cap).
 */
export async function localAttachment(
  path: string,
  options: { cwd: string; maxBytes: number },
): Promise<Attachment> {
  const full = resolve(options.cwd, path);
  const info = await stat(full).catch(() => undefined);
  if (!info) {
    throw new BotError("input_invalid", `no file at ${full}`, { userMessage: `File not found: ${path}` });
  }
  if (!info.isFile()) {
    throw new BotError("input_invalid", `${full} is not a regular file`, {
      userMessage: `${path} is not a file.`,
    });
  }
  if (info.size > options.maxBytes) throw tooLarge(path, info.size, options.maxBytes);
  const name = sanitizeFileName(basename(full)) || "file";
  return {
    name,
    mime: mimeFromName(name),
    size: info.size,
    url: pathToFileURL(full).href,
    fetch: ({ signal, maxBytes }) => readCapped(full, path, { signal, maxBytes }),
  };
}

/** Reads a file, refusing before reading when its size is over the cap and stopping if it grows past it. */
async function readCapped(
  full: string,
  shown: string,
  options: { signal: AbortSignal; maxBytes: number },
): Promise<Uint8Array> {
  options.signal.throwIfAborted();
  const handle = await open(full, "r").catch((error: unknown) => {
    throw new BotError("input_invalid", `cannot open ${full}`, {
      userMessage: `File not found: ${shown}`,
      cause: error,
    });
  });
  try {
    const { size } = await handle.stat();
    if (size > options.maxBytes) throw tooLarge(shown, size, options.maxBytes);
    // One byte more than the cap tells a file that grew since the stat from one that did not.
    const buffer = new Uint8Array(Math.min(size, options.maxBytes) + 1);
    let filled = 0;
    while (filled < buffer.length) {
      options.signal.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > options.maxBytes) throw tooLarge(shown, filled, options.maxBytes);
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}

/**
 * Writes a reply's files into `directory` (created), each under a safe, distinct name. A file that
 * cannot be written does not stop the others: it is listed in `failed` with the reason.
 */
export async function writeReplyFiles(
  directory: string,
  files: readonly ReplyFile[],
): Promise<{ written: string[]; failed: Array<{ name: string; error: unknown }> }> {
  const written: string[] = [];
  const failed: Array<{ name: string; error: unknown }> = [];
  if (files.length === 0) return { written, failed };
  await mkdir(directory, { recursive: true });
  const used = new Set<string>();
  for (const file of files) {
    const base = sanitizeFileName(file.name) || "file";
    let name = base;
    for (let n = 2; used.has(name); n += 1) name = `${n}-${base}`;
    used.add(name);
    const path = join(directory, name);
    try {
      await writeFile(path, file.bytes);
      written.push(path);
    } catch (error) {
      failed.push({ name, error });
    }
  }
  return { written, failed };
}
