import pino from "pino";

/**
 * Structured JSON logs through pino, one line per event on stderr (stdout belongs to the CLI's
 * output). Every line passes through `redact` after serialization, so a configured secret or a
 * token-shaped string never reaches the log wherever it sits: the message, a nested field, a
 * binding, an error's message or its cause.
 *
 * A line: `{"level":"warn","time":"2025-01-01T12:00:00.000Z","pid":1,"hostname":"h","requestId":"r1","msg":"…"}`.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose every line carries these fields (a request id, a platform). */
  child(bindings: Record<string, unknown>): Logger;
}

const REDACTED = "[redacted]";

/**
 * Shapes of credentials we redact even when nobody configured them: a token of another service that
 * ends up in a library's error message still looks like a secret.
 */
const TOKEN_PATTERNS: readonly RegExp[] = [
  // OpenAI (and compatible) keys: sk-…, sk-proj-…, sk-svcacct-…
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  // Hugging Face access tokens: hf_ and 30-odd letters and digits.
  /\bhf_[A-Za-z0-9]{16,}/g,
  // Slack bot, user and app tokens: xoxb-…, xoxp-…, xapp-1-…
  /\bxox[abeoprs]-[A-Za-z0-9-]{10,}/g,
  /\bxapp-[A-Za-z0-9-]{10,}/g,
  // Discord bot tokens: base64 user id . timestamp . HMAC.
  /\b[A-Za-z0-9_-]{20,30}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{25,}/g,
  // JSON web tokens.
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+/g,
  // GitHub tokens.
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{30,}/g,
  /\bgithub_pat_[A-Za-z0-9_]{30,}/g,
];

/** Secrets inside text: configured values, token shapes, `Bearer …`, and passwords in URLs. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let result = text;
  // Longest first, so a secret that contains another is removed whole.
  const ordered = [...secrets].filter((secret) => secret.length > 0).sort((a, b) => b.length - a.length);
  for (const secret of ordered) {
    result = result.split(secret).join(REDACTED);
    // In a JSON line, a secret with quotes or backslashes appears escaped.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) result = result.split(escaped).join(REDACTED);
  }
  for (const pattern of TOKEN_PATTERNS) result = result.replace(pattern, REDACTED);
  return (
    result
      // Bearer tokens of services we did not configure.
      .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi, `$1${REDACTED}`)
      // redis://user:password@host, https://user:token@host
      .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@"]*:)[^\s@/"]+@/gi, `$1${REDACTED}@`)
  );
}

interface SerializedError {
  name: string;
  message: string;
  code?: unknown;
  status?: unknown;
  stack?: string;
  cause?: unknown;
}

/** Errors anywhere in the fields become plain objects (JSON.stringify turns them into `{}`). */
function serializable(value: unknown, withStack: boolean, seen: WeakSet<object>, depth: number): unknown {
  if (value === null || typeof value !== "object") {
    return typeof value === "bigint" ? value.toString() : value;
  }
  if (seen.has(value)) return "[Circular]";
  if (depth > 8) return "[Object]";
  seen.add(value);
  try {
    if (value instanceof Error) {
      const error: SerializedError = { name: value.name, message: value.message };
      const extra = value as Error & { code?: unknown; status?: unknown };
      if (extra.code !== undefined) error.code = extra.code;
      if (extra.status !== undefined) error.status = extra.status;
      if (withStack && value.stack) error.stack = value.stack;
      if (value.cause !== undefined) error.cause = serializable(value.cause, withStack, seen, depth + 1);
      return error;
    }
    if (Array.isArray(value)) return value.map((item) => serializable(item, withStack, seen, depth + 1));
    if (value instanceof Uint8Array) return `[${value.byteLength} bytes]`;
    if (value instanceof Date || value instanceof URL) return value.toString();
    if (value instanceof Map) return serializable(Object.fromEntries(value), withStack, seen, depth + 1);
    if (value instanceof Set) return serializable([...value], withStack, seen, depth + 1);
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      result[key] = serializable(item, withStack, seen, depth + 1);
    }
    return result;
  } finally {
    seen.delete(value);
  }
}

function wrap(base: pino.Logger, withStack: boolean): Logger {
  const fieldsOf = (fields: Record<string, unknown> | undefined): Record<string, unknown> =>
    fields ? (serializable(fields, withStack, new WeakSet(), 0) as Record<string, unknown>) : {};
  return {
    debug: (message, fields) => base.debug(fieldsOf(fields), message),
    info: (message, fields) => base.info(fieldsOf(fields), message),
    warn: (message, fields) => base.warn(fieldsOf(fields), message),
    error: (message, fields) => base.error(fieldsOf(fields), message),
    child: (bindings) => wrap(base.child(fieldsOf(bindings)), withStack),
  };
}

export function createLogger(options: {
  level: LogLevel;
  secrets?: readonly string[];
  /** Where each line goes, without its newline (tests); stderr by default. */
  write?: (line: string) => void;
  bindings?: Record<string, unknown>;
}): Logger {
  if (options.level === "silent") return silentLogger;
  const secrets = options.secrets ?? [];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  // pino writes each line synchronously to this destination; redaction happens on the finished line.
  const destination = {
    write(chunk: string): void {
      write(redact(chunk.endsWith("\n") ? chunk.slice(0, -1) : chunk, secrets));
    },
  };
  const base = pino(
    {
      level: options.level,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  const logger = wrap(base, options.level === "debug");
  return options.bindings ? logger.child(options.bindings) : logger;
}

const ignore = (): void => undefined;

/** Writes nothing (tests, library defaults). */
export const silentLogger: Logger = {
  debug: ignore,
  info: ignore,
  warn: ignore,
  error: ignore,
  child: () => silentLogger,
};
