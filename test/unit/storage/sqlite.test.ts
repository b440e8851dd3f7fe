import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import KeyvSqlite from "@keyv/sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config/index.js";
import { silentLogger } from "../../../src/log.js";
import { createStorage, createStorageFromConfig, SQLITE_FILE } from "../../../src/storage/index.js";
import { captureLogger, faults, waitFor } from "./capture.js";
import { storageContract } from "./contract.js";

let root: string;
let counter = 0;
const freshFile = () => join(root, `contract-${++counter}.sqlite`);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "hgb-sqlite-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

storageContract("sqlite", {
  persistent: true,
  async open() {
    const file = freshFile();
    return {
      storage: createStorage({ backend: "sqlite", file }),
      reopen: async () => createStorage({ backend: "sqlite", file }),
    };
  },
});

async function rowCount(file: string): Promise<number> {
  const raw = new KeyvSqlite({ uri: `sqlite://${file}` });
  try {
    const rows = (await raw.query("SELECT count(*) AS n FROM keyv")) as Array<{ n: number }>;
    return rows[0]?.n ?? -1;
  } finally {
    await raw.disconnect();
  }
}

describe("sqlite backend", () => {
  it("is the default: a file in DATA_DIR, created relative to the working directory", async () => {
    const cwd = join(root, "app");
    await mkdir(cwd);
    const storage = createStorageFromConfig(loadConfig({ DATA_DIR: "nested/data" }), silentLogger, { cwd });
    expect(storage.backend).toBe("sqlite");
    await storage.namespace<string>("memory", 60_000).set("thread", "kept");
    await storage.close();
    expect(existsSync(join(cwd, "nested/data", SQLITE_FILE))).toBe(true);
  });

  it("switches to Redis when REDIS_URL is set", async () => {
    const storage = createStorageFromConfig(
      loadConfig({ DATA_DIR: join(root, "unused"), REDIS_URL: "redis://127.0.0.1:1" }),
      silentLogger,
    );
    expect(storage.backend).toBe("redis");
    await storage.close();
    expect(existsSync(join(root, "unused"))).toBe(false);
  });

  it("drops expired rows, which SQLite would otherwise keep until read", async () => {
    const file = freshFile();
    const writer = createStorage({ backend: "sqlite", file, sweepIntervalMs: 3_600_000 });
    const dedupe = writer.namespace<boolean>("dedupe", 50);
    for (let index = 0; index < 20; index++) await dedupe.set(`event-${index}`, true);
    await writer.namespace<string>("memory", 60_000).set("thread", "stays");
    await writer.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await rowCount(file)).toBe(21);

    const sweeper = createStorage({ backend: "sqlite", file, sweepIntervalMs: 100 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await rowCount(file)).toBe(1);
    expect(await sweeper.namespace<string>("memory", 60_000).get("thread")).toBe("stays");
    await sweeper.close();
  });

  it("shares its file with a second process writing at the same time", async () => {
    const file = freshFile();
    const storage = createStorage({ backend: "sqlite", file });
    const results = storage.namespace<string>("results", 60_000);
    await results.set("warm-up", "x");
    const child = fileURLToPath(new URL("./sqlite-writer.ts", import.meta.url));
    const tsx = fileURLToPath(new URL("../../../node_modules/tsx/dist/loader.mjs", import.meta.url));
    const other = spawn(process.execPath, ["--import", tsx, child, file, "200"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let errors = "";
    other.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    other.stderr.on("data", (chunk: Buffer) => {
      errors += chunk.toString();
    });
    let done = false;
    const exited = new Promise<number | null>((resolve) =>
      other.on("exit", (code) => {
        done = true;
        resolve(code);
      }),
    );
    // Write for as long as the other process runs, so the two really overlap.
    let written = 0;
    while (!done || written < 200) {
      await results.set(`parent-${written}`, `p${written}`);
      written += 1;
    }
    expect(await exited, errors).toBe(0);
    const report = JSON.parse(output) as { state: string; faults: number };
    expect(report).toEqual({ state: "up", faults: 0 });
    expect(storage.status().state).toBe("up");
    for (let index = 0; index < written; index += 7)
      expect(await results.get(`parent-${index}`)).toBe(`p${index}`);
    for (let index = 0; index < 200; index += 7)
      expect(await results.get(`child-${index}`)).toBe(`c${index}`);
    await storage.close();
  });

  it("answers from memory when the file is not a database, and logs that once", async () => {
    const file = freshFile();
    await writeFile(file, "this is not a SQLite database ".repeat(200));
    const { logger, lines } = captureLogger();
    const storage = createStorage({ backend: "sqlite", file, logger, retryMs: 60_000 });
    const memory = storage.namespace<{ turns: string[] }>("memory", 60_000);
    for (let index = 0; index < 20; index++)
      await memory.set(`thread-${index}`, { turns: [`turn ${index}`] });
    expect(await memory.get("thread-7")).toEqual({ turns: ["turn 7"] });
    expect(await memory.delete("thread-7")).toBe(true);
    expect(storage.status()).toMatchObject({ backend: "sqlite", state: "down" });
    expect(faults(lines)).toHaveLength(1);
    expect(faults(lines)[0]).toMatchObject({ level: "warn", backend: "sqlite", location: file });
    expect(String(faults(lines)[0]?.error)).toMatch(/not a database|SQLITE/i);
    await storage.close();
  });

  it("answers from memory while the data directory cannot be made, and uses the file once it can", async () => {
    const dir = join(root, "later");
    const { logger, lines } = captureLogger();
    const storage = createStorage({ backend: "sqlite", file: join(dir, SQLITE_FILE), logger, retryMs: 50 });
    const memory = storage.namespace<string>("memory", 60_000);
    await memory.set("thread", "written while down");
    expect(await memory.get("thread")).toBe("written while down");
    expect(storage.status().state).toBe("down");
    await mkdir(dir);
    await waitFor(() => storage.status().state === "up", 5_000, "the file to open");
    expect(await memory.get("thread")).toBe("written while down");
    await storage.close();
    // The change made in memory was written to the file.
    const again = createStorage({ backend: "sqlite", file: join(dir, SQLITE_FILE) });
    expect(await again.namespace<string>("memory", 60_000).get("thread")).toBe("written while down");
    await again.close();
    expect(faults(lines)).toHaveLength(1);
    expect(lines.filter((line) => line.msg === "storage is back")).toHaveLength(1);
  });
});
