/**
 * The workspaces the bot is installed in, kept in the bot's storage (a keyv namespace: the SQLite
 * file, or Redis shared by every process) as Bolt's `InstallationStore` wants them.
 *
 * One record per installation, under `team:<id>` (a workspace) or `enterprise:<id>` (an Enterprise
 * Grid organization installed as a whole). A record has two parts: what may be shown (workspace name
 * and id, bot user, scopes, when it was installed), in clear so that `doctor` can list installations
 * without touching a token; and the installation itself, tokens included (bot, user, refresh), sealed
 * with AES-256-GCM under SLACK_INSTALLATION_KEY and bound to the record's name (see seal.ts).
 *
 * A record the key does not open fails with an error that says so, never with a garbage token.
 */
import type { Installation, InstallationQuery, InstallationStore } from "@slack/bolt";
import type Keyv from "keyv";
import { z } from "zod";
import { BotError } from "../../src/errors.js";
import { seal, UnsealError, unseal } from "./seal.js";

/** Where an installation came from: Slack's install flow, or SLACK_BOT_TOKEN adopted at start. */
export type SlackInstallationSource = "oauth" | "SLACK_BOT_TOKEN";

const StoredInstallationSchema = z.object({
  version: z.literal(1),
  teamId: z.string().optional(),
  teamName: z.string().optional(),
  enterpriseId: z.string().optional(),
  enterpriseName: z.string().optional(),
  isEnterpriseInstall: z.boolean(),
  appId: z.string().optional(),
  botUserId: z.string().optional(),
  botId: z.string().optional(),
  scopes: z.array(z.string()),
  /** The person who installed it. */
  installerUserId: z.string().optional(),
  hasUserToken: z.boolean(),
  /** When the bot token expires (epoch seconds), with token rotation on. */
  botTokenExpiresAt: z.number().optional(),
  installedAt: z.number(),
  updatedAt: z.number(),
  source: z.enum(["oauth", "SLACK_BOT_TOKEN"]),
  /** The whole installation, tokens included, as JSON sealed under the key. */
  sealed: z.string(),
});
/** A record as it is stored: the clear part and the sealed installation. */
export type StoredSlackInstallation = z.infer<typeof StoredInstallationSchema>;

const IdName = z.object({ id: z.string(), name: z.string().nullish() });
/** Bolt's Installation as it comes back out of the seal (fields the bot does not read pass through). */
const SealedInstallationSchema = z.looseObject({
  team: IdName.nullish(),
  enterprise: IdName.nullish(),
  user: z.looseObject({
    id: z.string(),
    token: z.string().nullish(),
    refreshToken: z.string().nullish(),
    expiresAt: z.number().nullish(),
    scopes: z.array(z.string()).nullish(),
  }),
  bot: z
    .looseObject({
      token: z.string(),
      refreshToken: z.string().nullish(),
      expiresAt: z.number().nullish(),
      scopes: z.array(z.string()),
      id: z.string(),
      userId: z.string(),
    })
    .nullish(),
  appId: z.string().nullish(),
  isEnterpriseInstall: z.boolean().nullish(),
  authVersion: z.enum(["v1", "v2"]).nullish(),
});

/** A workspace the bot answers in: its team id, and its organization's id on Enterprise Grid. */
export interface SlackWorkspace {
  teamId?: string | undefined;
  enterpriseId?: string | undefined;
}

/** Which installation an installation query means, as Bolt asks (events carry `isEnterpriseInstall`). */
export interface SlackInstallationQuery extends SlackWorkspace {
  isEnterpriseInstall?: boolean | undefined;
}

/** An installation as `doctor` and the logs show it: never a token. */
export interface SlackInstallationSummary {
  /** The record's name: `team:T…` or `enterprise:E…`. */
  key: string;
  teamId?: string;
  teamName?: string;
  enterpriseId?: string;
  enterpriseName?: string;
  isEnterpriseInstall: boolean;
  botUserId?: string;
  scopes: string[];
  installedAt: number;
  updatedAt: number;
  source: SlackInstallationSource;
  hasUserToken: boolean;
  tokenRotation: boolean;
  /** Set when the record cannot be used: stored under another key, or not a record this bot reads. */
  problem?: string;
}

/** What `revokeTokens` did with a `tokens_revoked` event. */
export type RevocationOutcome = "deleted" | "user_token_removed" | "unchanged";

/** Bolt's InstallationStore over the bot's storage, and what the rest of the adapter needs of it. */
export interface SlackInstallationStore extends InstallationStore {
  storeInstallation<AuthVersion extends "v1" | "v2">(
    installation: Installation<AuthVersion, boolean>,
  ): Promise<void>;
  /** The installation a query means; throws a BotError when there is none or the key does not open it. */
  fetchInstallation(query: InstallationQuery<boolean>): Promise<Installation<"v1" | "v2", boolean>>;
  deleteInstallation(query: InstallationQuery<boolean>): Promise<void>;
  /**
   * Stores an installation made from SLACK_BOT_TOKEN unless its workspace already has one (the install
   * flow's is newer and wins). Resolves with whether it stored it.
   */
  adopt(installation: Installation<"v2", false>): Promise<boolean>;
  /** The query of the installation that serves a workspace: its own, else its organization's. */
  locate(workspace: SlackWorkspace): Promise<InstallationQuery<boolean> | undefined>;
  /**
   * Applies a `tokens_revoked` event: a revoked bot token deletes the installation (the bot can do
   * nothing without it); a revoked user token is dropped from it.
   */
  revokeTokens(
    query: SlackInstallationQuery,
    revoked: { botUserIds: readonly string[]; userIds: readonly string[] },
  ): Promise<RevocationOutcome>;
  /** Every installation, by its clear part (each checked against the key), sorted by workspace name. */
  list(): Promise<SlackInstallationSummary[]>;
}

export interface SlackInstallationStoreOptions {
  /** The `slack-installations` namespace of the bot's storage, without expiry. */
  kv: Keyv<unknown>;
  /** The names of the namespace's records (the storage's `keys("slack-installations")`). */
  keys: () => Promise<string[]>;
  /** SLACK_INSTALLATION_KEY: 32 bytes. */
  key: Uint8Array;
  /** The clock for `installedAt` / `updatedAt` (tests). */
  now?: () => number;
}

/** The record name of a query, or undefined when it names neither a workspace nor an organization. */
export function installationKey(query: SlackInstallationQuery): string | undefined {
  if (query.isEnterpriseInstall && query.enterpriseId) return `enterprise:${query.enterpriseId}`;
  if (query.teamId) return `team:${query.teamId}`;
  return undefined;
}

function keyOfInstallation(installation: Installation): string {
  const key = installationKey({
    teamId: installation.team?.id,
    enterpriseId: installation.enterprise?.id,
    isEnterpriseInstall: installation.isEnterpriseInstall === true,
  });
  if (!key) throw new BotError("internal", "a Slack installation without a workspace or organization id");
  return key;
}

/** The words for a record: "Acme (T123)", "the organization E1". */
function describeRecord(key: string, record?: StoredSlackInstallation): string {
  if (record?.isEnterpriseInstall)
    return `the organization ${record.enterpriseName ? `${record.enterpriseName} (${record.enterpriseId})` : key}`;
  if (record?.teamName) return `the workspace ${record.teamName} (${record.teamId})`;
  return `the workspace ${key.replace(/^team:/, "")}`;
}

function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

/**
 * The installation store (see the module's comment).
 *
 * @example
 * const store = createSlackInstallationStore({
 *   kv: storage.namespace("slack-installations", 0),
 *   keys: () => storage.keys("slack-installations"),
 *   key: config.SLACK_INSTALLATION_KEY,
 * });
 * const query = await store.locate({ teamId: "T123" });
 */
export function createSlackInstallationStore(options: SlackInstallationStoreOptions): SlackInstallationStore {
  const { kv, key } = options;
  const now = options.now ?? Date.now;
  if (key.byteLength !== 32) {
    throw new BotError("config_invalid", "SLACK_INSTALLATION_KEY must be 32 bytes", {
      userMessage:
        "SLACK_INSTALLATION_KEY must be 32 bytes written as base64 or hex: make one with openssl rand -base64 32.",
    });
  }

  async function readRecord(name: string): Promise<StoredSlackInstallation | undefined> {
    const value = await kv.get(name);
    if (value === undefined || value === null) return undefined;
    const parsed = StoredInstallationSchema.safeParse(value);
    if (!parsed.success) {
      throw new BotError(
        "config_invalid",
        `the stored Slack installation ${name} is not a record this bot reads (${parsed.error.issues[0]?.message ?? "invalid"}); install the app in that workspace again`,
      );
    }
    return parsed.data;
  }

  /** The installation inside a record, or a clear error when the key does not open it. */
  function open(name: string, record: StoredSlackInstallation): Installation {
    let text: string;
    try {
      text = unseal(record.sealed, key, name);
    } catch (error) {
      if (error instanceof UnsealError && error.reason === "refused") {
        throw new BotError(
          "config_invalid",
          `SLACK_INSTALLATION_KEY does not open the stored installation of ${describeRecord(name, record)}: it was stored under another key. Set SLACK_INSTALLATION_KEY back to the key it was stored with, or install the app there again (/slack/install).`,
          { cause: error },
        );
      }
      throw new BotError(
        "config_invalid",
        `the stored installation of ${describeRecord(name, record)} is damaged; install the app there again (/slack/install)`,
        { cause: error },
      );
    }
    const parsed = SealedInstallationSchema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new BotError(
        "config_invalid",
        `the stored installation of ${describeRecord(name, record)} has an unexpected shape; install the app there again (/slack/install)`,
      );
    }
    // The schema checked the fields the bot reads; the rest is Bolt's own, stored as Bolt gave it.
    return parsed.data as Installation;
  }

  async function write(
    installation: Installation,
    source: SlackInstallationSource,
    previous: StoredSlackInstallation | undefined,
  ): Promise<void> {
    const name = keyOfInstallation(installation);
    const at = now();
    const record: StoredSlackInstallation = compact({
      version: 1 as const,
      teamId: installation.team?.id,
      teamName: installation.team?.name ?? undefined,
      enterpriseId: installation.enterprise?.id,
      enterpriseName: installation.enterprise?.name ?? undefined,
      isEnterpriseInstall: installation.isEnterpriseInstall === true,
      appId: installation.appId ?? undefined,
      botUserId: installation.bot?.userId,
      botId: installation.bot?.id,
      scopes: installation.bot?.scopes ?? [],
      installerUserId: installation.user.id,
      hasUserToken: typeof installation.user.token === "string" && installation.user.token !== "",
      botTokenExpiresAt: installation.bot?.expiresAt,
      // A reinstall or a refreshed token keeps the day it was first installed.
      installedAt: previous?.installedAt ?? at,
      updatedAt: at,
      source,
      sealed: seal(JSON.stringify(installation), key, name),
    });
    await kv.set(name, record);
  }

  /** The previous record, if it can be read at all: an unreadable one is simply replaced. */
  async function previousRecord(name: string): Promise<StoredSlackInstallation | undefined> {
    return readRecord(name).catch(() => undefined);
  }

  const store: SlackInstallationStore = {
    async storeInstallation(installation) {
      const name = keyOfInstallation(installation);
      await write(installation, "oauth", await previousRecord(name));
    },

    async fetchInstallation(query) {
      const name = installationKey(query);
      if (!name) throw new BotError("internal", "a Slack installation query without a team or enterprise id");
      const record = await readRecord(name);
      if (!record) {
        throw new BotError(
          "config_invalid",
          `the app is not installed in ${describeRecord(name)} (no stored installation under ${name}): its events are ignored until it is installed through /slack/install`,
        );
      }
      return open(name, record);
    },

    async deleteInstallation(query) {
      const name = installationKey(query);
      if (name) await kv.delete(name);
    },

    async adopt(installation) {
      const name = keyOfInstallation(installation);
      if (await kv.has(name)) return false;
      await write(installation, "SLACK_BOT_TOKEN", undefined);
      return true;
    },

    async locate(workspace) {
      if (workspace.teamId && (await kv.has(`team:${workspace.teamId}`))) {
        return { teamId: workspace.teamId, enterpriseId: workspace.enterpriseId, isEnterpriseInstall: false };
      }
      if (workspace.enterpriseId && (await kv.has(`enterprise:${workspace.enterpriseId}`))) {
        return { teamId: undefined, enterpriseId: workspace.enterpriseId, isEnterpriseInstall: true };
      }
      return undefined;
    },

    async revokeTokens(query, revoked) {
      const name = installationKey(query);
      const record = name ? await readRecord(name) : undefined;
      if (!name || !record) return "unchanged";
      if (record.botUserId && revoked.botUserIds.includes(record.botUserId)) {
        await kv.delete(name);
        return "deleted";
      }
      if (
        !record.hasUserToken ||
        !record.installerUserId ||
        !revoked.userIds.includes(record.installerUserId)
      )
        return "unchanged";
      const installation = open(name, record);
      const { token: _token, refreshToken: _refresh, expiresAt: _expires, ...user } = installation.user;
      await write({ ...installation, user: { ...user, token: undefined } }, record.source, record);
      return "user_token_removed";
    },

    async list() {
      const names = await options.keys();
      const summaries: SlackInstallationSummary[] = [];
      for (const name of names) {
        let record: StoredSlackInstallation | undefined;
        try {
          record = await readRecord(name);
        } catch (error) {
          summaries.push({
            key: name,
            isEnterpriseInstall: name.startsWith("enterprise:"),
            scopes: [],
            installedAt: 0,
            updatedAt: 0,
            source: "oauth",
            hasUserToken: false,
            tokenRotation: false,
            problem: error instanceof Error ? error.message : String(error),
          });
          continue;
        }
        if (!record) continue; // expired or deleted since it was listed
        let problem: string | undefined;
        try {
          open(name, record);
        } catch (error) {
          problem = error instanceof Error ? error.message : String(error);
        }
        summaries.push(
          compact({
            key: name,
            teamId: record.teamId,
            teamName: record.teamName,
            enterpriseId: record.enterpriseId,
            enterpriseName: record.enterpriseName,
            isEnterpriseInstall: record.isEnterpriseInstall,
            botUserId: record.botUserId,
            scopes: record.scopes,
            installedAt: record.installedAt,
            updatedAt: record.updatedAt,
            source: record.source,
            hasUserToken: record.hasUserToken,
            tokenRotation: record.botTokenExpiresAt !== undefined,
            problem,
          }),
        );
      }
      const label = (summary: SlackInstallationSummary) =>
        (summary.teamName ?? summary.enterpriseName ?? summary.key).toLowerCase();
      return summaries.sort((a, b) => label(a).localeCompare(label(b)));
    },
  };
  return store;
}
