/**
 * A small structured logger on stderr (stdout belongs to the CLI's output). Every line passes
 * through redaction of the configured secrets, so a token that ends up in an error message from a
 * library still never reaches the log.
 */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose every line carries these fields (a request id, a platform). */
  child(bindings: Record<string, unknown>): Logger;
}

export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) {
    if (secret.length > 0) result = result.split(secret).join("[redacted]");
  }
  // Bearer tokens of services we did not configure still look like secrets.
  return result.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/g, "$1[redacted]");
}

export function createLogger(options: {
  level: LogLevel;
  secrets?: readonly string[];
  write?: (line: string) => void;
  bindings?: Record<string, unknown>;
}): Logger {
  const threshold = ORDER[options.level];
  const secrets = options.secrets ?? [];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const bindings = options.bindings ?? {};
  const log =
    (level: Exclude<LogLevel, "silent">) =>
    (message: string, fields: Record<string, unknown> = {}): void => {
      if (ORDER[level] < threshold) return;
      const line = JSON.stringify(
        { time: new Date().toISOString(), level, message, ...bindings, ...fields },
        (_key, value) => (value instanceof Error ? { name: value.name, message: value.message } : value),
      );
      write(redact(line, secrets));
    };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (more) => createLogger({ ...options, bindings: { ...bindings, ...more } }),
  };
}

export const silentLogger: Logger = createLogger({ level: "silent" });
