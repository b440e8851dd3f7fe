/**
 * What one line typed (or piped) into the terminal chat means. Pure: no I/O, so it is unit-tested
 * line by line.
 */
export type ChatLine =
  | { kind: "empty" }
  /** `/attach PATH`: a local file for the next request. */
  | { kind: "attach"; path: string }
  /** `/attach` alone: list what is attached to the next request. */
  | { kind: "attachments" }
  /** `/detach`: drop what is attached to the next request. */
  | { kind: "detach" }
  | { kind: "quit" }
  /** `/help`: the terminal's own help, then the bot's. */
  | { kind: "help" }
  /** A bot command typed with a slash (`/forget`, `/models object-detection`): sent to the bot as text. */
  | { kind: "command"; name: BotCommandName; args: string }
  | { kind: "unknown"; command: string }
  /** A request for the bot, with the `@path` attachments written inline. */
  | { kind: "request"; text: string; paths: string[] };

/** The bot's commands that the terminal also accepts with a leading slash. */
export const BOT_COMMANDS = ["forget", "cancel", "stop", "tasks", "models", "settings"] as const;
export type BotCommandName = (typeof BOT_COMMANDS)[number];

function isBotCommand(name: string): name is BotCommandName {
  return (BOT_COMMANDS as readonly string[]).includes(name);
}

/** `"my photo.jpg"` or `'my photo.jpg'` → `my photo.jpg`; anything else as written. */
export function unquote(text: string): string {
  const trimmed = text.trim();
  const match = /^(["'])(.*)\1$/.exec(trimmed);
  return match ? (match[2] ?? "") : trimmed;
}

/**
 * Splits "describe @a.jpg and @"b c.wav"" into the request text and the attached paths. An `@` only
 * starts a path at the beginning of a word, so "mail a@b.com" stays text.
 */
export function splitInlineAttachments(line: string): { text: string; paths: string[] } {
  const paths: string[] = [];
  const text = line
    .replace(/(^|\s)@("([^"]+)"|'([^']+)'|(\S+))/g, (_match, space: string, _token, ...groups: unknown[]) => {
      const [doubleQuoted, singleQuoted, bare] = groups as [string?, string?, string?];
      paths.push(doubleQuoted ?? singleQuoted ?? bare ?? "");
      return space;
    })
    .replace(/\s+/g, " ")
    .trim();
  return { text, paths };
}

/**
 * Reads one line of the chat.
 *
 * @example
 * parseChatLine("/attach ./photos/dog.jpg") // { kind: "attach", path: "./photos/dog.jpg" }
 * parseChatLine("/models object-detection") // { kind: "command", name: "models", args: "object-detection" }
 * parseChatLine("what is in @dog.jpg?")     // { kind: "request", text: "what is in ?", paths: ["dog.jpg"] }
 */
export function parseChatLine(raw: string): ChatLine {
  const line = raw.trim();
  if (line === "") return { kind: "empty" };
  const slash = /^\/([A-Za-z][\w-]*)(?:\s+([\s\S]*))?$/.exec(line);
  if (slash) {
    const name = (slash[1] ?? "").toLowerCase();
    const args = (slash[2] ?? "").trim();
    if (name === "attach")
      return args === "" ? { kind: "attachments" } : { kind: "attach", path: unquote(args) };
    if (name === "detach") return { kind: "detach" };
    if (name === "quit" || name === "exit") return { kind: "quit" };
    if (name === "help") return { kind: "help" };
    if (isBotCommand(name)) return { kind: "command", name, args };
    return { kind: "unknown", command: `/${name}` };
  }
  const { text, paths } = splitInlineAttachments(line);
  return { kind: "request", text, paths };
}
