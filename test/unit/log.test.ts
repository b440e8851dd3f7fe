import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel, redact, silentLogger } from "../../src/log.js";

// Made up, in the shapes of the real thing.
const OPENAI_KEY = "sk-proj-Xy7Qk2LmN9pR4sT6vW8zA1bC3dE5fG7hJ9kL2mN4pQ6rS8tU0vW2xY4zA6bC8dE0fG2hJ4k";
const OPENAI_LEGACY = "sk-Tq3V9wX2yZ5aB8cD1eF4gH7iJ0kL3mN6oP9qR2sT5uV8wX1";
const HF_TOKEN = "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";
const SLACK_BOT = "xoxb-1234567890123-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx";
const SLACK_APP =
  "xapp-1-A0123456789-1234567890123-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const DISCORD = "MTI4NjQ5ODc2NTQzMjEwOTg3Ng.GhXyZa.Ab1Cd2Ef3Gh4Ij5Kl6Mn7Op8Qr9St0UvWxYz12";
const BEARER = "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib3QifQ.c2lnbmF0dXJlLXBhcnQ";
const CONFIGURED = "my-own-llm-server-key-42";

const ALL = [OPENAI_KEY, OPENAI_LEGACY, HF_TOKEN, SLACK_BOT, SLACK_APP, DISCORD, CONFIGURED];

function capture(level: LogLevel = "debug", secrets: string[] = [CONFIGURED]) {
  const lines: string[] = [];
  const logger = createLogger({ level, secrets, write: (line) => lines.push(line) });
  const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines, parsed };
}

describe("logs", () => {
  it("writes one JSON line per event with level, ISO time and message", () => {
    const { logger, lines, parsed } = capture("info");
    logger.info("pipeline finished", { requestId: "req-1", ms: { plan: 812, execute: 2300 } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    const [line] = parsed();
    expect(line).toMatchObject({
      level: "info",
      msg: "pipeline finished",
      requestId: "req-1",
      ms: { plan: 812, execute: 2300 },
      pid: process.pid,
    });
    expect(new Date(String(line?.time)).toISOString()).toBe(line?.time);
  });

  it("leaves out lines below the level, and silent writes nothing", () => {
    const { logger, parsed } = capture("warn");
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    logger.error("e");
    expect(parsed().map((line) => [line.level, line.msg])).toEqual([
      ["warn", "w"],
      ["error", "e"],
    ]);
    const silent = capture("silent");
    silent.logger.error("nothing");
    silent.logger.child({ requestId: "x" }).error("nothing");
    expect(silent.lines).toEqual([]);
    expect(() => silentLogger.child({ a: 1 }).warn("ignored", { b: 2 })).not.toThrow();
  });

  it("carries a child's bindings (request id, platform) on every line, nested children too", () => {
    const { logger, parsed } = capture();
    const request = logger.child({ requestId: "req-42", platform: "discord" });
    request.info("plan ready", { stage: "plan", ms: 640 });
    request.child({ task: 2 }).warn("model failed; next candidate");
    logger.info("unrelated");
    expect(parsed()).toMatchObject([
      { requestId: "req-42", platform: "discord", stage: "plan", ms: 640, msg: "plan ready" },
      { requestId: "req-42", platform: "discord", task: 2, msg: "model failed; next candidate" },
      { msg: "unrelated" },
    ]);
    expect(parsed()[2]).not.toHaveProperty("requestId");
  });

  it("turns errors anywhere in the fields into name, message, code and cause", () => {
    const { logger, parsed } = capture("info");
    const cause = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    logger.warn("LLM request failed; retrying", {
      error: new TypeError("fetch failed", { cause }),
      attempts: [{ model: "m1", error: new RangeError("too big") }],
    });
    const [line] = parsed();
    expect(line?.error).toEqual({
      name: "TypeError",
      message: "fetch failed",
      cause: { name: "Error", message: "socket hang up", code: "ECONNRESET" },
    });
    expect(line?.attempts).toEqual([{ model: "m1", error: { name: "RangeError", message: "too big" } }]);
  });

  it("adds stacks at debug level only", () => {
    const debug = capture("debug");
    debug.logger.error("boom", { error: new Error("x") });
    expect((debug.parsed()[0]?.error as { stack?: string } | undefined)?.stack).toContain("log.test.ts");
    const info = capture("info");
    info.logger.error("boom", { error: new Error("x") });
    expect(info.parsed()[0]?.error).not.toHaveProperty("stack");
  });

  it("survives circular fields, bigints and bytes", () => {
    const { logger, parsed } = capture();
    const loop: Record<string, unknown> = { name: "loop" };
    loop.self = loop;
    logger.info("odd values", { loop, big: 2n ** 70n, bytes: new Uint8Array(2048) });
    expect(parsed()[0]).toMatchObject({
      loop: { name: "loop", self: "[Circular]" },
      big: "1180591620717411303424",
      bytes: "[2048 bytes]",
    });
  });
});

describe("redaction", () => {
  it("removes configured secrets and token-shaped strings from the message", () => {
    const { logger, lines } = capture();
    logger.error(`calls failed with ${ALL.join(" and ")} and ${BEARER}`);
    for (const secret of [...ALL, BEARER.slice("Bearer ".length)]) expect(lines[0]).not.toContain(secret);
    expect(lines[0]).toContain("Bearer [redacted]");
    expect(JSON.parse(lines[0] ?? "{}")).toHaveProperty("msg");
  });

  it("removes them from nested fields, arrays, error messages, causes and bindings", () => {
    const { logger, lines } = capture();
    const error = new Error(`401 Unauthorized: Incorrect API key provided: ${OPENAI_KEY}`, {
      cause: new Error(`upstream said: invalid token ${HF_TOKEN}`),
    });
    logger.child({ token: SLACK_BOT, headers: { authorization: BEARER } }).warn("request failed", {
      error,
      config: { discord: { token: DISCORD }, slack: [SLACK_APP], llm: { apiKey: CONFIGURED } },
      url: `https://api.example.com/v1?key=${OPENAI_LEGACY}`,
    });
    const text = lines.join("\n");
    for (const secret of [...ALL, BEARER.slice("Bearer ".length)]) expect(text).not.toContain(secret);
    const line = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(line.error).toMatchObject({
      message: "401 Unauthorized: Incorrect API key provided: [redacted]",
      cause: { message: "upstream said: invalid token [redacted]" },
    });
    expect(line.config).toEqual({
      discord: { token: "[redacted]" },
      slack: ["[redacted]"],
      llm: { apiKey: "[redacted]" },
    });
  });

  it("removes the password of a URL (REDIS_URL)", () => {
    expect(redact("connect to redis://default:Sup3rS3cret@cache.internal:6379/0 failed")).toBe(
      "connect to redis://default:[redacted]@cache.internal:6379/0 failed",
    );
    expect(redact("rediss://:p%40ss@host:6380")).toBe("rediss://:[redacted]@host:6380");
    expect(redact("see https://huggingface.co/models?pipeline_tag=asr and http://127.0.0.1:8080/x")).toBe(
      "see https://huggingface.co/models?pipeline_tag=asr and http://127.0.0.1:8080/x",
    );
  });

  it("finds a configured secret that JSON escaped", () => {
    const secret = 'pa"ss\\word-123456';
    const lines: string[] = [];
    createLogger({ level: "info", secrets: [secret], write: (line) => lines.push(line) }).info(
      `key ${secret}`,
      {
        nested: { secret },
      },
    );
    expect(lines[0]).not.toContain("ss\\\\word");
    expect(JSON.parse(lines[0] ?? "{}")).toMatchObject({
      msg: "key [redacted]",
      nested: { secret: "[redacted]" },
    });
  });

  it("leaves ordinary text alone", () => {
    const text =
      "task-123 ran facebook/detr-resnet-50 on photo.jpg in 1.2 s; sk-learn and hf_hub are words; version 1.2.3; Bearer of news";
    expect(redact(text, [])).toBe(text);
    expect(redact("the key is sk-short", [])).toBe("the key is sk-short");
  });

  it("keeps the longest configured secret whole when one contains another", () => {
    expect(redact("token abc123456-extra", ["abc123456", "abc123456-extra"])).toBe("token [redacted]");
  });
});
