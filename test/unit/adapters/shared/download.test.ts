import { describe, expect, it } from "vitest";
import { downloadFile } from "../../../../adapters/shared/download.js";

/** A fetch that answers `bytes` zero bytes with the given headers, recording what was asked. */
function fakeFetch(bytes: number, headers: Record<string, string> = {}) {
  const seen: Array<{ url: string; headers: Headers }> = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    seen.push({ url: String(input), headers: new Headers(init?.headers) });
    return new Response(new Uint8Array(bytes), { status: 200, headers });
  };
  return { fetch, seen };
}

describe("downloadFile", () => {
  it("returns the bytes and the content type, with the caller's headers", async () => {
    const { fetch, seen } = fakeFetch(10, { "content-type": "image/png" });
    const downloaded = await downloadFile("http://x/a", {
      signal: new AbortController().signal,
      maxBytes: 100,
      headers: { authorization: "Bearer t" },
      fetch,
    });
    expect(downloaded.bytes.byteLength).toBe(10);
    expect(downloaded.contentType).toBe("image/png");
    expect(seen[0]?.headers.get("authorization")).toBe("Bearer t");
  });

  it("stops a download that turns out larger than the limit", async () => {
    const { fetch } = fakeFetch(500);
    await expect(
      downloadFile("http://x/a", { signal: new AbortController().signal, maxBytes: 100, fetch }),
    ).rejects.toThrow(/over 100 bytes/);
    const declared = fakeFetch(10, { "content-length": "100000" });
    await expect(
      downloadFile("http://x/a", {
        signal: new AbortController().signal,
        maxBytes: 100,
        fetch: declared.fetch,
      }),
    ).rejects.toThrow(/over 100 bytes/);
  });

  it("refuses an error status", async () => {
    const fetch: typeof globalThis.fetch = async () => new Response("no", { status: 404 });
    await expect(
      downloadFile("http://x/a", { signal: new AbortController().signal, maxBytes: 100, fetch }),
    ).rejects.toThrow(/HTTP 404/);
  });
});
