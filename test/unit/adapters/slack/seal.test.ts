import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { seal, UnsealError, unseal } from "../../../../adapters/slack/seal.js";

const key = randomBytes(32);
const secret = "xoxb-1111-2222-abcdefghijklmnop";

function failure(run: () => unknown): UnsealError {
  try {
    run();
  } catch (error) {
    if (error instanceof UnsealError) return error;
    throw error;
  }
  throw new Error("expected unseal to fail");
}

describe("sealing secrets with AES-256-GCM", () => {
  it("opens with the same key and context, and hides the plaintext", () => {
    const sealed = seal(secret, key, "team:T1");
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(sealed).not.toContain(secret);
    expect(Buffer.from(sealed.split(".")[2]!, "base64url").toString("latin1")).not.toContain("xoxb");
    expect(unseal(sealed, key, "team:T1")).toBe(secret);
  });

  it("uses a fresh nonce each time, so the same secret never seals the same way", () => {
    expect(seal(secret, key, "team:T1")).not.toBe(seal(secret, key, "team:T1"));
  });

  it("refuses another key, another context and a changed byte", () => {
    const sealed = seal(secret, key, "team:T1");
    expect(failure(() => unseal(sealed, randomBytes(32), "team:T1")).reason).toBe("refused");
    expect(failure(() => unseal(sealed, key, "team:T2")).reason).toBe("refused");
    const parts = sealed.split(".");
    const body = Buffer.from(parts[2]!, "base64url");
    body[0] = body[0]! ^ 1;
    const tampered = [parts[0], parts[1], body.toString("base64url"), parts[3]].join(".");
    expect(failure(() => unseal(tampered, key, "team:T1")).reason).toBe("refused");
  });

  it("calls text that is not a sealed value malformed, and refuses keys of another size", () => {
    expect(failure(() => unseal("xoxb-plain-token", key, "team:T1")).reason).toBe("malformed");
    expect(failure(() => unseal("v1.AAAA.AAAA.AAAA", key, "team:T1")).reason).toBe("malformed");
    expect(() => seal(secret, randomBytes(16), "team:T1")).toThrow(/32 bytes/);
  });
});
