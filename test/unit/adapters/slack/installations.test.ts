import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Installation } from "@slack/bolt";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createSlackInstallationStore,
  type SlackInstallationStore,
} from "../../../../adapters/slack/installations.js";
import { BotError } from "../../../../src/errors.js";
import { createStorage, type ManagedStorage } from "../../../../src/storage/index.js";

const BOT_TOKEN = "xoxb-T1-bot-token-0123456789";
const USER_TOKEN = "xoxp-T1-user-token-0123456789";
const REFRESH_TOKEN = "xoxe-1-T1-refresh-token-0123456789";

/** An installation as Bolt's InstallProvider builds it from oauth.v2.access. */
function teamInstallation(teamId = "T1", name = "Acme", overrides: Partial<Installation> = {}): Installation {
  return {
    team: { id: teamId, name },
    enterprise: undefined,
    user: { token: USER_TOKEN, scopes: ["search:read"], id: "U0INSTALLER" },
    tokenType: "bot",
    isEnterpriseInstall: false,
    appId: "A0APP",
    authVersion: "v2",
    bot: {
      scopes: ["app_mentions:read", "chat:write"],
      token: BOT_TOKEN,
      refreshToken: REFRESH_TOKEN,
      expiresAt: 1_900_000_000,
      userId: `U${teamId}BOT`,
      id: `B${teamId}BOT`,
    },
    ...overrides,
  };
}

function orgInstallation(enterpriseId = "E1"): Installation {
  return {
    team: undefined,
    enterprise: { id: enterpriseId, name: "Acme Group" },
    user: { token: undefined, scopes: undefined, id: "U0ADMIN" },
    tokenType: "bot",
    isEnterpriseInstall: true,
    appId: "A0APP",
    authVersion: "v2",
    enterpriseUrl: "https://acme-group.enterprise.slack.com/",
    bot: { scopes: ["chat:write"], token: "xoxb-E1-org-token", userId: "UE1BOT", id: "BE1BOT" },
  };
}

const opened: ManagedStorage[] = [];
function storeOver(storage: ManagedStorage, key = randomBytes(32), now?: () => number) {
  return createSlackInstallationStore({
    kv: storage.namespace<unknown>("slack-installations", 0),
    keys: () => storage.keys("slack-installations"),
    key,
    ...(now ? { now } : {}),
  });
}
function memoryStore(key = randomBytes(32), now?: () => number) {
  const storage = createStorage();
  opened.push(storage);
  return { storage, store: storeOver(storage, key, now) };
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});

async function rejection(promise: Promise<unknown>): Promise<BotError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof BotError) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("the Slack installation store", () => {
  it("gives back what it stored, tokens included, by the workspace's team id", async () => {
    const { store } = memoryStore();
    await store.storeInstallation(teamInstallation());
    const fetched = await store.fetchInstallation({
      teamId: "T1",
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(fetched).toEqual(JSON.parse(JSON.stringify(teamInstallation())));
    expect(fetched.bot?.token).toBe(BOT_TOKEN);
    expect(fetched.user.token).toBe(USER_TOKEN);
    expect(fetched.bot?.refreshToken).toBe(REFRESH_TOKEN);
  });

  it("keeps no token in clear: the stored record holds the tokens only sealed", async () => {
    const { storage, store } = memoryStore();
    await store.storeInstallation(teamInstallation());
    const record = await storage.namespace<Record<string, unknown>>("slack-installations", 0).get("team:T1");
    const text = JSON.stringify(record);
    expect(record).toMatchObject({ teamId: "T1", teamName: "Acme", botUserId: "UT1BOT", source: "oauth" });
    for (const token of [BOT_TOKEN, USER_TOKEN, REFRESH_TOKEN]) expect(text).not.toContain(token);
    expect(text).not.toMatch(/xox[bpe]-/);
  });

  it("says clearly when the key is not the one the installation was stored under, never handing on a token", async () => {
    const { storage, store } = memoryStore();
    await store.storeInstallation(teamInstallation());
    const otherKey = storeOver(storage, randomBytes(32));
    const error = await rejection(
      otherKey.fetchInstallation({ teamId: "T1", enterpriseId: undefined, isEnterpriseInstall: false }),
    );
    expect(error.code).toBe("config_invalid");
    expect(error.message).toContain(
      "SLACK_INSTALLATION_KEY does not open the stored installation of the workspace Acme (T1)",
    );
    expect(error.message).toContain("/slack/install");
    expect(error.message).not.toContain(BOT_TOKEN);
    const [listed] = await otherKey.list();
    expect(listed?.problem).toContain("SLACK_INSTALLATION_KEY does not open");
    expect(listed?.teamName).toBe("Acme");
  });

  it("does not open a record copied under another workspace's name", async () => {
    const { storage, store } = memoryStore();
    await store.storeInstallation(teamInstallation());
    const kv = storage.namespace<unknown>("slack-installations", 0);
    await kv.set("team:T2", await kv.get("team:T1"));
    const error = await rejection(
      store.fetchInstallation({ teamId: "T2", enterpriseId: undefined, isEnterpriseInstall: false }),
    );
    expect(error.message).toContain("does not open");
  });

  it("says which workspace has no installation", async () => {
    const { store } = memoryStore();
    const error = await rejection(
      store.fetchInstallation({ teamId: "T404", enterpriseId: undefined, isEnterpriseInstall: false }),
    );
    expect(error.message).toContain("the app is not installed in the workspace T404");
  });

  it("keeps an organization's install under its enterprise id, serving each of its workspaces", async () => {
    const { store } = memoryStore();
    await store.storeInstallation(orgInstallation());
    await store.storeInstallation(teamInstallation("T7", "Acme Sales"));
    const org = await store.fetchInstallation({
      teamId: undefined,
      enterpriseId: "E1",
      isEnterpriseInstall: true,
    });
    expect(org.bot?.token).toBe("xoxb-E1-org-token");
    expect(await store.locate({ teamId: "T9", enterpriseId: "E1" })).toEqual({
      teamId: undefined,
      enterpriseId: "E1",
      isEnterpriseInstall: true,
    });
    // A workspace installed on its own is served by its own installation.
    expect(await store.locate({ teamId: "T7", enterpriseId: "E1" })).toMatchObject({
      teamId: "T7",
      isEnterpriseInstall: false,
    });
    expect(await store.locate({ teamId: "T9" })).toBeUndefined();
    const listed = await store.list();
    expect(listed.map((summary) => summary.key)).toEqual(["enterprise:E1", "team:T7"]);
    expect(listed[0]).toMatchObject({ isEnterpriseInstall: true, enterpriseName: "Acme Group" });
  });

  it("keeps the day of the first install through a reinstall", async () => {
    let now = 1_000;
    const { store } = memoryStore(randomBytes(32), () => now);
    await store.storeInstallation(teamInstallation());
    now = 5_000;
    await store.storeInstallation(teamInstallation("T1", "Acme Renamed"));
    const [summary] = await store.list();
    expect(summary).toMatchObject({ teamName: "Acme Renamed", installedAt: 1_000, updatedAt: 5_000 });
  });

  it("adopts SLACK_BOT_TOKEN's workspace only when it has no installation of its own", async () => {
    const { store } = memoryStore();
    const fromToken = teamInstallation("T1", "Acme", {
      user: { token: undefined, scopes: undefined, id: "" },
      bot: { scopes: ["chat:write"], token: "xoxb-from-env", userId: "UT1BOT", id: "BT1BOT" },
    }) as Installation<"v2", false>;
    expect(await store.adopt(fromToken)).toBe(true);
    expect((await store.list())[0]?.source).toBe("SLACK_BOT_TOKEN");
    await store.storeInstallation(teamInstallation());
    expect(await store.adopt(fromToken)).toBe(false);
    const fetched = await store.fetchInstallation({
      teamId: "T1",
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(fetched.bot?.token).toBe(BOT_TOKEN);
  });

  it("drops a revoked user token, and the whole installation when the bot token is revoked", async () => {
    const { store } = memoryStore();
    await store.storeInstallation(teamInstallation());
    const query = { teamId: "T1", isEnterpriseInstall: false };
    expect(await store.revokeTokens(query, { botUserIds: [], userIds: ["USOMEONE"] })).toBe("unchanged");
    expect(await store.revokeTokens(query, { botUserIds: [], userIds: ["U0INSTALLER"] })).toBe(
      "user_token_removed",
    );
    const fetched = await store.fetchInstallation({ ...query, enterpriseId: undefined });
    expect(fetched.user.token).toBeUndefined();
    expect(fetched.bot?.token).toBe(BOT_TOKEN);
    expect((await store.list())[0]?.hasUserToken).toBe(false);
    expect(await store.revokeTokens(query, { botUserIds: ["UT1BOT"], userIds: [] })).toBe("deleted");
    expect(await store.list()).toEqual([]);
  });

  it("deletes an installation", async () => {
    const { store } = memoryStore();
    await store.storeInstallation(teamInstallation());
    await store.deleteInstallation({ teamId: "T1", enterpriseId: undefined, isEnterpriseInstall: false });
    expect(await store.locate({ teamId: "T1" })).toBeUndefined();
  });

  it("refuses a key that is not 32 bytes", () => {
    const storage = createStorage();
    opened.push(storage);
    expect(() => storeOver(storage, randomBytes(31))).toThrow(/32 bytes/);
  });
});

describe("the Slack installation store on disk", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "hgb-installations-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("writes no token in clear into the SQLite file, and reads it back after a restart", async () => {
    const file = join(root, "storage.sqlite");
    const key = randomBytes(32);
    const first = createStorage({ backend: "sqlite", file });
    const store: SlackInstallationStore = storeOver(first, key);
    await store.storeInstallation(teamInstallation());
    await first.close();
    const bytes = (await readFile(file)).toString("latin1");
    const wal = await readFile(`${file}-wal`)
      .then((buffer) => buffer.toString("latin1"))
      .catch(() => "");
    // The clear part is there (so this is the right file), the tokens are not.
    expect(bytes + wal).toContain("Acme");
    for (const token of [BOT_TOKEN, USER_TOKEN, REFRESH_TOKEN]) expect(bytes + wal).not.toContain(token);

    const second = createStorage({ backend: "sqlite", file });
    opened.push(second);
    const fetched = await storeOver(second, key).fetchInstallation({
      teamId: "T1",
      enterpriseId: undefined,
      isEnterpriseInstall: false,
    });
    expect(fetched.bot?.token).toBe(BOT_TOKEN);
  });
});
