import { type ChildProcess, spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { basename, delimiter, isAbsolute, join } from "node:path";
import { ExpertError } from "../types.js";

/** Found programs only: a miss is looked up again, so a program installed while the bot runs is seen. */
const found = new Map<string, string>();

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The absolute path of a program, searched on PATH like a shell would (`findProgram("sox")` →
 * `/usr/bin/sox`), or undefined when it is not installed. A name with a slash is checked as it is.
 */
export async function findProgram(name: string): Promise<string | undefined> {
  if (name === "") return undefined;
  if (name.includes("/")) return isAbsolute(name) && (await isExecutableFile(name)) ? name : undefined;
  const searchPath = process.env.PATH ?? "";
  const key = `${searchPath}\0${name}`;
  const cached = found.get(key);
  if (cached !== undefined) return cached;
  for (const directory of searchPath.split(delimiter)) {
    if (directory === "" || !isAbsolute(directory)) continue;
    const candidate = join(directory, name);
    if (await isExecutableFile(candidate)) {
      found.set(key, candidate);
      return candidate;
    }
  }
  return undefined;
}

export interface RunProgramOptions {
  /** Bytes written to the program's stdin; without them stdin is /dev/null. */
  input?: Uint8Array;
  signal: AbortSignal;
  /** Defaults to 60 s. */
  timeoutMs?: number;
  /** Cap on captured stdout; defaults to 64 MiB. */
  maxOutputBytes?: number;
  cwd?: string;
}

export interface ProgramResult {
  stdout: Buffer;
  /** The end of stderr (its last 16 KiB), decoded as UTF-8. */
  stderr: string;
  /** The exit code: callers decide what a non-zero code means for their program. */
  code: number;
}

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const STDERR_KEEP_BYTES = 16 * 1024;

/** The last lines of a program's stderr, short enough for an error message a user may see. */
export function stderrTail(stderr: string, maxChars = 300): string {
  const text = stderr.trim().replace(/\s*\n\s*/g, " | ");
  return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
}

/**
 * Runs a program without a shell, its arguments passed as they are, and collects what it writes.
 * Resolves with the exit code whatever it is; rejects with ExpertError("failed") when the program
 * cannot start, is killed by a signal, runs out of time or writes more than `maxOutputBytes`, and
 * with the signal's reason on abort. It settles only once the process is gone (SIGKILL on abort,
 * timeout or overflow), so a caller may remove the files the program used as soon as it returns.
 */
export function runProgram(
  path: string,
  args: readonly string[],
  options: RunProgramOptions,
): Promise<ProgramResult> {
  const { signal, input } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutputBytes = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  const name = basename(path);
  if (signal.aborted) return Promise.reject(signal.reason);

  return new Promise<ProgramResult>((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(path, args, {
        cwd: options.cwd,
        shell: false,
        stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        windowsHide: true,
      });
    } catch (error) {
      reject(new ExpertError("failed", `${name} could not start: ${String(error)}`, { cause: error }));
      return;
    }

    const stdoutChunks: Buffer[] = [];
    let stdoutBytes = 0;
    let stderrBuffer = Buffer.alloc(0);
    /** Set once the outcome is decided; the promise still waits for the process to be gone. */
    let failure: unknown;
    let failed = false;

    const fail = (reason: unknown): void => {
      if (failed) return;
      failed = true;
      failure = reason;
      child.kill("SIGKILL");
      // Destroyed pipes let "close" follow the exit even when a grandchild still holds them open.
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
    };

    const onAbort = (): void => fail(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(
      () => fail(new ExpertError("failed", `${name} timed out after ${timeoutMs} ms`)),
      timeoutMs,
    );

    child.stdout?.on("data", (chunk: Buffer) => {
      stdoutBytes += chunk.byteLength;
      if (stdoutBytes > maxOutputBytes) {
        fail(new ExpertError("failed", `${name} wrote more than ${maxOutputBytes} bytes of output`));
        return;
      }
      stdoutChunks.push(chunk);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderrBuffer = Buffer.concat([stderrBuffer, chunk]);
      if (stderrBuffer.byteLength > STDERR_KEEP_BYTES)
        stderrBuffer = stderrBuffer.subarray(-STDERR_KEEP_BYTES);
    });
    // A program may exit before reading all its input (EPIPE); its exit code tells what happened.
    child.stdin?.on("error", () => {});
    child.stdout?.on("error", () => {});
    child.stderr?.on("error", () => {});

    child.on("error", (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "ENOENT" ? "is not installed" : `could not start (${error.code ?? error.message})`;
      fail(new ExpertError("failed", `${name} ${why}`, { cause: error }));
      // A process that never started emits no "close" on every Node version: settle here too.
      if (child.pid === undefined) finish();
    });

    let settled = false;
    const finish = (code: number | null = null, killedBy: NodeJS.Signals | null = null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      if (failed) {
        reject(failure);
        return;
      }
      const stderr = stderrBuffer.toString("utf8");
      if (code === null) {
        const tail = stderrTail(stderr);
        reject(
          new ExpertError(
            "failed",
            `${name} was killed by ${killedBy ?? "a signal"}${tail ? `: ${tail}` : ""}`,
          ),
        );
        return;
      }
      resolve({ stdout: Buffer.concat(stdoutChunks), stderr, code });
    };
    child.on("close", (code, killedBy) => finish(code, killedBy));

    if (input !== undefined && child.stdin) child.stdin.end(input);
  });
}
