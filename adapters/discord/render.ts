/**
 * How a Reply looks on Discord, as pure functions: the answer split into messages of at most 2000
 * characters (never a broken code fence), the summary as embeds within Discord's embed limits, and
 * the result files fitted to the channel's upload limit (what cannot fit is left out, with a note).
 */
import type { ReplyFile } from "../../src/core/types.js";
import { catalogLabel } from "../../src/pipeline/respond.js";
import type { Summary, SummaryRow } from "../../src/pipeline/types.js";

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
}

const FENCE = /^\s*(`{3,}|~{3,})(.*)$/;

interface Block {
  kind: "text" | "code";
  lines: string[];
  /** The opening fence line of a code block ("```ts"). */
  opener?: string;
  /** The closing fence line, when the block has one. */
  closer?: string;
}

/** Paragraphs (split at blank lines) and fenced code blocks, in order. */
function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length > 0) blocks.push({ kind: "text", lines: paragraph });
    paragraph = [];
  };
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const fence = FENCE.exec(line);
    if (fence) {
      endParagraph();
      const marker = fence[1]!;
      const body: string[] = [];
      let closer: string | undefined;
      for (index += 1; index < lines.length; index++) {
        const inner = lines[index]!;
        const trimmed = inner.trim();
        if (trimmed.startsWith(marker) && /^[`~]+$/.test(trimmed) && trimmed[0] === marker[0]) {
          closer = inner;
          break;
        }
        body.push(inner);
      }
      blocks.push({ kind: "code", lines: body, opener: line, ...(closer !== undefined ? { closer } : {}) });
      continue;
    }
    if (line.trim() === "") endParagraph();
    else paragraph.push(line);
  }
  endParagraph();
  return blocks;
}

/** Cuts a string into pieces of at most `limit` characters, never inside a surrogate pair. */
function hardCut(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let end = limit;
    const code = rest.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end -= 1;
    pieces.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

/** Packs units into pieces of at most `limit` characters, joined by `separator`; a unit too long is cut by `split`. */
function pack(
  units: string[],
  separator: string,
  limit: number,
  split: (unit: string) => string[],
): string[] {
  const pieces: string[] = [];
  let current = "";
  for (const unit of units) {
    const joined = current === "" ? unit : `${current}${separator}${unit}`;
    if (joined.length <= limit) {
      current = joined;
      continue;
    }
    if (current !== "") pieces.push(current);
    current = "";
    if (unit.length <= limit) {
      current = unit;
      continue;
    }
    const parts = split(unit);
    pieces.push(...parts.slice(0, -1));
    current = parts.at(-1) ?? "";
  }
  if (current !== "") pieces.push(current);
  return pieces;
}

function splitLine(line: string, limit: number): string[] {
  return pack(line.split(" "), " ", limit, (word) => hardCut(word, limit));
}

function splitParagraph(lines: string[], limit: number): string[] {
  return pack(lines, "\n", limit, (line) => splitLine(line, limit));
}

/** A code block in pieces, each closed and reopened with the block's own fence. */
function splitCode(block: Block, limit: number): string[] {
  const opener = block.opener ?? "```";
  const closer = block.closer ?? FENCE.exec(opener)?.[1] ?? "```";
  const budget = Math.max(1, limit - opener.length - closer.length - 2);
  const bodies = pack(block.lines, "\n", budget, (line) => hardCut(line, budget));
  if (bodies.length === 0) bodies.push("");
  return bodies.map((body) => (body === "" ? `${opener}\n${closer}` : `${opener}\n${body}\n${closer}`));
}

function renderBlock(block: Block): string {
  if (block.kind === "text") return block.lines.join("\n");
  const closer = block.closer ?? FENCE.exec(block.opener ?? "```")?.[1] ?? "```";
  return [block.opener ?? "```", ...block.lines, closer].join("\n");
}

/**
 * The answer as Discord messages of at most `limit` characters (2000), split at paragraph
 * boundaries first, then lines, then words; a code block that must be split is closed at the end of
 * one message and reopened (same language) at the start of the next, so no message has a broken
 * fence. An unclosed fence in the answer is closed.
 *
 * @example splitMessage("a".repeat(1500) + "\n\n" + "b".repeat(1500)) // two messages, one paragraph each
 */
export function splitMessage(text: string, limit: number = DISCORD_LIMITS.content): string[] {
  const blocks = blocksOf(text.trim());
  const units: string[] = [];
  for (const block of blocks) {
    const rendered = renderBlock(block);
    if (rendered.length <= limit) units.push(rendered);
    else if (block.kind === "code") units.push(...splitCode(block, limit));
    else units.push(...splitParagraph(block.lines, limit));
  }
  return pack(units, "\n\n", limit, (unit) => hardCut(unit, limit));
}

function cut(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

const WHERE: Record<string, string> = { local: "local", hosted: "hosted (Hugging Face)", llm: "the LLM" };
const STATUS: Record<SummaryRow["status"], string> = {
  ok: "✅ ok",
  failed: "❌ failed",
  skipped: "⏭️ skipped",
};

/** What one embed field says of a task: model, where it ran, time, status (and why it failed). */
export function taskField(row: SummaryRow): { name: string; value: string } {
  const model = row.model ? `\`${row.model}\`` : "no model";
  const where = row.source ? (WHERE[row.source] ?? row.source) : "not run";
  const reason = row.status !== "ok" && row.error ? `\n${row.error}` : "";
  return {
    name: cut(`${row.id}. ${row.task}`, DISCORD_LIMITS.fieldName),
    value: cut(
      `${model} · ${where} · ${seconds(row.ms)} · ${STATUS[row.status]}${reason}`,
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
  const header = `Planner: ${summary.planner} · models: ${catalogLabel(summary.catalog)} · total ${seconds(summary.totalMs)}`;
  const notes = summary.notes.map((note) => `• ${note}`);
  const first: Embed = {
    title: summary.tasks.length === 0 ? "No task was needed" : "Tasks",
    description: cut([header, ...notes].join("\n"), Math.min(DISCORD_LIMITS.embedDescription, maxTotal / 2)),
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
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) {
    const value = bytes / 1024 / 1024;
    return `${Number.isInteger(value) ? value : value.toFixed(1)} MB`;
  }
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

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
  const limit = formatBytes(maxBytes);
  for (const file of files) {
    if (file.bytes.byteLength <= maxBytes) {
      fitted.push(file);
      continue;
    }
    const size = formatBytes(file.bytes.byteLength);
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
