import { describe, expect, it } from "vitest";
import { fetchedFileName, sanitizeFileName } from "../../../src/net/filename.js";

const url = new URL("https://example.com/images/cat%20photo.jpg?size=large");

describe("fetchedFileName", () => {
  it.each([
    ['attachment; filename="report.pdf"', "report.pdf"],
    ["attachment; filename=plain.txt", "plain.txt"],
    ["inline; filename*=UTF-8''gr%C3%BC%C3%9Fe.wav", "grüße.wav"],
    ["attachment; filename=\"fallback.png\"; filename*=UTF-8''preferred.png", "preferred.png"],
    ["attachment; filename*=iso-8859-1'en'%E9t%E9.txt", "été.txt"],
    ['attachment; filename="quo\\"ted.txt"', 'quo"ted.txt'],
    ['attachment; filename="../../.bashrc"', ".bashrc"],
    ["attachment; filename=..\\..\\boot.ini", "boot.ini"],
    ["attachment; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd", "passwd"],
  ])("takes the name from %j", (header, expected) => {
    expect(fetchedFileName(header, url)).toBe(expected);
  });

  it("falls back to the decoded last path segment, then to a default", () => {
    expect(fetchedFileName(undefined, url)).toBe("cat photo.jpg");
    expect(fetchedFileName("attachment", url)).toBe("cat photo.jpg");
    expect(fetchedFileName('attachment; filename=".."', url)).toBe("cat photo.jpg");
    expect(fetchedFileName(undefined, new URL("https://example.com/"))).toBe("download");
    expect(fetchedFileName(undefined, new URL("https://example.com/a/%E0%A4%A/"))).toBe("%E0%A4%A");
  });
});

describe("sanitizeFileName", () => {
  it("strips control characters and keeps the extension when shortening", () => {
    expect(sanitizeFileName("a\u0000b\nc.txt")).toBe("abc.txt");
    const long = sanitizeFileName(`${"x".repeat(500)}.png`);
    expect(long.length).toBe(200);
    expect(long.endsWith(".png")).toBe(true);
  });
});
