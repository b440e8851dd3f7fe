/**
 * `hugginggpt-bot usage` and doctor's budgets line, the real bin on a SQLite file that a bot's
 * accounting filled, as an operator runs them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import type { Request } from "../../src/core/types.js";
import { noUsage } from "../../src/core/usage.js";
import { silentLogger } from "../../src/log.js";
import { createStorageFromConfig } from "../../src/storage/index.js";
import { budgetDefaultsFrom, createStoredUsageLedger, createUsageAccounting } from "../../src/usage/index.js";
import { runCli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "hgb-usage-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function request(user: string, workspace: string): Request {
  return {
    id: `${user}-${workspace}`,
    platform: "discord",
    eventId: `${user}-${workspace}`,
    author: { id: user, isBot: false },
    workspace,
    channel: "c",
    thread: "t",
    text: "x",
    attachments: [],
    receivedAt: Date.now(),
  };
}

describe("hugginggpt-bot usage", () => {
  it("prints every workspace and user, today and this month, against the budgets", async () => {
    const env = {
      DATA_DIR: join(dir, "data"),
      BUDGET_USER_DAILY_REQUESTS: "20",
      BUDGET_WORKSPACE_MONTHLY_TOKENS: "100000",
    };
    const config = loadConfig(env);
    const storage = createStorageFromConfig(config, silentLogger, { cwd: dir });
    const accounting = createUsageAccounting({
      ledger: createStoredUsageLedger(storage),
      budgets: budgetDefaultsFrom(config),
    });
    for (const [user, workspace] of [
      ["111", "900"],
      ["111", "900"],
      ["222", "900"],
    ] as const) {
      expect(await accounting.reserve(request(user, workspace))).toMatchObject({ allowed: true });
    }
    await accounting.record(request("222", "900"), {
      ...noUsage(),
      promptTokens: 1500,
      completionTokens: 500,
      hostedCalls: 1,
      hostedMs: 2500,
    });
    await storage.close();

    const run = await runCli(["usage"], { cwd: dir, env });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    const linesFrom = (heading: string) => lines.slice(lines.findIndex((line) => line.startsWith(heading)));
    expect(linesFrom("Workspaces")[0]).toBe("Workspaces (Discord servers, Slack workspaces): 1");
    expect(linesFrom("Workspaces")[1]).toBe("  discord:900");
    expect(run.stdout).toContain(
      "    this month: 3 requests · 2,000 LLM tokens of 100,000 (1,500 prompt, 500 completion) · 1 hosted model call (2.5 s)",
    );
    expect(linesFrom("Users")[0]).toBe("Users: 2");
    expect(linesFrom("Users")[1]).toBe("  discord:111");
    expect(linesFrom("Users")[2]).toMatch(/^ {4}today: 2 requests of 20 · 0 LLM tokens · /);
    expect(run.stdout).toContain("  discord:222");

    const doctor = await runCli(["doctor"], { cwd: dir, env });
    expect(doctor.stdout).toMatch(
      /^ok\s+Budgets: each user: 20 requests a day; each workspace: 100,000 LLM tokens a month \(UTC days and months; a workspace's settings may change its own\); counted in the SQLite file in DATA_DIR$/m,
    );
  }, 60_000);
});
