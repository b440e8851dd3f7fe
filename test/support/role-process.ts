/**
 * `hugginggpt-bot start --role gateway|worker` as a child process, the way an operator runs it: the
 * real bin, its own environment, its output kept for the failure message. For the tests that run
 * several processes on one Redis.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const BIN = fileURLToPath(new URL("../../src/bin.mjs", import.meta.url));

export interface RoleProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  /** Resolves with its exit code (or signal) once it has exited. */
  exited: Promise<number | NodeJS.Signals | null>;
  /** Sends a signal and waits for the exit (SIGKILL: as a crash, SIGTERM: as a process manager). */
  stop(signal: NodeJS.Signals): Promise<number | NodeJS.Signals | null>;
}

export function startRole(
  name: string,
  role: "gateway" | "worker",
  env: Record<string, string>,
  cwd: string,
): RoleProcess {
  return startProcess(name, ["start", "--role", role], { env, cwd });
}

/** The bin with these arguments (`["start"]`: the all-in-one bot), as `startRole` runs a role. */
export function startProcess(
  name: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string },
): RoleProcess {
  let output = "";
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal));
  });
  // A test that fails must not leave a bot behind.
  const cleanup = () => child.kill("SIGKILL");
  process.once("exit", cleanup);
  void exited.then(() => process.off("exit", cleanup));
  return {
    name,
    child,
    output: () => output,
    exited,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
