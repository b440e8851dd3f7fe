/**
 * Downloads a file a platform gave the bot (Discord's signed CDN links, Slack's `url_private`),
 * refusing more than `maxBytes` from the header or while reading. These URLs come from the platform
 * itself, so the guarded fetch's rule against private addresses (for links from users and plans)
 * does not apply; the caller decides which headers (a token) go with the request.
 */
import { BotError } from "../../src/errors.js";
import { describeSize } from "../../src/text.js";

export interface DownloadRequest {
  signal: AbortSignal;
  maxBytes: number;
  headers?: Record<string, string>;
  fetch?: typeof globalThis.fetch;
}

export interface Downloaded {
  bytes: Uint8Array;
  /** The response's Content-Type, when it sent one. */
  contentType: string | undefined;
}

export async function downloadFile(url: string, options: DownloadRequest): Promise<Downloaded> {
  const response = await (options.fetch ?? globalThis.fetch)(url, {
    signal: options.signal,
    redirect: "follow",
    ...(options.headers ? { headers: options.headers } : {}),
  });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    throw new BotError("fetch_failed", `attachment download: HTTP ${response.status}`);
  }
  const contentType = response.headers.get("content-type") ?? undefined;
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  const tooLarge = () =>
    new BotError("input_too_large", `attachment over ${options.maxBytes} bytes`, {
      userMessage: `A file is larger than the limit of ${describeSize(options.maxBytes)}.`,
    });
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return { bytes: new Uint8Array(await response.arrayBuffer()), contentType };
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
  return { bytes, contentType };
}

/** The error for a file whose reported or actual size is over the limit, in the user's words. */
export function fileTooLarge(name: string, size: number, maxBytes: number): BotError {
  return new BotError("input_too_large", `${name} is ${size} bytes`, {
    userMessage: `${name} is too large (${describeSize(size)}; the limit is ${describeSize(maxBytes)}).`,
  });
}
