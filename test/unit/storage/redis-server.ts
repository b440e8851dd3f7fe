/**
 * A real redis-server for the tests that need one: each test file starts its own on a free port of
 * 127.0.0.1 (no persistence unless asked), so it can kill and restart it. `.ci/run` installs the binary.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer, Socket } from "node:net";
import { delimiter, join } from "node:path";

/** The redis-server binary on PATH (or in the usual sbin directories), if any. */
export function findRedisServer(): string | undefined {
  const directories = [...(process.env.PATH ?? "").split(delimiter), "/usr/local/sbin", "/usr/sbin"];
  for (const directory of directories) {
    if (!directory) continue;
    const candidate = join(directory, "redis-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function isCi(): boolean {
  const ci = (process.env.CI ?? "").toLowerCase();
  return ci !== "" && ci !== "false" && ci !== "0";
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

export interface RedisServer {
  port: number;
  url: string;
  /** Stops it like a crash: SIGKILL, no goodbye to the clients. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: it saves nothing). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /**
   * Keep an append-only file in this directory (fsync on every write), as BullMQ asks of production
   * Redis: a restart then keeps the queue. Without it, nothing is saved.
   */
  appendOnlyDir?: string;
}

export async function startRedisServer(
  binary: string,
  port?: number,
  options: RedisServerOptions = {},
): Promise<RedisServer> {
  const chosen = port ?? (await freePort());
  const persistence = options.appendOnlyDir
    ? ["--appendonly", "yes", "--appendfsync", "always", "--dir", options.appendOnlyDir]
    : ["--appendonly", "no"];
  let child: ChildProcess | undefined;
  let output = "";

  const exit = (process: ChildProcess): Promise<void> =>
    new Promise((resolve) => {
      if (process.exitCode !== null || process.signalCode !== null) resolve();
      else process.once("exit", () => resolve());
    });

  const launch = async (): Promise<void> => {
    const started = spawn(
      binary,
      [
        "--port",
        String(chosen),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        ...persistence,
        "--protected-mode",
        "yes",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child = started;
    started.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    started.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const deadline = Date.now() + 10_000;
    while (!(await answers(chosen))) {
      if (started.exitCode !== null) throw new Error(`redis-server exited:\n${output.slice(-2000)}`);
      if (Date.now() > deadline)
        throw new Error(`redis-server did not answer on ${chosen}:\n${output.slice(-2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const signal = async (name: NodeJS.Signals): Promise<void> => {
    const current = child;
    if (!current) return;
    child = undefined;
    current.kill(name);
    await exit(current);
  };

  await launch();
  // A test that crashes must not leave a server behind.
  const cleanup = () => child?.kill("SIGKILL");
  process.once("exit", cleanup);

  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    kill: () => signal("SIGKILL"),
    restart: launch,
    async stop() {
      process.off("exit", cleanup);
      await signal("SIGTERM");
    },
  };
}
