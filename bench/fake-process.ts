/**
 * Fakes in a process of their own. A bench that serves its fakes from its own process measures the
 * fakes too: their CPU work shares the event loop with what is measured, and their memory (recorded
 * calls, their modules) counts in its RSS. The bench module runs itself a second time with `childEnv`
 * set; that copy starts the fakes, prints what the parent needs (their URLs) as one JSON line, and
 * answers the parent's questions (call counts, a new latency) one JSON line each, until its stdin closes.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface FakesInChild<Info> {
  /** What the child printed once its fakes were listening. */
  info: Info;
  pid: number;
  /** Sends one command to the child's `answer` and resolves with its answer. */
  ask(command: string, argument?: number): Promise<number>;
  close(): Promise<void>;
}

interface Served<Info> {
  info: Info;
  answer(command: string, argument: number | undefined): number | Promise<number>;
  close(): Promise<void>;
}

export async function startFakesInChild<Info>(
  modulePath: string,
  childEnv: string,
): Promise<FakesInChild<Info>> {
  const child = spawn(process.execPath, ["--import", "tsx", modulePath], {
    env: { ...process.env, [childEnv]: "1" },
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const waiting: Array<(line: string) => void> = [];
  const early: string[] = [];
  lines.on("line", (line) => {
    const next = waiting.shift();
    if (next) next(line);
    else early.push(line);
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const ready = early.shift();
      if (ready !== undefined) return resolve(ready);
      waiting.push(resolve);
      void exited.then(() => reject(new Error(`the fakes' process (${modulePath}) exited`)));
    });
  const info = JSON.parse(await nextLine()) as Info;
  let queue = Promise.resolve();
  return {
    info,
    pid: child.pid ?? -1,
    ask(command, argument) {
      // One question at a time: answers come back in order, one line each.
      const answer = queue.then(async () => {
        child.stdin.write(`${JSON.stringify({ command, argument })}\n`);
        return Number(JSON.parse(await nextLine()));
      });
      queue = answer.then(
        () => undefined,
        () => undefined,
      );
      return answer;
    },
    async close() {
      lines.close();
      child.stdin.end();
      await exited;
    },
  };
}

/** The child's side: prints `info`, answers commands from stdin, closes the fakes when stdin ends. */
export function serveFakesToParent<Info>(served: Served<Info>): void {
  process.stdout.write(`${JSON.stringify(served.info)}\n`);
  const lines = createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  lines.on("line", (line) => {
    queue = queue.then(async () => {
      const { command, argument } = JSON.parse(line) as { command: string; argument?: number };
      process.stdout.write(`${JSON.stringify(await served.answer(command, argument))}\n`);
    });
  });
  lines.once("close", () => {
    void queue.then(() => served.close());
  });
}
