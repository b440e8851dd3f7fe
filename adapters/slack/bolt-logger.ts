/** Bolt's and its installer's logger, on the bot's. */
import { type Logger as BoltLogger, LogLevel } from "@slack/bolt";
import { errorSummary } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";

/**
 * Bolt's logger on ours: Bolt's info lines (connections, retries) are debug detail here, and its own
 * debug lines are dropped: they hold whole event payloads (people's messages) and Socket Mode URLs
 * with their tickets. `errorsAs` lowers its error lines where the adapter logs the outcome itself in
 * plain words (the install flow's failures).
 */
export function boltLogger(logger: Logger, errorsAs: "error" | "debug" = "error"): BoltLogger {
  const text = (parts: unknown[]) =>
    parts.map((part) => (typeof part === "string" ? part : errorSummary(part))).join(" ");
  let level = LogLevel.INFO;
  return {
    debug: () => {},
    info: (...parts) => logger.debug(text(parts)),
    warn: (...parts) => logger.warn(text(parts)),
    error: (...parts) => (errorsAs === "error" ? logger.error(text(parts)) : logger.debug(text(parts))),
    setLevel: (next) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
