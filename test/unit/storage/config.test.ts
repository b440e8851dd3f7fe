import { describe, expect, it } from "vitest";
import { loadConfig, secretValues, VARIABLES } from "../../../src/config/index.js";

describe("REDIS_URL", () => {
  it("is an optional secret redis:// or rediss:// URL", () => {
    expect(VARIABLES.REDIS_URL.secret).toBe(true);
    expect(loadConfig({}).REDIS_URL).toBeUndefined();
    expect(loadConfig({ REDIS_URL: " " }).REDIS_URL).toBeUndefined();
    expect(loadConfig({ REDIS_URL: "redis://:pw@localhost:6379/2" }).REDIS_URL).toBe(
      "redis://:pw@localhost:6379/2",
    );
    expect(loadConfig({ REDIS_URL: "rediss://bot:pw@cache.example.com:6380" }).REDIS_URL).toBe(
      "rediss://bot:pw@cache.example.com:6380",
    );
  });

  it("refuses other URLs without showing the value", () => {
    for (const value of ["http://user:hunter2-secret@cache:6379", "cache:6379"]) {
      expect(() => loadConfig({ REDIS_URL: value })).toThrow(
        /REDIS_URL must start with redis:\/\/ or rediss:\/\//,
      );
      try {
        loadConfig({ REDIS_URL: value });
      } catch (error) {
        expect(String(error)).not.toContain("hunter2");
      }
    }
  });

  it("is redacted from logs like the other secrets", () => {
    expect(secretValues({ REDIS_URL: "redis://:pw-123456@localhost:6379" })).toEqual([
      "redis://:pw-123456@localhost:6379",
    ]);
  });
});
