/**
 * Slack's events as the bot's Requests: message events validated at the boundary (Slack sends many
 * shapes under `message`: edits, joins, bot posts), the bot's mention taken out of the text, and
 * shared files as Attachments downloaded from `url_private` with the bot token, only from the Slack
 * file host, then checked to be the file and not Slack's sign-in page.
 */
import { z } from "zod";
import type { Attachment } from "../../src/core/types.js";
import { BotError } from "../../src/errors.js";
import { downloadFile, fileTooLarge } from "../shared/download.js";
import { checkDownloadedFile, slackFileHostAllowed } from "./files.js";

/** A file as Slack describes it in events and in `files.info`. */
export const SlackFileSchema = z.object({
  id: z.string(),
  name: z.string().nullish(),
  title: z.string().nullish(),
  mimetype: z.string().nullish(),
  size: z.number().nonnegative().nullish(),
  url_private: z.string().nullish(),
  url_private_download: z.string().nullish(),
  /** "hidden_by_limit" and similar: a file Slack will not let the bot read. */
  mode: z.string().nullish(),
  /** "check_file_info": Slack sent only the id (Slack Connect); files.info has the rest. */
  file_access: z.string().nullish(),
});
export type SlackFile = z.infer<typeof SlackFileSchema>;

/** The fields of a `message` / `app_mention` event the adapter reads. */
export const SlackMessageEventSchema = z.object({
  type: z.enum(["message", "app_mention"]),
  channel: z.string(),
  ts: z.string(),
  user: z.string().nullish(),
  text: z.string().nullish(),
  thread_ts: z.string().nullish(),
  subtype: z.string().nullish(),
  bot_id: z.string().nullish(),
  channel_type: z.string().nullish(),
  team: z.string().nullish(),
  files: z.array(SlackFileSchema).nullish(),
});
export type SlackMessageEvent = z.infer<typeof SlackMessageEventSchema>;

/**
 * Subtypes that are still a person writing to the bot: a message with files, a thread reply also
 * sent to the channel. Every other subtype (edits, deletions, joins, bot_message, …) is not a request.
 */
const USER_SUBTYPES = new Set(["file_share", "thread_broadcast"]);

/** Whether an event is a person's message (not the bot's own, another bot's, or a system message). */
export function isPersonMessage(event: SlackMessageEvent, botUserId: string): boolean {
  if (event.bot_id || !event.user || event.user === botUserId) return false;
  return !event.subtype || USER_SUBTYPES.has(event.subtype);
}

/** The text without the bot's mention (`<@U0BOT>` or `<@U0BOT|name>`). */
export function withoutSlackMention(text: string, botUserId: string): string {
  return text
    .replace(new RegExp(`<@${botUserId}(\\|[^>]*)?>`, "g"), " ")
    .replace(/[ \t]{2,}/g, " ")
    .trim();
}

/** One `<…>` control sequence of Slack's message format, as a person would write it. */
function plainControl(body: string): string {
  const bar = body.indexOf("|");
  const target = bar >= 0 ? body.slice(0, bar) : body;
  const label = bar >= 0 ? body.slice(bar + 1) : undefined;
  if (target.startsWith("@")) return label ? `@${label.replace(/^@/, "")}` : target;
  if (target.startsWith("#")) return label ? `#${label}` : target;
  if (target.startsWith("!")) {
    // <!here>, <!channel>, <!subteam^S1|@team>, <!date^…|fallback>
    if (label) return label;
    return `@${target.slice(1).split("^")[0]}`;
  }
  if (target.startsWith("mailto:")) return label ?? target.slice("mailto:".length);
  return label && label !== target ? `${label} (${target})` : target;
}

/**
 * A message's text as the user wrote it: Slack sends links as `<url|label>`, mentions as `<@U1>` and
 * `&`, `<`, `>` as entities, which would reach the planner as noise (a URL with `&amp;` in it breaks).
 * The bot's own mention is taken out. Not for modal inputs: those arrive unencoded.
 */
export function requestText(text: string, botUserId: string): string {
  return withoutSlackMention(text, botUserId)
    .replace(/<([^<>]+)>/g, (_, body: string) => plainControl(body))
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** Whether the text mentions the bot. */
export function mentionsBot(text: string, botUserId: string): boolean {
  return new RegExp(`<@${botUserId}(\\|[^>]*)?>`).test(text);
}

export interface SlackDownloadOptions {
  /** The bot token, sent only to the Slack file host. */
  token: string;
  /** files.info, for a file Slack sent without its links (`file_access: "check_file_info"`). */
  lookup?: (id: string) => Promise<SlackFile>;
  /** SLACK_API_URL: decides which host is Slack's file host besides files.slack.com (tests, proxies). */
  apiUrl: string;
  fetch?: typeof globalThis.fetch;
}

/**
 * A shared Slack file as the bot's Attachment. Nothing is downloaded until the bot asks (Slack's
 * links do not expire like Discord's), and then only when the reported size is within the limit,
 * from Slack's file host, with the token; the bytes must be the file the name promises.
 */
export function slackAttachment(file: SlackFile, options: SlackDownloadOptions): Attachment {
  const name = file.name || file.title || `${file.id}`;
  const mime = file.mimetype || "application/octet-stream";
  const size = file.size ?? Number.NaN;
  const linkOf = (described: SlackFile) => described.url_private_download || described.url_private || "";
  return {
    name,
    mime,
    size,
    url: linkOf(file),
    async fetch({ signal, maxBytes }) {
      if (Number.isFinite(size) && size > maxBytes) throw fileTooLarge(name, size, maxBytes);
      if (file.mode === "hidden_by_limit") {
        throw new BotError("fetch_failed", `${name} is hidden_by_limit`, {
          userMessage: `Slack does not let me read ${name}: the workspace's plan hides older files.`,
        });
      }
      // Slack Connect and some events send only the id: files.info has the links and the size.
      const described = linkOf(file) === "" && options.lookup ? await options.lookup(file.id) : file;
      const url = linkOf(described);
      if (url === "") {
        throw new BotError("fetch_failed", `${name} has no url_private`, {
          userMessage: `Slack did not give me a link to ${name}, so I couldn't read it.`,
        });
      }
      const describedSize = described.size ?? Number.NaN;
      if (Number.isFinite(describedSize) && describedSize > maxBytes)
        throw fileTooLarge(name, describedSize, maxBytes);
      if (!slackFileHostAllowed(url, options.apiUrl)) {
        throw new BotError("url_refused", `${name}: url_private on an unexpected host`, {
          userMessage: `I couldn't download ${name}: its link does not point to Slack's file host.`,
        });
      }
      const downloaded = await downloadFile(url, {
        signal,
        maxBytes,
        headers: { authorization: `Bearer ${options.token}` },
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      checkDownloadedFile(name, described.mimetype || mime, downloaded.bytes, downloaded.contentType);
      return downloaded.bytes;
    },
  };
}
