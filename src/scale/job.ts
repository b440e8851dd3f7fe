/**
 * A request as a BullMQ job: the request without its download functions, the reply target as an
 * address, its thread and its place in the thread's order. Written by a gateway, read (and checked
 * against this schema) by a worker, possibly of another version: nothing unchecked crosses.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { ReplyAddress, ReplyTarget, Request } from "../core/types.js";
import { BotError } from "../errors.js";

const platformSchema = z.enum(["discord", "slack", "console", "web", "test"]);

const addressSchema = z.object({
  platform: platformSchema,
  workspace: z.string().optional(),
  channel: z.string(),
  thread: z.string(),
  interaction: z.object({ applicationId: z.string(), token: z.string(), expiresAt: z.number() }).optional(),
  progressMessageId: z.string().optional(),
  extra: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const attachmentSchema = z.object({
  name: z.string(),
  mime: z.string(),
  /** null: the platform did not say (JSON has no NaN). */
  size: z.number().nonnegative().nullable(),
  url: z.string(),
});

export const jobDataSchema = z.object({
  request: z.object({
    id: z.string(),
    platform: platformSchema,
    eventId: z.string(),
    author: z.object({ id: z.string(), name: z.string().optional(), isBot: z.boolean() }),
    workspace: z.string().optional(),
    channel: z.string(),
    thread: z.string(),
    text: z.string(),
    attachments: z.array(attachmentSchema),
    receivedAt: z.number(),
    stamp: z.string().optional(),
  }),
  address: addressSchema,
  /** The thread key (`platform:channel:thread`). */
  thread: z.string(),
  /** Its place in the thread's order (sequencer.ts). */
  member: z.string(),
  acceptedAt: z.number(),
});

export type JobData = z.infer<typeof jobDataSchema>;

/** The job id of a delivery: the same event, delivered twice to two gateways, is one job. */
export function jobIdOf(request: Pick<Request, "platform" | "eventId">): string {
  // BullMQ's ids may not contain ':' nor be plain integers; a digest is neither, and fixed in length.
  return `r${createHash("sha256").update(`${request.platform}\u0000${request.eventId}`).digest("hex").slice(0, 32)}`;
}

/** A sortable stamp for requests whose platform gives none: the time received, zero-padded. */
export function stampOf(request: Pick<Request, "stamp" | "receivedAt">): string {
  return request.stamp ?? String(request.receivedAt).padStart(20, "0");
}

/** The job of an admitted request; its target must have an address (a platform answered through its API). */
export function jobDataOf(
  request: Request,
  target: ReplyTarget,
  thread: string,
  acceptedAt: number,
  member: string,
): JobData {
  const address: ReplyAddress | undefined = target.address?.();
  if (!address) {
    throw new BotError("internal", `a ${request.platform} request cannot be answered from another process`);
  }
  return {
    request: {
      id: request.id,
      platform: request.platform,
      eventId: request.eventId,
      author: request.author,
      ...(request.workspace === undefined ? {} : { workspace: request.workspace }),
      channel: request.channel,
      thread: request.thread,
      text: request.text,
      attachments: request.attachments.map(({ name, mime, size, url }) => ({
        name,
        mime,
        size: Number.isFinite(size) ? size : null,
        url,
      })),
      receivedAt: request.receivedAt,
      ...(request.stamp === undefined ? {} : { stamp: request.stamp }),
    },
    address,
    thread,
    member,
    acceptedAt,
  };
}
