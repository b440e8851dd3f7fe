import { describe, expect, it } from "vitest";
import { createStorage } from "../../../src/storage/index.js";
import { MemoryBackend } from "../../../src/storage/memory.js";
import { storageContract } from "./contract.js";

storageContract("memory", {
  persistent: false,
  async open() {
    return { storage: createStorage({ backend: "memory" }) };
  },
});

describe("memory backend", () => {
  it("is what createStorage() gives without options", async () => {
    const storage = createStorage();
    expect(storage.backend).toBe("memory");
    await storage.close();
  });

  it("drops the oldest entries past its byte budget, never the one just written", () => {
    const memory = new MemoryBackend({ maxBytes: 100 });
    memory.setSync("a", "x".repeat(40));
    memory.setSync("b", "y".repeat(40));
    memory.setSync("c", "z".repeat(40));
    expect(memory.getSync("a")).toBeUndefined();
    expect(memory.getSync("b")).toBe("y".repeat(40));
    expect(memory.getSync("c")).toBe("z".repeat(40));
    memory.setSync("huge", "h".repeat(500));
    expect(memory.getSync("huge")).toHaveLength(500);
    expect(memory.size).toBe(1);
  });

  it("sweeps expired entries", () => {
    let now = 1_000;
    const memory = new MemoryBackend({ now: () => now });
    memory.setSync("short", "s", 10);
    memory.setSync("forever", "f");
    now += 11;
    memory.sweepSync();
    expect(memory.size).toBe(1);
    expect(memory.getSync("forever")).toBe("f");
  });
});
