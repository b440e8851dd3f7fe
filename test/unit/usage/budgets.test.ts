/**
 * Budgets as the bot applies them: the test platform's bot with the usage accounting over the
 * storage's ledger, on a clock the test moves. A refused request gets its notice in its own thread,
 * and its pipeline never runs.
 */
import { describe, expect, it } from "vitest";
import type { BotOptions } from "../../../src/core/bot.js";
import { defaultBotSettings } from "../../../src/core/settings.js";
import { createStorage, type Storage } from "../../../src/storage/index.js";
import {
  type BudgetOverridesReader,
  type BudgetTable,
  createStoredUsageLedger,
  createUsageAccounting,
  periodIdOf,
  type UsageLedger,
  unlimitedBudgets,
} from "../../../src/usage/index.js";
import { createManualClock } from "../../support/test-adapter.js";
import { answer, type Script, startBot, untilAborted } from "../core/helpers.js";
import { captureLogger } from "../storage/capture.js";

/** 20:48 UTC: a day's budget resets in 3 h 12 min. */
const EVENING = Date.parse("2025-03-14T20:48:00Z");

function budgets(change: (table: BudgetTable) => void): BudgetTable {
  const table = unlimitedBudgets();
  change(table);
  return table;
}

async function startBudgetedBot(
  table: BudgetTable,
  options: {
    script?: Script;
    overrides?: BudgetOverridesReader;
    admins?: string[];
    storage?: Storage;
    extra?: Partial<BotOptions>;
  } = {},
) {
  const clock = createManualClock(EVENING);
  const storage = options.storage ?? createStorage();
  const ledger = createStoredUsageLedger(storage);
  const usage = createUsageAccounting({
    ledger,
    budgets: table,
    clock,
    ...(options.overrides ? { overrides: options.overrides } : {}),
    ...(options.admins ? { admins: options.admins } : {}),
  });
  const harness = await startBot({
    storage,
    ...(options.script ? { script: options.script } : {}),
    extra: { usage, ...options.extra },
  });
  return { ...harness, clock, ledger, usage };
}

describe("budgets", () => {
  it("stops a user exactly at the daily limit, with the notice in the request's thread and nothing run", async () => {
    const { adapter, bot, pipeline } = await startBudgetedBot(
      budgets((table) => {
        table.user.day.requests = 2;
      }),
    );
    expect(await adapter.send({ text: "one", thread: "t1" })).toMatchObject({ status: "accepted" });
    expect(await adapter.send({ text: "two", thread: "t2" })).toMatchObject({ status: "accepted" });
    const message = "You have used your 2 requests for today; it resets at 00:00 UTC, in 3 h 12 min.";
    expect(await adapter.send({ text: "three", thread: "t3" })).toEqual({
      status: "refused",
      reason: "over-budget",
      message,
    });
    await bot.idle();
    expect(pipeline.calls.map((call) => call.text)).toEqual(["one", "two"]);
    // The refused thread got the notice and nothing else: no progress message, no reply.
    expect(adapter.transcript("t3").map((entry) => entry.type)).toEqual(["notice"]);
    expect(adapter.notices("t3")).toEqual([message]);
    // Another user is not affected.
    expect(await adapter.send({ text: "mine", user: "user-2", thread: "t4" })).toMatchObject({
      status: "accepted",
    });
  });

  it("resets at 00:00 UTC", async () => {
    const { adapter, bot, clock, pipeline } = await startBudgetedBot(
      budgets((table) => {
        table.user.day.requests = 1;
      }),
    );
    expect(await adapter.send({ text: "one", thread: "t1" })).toMatchObject({ status: "accepted" });
    await clock.advance(3 * 3_600_000 + 11 * 60_000 + 59_000);
    expect(await adapter.send({ text: "23:59:59", thread: "t2" })).toMatchObject({
      status: "refused",
      message: "You have used your 1 request for today; it resets at 00:00 UTC, in 1 min.",
    });
    await clock.advance(1_000);
    expect(periodIdOf("day", clock.now())).toBe("2025-03-15");
    expect(await adapter.send({ text: "midnight", thread: "t3" })).toMatchObject({ status: "accepted" });
    await bot.idle();
    expect(pipeline.calls.map((call) => call.text)).toEqual(["one", "midnight"]);
  });

  it("names the month's budget when both a day's and the month's are spent", async () => {
    const { adapter } = await startBudgetedBot(
      budgets((table) => {
        table.user.day.requests = 1;
        table.user.month.requests = 1;
      }),
    );
    await adapter.send({ text: "one", thread: "t1" });
    expect(await adapter.send({ text: "two", thread: "t2" })).toMatchObject({
      message:
        "You have used your 1 request for this month; it resets on 1 April at 00:00 UTC, in 17 days 4 h.",
    });
  });

  it("refuses the request after the one that spent the token budget (tokens are known only after)", async () => {
    const script: Script = (request) => {
      request.usage!.calls += 2;
      request.usage!.promptTokens = (request.usage!.promptTokens ?? 0) + 80;
      request.usage!.completionTokens = (request.usage!.completionTokens ?? 0) + 30;
      return answer("done");
    };
    const { adapter, bot, pipeline, ledger, clock } = await startBudgetedBot(
      budgets((table) => {
        table.user.day.llmTokens = 100;
      }),
      { script },
    );
    // Under the budget when it starts: it runs, and goes past it.
    expect(await adapter.send({ text: "one", thread: "t1" })).toMatchObject({ status: "accepted" });
    await bot.idle();
    expect(await adapter.send({ text: "two", thread: "t2" })).toMatchObject({
      status: "refused",
      message:
        "You have used your 100 LLM tokens for today (110 used); it resets at 00:00 UTC, in 3 h 12 min.",
    });
    await bot.idle();
    expect(pipeline.calls).toHaveLength(1);
    const counts = await ledger.read({
      scope: "user",
      id: "test:user-1",
      period: "day",
      periodId: periodIdOf("day", clock.now()),
    });
    expect(counts).toMatchObject({ requests: 1, promptTokens: 80, completionTokens: 30 });
  });

  it("holds a workspace's budget across its users, and only inside it", async () => {
    const { adapter, bot, pipeline } = await startBudgetedBot(
      budgets((table) => {
        table.workspace.day.requests = 3;
      }),
    );
    for (const user of ["ana", "ben", "cem"]) {
      expect(await adapter.send({ text: user, user, thread: user })).toMatchObject({ status: "accepted" });
    }
    expect(await adapter.send({ text: "dan", user: "dan", thread: "dan" })).toEqual({
      status: "refused",
      reason: "over-budget",
      message: "This workspace has used its 3 requests for today; it resets at 00:00 UTC, in 3 h 12 min.",
    });
    expect(
      await adapter.send({ text: "elsewhere", user: "dan", workspace: "workspace-2", thread: "other" }),
    ).toMatchObject({ status: "accepted" });
    await bot.idle();
    expect(pipeline.calls.map((call) => call.text)).toEqual(["ana", "ben", "cem", "elsewhere"]);
  });

  it("counts hosted model calls against the workspace's budget", async () => {
    const script: Script = (request) => {
      request.expertUsage!.hostedCalls += 3;
      request.expertUsage!.hostedMs += 1_500;
      return answer("done");
    };
    const { adapter, bot } = await startBudgetedBot(
      budgets((table) => {
        table.workspace.month.hostedCalls = 3;
      }),
      { script },
    );
    await adapter.send({ text: "one", thread: "t1" });
    await bot.idle();
    expect(await adapter.send({ text: "two", user: "user-2", thread: "t2" })).toMatchObject({
      status: "refused",
      message:
        "This workspace has used its 3 hosted model calls for this month; it resets on 1 April at 00:00 UTC, in 17 days 4 h.",
    });
  });

  it("takes a workspace's overrides: a number replaces the environment's, 0 lifts the limit", async () => {
    const overrides: BudgetOverridesReader = async ({ workspace }) => ({
      user: { daily: { requests: workspace === "generous" ? 0 : 1 }, monthly: {} },
      workspace: { daily: {}, monthly: {} },
    });
    const { adapter } = await startBudgetedBot(
      budgets((table) => {
        table.user.day.requests = 2;
      }),
      { overrides },
    );
    await adapter.send({ text: "one", workspace: "strict", thread: "s1" });
    expect(await adapter.send({ text: "two", workspace: "strict", thread: "s2" })).toMatchObject({
      status: "refused",
    });
    for (const thread of ["g1", "g2", "g3"]) {
      expect(await adapter.send({ text: thread, workspace: "generous", thread })).toMatchObject({
        status: "accepted",
      });
    }
    // A direct message has no workspace: the environment's budget (2) holds, and the user's day is
    // one counter across workspaces, with 4 requests in it already.
    expect(await adapter.send({ text: "dm", workspace: null, thread: "dm" })).toMatchObject({
      status: "refused",
    });
  });

  it("counts nothing for a request the full queue refuses", async () => {
    const { adapter, bot, ledger, clock } = await startBudgetedBot(
      budgets((table) => {
        table.user.day.requests = 5;
      }),
      {
        script: (request) => untilAborted(request.signal),
        extra: { settings: { ...defaultBotSettings(), maxConcurrent: 1, maxQueued: 0 } },
      },
    );
    const counter = {
      scope: "user",
      id: "test:user-1",
      period: "day",
      periodId: periodIdOf("day", clock.now()),
    } as const;
    expect(await adapter.send({ text: "runs", thread: "t1" })).toMatchObject({ status: "accepted" });
    expect(await adapter.send({ text: "no room", thread: "t2" })).toMatchObject({
      status: "refused",
      reason: "queue-full",
    });
    expect((await ledger.read(counter)).requests).toBe(1);
    await bot.close();
  });

  it("shows users their own usage, and admins their workspace's", async () => {
    const script: Script = (request) => {
      request.usage!.promptTokens = 1_000;
      request.usage!.completionTokens = 234;
      return answer("done");
    };
    const { adapter, bot } = await startBudgetedBot(
      budgets((table) => {
        table.user.day.requests = 20;
        table.workspace.month.llmTokens = 1_000_000;
      }),
      { script, admins: ["test:boss"] },
    );
    await adapter.send({ text: "one", thread: "t1" });
    await adapter.send({ text: "two", user: "user-2", thread: "t2" });
    await bot.idle();

    await adapter.send({ text: "usage", thread: "u1" });
    await bot.idle();
    const own = adapter.replies("u1")[0]?.text ?? "";
    expect(own).toContain("Your usage:");
    expect(own).toContain(
      "Today: 1 request of 20 · 1,234 LLM tokens (1,000 prompt, 234 completion) · 0 hosted model calls · local CPU 0.0 s · files 0 bytes in, 0 bytes out (resets at 00:00 UTC, in 3 h 12 min)",
    );
    expect(own).not.toContain("workspace's usage");

    // An admin by the platform's word, and one by SETTINGS_ADMINS.
    for (const [user, admin, thread] of [
      ["user-2", true, "u2"],
      ["boss", false, "u3"],
    ] as const) {
      await adapter.send({ text: "usage", user, admin, thread });
      await bot.idle();
      const text = adapter.replies(thread)[0]?.text ?? "";
      expect(text).toContain("This workspace's usage, all its users together:");
      expect(text).toContain("This month: 2 requests · 2,468 LLM tokens of 1,000,000");
    }
    // The command was not a request: it counted nothing.
    await adapter.send({ text: "usage", thread: "u4" });
    await bot.idle();
    expect(adapter.replies("u4")[0]?.text).toContain("Today: 1 request of 20");
  });

  it("lets requests through while its counts cannot be reached, and says so once each way", async () => {
    const { logger, lines } = captureLogger();
    const working = createStoredUsageLedger(createStorage());
    let down = true;
    const flaky: UsageLedger = {
      reserve: (counters) =>
        down ? Promise.reject(new Error("connection refused")) : working.reserve(counters),
      release: (counters) => working.release(counters),
      add: (counters, used) =>
        down ? Promise.reject(new Error("connection refused")) : working.add(counters, used),
      read: (counter) => working.read(counter),
      list: (periods) => working.list(periods),
    };
    const table = budgets((budget) => {
      budget.user.day.requests = 1;
    });
    const { adapter, bot, pipeline } = await startBot({
      extra: { usage: createUsageAccounting({ ledger: flaky, budgets: table, logger }) },
    });
    for (const thread of ["t1", "t2", "t3"]) {
      expect(await adapter.send({ text: thread, thread })).toMatchObject({ status: "accepted" });
    }
    await bot.idle();
    expect(pipeline.calls).toHaveLength(3);
    down = false;
    expect(await adapter.send({ text: "counted", thread: "t4" })).toMatchObject({ status: "accepted" });
    expect(await adapter.send({ text: "over", thread: "t5" })).toMatchObject({ status: "refused" });
    const said = lines.filter((line) => line.level !== "debug").map((line) => line.msg);
    expect(said.filter((msg) => msg.startsWith("usage counts cannot be reached"))).toHaveLength(1);
    expect(said.filter((msg) => msg === "usage counts are reachable again; budgets apply")).toHaveLength(1);
    await bot.idle();
  });
});
