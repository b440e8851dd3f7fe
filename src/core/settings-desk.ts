/**
 * The bot's side of `/settings`: who may change the settings of a workspace or channel, what the
 * settings are where a request was made, changing them, their history, and the words that say so.
 * The command (commands/settings.ts) and the adapters that draw a form (Slack's modal) come through
 * here; the settings themselves live in src/workspace-settings.
 */
import { errorSummary } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import type { RequestSettings } from "../pipeline/index.js";
import {
  BUDGET_SETTING_NAMES,
  CHANNEL_SETTING_NAMES,
  type ChannelSettings,
  type EffectiveSettings,
  formatSetting,
  type SettingName,
  type SettingScope,
  type SettingsAuditEntry,
  type SettingsChangeOutcome,
  type SettingsChanges,
  type SettingsPlace,
  type SettingsSnapshot,
  settingSpec,
  type WorkspaceSettingsStore,
} from "../workspace-settings/index.js";
import type { Request } from "./types.js";

// What commands and adapters need of the settings' vocabulary, named from core as the rules ask.
export {
  BUDGET_SETTING_NAMES,
  CHANNEL_SETTING_NAMES,
  type ChannelSettings,
  DEFAULT_WORD,
  formatSetting,
  SETTING_SPECS,
  type SettingName,
  type SettingScope,
  type SettingSpec,
  type SettingsAuditEntry,
  type SettingsChangeOutcome,
  type SettingsChanges,
  type SettingsSnapshot,
  type SettingValue,
  settingSpec,
} from "../workspace-settings/index.js";

/** Whether a person may use `/settings` where they asked, and if not, what they are told. */
export type SettingsAuthorization = { allowed: true } | { allowed: false; message: string };

/** `/settings` as the bot offers it to commands and adapters. */
export interface SettingsDesk {
  /**
   * Admins only: the terminal's user (whoever runs the bot), the people in SETTINGS_ADMINS, and
   * whom the platform calls an admin of the workspace (`Author.isWorkspaceAdmin`).
   */
  authorize(request: Request): Promise<SettingsAuthorization>;
  /** The settings where the request was made, and what each scope sets. */
  snapshot(request: Request): Promise<SettingsSnapshot>;
  /** Checks the changes (all or none apply), stores and audits them. Authorize first. */
  change(request: Request, scope: SettingScope, changes: SettingsChanges): Promise<SettingsChangeOutcome>;
  /** The last changes in the request's workspace and its channels, newest first. */
  history(request: Request, limit?: number): Promise<SettingsAuditEntry[]>;
  /** Why a scope cannot be set where the request was made (the workspace of a direct message). */
  scopeProblem(request: Request, scope: SettingScope): string | undefined;
}

export interface SettingsDeskOptions {
  store: WorkspaceSettingsStore;
  /** SETTINGS_ADMINS: user ids, or `platform:id`. */
  admins: readonly string[];
  logger?: Logger;
}

/** Where a request was made, as the settings store keys it. */
export function settingsPlaceOf(request: Pick<Request, "platform" | "workspace" | "channel">): SettingsPlace {
  return {
    platform: request.platform,
    ...(request.workspace !== undefined ? { workspace: request.workspace } : {}),
    channel: request.channel,
  };
}

const PLATFORM_ADMINS: Partial<Record<Request["platform"], string>> = {
  discord: "members with the Manage Server permission",
  slack: "workspace admins and owners",
};

export function createSettingsDesk(options: SettingsDeskOptions): SettingsDesk {
  const { store } = options;
  const logger = options.logger ?? silentLogger;
  const listed = (request: Request) =>
    options.admins.includes(request.author.id) ||
    options.admins.includes(`${request.platform}:${request.author.id}`);

  async function platformSaysAdmin(request: Request): Promise<boolean> {
    if (!request.author.isWorkspaceAdmin || request.workspace === undefined) return false;
    try {
      return await request.author.isWorkspaceAdmin();
    } catch (error) {
      // Not known is not an admin: the refusal says who may, and the log why it was not known.
      logger.warn("could not ask the platform whether a user is an admin", {
        platform: request.platform,
        user: request.author.id,
        error: errorSummary(error),
      });
      return false;
    }
  }

  return {
    async authorize(request) {
      // The terminal belongs to whoever runs the bot.
      if (request.platform === "console" || listed(request) || (await platformSaysAdmin(request))) {
        return { allowed: true };
      }
      const who = PLATFORM_ADMINS[request.platform];
      return {
        allowed: false,
        message: `Only ${who ? `${who} and ` : ""}the people the operator named in SETTINGS_ADMINS can see and change my settings${request.workspace === undefined && who ? " (and a direct message belongs to no workspace)" : ""}.`,
      };
    },
    snapshot: (request) => store.snapshot(settingsPlaceOf(request)),
    async change(request, scope, changes) {
      const by = { id: request.author.id, ...(request.author.name ? { name: request.author.name } : {}) };
      return store.change(settingsPlaceOf(request), scope, changes, by);
    },
    history: (request, limit) => store.audit(settingsPlaceOf(request), limit),
    scopeProblem(request, scope) {
      if (scope === "workspace" && request.workspace === undefined && request.platform !== "console") {
        return "This conversation belongs to no server or workspace: only its own (channel) settings can be set here.";
      }
      return undefined;
    },
  };
}

/** What one request takes from the settings in force: the pipeline's part of them. */
export function requestSettingsOf(values: ChannelSettings): RequestSettings {
  return {
    mode: values.mode,
    selection: values.selection,
    safetyCheck: values.safety,
    ...(values.tasks !== "all" ? { allowedTasks: values.tasks } : {}),
    ...(values.language !== "auto" ? { language: values.language } : {}),
  };
}

/** The settings of a request's channel, or the environment's when they cannot be read (logged). */
export async function settingsInForce(
  store: Pick<WorkspaceSettingsStore, "forChannel" | "environment">,
  request: Pick<Request, "platform" | "workspace" | "channel">,
  logger: Logger,
): Promise<EffectiveSettings["values"]> {
  try {
    return (await store.forChannel(settingsPlaceOf(request))).values;
  } catch (error) {
    // Storage failing must not stop the bot: the environment's settings are its own defaults.
    logger.warn("the channel's settings could not be read; the environment's apply", {
      error: errorSummary(error),
    });
    return store.environment;
  }
}

const ORIGIN_WORDS = {
  channel: "set for this channel",
  workspace: "set for the workspace",
  environment: "default",
} as const;

/**
 * The settings in force where the request was made, one line each with where it comes from, and
 * the budgets the workspace sets (as a chat message).
 */
export function describeSettings(snapshot: SettingsSnapshot): string {
  const lines = ["Settings here (this channel's over the workspace's over the bot's defaults):"];
  for (const name of CHANNEL_SETTING_NAMES) {
    const spec = settingSpec(name);
    lines.push(
      `• ${spec?.title ?? name}: ${formatSetting(name, snapshot.values[name])} (${ORIGIN_WORDS[snapshot.from[name]]})`,
    );
  }
  const budgets = BUDGET_SETTING_NAMES.flatMap((name) => {
    const value = snapshot.workspace[name];
    return value === undefined ? [] : [`${settingSpec(name)?.title ?? name}: ${formatSetting(name, value)}`];
  });
  lines.push(
    budgets.length > 0
      ? `• Budgets set for the workspace: ${budgets.join("; ")} (the others: the bot's defaults)`
      : "• Budgets: the bot's defaults",
  );
  lines.push(
    "Change them with `settings name=value` (e.g. `settings language=de memory=off`), for the whole workspace with `settings workspace name=value`; the value `default` removes a setting. `settings history` shows who changed what.",
  );
  return lines.join("\n");
}

function who(entry: SettingsAuditEntry): string {
  return entry.by.name ? `${entry.by.name} (${entry.by.id})` : entry.by.id;
}

/** One change as people read it: "Answer language: German (de) → French (fr)". */
export function describeAuditChange(entry: Pick<SettingsAuditEntry, "setting" | "from" | "to">): string {
  const title = settingSpec(entry.setting)?.title ?? entry.setting;
  return `${title}: ${entry.from ?? "default"} → ${entry.to ?? "default"}`;
}

/** The history of the settings, newest first: when, who, where, what from and to. */
export function describeHistory(entries: readonly SettingsAuditEntry[]): string {
  if (entries.length === 0) return "No settings have been changed here yet.";
  const lines = ["Changes to the settings, newest first:"];
  for (const entry of entries) {
    const when = new Date(entry.at).toISOString().replace("T", " ").slice(0, 16);
    const where = entry.scope === "workspace" ? "workspace" : `channel ${entry.channel ?? ""}`.trim();
    lines.push(`• ${when} UTC, ${who(entry)}, ${where}: ${describeAuditChange(entry)}`);
  }
  return lines.join("\n");
}

/** What a change did, or why nothing was changed. */
export function describeOutcome(outcome: SettingsChangeOutcome, scope: SettingScope): string {
  if (!outcome.ok) {
    const reasons = Object.entries(outcome.errors).map(
      ([name, error]) => `• ${settingSpec(name)?.title ?? name} (${name}) ${error}`,
    );
    return `Nothing was changed:\n${reasons.join("\n")}`;
  }
  if (outcome.changed.length === 0) return "Nothing was changed: the settings were already so.";
  const where = scope === "workspace" ? "for the whole workspace" : "for this channel";
  return `Changed ${where}, from the next request on:\n${outcome.changed.map((entry) => `• ${describeAuditChange(entry)}`).join("\n")}`;
}

/** The names of the settings one scope takes. */
export function settingNamesOf(scope: SettingScope): readonly SettingName[] {
  return scope === "workspace" ? [...CHANNEL_SETTING_NAMES, ...BUDGET_SETTING_NAMES] : CHANNEL_SETTING_NAMES;
}
