import { createLogger, type Logger } from "../../../src/log.js";

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

/** A real (pino) logger whose lines are kept, parsed. */
export function captureLogger(secrets: string[] = []): { logger: Logger; lines: LogLine[]; raw: string[] } {
  const raw: string[] = [];
  const lines: LogLine[] = [];
  const logger = createLogger({
    level: "debug",
    secrets,
    write: (line) => {
      raw.push(line);
      lines.push(JSON.parse(line) as LogLine);
    },
  });
  return { logger, lines, raw };
}

/** Lines at warn or above: what an operator sees as faults. */
export function faults(lines: LogLine[]): LogLine[] {
  return lines.filter((line) => line.level === "warn" || line.level === "error");
}

export async function waitFor(check: () => boolean, timeoutMs = 5_000, what = "a condition"): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
