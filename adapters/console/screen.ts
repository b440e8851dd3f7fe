import type { Interface } from "node:readline";
import { clearScreenDown, cursorTo, moveCursor } from "node:readline";
import type { Writable } from "node:stream";

/**
 * The terminal's output: lines that stay, and at most one progress line that changes. On a terminal
 * the progress line is redrawn in place above the prompt (and what the user is typing survives
 * every redraw); elsewhere (a pipe, a file) there are only lines.
 */
export interface Screen {
  /** Prints lines that stay. */
  print(text: string): void;
  /** Shows `text` as the progress line, or removes it (undefined). */
  status(text: string | undefined): void;
  /** A line the user has just entered (a terminal shows it again above the progress line). */
  entered(line: string): void;
  /** Removes the progress line and the prompt, for the end. */
  close(): void;
}

/** Collapses a (possibly multi-line) progress text into one line of at most `width` characters. */
export function oneLine(text: string, width = Number.POSITIVE_INFINITY): string {
  const line = text
    .split("\n")
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .join(" | ");
  const chars = [...line];
  if (chars.length <= width) return line;
  return `${chars.slice(0, Math.max(0, width - 1)).join("")}…`;
}

/** Plain output (a pipe, a file): lines only; there is no line to redraw, so `status` shows nothing. */
export function createPlainScreen(output: Writable): Screen {
  return {
    print(text) {
      output.write(`${text}\n`);
    },
    status() {},
    entered() {},
    close() {},
  };
}

/** How many terminal rows a text without newlines takes at `columns` wide (wide characters count as one). */
function rowsOf(text: string, columns: number): number {
  return Math.max(1, Math.ceil([...text].length / columns));
}

/**
 * A terminal: the bottom of the screen is the progress line (while a request runs) and under it the
 * prompt with what the user is typing. Printing clears both, writes the text, and draws them again,
 * leaving the cursor where readline expects it, so typing goes on undisturbed.
 */
export function createTtyScreen(output: Writable & { columns?: number }, lines: Interface): Screen {
  let current: string | undefined;
  let shown = false;
  let closed = false;
  // A terminal that reports no size (0 columns) gets the usual 80.
  const columns = () => Math.max(10, output.columns || 80);

  /** Clears from the top of the progress line (or of the prompt) to the end of the screen. */
  const clearBottom = (promptRowsAbove: number) => {
    moveCursor(output, 0, -promptRowsAbove - (shown ? 1 : 0));
    cursorTo(output, 0);
    clearScreenDown(output);
    shown = false;
  };
  const drawBottom = () => {
    if (closed) return;
    if (current !== undefined) {
      output.write(`${oneLine(current, columns() - 1)}\n`);
      shown = true;
    }
    // The prompt and the typed text, then the cursor back where readline keeps it.
    const typed = `${lines.getPrompt()}${lines.line}`;
    output.write(typed);
    const length = [...typed].length;
    const endRow = Math.floor(length / columns());
    const endColumn = length % columns();
    const cursor = lines.getCursorPos();
    moveCursor(output, cursor.cols - endColumn, cursor.rows - endRow);
  };
  const redraw = (write: () => void) => {
    clearBottom(lines.getCursorPos().rows);
    write();
    drawBottom();
  };

  return {
    print(text) {
      if (closed) {
        output.write(`${text}\n`);
        return;
      }
      redraw(() => output.write(`${text}\n`));
    },
    status(text) {
      if (text === current || closed) return;
      redraw(() => {
        current = text;
      });
    },
    entered(line) {
      if (closed) return;
      // readline has moved to a fresh line under what was typed: take that up too, and write it back
      // above the progress line so the screen reads as a transcript.
      const typed = `${lines.getPrompt()}${line}`;
      clearBottom(rowsOf(typed, columns()));
      output.write(`${typed}\n`);
      drawBottom();
    },
    close() {
      if (closed) return;
      clearBottom(lines.getCursorPos().rows);
      closed = true;
      current = undefined;
    },
  };
}

/**
 * Progress as plain lines (no terminal to redraw): the first text at once, then only what is new and
 * at most once per `intervalMs`. An update that comes too soon is not lost: if it is still the latest
 * when the interval is over, it is printed then. `stop` ends it (the caller prints the last line).
 */
export function createSparseProgress(
  print: (line: string) => void,
  initial: string,
  intervalMs: number,
): { update(text: string): void; stop(): void } {
  let printed = oneLine(initial);
  let latest = printed;
  let printedAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const flush = () => {
    timer = undefined;
    if (stopped || latest === printed) return;
    printed = latest;
    printedAt = performance.now();
    print(`… ${printed}`);
  };
  print(`… ${printed}`);
  return {
    update(text) {
      if (stopped) return;
      latest = oneLine(text);
      if (latest === printed || timer) return;
      const wait = printedAt + intervalMs - performance.now();
      if (wait <= 0) {
        flush();
        return;
      }
      timer = setTimeout(flush, wait);
      // A pending progress line must not keep a finished chat alive.
      timer.unref();
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
