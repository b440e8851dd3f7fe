/**
 * Discord events as the bot's Requests: attachments (downloaded when the event arrives, since CDN
 * links are signed and expire, after their reported size is checked), the bot's mention taken out
 * of the text, upload limits by server boost tier.
 */
import type { Attachment } from "../../src/core/types.js";
import { untilAborted } from "../../src/time.js";
import { downloadFile, fileTooLarge } from "../shared/download.js";
import { DISCORD_LIMITS } from "./render.js";

/** An attachment as Discord describes it (a discord.js Attachment has these fields). */
export interface DiscordFile {
  name: string;
  contentType: string | null;
  size: number;
  url: string;
}

export interface DownloadOptions {
  /** Largest file accepted (MAX_FILE_MB): larger ones are never downloaded. */
  maxBytes: number;
  /** How long one download may take. */
  timeoutMs: number;
  /**
   * Start downloads when the event arrives (default), as the signed links expire; not in a gateway
   * process, whose workers download the files themselves (within a day of the link).
   */
  eager?: boolean;
  fetch?: typeof globalThis.fetch;
}

/**
 * A Discord attachment as the bot's Attachment. When its reported size is within the limit, the
 * download starts now (the signed link expires) and `fetch()` hands over those bytes; an oversized
 * one is never downloaded (the bot refuses it by its size).
 */
export function discordAttachment(file: DiscordFile, options: DownloadOptions): Attachment {
  const fetchFile = options.fetch;
  let early: Promise<Uint8Array> | undefined;
  if (options.eager !== false && file.size <= options.maxBytes) {
    early = downloadFile(file.url, {
      signal: AbortSignal.timeout(options.timeoutMs),
      maxBytes: options.maxBytes,
      ...(fetchFile ? { fetch: fetchFile } : {}),
    }).then((downloaded) => downloaded.bytes);
    // Handled when fetch() is called; a request refused before that must not leave an unhandled rejection.
    early.catch(() => undefined);
  }
  return {
    name: file.name,
    mime: file.contentType ?? "application/octet-stream",
    size: file.size,
    url: file.url,
    async fetch({ signal, maxBytes }) {
      if (file.size > maxBytes) throw fileTooLarge(file.name, file.size, maxBytes);
      const pending =
        early ??
        downloadFile(file.url, { signal, maxBytes, ...(fetchFile ? { fetch: fetchFile } : {}) }).then(
          (downloaded) => downloaded.bytes,
        );
      const bytes = await untilAborted(pending, signal);
      if (bytes.byteLength > maxBytes) throw fileTooLarge(file.name, bytes.byteLength, maxBytes);
      return bytes;
    },
  };
}

/** The text of a message without the bot's own mention (`<@id>` or `<@!id>`). */
export function withoutMention(text: string, botId: string): string {
  return text
    .replace(new RegExp(`<@!?${botId}>`, "g"), " ")
    .replace(/[ \t]{2,}/g, " ")
    .trim();
}

/** Discord's upload limit per file by server boost tier (0-3): 10 MiB, then 50 MiB at tier 2, 100 MiB at tier 3. */
export function uploadLimitOfTier(tier: number | undefined): number {
  if (tier === 3) return 100 * 1024 * 1024;
  if (tier === 2) return 50 * 1024 * 1024;
  return DISCORD_LIMITS.defaultUploadBytes;
}

/** A thread name from a request: its first words, within Discord's 100 characters. */
export function threadName(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  if (line === "") return "HuggingGPT request";
  return line.length <= 90 ? line : `${line.slice(0, 89)}…`;
}
