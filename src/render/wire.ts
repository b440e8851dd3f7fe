/**
 * What crosses between the main thread and a render worker. A structured clone keeps an Error's
 * message but drops its class and its own fields, so a BotError travels as plain data and is
 * rebuilt on the main thread with its code and the message meant for the user.
 */
import { z } from "zod";
import { BotError, type ErrorCode } from "../errors.js";
import type { DecodedImage, EncodedImage } from "./image.js";
import type { RenderJobName } from "./jobs.js";

export interface RenderRequest {
  id: number;
  job: RenderJobName;
  args: unknown[];
}

const wireError = z.object({
  name: z.string(),
  message: z.string(),
  code: z.string().optional(),
  userMessage: z.string().optional(),
  stack: z.string().optional(),
});

export type WireError = z.infer<typeof wireError>;

const encodedImage = z.object({ bytes: z.instanceof(Uint8Array), mime: z.string() });

const decodedImage = z.object({
  canvas: z.object({
    data: z.instanceof(Uint8Array),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
    channels: z.union([z.literal(3), z.literal(4)]),
  }),
  info: z.object({ width: z.number(), height: z.number(), format: z.string(), mime: z.string() }),
});

/** What a job answers: an encoded image, a decoded one, or nothing (a photo too large to decode ahead). */
export type RenderValue = EncodedImage | DecodedImage | undefined;

const renderReply = z.discriminatedUnion("ok", [
  z.object({
    id: z.number(),
    ok: z.literal(true),
    value: z.union([encodedImage, decodedImage, z.undefined()]),
  }),
  z.object({ id: z.number(), ok: z.literal(false), error: wireError }),
]);

export type RenderReply =
  | { id: number; ok: true; value: RenderValue }
  | { id: number; ok: false; error: WireError };

/**
 * The buffer under `bytes`, to move rather than copy, when `bytes` is all of it: a view into a shared
 * pool must be copied. (A buffer from sharp is copied by postMessage whatever the transfer list says;
 * `decodeAhead` copies its pixels into a plain ArrayBuffer so that they move.)
 */
export function movableBuffers(bytes: Uint8Array): ArrayBuffer[] {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && buffer.byteLength === bytes.byteLength
    ? [buffer]
    : [];
}

/** A worker's reply, checked: undefined for anything else. */
export function parseRenderReply(message: unknown): RenderReply | undefined {
  const parsed = renderReply.safeParse(message);
  return parsed.success ? parsed.data : undefined;
}

export function toWireError(error: unknown): WireError {
  if (error instanceof BotError) {
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      userMessage: error.userMessage,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
    };
  }
  if (error instanceof Error) {
    return {
      name: error.name,
      message: error.message,
      ...(error.stack === undefined ? {} : { stack: error.stack }),
    };
  }
  return { name: "Error", message: String(error) };
}

/**
 * The error as the caller would have seen it had the job run on its own thread: a BotError keeps its
 * code and user message, a RangeError or TypeError its class; the worker's stack is kept as the
 * stack of a `cause`, since the caller's own stack says where the job was asked for.
 */
export function fromWireError(wire: WireError): Error {
  const cause = new Error(wire.message);
  if (wire.stack !== undefined) cause.stack = wire.stack;
  if (wire.name === "BotError" && wire.code !== undefined) {
    return new BotError(wire.code as ErrorCode, wire.message, {
      ...(wire.userMessage === undefined ? {} : { userMessage: wire.userMessage }),
      cause,
    });
  }
  const ErrorClass = wire.name === "RangeError" ? RangeError : wire.name === "TypeError" ? TypeError : Error;
  return new ErrorClass(wire.message, { cause });
}
