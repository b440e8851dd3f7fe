/**
 * Usage accounting as the bot loop asks for it (core/usage.ts): budgets checked and the request
 * counted at admission, what it used added by its turn, and the `usage` command's text.
 *
 * Counters are per user (`platform:user`) and per workspace (`platform:server or team`), per UTC day
 * and month. The terminal and the web playground are counted but never refused: they belong to
 * whoever runs the bot, as they are outside the allowlists too.
 */
import { type Clock, systemClock } from "../core/clock.js";
import type { Platform, Request } from "../core/types.js";
import type { BudgetDecision, RequestUsage, UsageAccounting } from "../core/usage.js";
import { errorSummary } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import { applyOverrides, type BudgetTable, unlimitedBudgets } from "./limits.js";
import { periodIdOf } from "./periods.js";
import { periodLine, refusalMessage, workspaceWord } from "./report.js";
import type {
  BudgetOverridesReader,
  CheckedCounter,
  Counter,
  PeriodKind,
  Scope,
  UsageLedger,
} from "./types.js";

export interface UsageAccountingOptions {
  ledger: UsageLedger;
  /** The environment's budgets (budgetDefaultsFrom(config)). */
  budgets: BudgetTable;
  /** A workspace's overrides from its settings; without it, the environment's budgets everywhere. */
  overrides?: BudgetOverridesReader;
  /** SETTINGS_ADMINS: user ids (or `platform:id`) who see their workspace's usage besides the platform's admins. */
  admins?: readonly string[];
  clock?: Clock;
  logger?: Logger;
}

/** The platforms whose requests are counted but never refused. */
const UNLIMITED_PLATFORMS: ReadonlySet<Platform> = new Set(["console", "web"]);

/**
 * The order counters are checked in: months first, so that a request refused by both a day's and a
 * month's budget names the month's (waiting for tomorrow would not help).
 */
const ORDER: ReadonlyArray<readonly [Scope, PeriodKind]> = [
  ["user", "month"],
  ["workspace", "month"],
  ["user", "day"],
  ["workspace", "day"],
];

/** The counter ids of a request's user and workspace (none for a direct message outside any). */
export function subjectOf(
  request: Pick<Request, "platform" | "author" | "workspace">,
): Record<Scope, string | undefined> {
  return {
    user: `${request.platform}:${request.author.id}`,
    workspace: request.workspace ? `${request.platform}:${request.workspace}` : undefined,
  };
}

/** The counters a request counts in at a time, in ORDER. */
export function countersOf(
  request: Pick<Request, "platform" | "author" | "workspace">,
  at: number,
): Counter[] {
  const subject = subjectOf(request);
  return ORDER.flatMap(([scope, period]) => {
    const id = subject[scope];
    return id === undefined ? [] : [{ scope, id, period, periodId: periodIdOf(period, at) }];
  });
}

export function createUsageAccounting(options: UsageAccountingOptions): UsageAccounting & {
  /** The budgets in force for a request (the environment's with its workspace's overrides). */
  budgetsFor(request: Request): Promise<BudgetTable>;
} {
  const { ledger } = options;
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const admins = options.admins ?? [];
  /**
   * Whether the ledger failed last time. An outage is logged once when it starts (info: the storage
   * or the queue reports the fault itself as a warning) and once when it ends, not per request.
   */
  let unreachable = false;
  function ledgerFailed(what: string, error: unknown): void {
    if (unreachable) {
      logger.debug(what, { error: errorSummary(error) });
      return;
    }
    unreachable = true;
    logger.info(
      "usage counts cannot be reached; requests are let through without their budgets, and what they use is not counted, until they are back",
      { error: errorSummary(error) },
    );
  }
  function ledgerAnswered(): void {
    if (!unreachable) return;
    unreachable = false;
    logger.info("usage counts are reachable again; budgets apply");
  }

  async function budgetsFor(request: Request): Promise<BudgetTable> {
    if (UNLIMITED_PLATFORMS.has(request.platform)) return unlimitedBudgets();
    if (!request.workspace || !options.overrides) return options.budgets;
    try {
      return applyOverrides(
        options.budgets,
        await options.overrides({ platform: request.platform, workspace: request.workspace }),
      );
    } catch (error) {
      logger.warn("the workspace's budget settings could not be read; the environment's budgets apply", {
        workspace: request.workspace,
        error: errorSummary(error),
      });
      return options.budgets;
    }
  }

  async function isAdmin(request: Request): Promise<boolean> {
    const { id } = request.author;
    if (admins.includes(id) || admins.includes(`${request.platform}:${id}`)) return true;
    try {
      return (await request.author.isWorkspaceAdmin?.()) ?? false;
    } catch (error) {
      logger.warn("could not tell whether the user is an admin; answered as a member", {
        error: errorSummary(error),
      });
      return false;
    }
  }

  return {
    budgetsFor,

    async reserve(request): Promise<BudgetDecision> {
      const at = clock.now();
      const budgets = await budgetsFor(request);
      const counters: CheckedCounter[] = countersOf(request, at).map((counter) => ({
        ...counter,
        limits: budgets[counter.scope][counter.period],
      }));
      let reservation: Awaited<ReturnType<UsageLedger["reserve"]>>;
      try {
        reservation = await ledger.reserve(counters);
        ledgerAnswered();
      } catch (error) {
        // As the rate limit does: a bot whose counts are unreachable keeps answering, and says so in its log.
        ledgerFailed("a request let through uncounted", error);
        return { allowed: true, release: async () => undefined };
      }
      if (!reservation.allowed) {
        const { exceeded } = reservation;
        logger.info("refused: over budget", {
          scope: exceeded.counter.scope,
          period: exceeded.counter.period,
          kind: exceeded.kind,
          limit: exceeded.limit,
          used: exceeded.used,
        });
        return { allowed: false, message: refusalMessage(exceeded, request.platform, at) };
      }
      const reserved = reservation.counters;
      return {
        allowed: true,
        async release() {
          await ledger
            .release(reserved)
            .catch((error: unknown) =>
              logger.warn("a reserved request could not be given back", { error: errorSummary(error) }),
            );
        },
      };
    },

    async record(request, used: RequestUsage) {
      try {
        await ledger.add(countersOf(request, clock.now()), used);
        ledgerAnswered();
      } catch (error) {
        ledgerFailed("what a request used was not counted", error);
      }
    },

    async describe(request) {
      const at = clock.now();
      const budgets = await budgetsFor(request);
      const counters = countersOf(request, at);
      const admin = request.workspace !== undefined && (await isAdmin(request));
      const section = async (scope: Scope, title: string): Promise<string[]> => {
        const lines = [title];
        for (const period of ["day", "month"] as const) {
          const counter = counters.find((item) => item.scope === scope && item.period === period);
          if (!counter) continue;
          lines.push(`  ${periodLine(period, await ledger.read(counter), budgets[scope][period], at)}`);
        }
        return lines;
      };
      const lines = await section("user", "Your usage:");
      if (UNLIMITED_PLATFORMS.has(request.platform)) {
        lines.push("No budgets apply here: this bot is run by you.");
      }
      if (admin) {
        lines.push(
          "",
          ...(await section(
            "workspace",
            `This ${workspaceWord(request.platform)}'s usage, all its users together:`,
          )),
        );
      }
      return lines.join("\n");
    },
  };
}
