/**
 * One bot instance in a process of its own, for the test of budgets held across processes
 * (test/integration/usage-redis.test.ts): the test platform's bot on a scripted pipeline, its usage
 * counted on the Redis ledger. It prints `ready`, waits for `go` on stdin, sends its requests all at
 * once (one user, a thread each), waits until they are answered, and prints what happened as one
 * JSON line.
 *
 * Environment: REDIS_URL, USAGE_PREFIX, LIMIT (the user's daily requests), REQUESTS, NAME.
 */
import { createInterface } from "node:readline";
import { COMMANDS } from "../../commands/index.js";
import { createBot } from "../../src/core/bot.js";
import { defaultBotSettings } from "../../src/core/settings.js";
import { connectRedisUsageLedger } from "../../src/scale/usage-ledger.js";
import { createStorage } from "../../src/storage/index.js";
import { createUsageAccounting, unlimitedBudgets } from "../../src/usage/index.js";
import { answer, scriptedPipeline } from "../unit/core/helpers.js";
import { createTestAdapter } from "./test-adapter.js";

export interface BudgetInstanceReport {
  name: string;
  accepted: number;
  refused: string[];
  runs: number;
  replies: number;
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const name = env("NAME");
const requests = Number(env("REQUESTS"));
const ledger = connectRedisUsageLedger(env("REDIS_URL"), { prefix: env("USAGE_PREFIX") });
const budgets = unlimitedBudgets();
budgets.user.day.requests = Number(env("LIMIT"));
const pipeline = scriptedPipeline((request) => answer(`answer to ${request.text}`));
const bot = createBot({
  pipeline,
  storage: createStorage(),
  settings: { ...defaultBotSettings(), rateLimit: { requests: 0, windowMs: 60_000 }, maxQueued: 1_000 },
  commands: COMMANDS,
  usage: createUsageAccounting({ ledger, budgets }),
});
const adapter = createTestAdapter();
await adapter.start(bot);
// A first call opens the connection before the start signal, so both processes race on requests only.
await ledger.read({ scope: "user", id: "warm-up", period: "day", periodId: "0000-00-00" });

const lines = createInterface({ input: process.stdin });
process.stdout.write("ready\n");
for await (const line of lines) {
  if (line.trim() === "go") break;
}
const dispositions = await Promise.all(
  Array.from({ length: requests }, (_, index) =>
    adapter.send({ text: `${name}-${index}`, user: "shared-user", thread: `${name}-${index}` }),
  ),
);
await bot.idle();
const report: BudgetInstanceReport = {
  name,
  accepted: dispositions.filter((disposition) => disposition.status === "accepted").length,
  refused: dispositions.flatMap((disposition) =>
    disposition.status === "refused" ? [disposition.message] : [],
  ),
  runs: pipeline.calls.length,
  replies: adapter.replies().length,
};
process.stdout.write(`${JSON.stringify(report)}\n`);
await bot.close();
await ledger.close();
process.exit(0);
