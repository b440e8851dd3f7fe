/**
 * Secrets at rest: AES-256-GCM under a 32-byte key (SLACK_INSTALLATION_KEY), with node:crypto only.
 * Each sealed value has its own random 96-bit nonce and GCM's 128-bit tag, and is bound to the name it
 * is stored under (the additional authenticated data), so a value copied to another record does not
 * open there. A wrong key, a changed byte or another record's value fails to open: GCM's tag refuses
 * it, so a garbage token is never handed on.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { BotError } from "../../src/errors.js";

/** The format's mark, so that a later format can be told apart. */
const VERSION = "v1";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

function checkKey(key: Uint8Array): void {
  if (key.byteLength !== KEY_BYTES) {
    throw new BotError("config_invalid", `an AES-256 key has ${KEY_BYTES} bytes, not ${key.byteLength}`);
  }
}

/**
 * Encrypts `plaintext` under `key`, bound to `context` (the name the value is stored under).
 *
 * @example
 * const sealed = seal(JSON.stringify(installation), key, "team:T123");
 * // "v1.<nonce>.<ciphertext>.<tag>", base64url
 */
export function seal(plaintext: string, key: Uint8Array, context: string): string {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, nonce, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

/** Why a sealed value did not open. */
export type UnsealFailure = "malformed" | "refused";

/** The error of a value that does not open, with `reason` for callers that explain it further. */
export class UnsealError extends BotError {
  constructor(
    readonly reason: UnsealFailure,
    message: string,
  ) {
    super("config_invalid", message);
  }
}

/**
 * Decrypts what `seal` made with the same key and context. Throws an `UnsealError`: `malformed` when
 * the text is not a sealed value, `refused` when the key or context is not the one it was sealed
 * with (or a byte changed).
 */
export function unseal(sealed: string, key: Uint8Array, context: string): string {
  checkKey(key);
  const parts = sealed.split(".");
  const [version, nonceText, ciphertextText, tagText] = parts;
  if (parts.length !== 4 || version !== VERSION || !nonceText || !tagText || ciphertextText === undefined) {
    throw new UnsealError("malformed", `${context}: not a sealed value of format ${VERSION}`);
  }
  const nonce = Buffer.from(nonceText, "base64url");
  const tag = Buffer.from(tagText, "base64url");
  if (nonce.byteLength !== NONCE_BYTES || tag.byteLength !== TAG_BYTES) {
    throw new UnsealError("malformed", `${context}: a sealed value with a nonce or tag of the wrong size`);
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertextText, "base64url")),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    // GCM says only that the tag did not match: the key, the context or the bytes differ.
    throw new UnsealError("refused", `${context}: the key does not open this sealed value`);
  }
}
