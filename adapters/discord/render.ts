/**
 * How a Reply looks on Discord, as pure functions: the answer split into messages of at most 2000
 * characters (never a broken code fence), the summary as embeds within Discord's embed limits, and
 * the result files fitted to the channel's upload limit (what cannot fit is left out, with a note).
 */
import type { ReplyFile, Summary, SummaryRow } from "../../src/core/types.js";
import { catalogLabel } from "../../src/summary.js";
import { describeSize, shorten } from "../../src/text.js";
import { splitMarkdown } from "../shared/split-markdown.js";
import { secondsWords, statusWords, whereWords } from "../shared/summary-words.js";

/** Discord's limits on one message and its embeds. */
export const DISCORD_LIMITS = {
  content: 2000,
  embedTitle: 256,
  embedDescription: 4096,
  embedFields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  /** All titles, descriptions, field names and values and footers of one message's embeds together. */
  embedsTotal: 6000,
  embedsPerMessage: 10,
  filesPerMessage: 10,
  /** The upload limit per file when Discord tells nothing else (interactions carry their own). */
  defaultUploadBytes: 10 * 1024 * 1024,
} as const;

/** The embed shape this adapter sends (a subset of Discord's embed object, as JSON). */
export interface Embed {
  title?: string;
  description?: string;
  color?: number;
  fields?: Array<{ name: string; value: string; inline?: boolean }>;
  footer?: { text: string };
  image?: { url: string };
}

/** One Discord message to send: text, embeds and files, each within the limits. */
export interface OutgoingMessage {
  content: string;
  embeds: Embed[];
  files: ReplyFile[];
  /**
   * Sent with `enforce_nonce` on a channel post: Discord answers a second post with the same nonce
   * (within minutes) with the first message instead of posting again.
   */
  nonce?: string;
}

/** The answer as Discord messages of at most 2000 characters; code fences never broken. */
export function splitMessage(text: string, limit: number = DISCORD_LIMITS.content): string[] {
  return splitMarkdown(text, limit);
}

/** What one embed field says of a task: model, where it ran, time, status (and why it failed). */
export function taskField(row: SummaryRow): { name: string; value: string } {
  const model = row.model ? `\`${row.model}\`` : "no model";
  const where = whereWords(row);
  const reason = row.status !== "ok" && row.error ? `\n${row.error}` : "";
  return {
    name: shorten(`${row.id}. ${row.task}`, DISCORD_LIMITS.fieldName),
    value: shorten(
      `${model} · ${where} · ${secondsWords(row.ms)} · ${statusWords(row)}${reason}`,
      DISCORD_LIMITS.fieldValue,
    ),
  };
}

function embedSize(embed: Embed): number {
  return (
    (embed.title?.length ?? 0) +
    (embed.description?.length ?? 0) +
    (embed.footer?.text.length ?? 0) +
    (embed.fields ?? []).reduce((sum, field) => sum + field.name.length + field.value.length, 0)
  );
}

export interface SummaryEmbedOptions {
  /** An image sent with the message to show in the first embed (`attachment://NAME`). */
  imageName?: string;
  /** Limits, for tests; Discord's by default. */
  maxEmbeds?: number;
  maxTotal?: number;
}

const EMBED_COLOR = 0xffd21e;

/**
 * The summary as embeds: a header (planner, catalog, total time, notes) and one field per task
 * (task, model, where it ran, time, status), 25 fields per embed, at most 10 embeds and 6000
 * characters in all; tasks beyond that are counted in a last line instead of being cut silently.
 */
export function summaryEmbeds(summary: Summary, options: SummaryEmbedOptions = {}): Embed[] {
  const maxEmbeds = options.maxEmbeds ?? DISCORD_LIMITS.embedsPerMessage;
  const maxTotal = options.maxTotal ?? DISCORD_LIMITS.embedsTotal;
  const header = `Planner: ${summary.planner} · models: ${catalogLabel(summary.catalog)} · total ${secondsWords(summary.totalMs)}`;
  const notes = summary.notes.map((note) => `• ${note}`);
  const first: Embed = {
    title: summary.tasks.length === 0 ? "No task was needed" : "Tasks",
    description: shorten(
      [header, ...notes].join("\n"),
      Math.min(DISCORD_LIMITS.embedDescription, maxTotal / 2),
    ),
    color: EMBED_COLOR,
    fields: [],
    ...(options.imageName ? { image: { url: `attachment://${options.imageName}` } } : {}),
  };
  const embeds: Embed[] = [first];
  let total = embedSize(first);
  // Room kept for the "and N more" footer.
  const reserve = 40;
  let shown = 0;
  for (const row of summary.tasks) {
    const field = taskField(row);
    const size = field.name.length + field.value.length;
    let embed = embeds.at(-1)!;
    if ((embed.fields?.length ?? 0) >= DISCORD_LIMITS.embedFields) {
      if (embeds.length >= maxEmbeds) break;
      embed = { color: EMBED_COLOR, fields: [] };
      embeds.push(embed);
    }
    if (total + size > maxTotal - reserve) break;
    embed.fields!.push(field);
    total += size;
    shown += 1;
  }
  const hidden = summary.tasks.length - shown;
  if (hidden > 0) {
    embeds.at(-1)!.footer = { text: `…and ${hidden} more ${hidden === 1 ? "task" : "tasks"} not shown` };
  }
  for (const embed of embeds) if (embed.fields?.length === 0) delete embed.fields;
  return embeds;
}

/** A size for people: "12.3 MB", "900 KB". */
/** Re-encodes an image to at most `maxBytes` (render's `fitImage`); undefined when even a thumbnail is too large. */
export type ImageFitter = (
  bytes: Uint8Array,
  maxBytes: number,
) => Promise<{ bytes: Uint8Array; mime: string } | undefined>;

const EXTENSIONS: Record<string, string> = {
  "image/jpeg": ".jpg",
  "image/webp": ".webp",
  "image/png": ".png",
};

function renamed(name: string, mime: string): string {
  const extension = EXTENSIONS[mime];
  if (!extension) return name;
  const dot = name.lastIndexOf(".");
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return `${stem}${extension}`;
}

/** The files that fit the upload limit, and a note per file that was left out (what and why). */
export interface FittedFiles {
  files: ReplyFile[];
  notes: string[];
}

/**
 * Fits result files under the upload limit: a file that fits is sent as it is; an image over the
 * limit is re-encoded or downscaled (its name follows its new type); anything else over the limit,
 * or an image that cannot be made small enough or read, is left out with a note saying what and why.
 */
export async function fitFiles(
  files: readonly ReplyFile[],
  maxBytes: number,
  shrinkImage: ImageFitter,
): Promise<FittedFiles> {
  const fitted: ReplyFile[] = [];
  const notes: string[] = [];
  const limit = describeSize(maxBytes);
  for (const file of files) {
    if (file.bytes.byteLength <= maxBytes) {
      fitted.push(file);
      continue;
    }
    const size = describeSize(file.bytes.byteLength);
    if (file.mime.startsWith("image/")) {
      const smaller = await shrinkImage(file.bytes, maxBytes).catch(() => undefined);
      if (smaller && smaller.bytes.byteLength <= maxBytes) {
        fitted.push({ name: renamed(file.name, smaller.mime), mime: smaller.mime, bytes: smaller.bytes });
        continue;
      }
      notes.push(
        `${file.name} (${size}) was left out: even downscaled it is over this channel's upload limit of ${limit}.`,
      );
      continue;
    }
    notes.push(`${file.name} (${size}) was left out: it is over this channel's upload limit of ${limit}.`);
  }
  return { files: fitted, notes };
}

/** The note appended when Discord refused the files of a message (413 / 40005, missing permission). */
export function filesRefusedNote(files: readonly ReplyFile[], reason: string): string {
  const names = files.map((file) => file.name).join(", ");
  return `Note: ${names} could not be attached: ${reason}.`;
}

export interface ComposeOptions {
  /** Content limit per message (2000). */
  limit?: number;
}

/**
 * The messages of a reply: the text (with the notes at its end) split at 2000 characters; the
 * summary embeds and the first ten files on the last text message; further files in messages of
 * their own. The first image is shown in the summary embed. Never an empty message.
 */
export function composeMessages(
  text: string,
  files: readonly ReplyFile[],
  summary: Summary | undefined,
  notes: readonly string[] = [],
  options: ComposeOptions = {},
): OutgoingMessage[] {
  const limit = options.limit ?? DISCORD_LIMITS.content;
  const body = [text.trim(), ...notes.map((note) => (note.startsWith("Note:") ? note : `Note: ${note}`))]
    .filter((part) => part !== "")
    .join("\n\n");
  const chunks = splitMessage(body, limit);
  // The photo with the boxes or masks drawn on it is the one worth showing; else the first image.
  const images = files.filter((file) => file.mime.startsWith("image/"));
  const image = images.find((file) => /-annotated\.[a-z]+$/.test(file.name)) ?? images[0];
  const embeds = summary ? summaryEmbeds(summary, image ? { imageName: image.name } : {}) : [];
  const batches: ReplyFile[][] = [];
  for (let index = 0; index < files.length; index += DISCORD_LIMITS.filesPerMessage) {
    batches.push(files.slice(index, index + DISCORD_LIMITS.filesPerMessage));
  }
  // The image shown in the embed must travel with the embed.
  if (image && batches.length > 0 && !batches[0]!.includes(image)) {
    const first = batches[0]!;
    const from = batches.find((batch) => batch.includes(image))!;
    from.splice(from.indexOf(image), 1, first.shift()!);
    first.unshift(image);
  }
  const messages: OutgoingMessage[] = chunks.map((content) => ({ content, embeds: [], files: [] }));
  if (messages.length === 0 && (embeds.length > 0 || batches.length > 0)) {
    messages.push({ content: "", embeds: [], files: [] });
  }
  const last = messages.at(-1);
  if (last) {
    last.embeds = embeds;
    last.files = batches.shift() ?? [];
  }
  for (const batch of batches) messages.push({ content: "", embeds: [], files: batch });
  return messages;
}
