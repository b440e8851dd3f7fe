import { describe, expect, it } from "vitest";
import { BotError, type ErrorCode, errorSummary, isBotError, userMessageOf } from "../../src/errors.js";
import { expectUserFacing } from "../support/pipeline-app.js";

/** Every code once: a Record, so the compiler says when a code is added and not listed here. */
const CODES: Record<ErrorCode, true> = {
  config_invalid: true,
  llm_unavailable: true,
  llm_timeout: true,
  plan_invalid: true,
  no_model: true,
  model_failed: true,
  input_invalid: true,
  input_too_large: true,
  url_refused: true,
  fetch_failed: true,
  cancelled: true,
  rate_limited: true,
  queue_full: true,
  internal: true,
};

const SECRET = "sk-proj-Xy7Qk2LmN9pR4sT6vW8zA1bC3dE5fG7h";

describe("the error family", () => {
  it("gives every code a short sentence for users, without the technical message", () => {
    for (const code of Object.keys(CODES) as ErrorCode[]) {
      const error = new BotError(code, `POST https://api.example/v1 failed with key ${SECRET}`);
      expect(isBotError(error)).toBe(true);
      expect(error.code).toBe(code);
      expectUserFacing(error.userMessage);
      expect(error.userMessage.length).toBeLessThanOrEqual(120);
      expect(userMessageOf(error)).toBe(error.userMessage);
      expect(userMessageOf(error)).not.toContain(SECRET);
    }
  });

  it("shows users a generic sentence for any other error, and a cancel for an abort or a timeout", () => {
    const crash = new Error(`ECONNRESET ${SECRET}`);
    crash.stack = "Error: ECONNRESET\n    at run (/srv/app/src/pipeline/index.ts:42:7)";
    expect(userMessageOf(crash)).toBe("Something went wrong on my side.");
    expect(userMessageOf("a thrown string")).toBe("Something went wrong on my side.");
    expect(userMessageOf(new DOMException("stopped", "AbortError"))).toBe("The request was cancelled.");
    expect(userMessageOf(new DOMException("too slow", "TimeoutError"))).toBe("The request was cancelled.");
  });

  it("keeps its own user message and the cause, and summarizes errors in one line for logs", () => {
    const cause = new Error("socket hang up");
    const error = new BotError("fetch_failed", "photo.png: download failed\nmore detail", {
      userMessage: "photo.png could not be downloaded.",
      cause,
    });
    expect(error.userMessage).toBe("photo.png could not be downloaded.");
    expect(error.cause).toBe(cause);
    expect(errorSummary(error)).toBe("photo.png: download failed");
    expect(errorSummary(42)).toBe("42");
  });
});
