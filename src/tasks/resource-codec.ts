import type { Resource } from "./resource.js";

/**
 * Resources as plain JSON (bytes as base64), so that any keyv backend can store them: JSON
 * serializers turn a Uint8Array into an object of numbered keys and lose the type.
 */
export function encodeResource(resource: Resource): string {
  // `this[key]` is the value before toJSON: a Buffer (a Uint8Array) has already become
  // {type: "Buffer", data: [...]} by the time the replacer sees `value`.
  return JSON.stringify(resource, function (this: Record<string, unknown>, key, value: unknown) {
    const original = this[key];
    return original instanceof Uint8Array ? { $bytes: Buffer.from(original).toString("base64") } : value;
  });
}

export function decodeResource(text: string): Resource {
  return JSON.parse(text, (_key, value) =>
    value !== null && typeof value === "object" && typeof value.$bytes === "string"
      ? new Uint8Array(Buffer.from(value.$bytes, "base64"))
      : value,
  ) as Resource;
}
