import { describe, expect, it } from "vitest";
import { checkDownloadedFile, slackFileHostAllowed } from "../../../../adapters/slack/files.js";
import { BotError } from "../../../../src/errors.js";

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const WAV = new TextEncoder().encode("RIFF\0\0\0\0WAVEfmt ");
const MP4_AUDIO = new Uint8Array([0, 0, 0, 0x18, ...new TextEncoder().encode("ftypisom"), 0, 0, 0, 0]);
const LOGIN = new TextEncoder().encode(
  '\n  <!DOCTYPE html>\n<html lang="en"><head><title>Slack</title></head><body>Sign in</body></html>',
);

function failure(run: () => unknown): BotError {
  try {
    run();
  } catch (error) {
    if (error instanceof BotError) return error;
    throw error;
  }
  throw new Error("expected a BotError");
}

describe("checkDownloadedFile", () => {
  it("returns the sniffed type of a file that is what it says", () => {
    expect(checkDownloadedFile("photo.png", "image/png", PNG)).toEqual({ mime: "image/png", kind: "image" });
    expect(checkDownloadedFile("voice.wav", "audio/wav", WAV, "audio/wav")).toEqual({
      mime: "audio/wav",
      kind: "audio",
    });
    expect(checkDownloadedFile("notes.txt", "text/plain", new TextEncoder().encode("hello"))).toEqual({
      mime: "text/plain",
      kind: "text",
    });
  });

  it("detects Slack's sign-in page instead of the file", () => {
    const error = failure(() => checkDownloadedFile("photo.png", "image/png", LOGIN));
    expect(error.code).toBe("fetch_failed");
    expect(error.userMessage).toBe(
      "I couldn't download photo.png from Slack: Slack sent a sign-in page instead of the file. The bot may be missing the files:read scope.",
    );
    const upper = new TextEncoder().encode("<HTML><body>login</body></HTML>");
    expect(failure(() => checkDownloadedFile("a.wav", "audio/wav", upper)).code).toBe("fetch_failed");
  });

  it("detects an HTML content type even when the bytes look like a file", () => {
    const error = failure(() =>
      checkDownloadedFile("photo.png", "image/png", PNG, "text/html; charset=utf-8"),
    );
    expect(error.code).toBe("fetch_failed");
    expect(error.userMessage).toContain("sign-in page");
  });

  it("lets a file declared as HTML through", () => {
    expect(checkDownloadedFile("page.html", "text/html", LOGIN, "text/html").kind).toBe("text");
  });

  it("refuses bytes of another kind than the name promises, with a clear message", () => {
    const error = failure(() => checkDownloadedFile("photo.png", "image/png", WAV));
    expect(error.code).toBe("input_invalid");
    expect(error.userMessage).toBe("photo.png is not an image: its content is an audio file (audio/wav).");
    const byType = failure(() =>
      checkDownloadedFile("upload", "image/jpeg", new TextEncoder().encode("text")),
    );
    expect(byType.userMessage).toBe("upload is not an image: its content is a text file (text/plain).");
  });

  it("refuses unknown bytes and empty downloads", () => {
    const binary = new Uint8Array([0, 1, 2, 3, 4, 5]);
    expect(failure(() => checkDownloadedFile("photo.png", "image/png", binary)).userMessage).toBe(
      "I can't read photo.png (its name says an image): its content is not an image, audio, video or text file I know.",
    );
    expect(failure(() => checkDownloadedFile("photo.png", "image/png", new Uint8Array())).code).toBe(
      "fetch_failed",
    );
  });

  it("counts audio in an MP4 container as audio", () => {
    expect(checkDownloadedFile("memo.m4a", "audio/mp4", MP4_AUDIO)).toEqual({
      mime: "audio/mp4",
      kind: "audio",
    });
  });
});

describe("slackFileHostAllowed", () => {
  const slackApi = "https://slack.com/api/";
  const fakeApi = "http://127.0.0.1:4567/api/";

  it("sends the token to files.slack.com over https only", () => {
    expect(slackFileHostAllowed("https://files.slack.com/files-pri/T1-F1/photo.png", slackApi)).toBe(true);
    expect(slackFileHostAllowed("https://files.slack.com/files-pri/T1-F1/photo.png")).toBe(true);
    expect(slackFileHostAllowed("http://files.slack.com/files-pri/T1-F1/photo.png", slackApi)).toBe(false);
    expect(slackFileHostAllowed("https://files.slack.com:8443/x", slackApi)).toBe(false);
  });

  it("never sends it to other hosts", () => {
    for (const url of [
      "https://evil.example/files-pri/photo.png",
      "https://files.slack.com.evil.example/x",
      "https://slack.com/files-pri/x",
      "https://user:pass@files.slack.com/x",
      "http://127.0.0.1:4567/files/photo.png",
      "not a url",
    ]) {
      expect(slackFileHostAllowed(url, slackApi), url).toBe(false);
    }
  });

  it("sends it to the configured fake's origin when SLACK_API_URL points there", () => {
    expect(slackFileHostAllowed("http://127.0.0.1:4567/files/photo.png", fakeApi)).toBe(true);
    expect(slackFileHostAllowed("https://files.slack.com/x", fakeApi)).toBe(true);
    expect(slackFileHostAllowed("http://127.0.0.1:9999/files/photo.png", fakeApi)).toBe(false);
    expect(slackFileHostAllowed("http://localhost:4567/files/photo.png", fakeApi)).toBe(false);
    expect(slackFileHostAllowed("https://127.0.0.1:4567/files/photo.png", fakeApi)).toBe(false);
  });
});
