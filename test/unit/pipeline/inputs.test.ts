import { describe, expect, it } from "vitest";
import type { BotError } from "../../../src/errors.js";
import { inputFromFile } from "../../../src/pipeline/inputs.js";
import { extensionOf } from "../../../src/tasks/media-type.js";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("inputs from files", () => {
  it("tells the kind by the bytes, not the name", () => {
    expect(inputFromFile("notes.txt", bytes("BMW sales 2024\n"), { maxBytes: 100 }).resource.kind).toBe(
      "text",
    );
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    expect(inputFromFile("image", png, { maxBytes: 100 }).resource).toMatchObject({
      kind: "image",
      mime: "image/png",
    });
  });

  it("refuses empty, oversized and unknown files, and names that lie, with the file's name", () => {
    const refuse = (name: string, content: Uint8Array, maxBytes = 100) => {
      try {
        inputFromFile(name, content, { maxBytes });
      } catch (error) {
        return (error as BotError).userMessage;
      }
      throw new Error("accepted");
    };
    expect(refuse("a.wav", new Uint8Array())).toBe("a.wav is empty.");
    expect(refuse("big.png", new Uint8Array(200), 100)).toBe(
      "big.png is too large (200 bytes; the limit is 100 bytes).",
    );
    expect(refuse("blob.bin", new Uint8Array([0, 1, 2, 3]))).toContain(
      "not an image, a recording or a text file",
    );
    expect(refuse("photo.jpg", bytes("<html>sign in</html>"))).toContain("perhaps an error page");
  });

  it("knows the extensions of the media the experts return", () => {
    expect(extensionOf("audio/mp4")).toBe("m4a");
    expect(extensionOf("image/jpeg; charset=binary")).toBe("jpg");
    expect(extensionOf("video/quicktime")).toBe("mov");
    expect(extensionOf("application/x-weird+thing")).toBe("xweirdthing");
  });
});
