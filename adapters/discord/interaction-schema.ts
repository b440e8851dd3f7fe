/**
 * What the HTTP interactions endpoint accepts, checked with zod at the boundary: the fields of an
 * interaction the bot reads, in the shapes of Discord's own types (discord-api-types, re-exported by
 * discord.js); other fields are left out, never refused (Discord adds fields over time). Only types
 * here, and zod: the endpoint loads no discord.js until a command has been verified and deferred.
 */
import type {
  APIApplicationCommandAutocompleteInteraction,
  APIChatInputApplicationCommandInteraction,
  APIPingInteraction,
} from "discord.js";
import { z } from "zod";

const snowflake = z.string().regex(/^\d{1,20}$/, "is not a snowflake");

const user = z.object({
  id: snowflake,
  username: z.string(),
  bot: z.boolean().optional(),
});

/** An attachment option's file, as `data.resolved.attachments[id]` describes it. */
const attachment = z.object({
  id: snowflake,
  filename: z.string().min(1),
  size: z.number().int().nonnegative(),
  url: z.url({ protocol: /^https?$/ }),
  content_type: z.string().optional(),
});

const option = z.object({
  name: z.string(),
  type: z.number().int(),
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
});

/** Interaction types (Discord's InteractionType): PING, APPLICATION_COMMAND, …_AUTOCOMPLETE. */
export const InteractionKind = { Ping: 1, ApplicationCommand: 2, Autocomplete: 4 } as const;
/** Application command types (Discord's ApplicationCommandType): the slash commands are CHAT_INPUT. */
const CHAT_INPUT = 1;

const ping = z.object({
  type: z.literal(InteractionKind.Ping),
  id: snowflake,
  application_id: snowflake,
});

const chatInput = z
  .object({
    type: z.literal(InteractionKind.ApplicationCommand),
    id: snowflake,
    application_id: snowflake,
    token: z.string().min(1),
    data: z.object({
      name: z.string().min(1),
      type: z.literal(CHAT_INPUT),
      options: z.array(option).optional(),
      resolved: z.object({ attachments: z.record(z.string(), attachment).optional() }).optional(),
    }),
    guild_id: snowflake.optional(),
    channel_id: snowflake.optional(),
    channel: z.object({ id: snowflake, type: z.number().int(), parent_id: snowflake.nullish() }).optional(),
    // A guild's interaction carries the member (with its user); a direct message's, the user.
    // `permissions`: the member's permissions in the channel, a bit set as a decimal string.
    member: z.object({ user, permissions: z.string().regex(/^\d+$/).optional() }).optional(),
    user: user.optional(),
    attachment_size_limit: z.number().int().positive().optional(),
  })
  .refine((payload) => payload.channel !== undefined || payload.channel_id !== undefined, {
    message: "names no channel",
  })
  .refine((payload) => payload.member !== undefined || payload.user !== undefined, {
    message: "names no user",
  });

const autocomplete = z.object({
  type: z.literal(InteractionKind.Autocomplete),
  id: snowflake,
});

/** A slash command as the endpoint hands it on: verified, deferred, its fields checked. */
export type ChatInputPayload = z.output<typeof chatInput>;

/** What a verified request holds, for the endpoint to answer. */
export type ParsedInteraction =
  | { kind: "ping" }
  | { kind: "command"; payload: ChatInputPayload }
  | { kind: "autocomplete" }
  | { kind: "unsupported"; type: unknown }
  | { kind: "invalid"; problem: string };

/**
 * Reads a verified interaction. Types the bot never registers anything for (components, modals,
 * context-menu commands) are `unsupported`; a payload without the fields the bot reads is `invalid`.
 */
export function parseInteraction(body: unknown): ParsedInteraction {
  const type = typeof body === "object" && body !== null ? (body as { type?: unknown }).type : undefined;
  const [kind, schema] =
    type === InteractionKind.Ping
      ? (["ping", ping] as const)
      : type === InteractionKind.ApplicationCommand
        ? (["command", chatInput] as const)
        : type === InteractionKind.Autocomplete
          ? (["autocomplete", autocomplete] as const)
          : [undefined, undefined];
  if (!kind || !schema) return { kind: "unsupported", type };
  if (kind === "command") {
    const data = (body as { data?: { type?: unknown } }).data;
    if (data?.type !== undefined && data.type !== CHAT_INPUT) return { kind: "unsupported", type };
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      kind: "invalid",
      problem: `${issue?.path.join(".") || "body"} ${issue?.message ?? "is invalid"}`,
    };
  }
  return kind === "command" ? { kind, payload: parsed.data as ChatInputPayload } : { kind };
}

/** Compile-time proof that the schemas take every payload Discord's own types describe. */
type Accepts<Schema, Payload> = [Payload] extends [Schema] ? true : false;
export type SchemasFitDiscordTypes = [
  Accepts<z.input<typeof ping>, APIPingInteraction>,
  Accepts<z.input<typeof chatInput>, APIChatInputApplicationCommandInteraction>,
  Accepts<z.input<typeof autocomplete>, APIApplicationCommandAutocompleteInteraction>,
] extends [true, true, true]
  ? true
  : never;
const schemasFit: SchemasFitDiscordTypes = true;
void schemasFit;
