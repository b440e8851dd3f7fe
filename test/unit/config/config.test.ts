import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  configuredEndpointHosts,
  hostedConfigured,
  llmConfigured,
  loadConfig,
  secretValues,
  shardPlan,
  VARIABLES,
} from "../../../src/config/index.js";
import { BotError } from "../../../src/errors.js";

describe("configuration", () => {
  it("lists exactly the variables of the table in .env.example", () => {
    const example = readFileSync(new URL("../../../.env.example", import.meta.url), "utf8");
    const names = [...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
    expect(names.sort()).toEqual(Object.keys(VARIABLES).sort());
  });

  it("documents every variable in README's configuration table", () => {
    const readme = readFileSync(new URL("../../../README.md", import.meta.url), "utf8");
    const names = [...readme.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((match) => match[1]);
    expect(names.sort()).toEqual(Object.keys(VARIABLES).sort());
  });

  it("gives every variable a description and keeps secrets without defaults", () => {
    for (const variable of Object.values(VARIABLES)) {
      expect(variable.description.length).toBeGreaterThan(10);
      if (variable.secret) expect(variable.default).toBeUndefined();
    }
  });

  it("applies the defaults on an empty environment", () => {
    const config = loadConfig({});
    expect(config.INFERENCE_MODE).toBe("hybrid");
    expect(config.MODEL_SELECTION).toBe("llm");
    expect(config.HF_ENDPOINT).toBe("https://huggingface.co");
    expect(config.LLM_TEXT_TASKS).toBe(false);
    expect(config.OPENAI_API_KEY).toBeUndefined();
    expect(config.DATA_DIR).toBe("./data");
  });

  it("parses values and treats empty strings as unset", () => {
    const config = loadConfig({
      LLM_TEXT_TASKS: "true",
      MODEL_CANDIDATES: "3",
      HF_INFERENCE_ENDPOINT: "http://127.0.0.1:8080/",
      OPENAI_API_KEY: "",
    });
    expect(config.LLM_TEXT_TASKS).toBe(true);
    expect(config.MODEL_CANDIDATES).toBe(3);
    expect(config.HF_INFERENCE_ENDPOINT).toBe("http://127.0.0.1:8080");
    expect(config.OPENAI_API_KEY).toBeUndefined();
  });

  it("names every invalid variable in one message and never shows a secret", () => {
    let caught: unknown;
    try {
      loadConfig({ INFERENCE_MODE: "cloud", MODEL_CANDIDATES: "many", OPENAI_BASE_URL: "ftp://x" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BotError);
    const message = (caught as BotError).userMessage;
    expect(message).toContain("INFERENCE_MODE must be local, local-first, hosted or hybrid");
    expect(message).toContain("MODEL_CANDIDATES");
    expect(message).toContain("OPENAI_BASE_URL");
  });

  it("takes SLACK_INSTALLATION_KEY as 32 bytes in base64 (standard or URL-safe) or hex", () => {
    const bytes = Buffer.from(Array.from({ length: 32 }, (_, index) => (index * 37 + 251) % 256));
    for (const written of [
      bytes.toString("base64"),
      bytes.toString("base64url"),
      bytes.toString("hex"),
      bytes.toString("hex").toUpperCase(),
      ` ${bytes.toString("base64")}\n`,
    ]) {
      const key = loadConfig({ SLACK_INSTALLATION_KEY: written }).SLACK_INSTALLATION_KEY;
      expect(key && Buffer.from(key).equals(bytes)).toBe(true);
    }
    expect(loadConfig({}).SLACK_INSTALLATION_KEY).toBeUndefined();
  });

  it("refuses a key of another length or alphabet, saying how to make one and never showing it", () => {
    for (const written of [
      Buffer.alloc(16, 7).toString("base64"),
      Buffer.alloc(33, 7).toString("base64"),
      "a".repeat(63),
      "correct horse battery staple and some more words to reach 44",
    ]) {
      let caught: unknown;
      try {
        loadConfig({ SLACK_INSTALLATION_KEY: written });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(BotError);
      const message = (caught as BotError).userMessage;
      expect(message).toContain("SLACK_INSTALLATION_KEY must be 32 bytes");
      expect(message).toContain("openssl rand -base64 32");
      expect(message).not.toContain(written);
    }
  });

  it("asks for a state secret long enough to sign with", () => {
    expect(() => loadConfig({ SLACK_STATE_SECRET: "short" })).toThrow(
      /SLACK_STATE_SECRET must be at least 16/,
    );
    expect(loadConfig({ SLACK_STATE_SECRET: "a-long-enough-state-secret" }).SLACK_STATE_SECRET).toBe(
      "a-long-enough-state-secret",
    );
  });

  it("collects the secret values for redaction", () => {
    expect(
      secretValues({ OPENAI_API_KEY: "sk-abcdef123", HF_TOKEN: "hf_secret_token", LLM_MODEL: "x" }),
    ).toEqual(["sk-abcdef123", "hf_secret_token"]);
  });
});

describe("what the configuration enables", () => {
  it("counts an LLM as configured with a key, or with a base URL of a server that needs none", () => {
    expect(llmConfigured(loadConfig({}))).toBe(false);
    expect(llmConfigured(loadConfig({ OPENAI_API_KEY: "sk-test-123456" }))).toBe(true);
    expect(llmConfigured(loadConfig({ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" }))).toBe(true);
  });

  it("counts hosted inference as configured with a token or a self-hosted endpoint", () => {
    expect(hostedConfigured(loadConfig({}))).toBe(false);
    expect(hostedConfigured(loadConfig({ HF_TOKEN: "hf_test_123456" }))).toBe(true);
    expect(hostedConfigured(loadConfig({ HF_INFERENCE_ENDPOINT: "http://127.0.0.1:8080" }))).toBe(true);
  });

  it("names the operator's model servers as host:port, with the scheme's port when none is given", () => {
    const config = loadConfig({
      HF_INFERENCE_ENDPOINT: "http://10.0.0.5:8080/models",
      LOCAL_INFERENCE_ENDPOINT: "http://inference.lan",
    });
    expect(configuredEndpointHosts(config)).toEqual([
      "10.0.0.5:8080",
      "inference.lan:80",
      "huggingface.co:443",
    ]);
  });
});

/** The one message loadConfig throws for `env`. */
function problemOf(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(BotError);
    return (error as BotError).userMessage;
  }
  throw new Error(`no problem with ${JSON.stringify(env)}`);
}

describe("Discord shards and the interactions endpoint", () => {
  const token = { DISCORD_TOKEN: "fake-bot-token-123456" };

  it("keeps discord.js's one shard when nothing is set", () => {
    const config = loadConfig(token);
    expect(config.DISCORD_SHARDS).toBeUndefined();
    expect(config.DISCORD_SHARD_IDS).toBeUndefined();
    expect(shardPlan(config)).toEqual({ count: 1, ids: undefined });
    expect(config.DISCORD_GATEWAY).toBe(true);
  });

  it("reads a count or auto, and ids as lists, ranges or both", () => {
    expect(shardPlan(loadConfig({ ...token, DISCORD_SHARDS: "auto" }))).toEqual({
      count: "auto",
      ids: undefined,
    });
    expect(shardPlan(loadConfig({ ...token, DISCORD_SHARDS: "AUTO" })).count).toBe("auto");
    expect(shardPlan(loadConfig({ ...token, DISCORD_SHARDS: "4", DISCORD_SHARD_IDS: "0,2" }))).toEqual({
      count: 4,
      ids: [0, 2],
    });
    expect(
      loadConfig({ ...token, DISCORD_SHARDS: "8", DISCORD_SHARD_IDS: "4-6, 1 5" }).DISCORD_SHARD_IDS,
    ).toEqual([1, 4, 5, 6]);
  });

  it("refuses counts and ids that are not numbers, and ids outside the count", () => {
    expect(problemOf({ ...token, DISCORD_SHARDS: "0" })).toContain(
      "DISCORD_SHARDS must be auto or a whole number",
    );
    expect(problemOf({ ...token, DISCORD_SHARDS: "two" })).toContain('(got "two")');
    expect(problemOf({ ...token, DISCORD_SHARDS: "4", DISCORD_SHARD_IDS: "3-1" })).toContain(
      "DISCORD_SHARD_IDS must list shard ids such as 0,2 or 0-3",
    );
    expect(problemOf({ ...token, DISCORD_SHARDS: "4", DISCORD_SHARD_IDS: "0,4,5" })).toContain(
      "DISCORD_SHARD_IDS names shards 4, 5, but DISCORD_SHARDS=4 has ids 0 to 3",
    );
    // Unset, the count is one: ids beyond 0 need the count.
    expect(problemOf({ ...token, DISCORD_SHARD_IDS: "1" })).toContain(
      "DISCORD_SHARDS=1 (DISCORD_SHARDS is unset: one shard) has ids 0 to 0",
    );
  });

  it("refuses explicit ids with auto, saying why", () => {
    const message = problemOf({ ...token, DISCORD_SHARDS: "auto", DISCORD_SHARD_IDS: "0" });
    expect(message).toContain("DISCORD_SHARD_IDS cannot be used with DISCORD_SHARDS=auto");
    expect(message).toContain("set DISCORD_SHARDS to the number of shards");
  });

  it("takes the public key in either case, and refuses one that is not 32 bytes of hex", () => {
    const key = "AB".repeat(32);
    expect(loadConfig({ ...token, DISCORD_PUBLIC_KEY: key }).DISCORD_PUBLIC_KEY).toBe("ab".repeat(32));
    expect(problemOf({ ...token, DISCORD_PUBLIC_KEY: "ab".repeat(31) })).toContain(
      "DISCORD_PUBLIC_KEY must be the 64 hexadecimal characters",
    );
  });

  it("wants a way in: the gateway needs the token, and no gateway needs the endpoint", () => {
    const key = { DISCORD_PUBLIC_KEY: "ab".repeat(32) };
    expect(problemOf({ ...token, DISCORD_GATEWAY: "false" })).toContain(
      "DISCORD_GATEWAY=false leaves Discord no way to reach the bot: set DISCORD_PUBLIC_KEY",
    );
    expect(problemOf(key)).toContain("DISCORD_PUBLIC_KEY is set without DISCORD_TOKEN");
    expect(loadConfig({ ...key, DISCORD_GATEWAY: "false" }).DISCORD_TOKEN).toBeUndefined();
    expect(loadConfig({ ...key, ...token }).DISCORD_GATEWAY).toBe(true);
  });
});
