/**
 * `npm start` with no platform and no terminal, as CI or a service manager runs it: the web
 * playground starts, says its address and what to configure, serves the page, and stops on SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../../src/bin.mjs", import.meta.url));

let child: ChildProcess | undefined;
let dir: string | undefined;

afterAll(async () => {
  child?.kill("SIGKILL");
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("hugginggpt-bot start without a terminal", () => {
  it("starts the web playground, says where it is and what to configure, and stops on SIGTERM", async () => {
    dir = await mkdtemp(join(tmpdir(), "hgb-web-start-"));
    child = spawn(process.execPath, [BIN, "start"], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        WEB_PORT: "0",
        DATA_DIR: join(dir, "data"),
        LOG_LEVEL: "silent",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    let url: string | undefined;
    while (!url) {
      if (Date.now() > deadline) throw new Error(`no address printed:\n${output}`);
      url = /playground is at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(output).toContain("No chat platform is configured.");
    expect(output).toContain("SLACK_BOT_TOKEN");
    expect(output).toContain("OPENAI_API_KEY");
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("/assets/app.js");
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 40_000);
});
