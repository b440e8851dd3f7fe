/**
 * Usage counted in Redis: the ledger's contract, and a budget held across two bot processes that
 * share one Redis and take one user's requests at the same moment. Redis is TEST_REDIS_URL when set
 * (each run under a key prefix of its own), else a redis-server this file starts; without either the
 * tests are skipped, except in CI.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectRedisUsageLedger } from "../../src/scale/usage-ledger.js";
import type { ClosableLedger } from "../../src/usage/index.js";
import type { BudgetInstanceReport } from "../support/budget-instance.js";
import { findRedisServer, isCi, type RedisServer, startRedisServer } from "../unit/storage/redis-server.js";
import { ledgerContract } from "../unit/usage/ledger-contract.js";

const sharedUrl = process.env.TEST_REDIS_URL?.trim() || undefined;
const binary = findRedisServer();
const noRedis =
  sharedUrl === undefined && binary === undefined
    ? "redis-server is not installed and TEST_REDIS_URL is not set"
    : undefined;
if (noRedis && isCi()) {
  describe("usage on Redis in CI", () => {
    it("has a Redis to run on", () => {
      throw new Error(`CI=true but ${noRedis}`);
    });
  });
}

const INSTANCE = fileURLToPath(new URL("../support/budget-instance.ts", import.meta.url));

let server: RedisServer | undefined;
const ledgers: ClosableLedger[] = [];
beforeAll(async () => {
  if (!sharedUrl && binary) server = await startRedisServer(binary);
});
afterAll(async () => {
  await Promise.all(ledgers.map((ledger) => ledger.close()));
  await server?.stop();
});
const redisUrl = (): string => sharedUrl ?? server?.url ?? "";

interface Instance {
  child: ChildProcess;
  ready: Promise<void>;
  report: Promise<BudgetInstanceReport>;
}

function startInstance(name: string, env: Record<string, string>): Instance {
  const child = spawn(process.execPath, ["--import", "tsx", INSTANCE], {
    env: { ...process.env, ...env, NAME: name },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let errors = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    errors += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout! });
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  const report = new Promise<BudgetInstanceReport>((resolve, reject) => {
    lines.on("line", (line) => {
      if (line === "ready") onReady();
      else if (line.startsWith("{")) resolve(JSON.parse(line) as BudgetInstanceReport);
    });
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}) without a report:\n${errors}`)));
  });
  // A failing test must not leave the child behind.
  process.once("exit", () => child.kill("SIGKILL"));
  return { child, ready, report };
}

describe.skipIf(noRedis !== undefined)(`usage on Redis${noRedis ? ` (skipped: ${noRedis})` : ""}`, () => {
  ledgerContract("redis", async () => {
    const ledger = connectRedisUsageLedger(redisUrl(), { prefix: `hgb-test-${randomUUID()}:usage:` });
    ledgers.push(ledger);
    return ledger;
  });

  it("stops a user at exactly the limit when two bot processes take their requests at once", async () => {
    const limit = 7;
    const perProcess = 10;
    const env = {
      REDIS_URL: redisUrl(),
      USAGE_PREFIX: `hgb-test-${randomUUID()}:usage:`,
      LIMIT: String(limit),
      REQUESTS: String(perProcess),
    };
    const instances = [startInstance("a", env), startInstance("b", env)];
    await Promise.all(instances.map((instance) => instance.ready));
    for (const instance of instances) instance.child.stdin?.write("go\n");
    const reports = await Promise.all(instances.map((instance) => instance.report));

    const accepted = reports.reduce((sum, report) => sum + report.accepted, 0);
    const runs = reports.reduce((sum, report) => sum + report.runs, 0);
    const replies = reports.reduce((sum, report) => sum + report.replies, 0);
    const refused = reports.flatMap((report) => report.refused);
    expect(accepted).toBe(limit);
    expect(runs).toBe(limit);
    expect(replies).toBe(limit);
    expect(refused).toHaveLength(2 * perProcess - limit);
    for (const message of refused) {
      expect(message).toMatch(/^You have used your 7 requests for today; it resets at 00:00 UTC, in \d/);
    }
    // Both processes took part in the race (each sent all its requests at once).
    expect(reports.every((report) => report.accepted + report.refused.length === perProcess)).toBe(true);

    const ledger = connectRedisUsageLedger(redisUrl(), { prefix: env.USAGE_PREFIX });
    ledgers.push(ledger);
    const rows = await ledger.list([{ period: "day", periodId: new Date().toISOString().slice(0, 10) }]);
    expect(rows.find((row) => row.scope === "user")?.counts.requests).toBe(limit);
  }, 60_000);
});
