import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../src/bin.mjs", import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `hugginggpt-bot` bin in a child process with exactly the environment given (plus
 * PATH and HOME), as a user would from a shell. Bounded by a timeout so a hung CLI fails the test.
 */
export function runCli(
  args: string[],
  options: {
    env?: Record<string, string>;
    cwd: string;
    timeoutMs?: number;
    /** Another installation's bin (test/support/installation.ts); this checkout's by default. */
    bin?: string;
  },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`the CLI did not exit within ${options.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`),
      );
    }, options.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
