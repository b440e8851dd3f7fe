/**
 * Discord events as the bot's Requests: attachments (downloaded when the event arrives, since CDN
 * links are signed and expire, after their reported size is checked), the bot's mention taken out
 * of the text, upload limits by server boost tier.
 */
import type { Attachment } from "../../src/core/types.js";
import { BotError } from "../../src/errors.js";
import { describeSize } from "../../src/text.js";
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
  fetch?: typeof globalThis.fetch;
}

/**
 * Downloads a Discord CDN URL exactly as given (its signature is part of the query), refusing more
 * than `maxBytes` from the header or while reading. The URL comes from Discord itself, so the guarded
 * fetch's rule against private addresses (for links from users and plans) does not apply.
 */
export async function downloadFile(
  url: string,
  options: { signal: AbortSignal; maxBytes: number; fetch?: typeof globalThis.fetch },
): Promise<Uint8Array> {
  const response = await (options.fetch ?? globalThis.fetch)(url, {
    signal: options.signal,
    redirect: "follow",
  });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new BotError("fetch_failed", `attachment download: HTTP ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  const tooLarge = () =>
    new BotError("input_too_large", `attachment over ${options.maxBytes} bytes`, {
      userMessage: `A file is larger than the limit of ${describeSize(options.maxBytes)}.`,
    });
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return new Uint8Array(await response.arrayBuffer());
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > options.maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * A Discord attachment as the bot's Attachment. When its reported size is within the limit, the
 * download starts now (the signed link expires) and `fetch()` hands over those bytes; an oversized
 * one is never downloaded (the bot refuses it by its size).
 */
export function discordAttachment(file: DiscordFile, options: DownloadOptions): Attachment {
  const fetchFile = options.fetch;
  let early: Promise<Uint8Array> | undefined;
  if (file.size <= options.maxBytes) {
    early = downloadFile(file.url, {
      signal: AbortSignal.timeout(options.timeoutMs),
      maxBytes: options.maxBytes,
      ...(fetchFile ? { fetch: fetchFile } : {}),
    });
    // Handled when fetch() is called; a request refused before that must not leave an unhandled rejection.
    early.catch(() => undefined);
  }
  return {
    name: file.name,
    mime: file.contentType ?? "application/octet-stream",
    size: file.size,
    url: file.url,
    async fetch({ signal, maxBytes }) {
      if (file.size > maxBytes) {
        throw new BotError("input_too_large", `${file.name} is ${file.size} bytes`, {
          userMessage: `${file.name} is too large (${describeSize(file.size)}; the limit is ${describeSize(maxBytes)}).`,
        });
      }
      const pending =
        early ?? downloadFile(file.url, { signal, maxBytes, ...(fetchFile ? { fetch: fetchFile } : {}) });
      const bytes = await new Promise<Uint8Array>((resolve, reject) => {
        if (signal.aborted) reject(signal.reason);
        signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        pending.then(resolve, reject);
      });
      if (bytes.byteLength > maxBytes) {
        throw new BotError("input_too_large", `${file.name} is ${bytes.byteLength} bytes`, {
          userMessage: `${file.name} is too large (${describeSize(bytes.byteLength)}; the limit is ${describeSize(maxBytes)}).`,
        });
      }
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
