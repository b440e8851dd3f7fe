/**
 * The settings store: what admins set for a workspace and for a channel, kept in the bot's storage
 * (the SQLite file, or Redis that every process of the bot shares), layered over the environment,
 * and each change audited.
 *
 * - Layers: a channel's setting wins over its workspace's, which wins over the environment's
 *   (the variables the bot was started with). Budgets are set for the whole workspace only.
 * - Storage: one entry per setting and scope (`settings` namespace, kept until removed), so that two
 *   admins changing two settings at once, through two processes, never undo each other.
 * - Audit: one entry per change (`settings-audit` namespace, kept a year): who, when, which setting
 *   of which scope, the value before and after.
 * - Reading: every request reads its workspace's stamp (one key, rewritten by every change there),
 *   and the settings themselves only when the stamp differs from the one this process read them
 *   under: a change made through any process sharing the storage applies to the next request in
 *   every process, at the cost of one read per request.
 */
import { randomBytes } from "node:crypto";
import type Keyv from "keyv";
import { z } from "zod";
import { errorSummary } from "../errors.js";
import { type Logger, silentLogger } from "../log.js";
import type { Storage } from "../storage/index.js";
import { type BudgetOverrides, budgetOverridesOf } from "./budgets.js";
import {
  BUDGET_SETTING_NAMES,
  type BudgetSettingName,
  CHANNEL_SETTING_NAMES,
  type ChannelSettingName,
  type ChannelSettings,
  DEFAULT_WORD,
  formatSetting,
  type SettingName,
  type SettingScope,
  type SettingsCapabilities,
  type SettingValue,
  settingSpec,
} from "./fields.js";

/** Where a request was made, as far as settings go. */
export interface SettingsPlace {
  platform: string;
  /** A Discord server, a Slack workspace; undefined outside one (Discord DMs, the terminal). */
  workspace?: string;
  channel: string;
}

/** A workspace (of a platform): what budgets and the audit are kept for. */
export type WorkspaceRef = Pick<SettingsPlace, "platform" | "workspace">;

/** Who made a change. */
export interface SettingsActor {
  id: string;
  name?: string;
}

/** Where a setting's value comes from. */
export type SettingOrigin = "channel" | "workspace" | "environment";

/** The settings that apply in a channel, and where each comes from. */
export interface EffectiveSettings {
  values: ChannelSettings;
  from: Record<ChannelSettingName, SettingOrigin>;
}

/** Everything about a channel's settings, for showing and changing them. */
export interface SettingsSnapshot extends EffectiveSettings {
  environment: ChannelSettings;
  /** What is set for the whole workspace, budgets included. */
  workspace: Partial<Record<SettingName, SettingValue>>;
  /** What is set for this channel. */
  channel: Partial<Record<ChannelSettingName, SettingValue>>;
}

/** One change, as the audit keeps it. */
export interface SettingsAuditEntry {
  /** When, in milliseconds since the epoch. */
  at: number;
  by: SettingsActor;
  scope: SettingScope;
  /** The channel, for a channel's setting. */
  channel?: string;
  setting: SettingName;
  /** The value before, as people read it; undefined: it was not set in this scope. */
  from?: string;
  /** The value after; undefined: removed from this scope (the next one down applies). */
  to?: string;
}

/**
 * Changes as people type them, by setting: a value, or DEFAULT_WORD ("default") to remove the
 * setting from the scope.
 */
export type SettingsChanges = Partial<Record<SettingName, string>>;

export type SettingsChangeOutcome =
  /** Applied; `changed` lists what differed from before (nothing, if every value was the same). */
  | { ok: true; changed: SettingsAuditEntry[] }
  /** Nothing applied: why each refused value was refused. */
  | { ok: false; errors: Partial<Record<SettingName, string>> };

export interface WorkspaceSettingsStore {
  /** The settings of a channel's requests: read afresh whenever any process changed the workspace's. */
  forChannel(place: SettingsPlace): Promise<EffectiveSettings>;
  /** The channel's settings with what each scope sets, read afresh. */
  snapshot(place: SettingsPlace): Promise<SettingsSnapshot>;
  /** Checks every change, then applies them all and audits each, or applies none. */
  change(
    place: SettingsPlace,
    scope: SettingScope,
    changes: SettingsChanges,
    by: SettingsActor,
  ): Promise<SettingsChangeOutcome>;
  /** The last `limit` changes in a workspace and its channels, newest first. */
  audit(workspace: WorkspaceRef, limit?: number): Promise<SettingsAuditEntry[]>;
  /** A workspace's budget numbers over the environment's (read as `forChannel` reads); see `BudgetOverrides`. */
  budgetOverrides(workspace: WorkspaceRef): Promise<BudgetOverrides>;
  /** What this deployment can serve. */
  capabilities(): Promise<SettingsCapabilities>;
  /** The environment's settings: what applies where nothing is set. */
  readonly environment: ChannelSettings;
}

export interface WorkspaceSettingsOptions {
  storage: Pick<Storage, "namespace" | "keys">;
  /** The settings the environment gives (`environmentSettingsFrom(config)`). */
  environment: ChannelSettings;
  /** What this deployment can serve, or how to find out (asked once). */
  capabilities: SettingsCapabilities | (() => Promise<SettingsCapabilities>);
  /** How long an audit entry is kept (default a year). */
  auditTtlMs?: number;
  now?: () => number;
  logger?: Logger;
}

/** The most scopes whose settings a process keeps (each a few hundred bytes). */
const CACHE_MAX = 10_000;
const YEAR_MS = 365 * 24 * 3_600_000;
/** The most audit entries one read returns. */
export const AUDIT_MAX = 100;

const actorSchema = z.object({ id: z.string(), name: z.string().optional() });

/** A setting as stored: its value, who set it and when. */
const storedSchema = z.object({ value: z.unknown(), by: actorSchema, at: z.number() });
type Stored = z.infer<typeof storedSchema>;

const auditSchema = z.object({
  at: z.number(),
  by: actorSchema,
  scope: z.enum(["channel", "workspace"]),
  channel: z.string().optional(),
  setting: z.custom<SettingName>((name) => typeof name === "string" && settingSpec(name) !== undefined),
  from: z.string().optional(),
  to: z.string().optional(),
});

type ScopeValues = Partial<Record<SettingName, SettingValue>>;

/** A workspace's part of every key: the platform and its id (ids are encoded: `/` separates parts). */
function workspaceKey(place: WorkspaceRef): string {
  return `${encodeURIComponent(place.platform)}/${encodeURIComponent(place.workspace ?? "")}`;
}

/** The key of a workspace's stamp: any change in the workspace or its channels rewrites it. */
function stampKey(place: WorkspaceRef): string {
  return `${workspaceKey(place)}/~stamp`;
}

function scopeKey(place: SettingsPlace, scope: SettingScope): string {
  return scope === "workspace"
    ? `${workspaceKey(place)}/*`
    : `${workspaceKey(place)}/#${encodeURIComponent(place.channel)}`;
}

const NAMES_OF: Record<SettingScope, readonly SettingName[]> = {
  channel: CHANNEL_SETTING_NAMES,
  workspace: [...CHANNEL_SETTING_NAMES, ...BUDGET_SETTING_NAMES],
};

const same = (a: SettingValue | undefined, b: SettingValue | undefined) =>
  JSON.stringify(a) === JSON.stringify(b);

/**
 * The settings store over the bot's storage.
 *
 * @example
 * const settings = createWorkspaceSettings({ storage, environment: environmentSettingsFrom(config), capabilities });
 * await settings.change({ platform: "slack", workspace: "T1", channel: "C1" }, "channel", { language: "de" }, { id: "U1" });
 * (await settings.forChannel({ platform: "slack", workspace: "T1", channel: "C1" })).values.language // "de"
 */
export function createWorkspaceSettings(options: WorkspaceSettingsOptions): WorkspaceSettingsStore {
  const values: Keyv<Stored> = options.storage.namespace<Stored>("settings", 0);
  const auditTtlMs = options.auditTtlMs ?? YEAR_MS;
  const audits: Keyv<SettingsAuditEntry> = options.storage.namespace<SettingsAuditEntry>(
    "settings-audit",
    auditTtlMs,
  );
  const now = options.now ?? Date.now;
  const logger = options.logger ?? silentLogger;
  const environment = options.environment;
  /** What this process read of each scope, and the workspace's stamp it read it under. */
  const cache = new Map<string, { stamp: string | undefined; values: Promise<ScopeValues> }>();
  let capabilities: Promise<SettingsCapabilities> | undefined;

  function capabilitiesOnce(): Promise<SettingsCapabilities> {
    const given = options.capabilities;
    capabilities ??= typeof given === "function" ? given() : Promise.resolve(given);
    return capabilities;
  }

  /** One scope's settings, each checked against its schema: a value that does not fit is ignored. */
  async function readScope(key: string, names: readonly SettingName[]): Promise<ScopeValues> {
    const read = await Promise.all(
      names.map(async (name) => [name, await values.get(`${key}/${name}`)] as const),
    );
    const found: ScopeValues = {};
    for (const [name, raw] of read) {
      if (raw === undefined || raw === null) continue;
      const stored = storedSchema.safeParse(raw);
      const value = stored.success ? settingSpec(name)?.schema.safeParse(stored.data.value) : undefined;
      if (value?.success) found[name] = value.data;
      else logger.warn("a stored setting does not fit its schema; ignored", { key: `${key}/${name}` });
    }
    return found;
  }

  /** The workspace's stamp as it is now; undefined while nothing was ever set there. */
  async function currentStamp(place: WorkspaceRef): Promise<string | undefined> {
    const stored = await values.get(stampKey(place));
    const parsed = storedSchema.safeParse(stored);
    return parsed.success && typeof parsed.data.value === "string" ? parsed.data.value : undefined;
  }

  /** A scope's settings as read under `stamp`: again from storage only when the stamp moved. */
  function cachedScope(
    key: string,
    names: readonly SettingName[],
    stamp: string | undefined,
  ): Promise<ScopeValues> {
    const hit = cache.get(key);
    if (hit && hit.stamp === stamp) return hit.values;
    const read = readScope(key, names);
    cache.delete(key);
    cache.set(key, { stamp, values: read });
    // A failed read is not kept: the next request asks again.
    read.catch(() => {
      if (cache.get(key)?.values === read) cache.delete(key);
    });
    if (cache.size > CACHE_MAX) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    return read;
  }

  function effective(workspace: ScopeValues, channel: ScopeValues): EffectiveSettings {
    const result = { ...environment } as Record<ChannelSettingName, SettingValue>;
    const from = {} as Record<ChannelSettingName, SettingOrigin>;
    for (const name of CHANNEL_SETTING_NAMES) {
      const own = channel[name];
      const shared = workspace[name];
      if (own !== undefined) {
        result[name] = own;
        from[name] = "channel";
      } else if (shared !== undefined) {
        result[name] = shared;
        from[name] = "workspace";
      } else {
        from[name] = "environment";
      }
    }
    return { values: result as unknown as ChannelSettings, from };
  }

  /** Both scopes of a place: from this process's cache when the stamp allows, or afresh. */
  async function scopes(place: SettingsPlace, fresh: boolean) {
    const stamp = fresh ? undefined : await currentStamp(place);
    const read = (key: string, names: readonly SettingName[]) =>
      fresh ? readScope(key, names) : cachedScope(key, names, stamp);
    const [workspace, channel] = await Promise.all([
      read(scopeKey(place, "workspace"), NAMES_OF.workspace),
      read(scopeKey(place, "channel"), NAMES_OF.channel),
    ]);
    return { workspace, channel };
  }

  return {
    environment,
    capabilities: capabilitiesOnce,

    async forChannel(place) {
      const { workspace, channel } = await scopes(place, false);
      return effective(workspace, channel);
    },

    async snapshot(place) {
      const { workspace, channel } = await scopes(place, true);
      return {
        ...effective(workspace, channel),
        environment,
        workspace,
        channel: channel as Partial<Record<ChannelSettingName, SettingValue>>,
      };
    },

    async change(place, scope, changes, by) {
      const context = { capabilities: await capabilitiesOnce(), environment };
      const errors: Partial<Record<SettingName, string>> = {};
      const wanted = new Map<SettingName, SettingValue | undefined>();
      for (const [name, text] of Object.entries(changes) as Array<[SettingName, string | undefined]>) {
        if (text === undefined) continue;
        const spec = settingSpec(name);
        if (!spec) {
          errors[name] = "is no setting";
          continue;
        }
        if (!spec.scopes.includes(scope)) {
          errors[name] = `is set for the whole workspace only (scope: ${spec.scopes.join(" or ")})`;
          continue;
        }
        if (text.trim().toLowerCase() === DEFAULT_WORD || text.trim() === "") {
          wanted.set(name, undefined);
          continue;
        }
        const parsed = spec.parse(text, context);
        if (parsed.ok) wanted.set(name, parsed.value);
        else errors[name] = parsed.error;
      }
      if (Object.keys(errors).length > 0) return { ok: false, errors };

      const key = scopeKey(place, scope);
      const current = await readScope(key, NAMES_OF[scope]);
      const at = now();
      const changed: SettingsAuditEntry[] = [];
      for (const [name, value] of wanted) {
        const before = current[name];
        if (same(before, value)) continue;
        changed.push({
          at,
          by: { id: by.id, ...(by.name ? { name: by.name } : {}) },
          scope,
          ...(scope === "channel" ? { channel: place.channel } : {}),
          setting: name,
          ...(before !== undefined ? { from: formatSetting(name, before) } : {}),
          ...(value !== undefined ? { to: formatSetting(name, value) } : {}),
        });
      }
      const auditPrefix = `${workspaceKey(place)}/${String(at).padStart(15, "0")}`;
      await Promise.all(
        changed.map(async (entry, index) => {
          const value = wanted.get(entry.setting);
          const field = `${key}/${entry.setting}`;
          if (value === undefined) await values.delete(field);
          else await values.set(field, { value, by: entry.by, at });
          await audits.set(
            `${auditPrefix}-${String(index).padStart(2, "0")}-${randomBytes(4).toString("hex")}`,
            entry,
          );
        }),
      );
      // Written after the values: a process that reads the new stamp reads the new values.
      if (changed.length > 0) {
        await values.set(stampKey(place), {
          value: `${at}-${randomBytes(6).toString("hex")}`,
          by: changed[0]!.by,
          at,
        });
      }
      if (changed.length > 0) {
        logger.info("settings changed", {
          platform: place.platform,
          workspace: place.workspace,
          ...(scope === "channel" ? { channel: place.channel } : {}),
          by: by.id,
          settings: changed.map((entry) => entry.setting),
        });
      }
      return { ok: true, changed };
    },

    async audit(workspace, limit = 20) {
      const prefix = `${workspaceKey(workspace)}/`;
      const keys = (await options.storage.keys("settings-audit"))
        .filter((key) => key.startsWith(prefix))
        .sort()
        .reverse();
      const wanted = Math.max(0, Math.min(limit, AUDIT_MAX));
      const entries: SettingsAuditEntry[] = [];
      // Keys of entries that expired may still be listed (a get tells): read a few more than asked.
      for (let start = 0; start < keys.length && entries.length < wanted; start += wanted) {
        const batch = await Promise.all(keys.slice(start, start + wanted).map((key) => audits.get(key)));
        for (const raw of batch) {
          const parsed = auditSchema.safeParse(raw);
          if (parsed.success && entries.length < wanted) entries.push(parsed.data);
        }
      }
      return entries;
    },

    async budgetOverrides(workspace) {
      try {
        const read = await cachedScope(
          scopeKey({ ...workspace, channel: "" }, "workspace"),
          NAMES_OF.workspace,
          await currentStamp(workspace),
        );
        const numbers: Partial<Record<BudgetSettingName, number>> = {};
        for (const name of BUDGET_SETTING_NAMES) {
          const value = read[name];
          if (typeof value === "number") numbers[name] = value;
        }
        return budgetOverridesOf(numbers);
      } catch (error) {
        // Storage fails open to the environment's numbers, as the settings of a request do.
        logger.warn("budget overrides could not be read; the environment's apply", {
          error: errorSummary(error),
        });
        return budgetOverridesOf({});
      }
    },
  };
}
