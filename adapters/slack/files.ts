/**
 * Files from Slack, as pure functions: which hosts may receive the bot token with a `url_private`
 * download, and whether what came back is the file at all (without the token, or without the
 * files:read scope, Slack answers 200 with its sign-in page) and of the kind its name promises.
 */
import { kindFromName, type MediaType, sniffMediaType } from "../../src/core/files.js";
import { BotError } from "../../src/errors.js";

/** Slack's host for `url_private` and `url_private_download`. */
export const SLACK_FILE_HOST = "https://files.slack.com";

/** Slack's own Web API origin: when `SLACK_API_URL` is Slack's, only the file host gets the token. */
const SLACK_API_ORIGIN = "https://slack.com";

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * Whether the bot token may be sent to `url` (a file's `url_private`): only to
 * https://files.slack.com, or, when `apiUrl` (SLACK_API_URL) points somewhere other than Slack (a
 * fake in tests, a proxy), to that same origin (scheme, host and port). Never to another host, never
 * to a URL carrying credentials of its own, never over plain http to Slack.
 */
export function slackFileHostAllowed(url: string, apiUrl?: string): boolean {
  const target = parse(url);
  if (!target) return false;
  // A URL with credentials of its own is not Slack's.
  if (target.username !== "" || target.password !== "") return false;
  if (target.origin === SLACK_FILE_HOST) return true;
  const api = apiUrl ? parse(apiUrl) : undefined;
  if (!api || api.origin === SLACK_API_ORIGIN) return false;
  if (api.protocol !== "https:" && api.protocol !== "http:") return false;
  return target.origin === api.origin;
}

type Kind = MediaType["kind"];

/** What the platform's type promises ("image/png" → image), when it says something useful. */
function kindFromMime(mime: string): Kind | undefined {
  const clean = mime.split(";")[0]?.trim().toLowerCase() ?? "";
  if (clean.startsWith("image/")) return "image";
  if (clean.startsWith("audio/")) return "audio";
  if (clean.startsWith("video/")) return "video";
  if (clean.startsWith("text/") || clean === "application/json") return "text";
  return undefined;
}

/** A kind in words: "an image", "an audio file". */
const KIND_WORDS: Record<Kind, string> = {
  image: "an image",
  audio: "an audio file",
  video: "a video",
  text: "a text file",
};

/** Whether the bytes start (after a BOM and blank space) like an HTML page. */
export function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = new TextDecoder("utf-8", { fatal: false })
    .decode(bytes.subarray(0, 512))
    .replace(/^\uFEFF/, "")
    .trimStart()
    .toLowerCase();
  return head.startsWith("<!doctype html") || head.startsWith("<html");
}

function isHtmlType(mime: string | undefined): boolean {
  return (mime ?? "").split(";")[0]?.trim().toLowerCase() === "text/html";
}

/**
 * Checks a file downloaded from `url_private` and returns its media type, told by its bytes.
 *
 * - an HTML page where the file should be (the bytes start with `<!DOCTYPE html` / `<html`, or the
 *   response's `contentType` is text/html) → `fetch_failed`: Slack sent its sign-in page (no token,
 *   or the token lacks files:read). A file declared as HTML is let through as text.
 * - nothing downloaded → `fetch_failed`
 * - bytes of another kind than the name or declared type promise (a "photo.png" that is not an
 *   image) → `input_invalid`; audio in an MP4/WebM container counts as audio
 * - bytes of no kind the bot reads → `input_invalid`
 */
export function checkDownloadedFile(
  name: string,
  declaredMime: string,
  bytes: Uint8Array,
  contentType?: string,
): MediaType {
  const declaredHtml = isHtmlType(declaredMime) || /\.html?$/i.test(name);
  if (!declaredHtml && (isHtmlType(contentType) || looksLikeHtml(bytes))) {
    throw new BotError("fetch_failed", `Slack returned an HTML page instead of ${name}`, {
      userMessage: `I couldn't download ${name} from Slack: Slack sent a sign-in page instead of the file. The bot may be missing the files:read scope.`,
    });
  }
  if (bytes.byteLength === 0) {
    throw new BotError("fetch_failed", `Slack returned no bytes for ${name}`, {
      userMessage: `I couldn't download ${name} from Slack: the download was empty.`,
    });
  }
  const sniffed = sniffMediaType(bytes);
  const expected = kindFromName(name) ?? kindFromMime(declaredMime);
  if (!sniffed) {
    const promised = expected ? ` (its name says ${KIND_WORDS[expected]})` : "";
    throw new BotError("input_invalid", `${name}: unknown file type (declared ${declaredMime || "none"})`, {
      userMessage: `I can't read ${name}${promised}: its content is not an image, audio, video or text file I know.`,
    });
  }
  if (expected === undefined || sniffed.kind === expected) return sniffed;
  // An audio file in a video container (MP4, WebM) is still audio.
  if (expected === "audio" && sniffed.kind === "video") {
    return { mime: sniffed.mime.replace(/^video\//, "audio/"), kind: "audio" };
  }
  throw new BotError(
    "input_invalid",
    `${name}: declared ${declaredMime || expected}, bytes are ${sniffed.mime}`,
    {
      userMessage: `${name} is not ${KIND_WORDS[expected]}: its content is ${KIND_WORDS[sniffed.kind]} (${sniffed.mime}).`,
    },
  );
}
