import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localAttachment, mimeFromName, writeReplyFiles } from "../../../../adapters/console/files.js";
import { isBotError } from "../../../../src/errors.js";

describe("local files as attachments", () => {
  let dir: string;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hgb-console-files-"));
    await writeFile(join(dir, "small.png"), new Uint8Array([1, 2, 3, 4]));
    await writeFile(join(dir, "big.wav"), new Uint8Array(2048));
    await mkdir(join(dir, "folder"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("describes the file without reading it, and reads it on fetch", async () => {
    const attachment = await localAttachment("small.png", { cwd: dir, maxBytes: 1024 });
    expect(attachment).toMatchObject({ name: "small.png", mime: "image/png", size: 4 });
    expect(attachment.url).toBe(`file://${join(dir, "small.png")}`);
    expect([...(await attachment.fetch({ signal, maxBytes: 1024 }))]).toEqual([1, 2, 3, 4]);
  });

  it("says a missing file is not found, and a directory is not a file", async () => {
    const missing = await localAttachment("nope.jpg", { cwd: dir, maxBytes: 1024 }).catch((e: unknown) => e);
    expect(isBotError(missing) && missing.userMessage).toBe("File not found: nope.jpg");
    const folder = await localAttachment("folder", { cwd: dir, maxBytes: 1024 }).catch((e: unknown) => e);
    expect(isBotError(folder) && folder.userMessage).toBe("folder is not a file.");
  });

  it("refuses a file over the cap by its size on disk", async () => {
    const error = await localAttachment("big.wav", { cwd: dir, maxBytes: 1000 }).catch((e: unknown) => e);
    expect(isBotError(error) && error.code).toBe("input_too_large");
    expect(isBotError(error) && error.userMessage).toBe("big.wav is too large (2 KB; the limit is 1000 B).");
  });

  it("refuses on fetch when the bot's cap is lower, or the file grew past it", async () => {
    const attachment = await localAttachment("big.wav", { cwd: dir, maxBytes: 4096 });
    await expect(attachment.fetch({ signal, maxBytes: 1000 })).rejects.toMatchObject({
      code: "input_too_large",
    });
    await writeFile(join(dir, "grows.txt"), "short");
    const growing = await localAttachment("grows.txt", { cwd: dir, maxBytes: 10 });
    await writeFile(join(dir, "grows.txt"), "much longer than ten bytes");
    await expect(growing.fetch({ signal, maxBytes: 10 })).rejects.toMatchObject({ code: "input_too_large" });
  });

  it("does not read after the request was cancelled", async () => {
    const attachment = await localAttachment("small.png", { cwd: dir, maxBytes: 1024 });
    await expect(attachment.fetch({ signal: AbortSignal.abort(), maxBytes: 1024 })).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("guesses a platform-style type from the name", () => {
    expect(mimeFromName("a.JPG")).toBe("image/jpeg");
    expect(mimeFromName("b.flac")).toBe("audio/flac");
    expect(mimeFromName("c.bin")).toBe("application/octet-stream");
  });

  it("writes reply files under safe, distinct names", async () => {
    const out = join(dir, "out", "request-1");
    const { written, failed } = await writeReplyFiles(out, [
      { name: "../../escape.png", mime: "image/png", bytes: new Uint8Array([1]) },
      { name: "escape.png", mime: "image/png", bytes: new Uint8Array([2]) },
    ]);
    expect(written).toEqual([join(out, "escape.png"), join(out, "2-escape.png")]);
    expect(failed).toEqual([]);
    expect([...(await readFile(written[1] ?? ""))]).toEqual([2]);
    expect(await writeReplyFiles(join(dir, "none"), [])).toEqual({ written: [], failed: [] });
  });

  it("writes the files it can when one cannot be written", async () => {
    const out = join(dir, "out", "request-2");
    const broken = { name: "broken.png", mime: "image/png", bytes: {} as Uint8Array };
    const { written, failed } = await writeReplyFiles(out, [
      broken,
      { name: "fine.png", mime: "image/png", bytes: new Uint8Array([3]) },
    ]);
    expect(written).toEqual([join(out, "fine.png")]);
    expect(failed.map((file) => file.name)).toEqual(["broken.png"]);
  });
});
