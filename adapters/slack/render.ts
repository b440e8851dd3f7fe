/**
 * How a Reply looks on Slack, as pure functions: the LLM's Markdown converted to Slack mrkdwn, the
 * answer split into section blocks of at most 3000 characters (never a broken code fence), the
 * summary as context blocks (at most 10 elements each), and all of it packed into messages of at
 * most 50 blocks, each with its `text` fallback for notifications.
 */

import type { Summary, SummaryRow } from "../../src/core/types.js";
import { catalogLabel } from "../../src/summary.js";
import { shorten } from "../../src/text.js";
import { splitMarkdown } from "../shared/split-markdown.js";
import { secondsWords, statusWords, whereWords } from "../shared/summary-words.js";

/** Slack's limits on one message and its blocks. */
export const SLACK_LIMITS = {
  /** Characters of a section block's text (and of any text object). */
  sectionText: 3000,
  /** Blocks in one message. */
  blocksPerMessage: 50,
  /** Elements in one context block. */
  contextElements: 10,
  /** What this adapter puts in a message's `text` fallback (Slack truncates at 40 000). */
  fallbackText: 3000,
  /**
   * Text of all blocks of one message together: Slack refuses about 12 000 and more with
   * `msg_blocks_too_long` (undocumented; bolt-js issues #2509, #2867), so messages stay well under.
   */
  messageBlocksText: 10_000,
} as const;

/** A mrkdwn text object. */
export interface MrkdwnText {
  type: "mrkdwn";
  text: string;
}

/** The Block Kit blocks this adapter sends (a subset, as JSON). */
export type SlackBlock =
  | { type: "section"; text: MrkdwnText }
  | { type: "context"; elements: MrkdwnText[] }
  | { type: "divider" };

/** One Slack message to post: blocks within the limits and the `text` fallback (always set). */
export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

/** Escapes the three characters Slack reserves for its control sequences (`<@U1>`, `<url|text>`). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// Private-use characters stand for the spans already converted (links, inline code) and for bold
// markers while italics are converted; the LLM's text never legitimately holds them.
const HOLD_OPEN = "\uE000";
const HOLD_CLOSE = "\uE001";
const BOLD = "\uE002";
const PRIVATE = /[\uE000-\uE002]/g;

/** A URL made safe inside `<url|text>`: the characters that would end or break the link are encoded. */
function linkUrl(url: string): string {
  return url.trim().replace(/[<>| ]/g, (char) => encodeURIComponent(char));
}

function holdSpan(held: string[], span: string): string {
  held.push(span);
  return `${HOLD_OPEN}${held.length - 1}${HOLD_CLOSE}`;
}

function releaseSpans(text: string, held: readonly string[]): string {
  return text.replace(new RegExp(`${HOLD_OPEN}(\\d+)${HOLD_CLOSE}`, "g"), (_, index: string) =>
    releaseSpans(held[Number(index)] ?? "", held),
  );
}

/** Emphasis and strike-through of text that holds no code, link or reserved character any more. */
function emphasis(text: string, boldMarker: string): string {
  return (
    text
      .replace(/\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*/g, `${BOLD}_$1_${BOLD}`)
      .replace(/\*\*(?=\S)(.+?)(?<=\S)\*\*/g, `${BOLD}$1${BOLD}`)
      .replace(/(^|[^\p{L}\p{N}_])__(?=\S)(.+?)(?<=\S)__(?![\p{L}\p{N}_])/gu, `$1${BOLD}$2${BOLD}`)
      .replace(/(^|[^*\p{L}\p{N}])\*(?=[^\s*])([^*\n]*?)(?<=[^\s*])\*(?![*\p{L}\p{N}])/gu, "$1_$2_")
      .replace(/~~(?=\S)(.+?)(?<=\S)~~/g, "~$1~")
      // `_italic_` is already Slack's italic; `*` left alone was not emphasis.
      .replaceAll(BOLD, boldMarker)
  );
}

/**
 * One line of Markdown text (no fence) as mrkdwn: inline code kept verbatim (escaped only), links
 * as `<url|text>`, emphasis converted, the rest escaped.
 */
function inline(line: string, boldMarker = "*"): string {
  const held: string[] = [];
  let text = line.replace(PRIVATE, "");
  // Inline code first: nothing inside it is converted.
  text = text.replace(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g, (span) => holdSpan(held, escapeMrkdwn(span)));
  // Markdown links and autolinks, with the label converted like the text around it.
  text = text.replace(
    /!?\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g,
    (whole: string, label: string, url: string) => {
      // Only web and mail links: `[x](!channel)` must not become `<!channel|x>`, a ping.
      if (!/^(?:https?:\/\/|mailto:)/i.test(url)) return whole;
      const shown =
        label.trim() === "" ? "" : `|${emphasis(escapeMrkdwn(label), boldMarker).replace(/\|/g, "¦")}`;
      return holdSpan(held, `<${linkUrl(url)}${shown}>`);
    },
  );
  text = text.replace(/<((?:https?|mailto):[^\s<>]+)>/g, (_, url: string) =>
    holdSpan(held, `<${linkUrl(url)}>`),
  );
  // Bare URLs are left for Slack to link, but emphasis must not reach into them ("/_foo_/").
  text = text.replace(/\bhttps?:\/\/[^\s<>]*[^\s<>.,;:!?)\]'"]/g, (url) => holdSpan(held, escapeMrkdwn(url)));
  return releaseSpans(emphasis(escapeMrkdwn(text), boldMarker), held);
}

const FENCE = /^(\s*)(`{3,}|~{3,})(.*)$/;
const HEADING = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/;
const RULE = /^\s{0,3}([-*_])(?:\s*\1){2,}\s*$/;
const BULLET = /^(\s*)[-*+]\s+(.*)$/;
const QUOTE = /^\s{0,3}>\s?(.*)$/;

/**
 * The LLM's Markdown as Slack mrkdwn.
 *
 * - `**bold**`, `__bold__` → `*bold*`; `*italic*`, `_italic_` → `_italic_`; `~~strike~~` → `~strike~`
 * - `[text](url)` → `<url|text>`; `<https://…>` → `<https://…>`; bare URLs are left for Slack to link
 * - headings → a bold line; `- ` / `* ` / `+ ` bullets → `• ` (indentation kept); rules → a line
 * - `> quote` stays a quote (Slack's own syntax)
 * - code blocks and inline code: no conversion inside; the fence's language is dropped (Slack would
 *   show it as code) and an unclosed fence is closed
 * - `&`, `<`, `>` are escaped everywhere, code included (Slack shows `&lt;` as `<` in code too, and
 *   would read a raw `<!channel>` as a control sequence), except in the `<url|text>` links made here
 *
 * @example markdownToMrkdwn("**Result:** see [the docs](https://x.io/a_b)") // "*Result:* see <https://x.io/a_b|the docs>"
 */
export function markdownToMrkdwn(markdown: string): string {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of markdown.replace(/\r\n?/g, "\n").split("\n")) {
    const fenceMatch = FENCE.exec(line);
    if (fence !== undefined) {
      const closing = fenceMatch && fenceMatch[3]!.trim() === "" && fenceMatch[2]!.startsWith(fence);
      if (closing) {
        out.push("```");
        fence = undefined;
      } else {
        out.push(escapeMrkdwn(line));
      }
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[2]!;
      out.push("```");
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      const content = inline(heading[1]!, "").trim();
      out.push(content === "" ? "" : `*${content}*`);
      continue;
    }
    if (RULE.test(line)) {
      out.push("──────────");
      continue;
    }
    const bullet = BULLET.exec(line);
    if (bullet) {
      out.push(`${bullet[1]}• ${inline(bullet[2]!)}`);
      continue;
    }
    const quote = QUOTE.exec(line);
    if (quote) {
      out.push(`> ${inline(quote[1]!)}`);
      continue;
    }
    out.push(inline(line));
  }
  if (fence !== undefined) out.push("```");
  return out.join("\n");
}

export interface SplitOptions {
  /** Characters per chunk: a section block's text limit (3000). */
  sectionLimit?: number;
}

/**
 * mrkdwn in chunks of at most `sectionLimit` characters (3000, a section's limit), split at
 * paragraph boundaries first, then lines, then words; a code block that must be split is closed at
 * the end of one chunk and reopened at the start of the next. Never an empty chunk.
 */
export function splitForSlack(text: string, options: SplitOptions = {}): string[] {
  const limit = options.sectionLimit ?? SLACK_LIMITS.sectionText;
  return splitMarkdown(text, limit).filter((chunk) => chunk.trim() !== "");
}

function mrkdwn(text: string): MrkdwnText {
  const trimmed = text.trim();
  return { type: "mrkdwn", text: shorten(trimmed === "" ? " " : trimmed, SLACK_LIMITS.sectionText) };
}

/** What one context element says of a task: task, model, where it ran, time, status (and why it failed). */
export function taskElement(row: SummaryRow): MrkdwnText {
  const model = row.model ? `\`${escapeMrkdwn(row.model)}\`` : "no model";
  const where = whereWords(row);
  const reason = row.status !== "ok" && row.error ? `: ${escapeMrkdwn(row.error.replace(/\s+/g, " "))}` : "";
  return mrkdwn(
    `*${row.id}. ${escapeMrkdwn(row.task)}* · ${model} · ${where} · ${secondsWords(row.ms)} · ${statusWords(row)}${reason}`,
  );
}

function contextBlocks(elements: readonly MrkdwnText[]): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  for (let index = 0; index < elements.length; index += SLACK_LIMITS.contextElements) {
    blocks.push({ type: "context", elements: elements.slice(index, index + SLACK_LIMITS.contextElements) });
  }
  return blocks;
}

/**
 * The summary as context blocks: a header (planner, where the models came from, total time), one
 * element per task (task, model, where it ran, time, status), then the notes; at most 10 elements
 * per block, no empty text, every text within 3000 characters.
 */
export function summaryBlocks(summary: Summary): SlackBlock[] {
  const header = [
    mrkdwn(`*Planner:* ${escapeMrkdwn(summary.planner)}`),
    mrkdwn(`*Models:* ${catalogLabel(summary.catalog)}`),
    mrkdwn(`*Total:* ${secondsWords(summary.totalMs)}`),
  ];
  const tasks =
    summary.tasks.length === 0
      ? [mrkdwn("No task was needed.")]
      : summary.tasks.map((row) => taskElement(row));
  const notes = summary.notes.map((note) => mrkdwn(`Note: ${escapeMrkdwn(note)}`));
  return [...contextBlocks(header), ...contextBlocks(tasks), ...contextBlocks(notes)];
}

function fallbackOf(blocks: readonly SlackBlock[], summary: Summary | undefined): string {
  const sections = blocks.flatMap((block) => (block.type === "section" ? [block.text.text] : []));
  if (sections.length > 0) return shorten(sections.join("\n\n"), SLACK_LIMITS.fallbackText);
  const count = summary?.tasks.length ?? 0;
  return count === 0 ? "Summary" : `Summary of ${count} ${count === 1 ? "task" : "tasks"}`;
}

export interface ComposeSlackOptions {
  /** Characters per section (3000). */
  sectionLimit?: number;
  /** Blocks per message (50). */
  maxBlocks?: number;
  /** Characters of all blocks of one message together (10 000). */
  maxMessageText?: number;
}

/** The characters of text a block carries. */
function blockText(block: SlackBlock): number {
  if (block.type === "section") return block.text.text.length;
  if (block.type === "context") return block.elements.reduce((sum, element) => sum + element.text.length, 0);
  return 0;
}

/** Whether `extra` fits on `page` within the block count and the text budget. */
function fits(
  page: readonly SlackBlock[],
  extra: readonly SlackBlock[],
  maxBlocks: number,
  maxText: number,
): boolean {
  const text = [...page, ...extra].reduce((sum, block) => sum + blockText(block), 0);
  return page.length + extra.length <= maxBlocks && text <= maxText;
}

/**
 * The messages of a reply: the answer (Markdown, converted to mrkdwn) as section blocks of at most
 * 3000 characters, then a divider and the summary's context blocks, packed into messages of at most
 * 50 blocks and 10 000 characters of block text. The summary stays whole in the last message when it
 * fits there, otherwise it starts a message of its own. Each message's `text` fallback is its own text
 * (shortened), never empty. Nothing to say gives no message.
 */
export function composeSlackMessages(
  text: string,
  summary?: Summary,
  options: ComposeSlackOptions = {},
): SlackMessage[] {
  const maxBlocks = Math.max(2, options.maxBlocks ?? SLACK_LIMITS.blocksPerMessage);
  const sectionLimit = options.sectionLimit ?? SLACK_LIMITS.sectionText;
  // One full section and the summary's largest context block always fit in a message of their own.
  const maxText = Math.max(sectionLimit, options.maxMessageText ?? SLACK_LIMITS.messageBlocksText);
  const chunks = splitForSlack(markdownToMrkdwn(text.trim()), { sectionLimit });
  const pages: SlackBlock[][] = [];
  const place = (blocks: SlackBlock[]) => {
    const last = pages.at(-1);
    if (last && fits(last, blocks, maxBlocks, maxText)) last.push(...blocks);
    else pages.push([...blocks]);
  };
  for (const chunk of chunks) place([{ type: "section", text: { type: "mrkdwn", text: chunk } }]);
  if (summary) {
    const tail: SlackBlock[] = [{ type: "divider" }, ...summaryBlocks(summary)];
    const last = pages.at(-1);
    if (last && fits(last, tail, maxBlocks, maxText)) last.push(...tail);
    else {
      // A message of its own starts with the summary itself, not a divider.
      pages.push([]);
      for (const block of tail.slice(1)) place([block]);
    }
  }
  return pages
    .filter((blocks) => blocks.length > 0)
    .map((blocks) => ({ text: fallbackOf(blocks, summary), blocks }));
}
