import { generateKeyPairSync, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signatureVerifier } from "../../../../adapters/discord/endpoint.js";
import { parseInteraction } from "../../../../adapters/discord/interaction-schema.js";
import { BotError } from "../../../../src/errors.js";

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const hex = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url").toString("hex");
  return { hex, signs: (text: string) => sign(null, Buffer.from(text), privateKey).toString("hex") };
}

describe("the interactions endpoint's signature check", () => {
  const app = keyPair();
  const verifies = signatureVerifier(app.hex);
  const body = Buffer.from('{"type":1}');

  it("accepts Ed25519 over the timestamp followed by the raw body, with the application's key", () => {
    expect(verifies(app.signs(`1700000000${body}`), "1700000000", body)).toBe(true);
    expect(verifies(app.signs(`1700000000${body}`).toUpperCase(), "1700000000", body)).toBe(true);
  });

  it("refuses another key's signature, another timestamp or body, and a signature that is not 64 bytes of hex", () => {
    const signature = app.signs(`1700000000${body}`);
    expect(verifies(keyPair().signs(`1700000000${body}`), "1700000000", body)).toBe(false);
    expect(verifies(signature, "1700000001", body)).toBe(false);
    expect(verifies(signature, "1700000000", Buffer.from('{"type":1 }'))).toBe(false);
    expect(verifies(signature.slice(2), "1700000000", body)).toBe(false);
    expect(verifies(`${signature.slice(0, -2)}zz`, "1700000000", body)).toBe(false);
  });

  it("says clearly when DISCORD_PUBLIC_KEY is not a key", () => {
    expect(() => signatureVerifier("not a key")).toThrow(BotError);
    expect(() => signatureVerifier("not a key")).toThrow(/DISCORD_PUBLIC_KEY is not an Ed25519 public key/);
  });
});

describe("reading a verified interaction", () => {
  const command = {
    type: 2,
    id: "1300000000000000001",
    application_id: "1200000000000000001",
    token: "token",
    data: { id: "1", name: "ask", type: 1, options: [{ name: "prompt", type: 3, value: "hi" }] },
    channel: { id: "1100000000000000001", type: 0 },
    guild_id: "1000000000000000001",
    member: { user: { id: "900000000000000001", username: "alice" }, roles: [] },
    locale: "en-US",
  };

  it("reads PING, chat-input commands (unknown fields left out) and autocomplete", () => {
    expect(parseInteraction({ type: 1, id: "1", application_id: "2", version: 1 })).toEqual({ kind: "ping" });
    const parsed = parseInteraction(command);
    expect(parsed.kind).toBe("command");
    if (parsed.kind !== "command") return;
    expect(parsed.payload.data.options).toEqual([{ name: "prompt", type: 3, value: "hi" }]);
    expect(parsed.payload.member?.user.username).toBe("alice");
    expect(parsed.payload).not.toHaveProperty("locale");
    expect(parseInteraction({ type: 4, id: "1", data: {} })).toEqual({ kind: "autocomplete" });
  });

  it("calls components, modals and context-menu commands unsupported", () => {
    expect(parseInteraction({ ...command, type: 3 })).toEqual({ kind: "unsupported", type: 3 });
    expect(parseInteraction({ ...command, type: 5 })).toEqual({ kind: "unsupported", type: 5 });
    expect(parseInteraction({ ...command, data: { ...command.data, type: 2 } })).toEqual({
      kind: "unsupported",
      type: 2,
    });
    expect(parseInteraction("PING")).toEqual({ kind: "unsupported", type: undefined });
  });

  it("calls a command without a user, a channel or a token invalid, naming what is missing", () => {
    const { member: _member, ...noUser } = command;
    expect(parseInteraction(noUser)).toEqual({ kind: "invalid", problem: "body names no user" });
    const { channel: _channel, ...noChannel } = command;
    expect(parseInteraction(noChannel)).toEqual({ kind: "invalid", problem: "body names no channel" });
    const { token: _token, ...noToken } = command;
    expect(parseInteraction(noToken)).toMatchObject({
      kind: "invalid",
      problem: expect.stringMatching(/^token /),
    });
    expect(parseInteraction({ ...command, id: "12a" })).toEqual({
      kind: "invalid",
      problem: "id is not a snowflake",
    });
  });
});
