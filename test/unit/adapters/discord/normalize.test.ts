import { describe, expect, it } from "vitest";
import {
  discordAttachment,
  threadName,
  uploadLimitOfTier,
  withoutMention,
} from "../../../../adapters/discord/normalize.js";

function fakeFetch(bytes: number, headers: Record<string, string> = {}) {
  const urls: string[] = [];
  const fetch: typeof globalThis.fetch = async (input) => {
    urls.push(String(input));
    return new Response(new Uint8Array(bytes), { headers });
  };
  return { fetch, urls };
}

describe("Discord attachments", () => {
  it("starts downloading at once, from the URL exactly as given, and hands over those bytes", async () => {
    const { fetch, urls } = fakeFetch(10);
    const url = "http://127.0.0.1:9/attachments/1/2/cat.png?ex=abc&is=def&hm=0123";
    const attachment = discordAttachment(
      { name: "cat.png", contentType: "image/png", size: 10, url },
      { maxBytes: 100, timeoutMs: 1000, fetch },
    );
    expect(urls).toEqual([url]);
    const bytes = await attachment.fetch({ signal: new AbortController().signal, maxBytes: 100 });
    expect(bytes.byteLength).toBe(10);
    expect(urls).toHaveLength(1);
    expect(attachment.mime).toBe("image/png");
  });

  it("never downloads a file whose reported size is over the limit", async () => {
    const { fetch, urls } = fakeFetch(10);
    const attachment = discordAttachment(
      { name: "movie.mp4", contentType: null, size: 5000, url: "http://x/movie.mp4" },
      { maxBytes: 100, timeoutMs: 1000, fetch },
    );
    await expect(attachment.fetch({ signal: new AbortController().signal, maxBytes: 100 })).rejects.toThrow(
      /5000 bytes/,
    );
    expect(urls).toEqual([]);
    expect(attachment.mime).toBe("application/octet-stream");
  });
});

describe("normalization", () => {
  it("takes the bot's mention out of the text", () => {
    expect(withoutMention("<@42> what is in this photo?", "42")).toBe("what is in this photo?");
    expect(withoutMention("hey <@!42>, draw a cat <@7>", "42")).toBe("hey , draw a cat <@7>");
  });

  it("knows the upload limit of each boost tier", () => {
    expect(uploadLimitOfTier(0)).toBe(10 * 1024 * 1024);
    expect(uploadLimitOfTier(undefined)).toBe(10 * 1024 * 1024);
    expect(uploadLimitOfTier(2)).toBe(50 * 1024 * 1024);
    expect(uploadLimitOfTier(3)).toBe(100 * 1024 * 1024);
  });

  it("names threads after the request, within Discord's limit", () => {
    expect(threadName("  draw\na cat ")).toBe("draw a cat");
    expect(threadName("")).toBe("HuggingGPT request");
    expect(threadName("x".repeat(300)).length).toBeLessThanOrEqual(100);
  });
});
