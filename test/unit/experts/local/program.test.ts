import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findProgram, runProgram, stderrTail } from "../../../../src/experts/local/program.js";
import { ExpertError } from "../../../../src/experts/types.js";

const never = new AbortController().signal;

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "program-test-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function shell(): Promise<string> {
  const path = await findProgram("sh");
  if (!path) throw new Error("sh is not on PATH");
  return path;
}

/** Waits for the pid a script wrote before it `exec`s the program under test. */
async function pidFrom(file: string): Promise<number> {
  for (let attempt = 0; attempt < 1000; attempt += 1) {
    if (existsSync(file)) {
      const text = readFileSync(file, "utf8").trim();
      if (text !== "") return Number(text);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no pid in ${file}`);
}

/** Whether a process exists at all: a zombie still does, so false also means it was reaped. */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("findProgram", () => {
  it("finds an installed program on PATH", async () => {
    const sox = await findProgram("sox");
    expect(sox).toMatch(/^\/.*\/sox$/);
    expect(await findProgram("sox")).toBe(sox);
  });

  it("gives undefined for a program that is not installed", async () => {
    expect(await findProgram("no-such-program-hugginggpt")).toBeUndefined();
    expect(await findProgram("")).toBeUndefined();
  });

  it("checks a path as it is: an executable file, not a directory or a plain file", async () => {
    const sox = await findProgram("sox");
    expect(sox).toBeDefined();
    expect(await findProgram(sox ?? "")).toBe(sox);
    const plain = join(directory, "notes.txt");
    await writeFile(plain, "not a program", { mode: 0o644 });
    expect(await findProgram(plain)).toBeUndefined();
    expect(await findProgram("/usr/bin")).toBeUndefined();
    expect(await findProgram("./sox")).toBeUndefined();
  });
});

describe("runProgram", () => {
  it("passes the input on stdin and collects stdout", async () => {
    const cat = await findProgram("cat");
    expect(cat).toBeDefined();
    // Several megabytes: more than a pipe buffer both ways.
    const input = Buffer.alloc(5 * 1024 * 1024, "hugginggpt ");
    const result = await runProgram(cat ?? "", [], { input, signal: never });
    expect(result.code).toBe(0);
    expect(result.stdout.equals(input)).toBe(true);
  });

  it("passes arguments without a shell", async () => {
    const echo = await findProgram("echo");
    expect(echo).toBeDefined();
    const result = await runProgram(echo ?? "", ["$HOME; `id` | x"], { signal: never });
    expect(result.stdout.toString()).toBe("$HOME; `id` | x\n");
  });

  it("resolves with a non-zero exit code and the stderr", async () => {
    const result = await runProgram(await shell(), ["-c", "echo partial; echo 'went wrong' >&2; exit 3"], {
      signal: never,
    });
    expect(result).toMatchObject({ code: 3, stderr: "went wrong\n" });
    expect(result.stdout.toString()).toBe("partial\n");
  });

  it("does not fail when the program exits without reading its input", async () => {
    const result = await runProgram(await shell(), ["-c", "exit 0"], {
      input: Buffer.alloc(8 * 1024 * 1024),
      signal: never,
    });
    expect(result.code).toBe(0);
  });

  it("fails clearly for a program that does not exist", async () => {
    const run = runProgram("/nonexistent/espeak-ng", [], { signal: never });
    await expect(run).rejects.toBeInstanceOf(ExpertError);
    await expect(run).rejects.toMatchObject({ reason: "failed", message: "espeak-ng is not installed" });
  });

  it("kills the program when the time is up, and leaves no process behind", async () => {
    const pidFile = join(directory, "pid");
    const run = runProgram(await shell(), ["-c", `echo $$ > ${pidFile}; exec sleep 30`], {
      signal: never,
      timeoutMs: 300,
    });
    const settled = run.catch((error: unknown) => error);
    const pid = await pidFrom(pidFile);
    const error = await settled;
    expect(error).toBeInstanceOf(ExpertError);
    expect(error).toMatchObject({ reason: "failed", message: "sh timed out after 300 ms" });
    expect(exists(pid)).toBe(false);
  });

  it("kills a program that writes more than the cap", async () => {
    const pidFile = join(directory, "pid");
    // `yes` never stops by itself: only the cap ends it.
    const run = runProgram(await shell(), ["-c", `echo $$ > ${pidFile}; exec yes`], {
      signal: never,
      maxOutputBytes: 100_000,
    });
    const settled = run.catch((error: unknown) => error);
    const pid = await pidFrom(pidFile);
    expect(await settled).toMatchObject({
      reason: "failed",
      message: "sh wrote more than 100000 bytes of output",
    });
    expect(exists(pid)).toBe(false);
  });

  it("rejects with the abort reason and kills the program on abort", async () => {
    const pidFile = join(directory, "pid");
    const controller = new AbortController();
    const run = runProgram(await shell(), ["-c", `echo $$ > ${pidFile}; exec sleep 30`], {
      signal: controller.signal,
    });
    const settled = run.catch((error: unknown) => error);
    const pid = await pidFrom(pidFile);
    expect(exists(pid)).toBe(true);
    const reason = new Error("user cancelled");
    controller.abort(reason);
    expect(await settled).toBe(reason);
    expect(exists(pid)).toBe(false);
  });

  it("does not start the program when the signal is already aborted", async () => {
    const marker = join(directory, "started");
    const controller = new AbortController();
    controller.abort(new Error("too late"));
    await expect(
      runProgram(await shell(), ["-c", `touch ${marker}`], { signal: controller.signal }),
    ).rejects.toThrow("too late");
    expect(existsSync(marker)).toBe(false);
  });

  it("reports a program killed by a signal", async () => {
    const run = runProgram(await shell(), ["-c", "echo dying >&2; kill -TERM $$"], { signal: never });
    await expect(run).rejects.toMatchObject({ reason: "failed", message: "sh was killed by SIGTERM: dying" });
  });
});

describe("stderrTail", () => {
  it("keeps the end of the output on one line", () => {
    expect(stderrTail("first\nsecond\n\n")).toBe("first | second");
    expect(stderrTail(`${"x".repeat(500)}end`, 10)).toBe("…xxxxxxxend");
  });
});
