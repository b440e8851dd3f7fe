/**
 * The settings store: layers (channel over workspace over environment), validation against what the
 * deployment serves, the audit, budget overrides, and a change seen by the next read of another
 * store on the same storage (another process, as far as the store can tell).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createStorage, type ManagedStorage } from "../../../src/storage/index.js";
import { TASK_NAMES } from "../../../src/tasks/index.js";
import {
  createWorkspaceSettings,
  type SettingsCapabilities,
  type WorkspaceSettingsStore,
} from "../../../src/workspace-settings/index.js";
import { SERVES_EVERYTHING, TEST_ENVIRONMENT } from "../../support/workspace-settings.js";

const HERE = { platform: "slack", workspace: "T1", channel: "C1" };
const THERE = { platform: "slack", workspace: "T1", channel: "C2" };
const ADMIN = { id: "U1", name: "ada" };

const opened: ManagedStorage[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});

function storeOn(
  storage: ManagedStorage,
  capabilities: SettingsCapabilities = SERVES_EVERYTHING,
  now: () => number = Date.now,
): WorkspaceSettingsStore {
  return createWorkspaceSettings({ storage, environment: TEST_ENVIRONMENT, capabilities, now });
}

function memoryStore(capabilities?: SettingsCapabilities) {
  const storage = createStorage();
  opened.push(storage);
  return storeOn(storage, capabilities);
}

describe("the settings store", () => {
  it("gives the environment's settings where nothing is set", async () => {
    const settings = memoryStore();
    const effective = await settings.forChannel(HERE);
    expect(effective.values).toEqual(TEST_ENVIRONMENT);
    expect(new Set(Object.values(effective.from))).toEqual(new Set(["environment"]));
  });

  it("layers a channel's setting over its workspace's, and the workspace's over the environment's", async () => {
    const settings = memoryStore();
    expect(
      await settings.change(HERE, "workspace", { language: "German", memory: "off" }, ADMIN),
    ).toMatchObject({
      ok: true,
    });
    expect(await settings.change(HERE, "channel", { language: "pt-br" }, ADMIN)).toMatchObject({ ok: true });

    const here = await settings.forChannel(HERE);
    expect(here.values).toMatchObject({ language: "pt-BR", memory: false, mode: "hybrid" });
    expect(here.from).toMatchObject({ language: "channel", memory: "workspace", mode: "environment" });
    const there = await settings.forChannel(THERE);
    expect(there.values).toMatchObject({ language: "de", memory: false });

    // "default" removes the channel's own value: the workspace's applies again.
    await settings.change(HERE, "channel", { language: "default" }, ADMIN);
    expect((await settings.forChannel(HERE)).values.language).toBe("de");
  });

  it("keeps workspaces apart, and platforms", async () => {
    const settings = memoryStore();
    await settings.change(HERE, "workspace", { safety: "off" }, ADMIN);
    expect((await settings.forChannel({ ...HERE, workspace: "T2" })).values.safety).toBe(true);
    expect((await settings.forChannel({ ...HERE, platform: "discord" })).values.safety).toBe(true);
    expect((await settings.forChannel(HERE)).values.safety).toBe(false);
  });

  it("stores allowed tasks by their registry names, in the registry's order", async () => {
    const settings = memoryStore();
    const outcome = await settings.change(HERE, "channel", { tasks: "translation, object-detection" }, ADMIN);
    expect(outcome.ok).toBe(true);
    expect((await settings.forChannel(HERE)).values.tasks).toEqual(
      TASK_NAMES.filter((task) => task === "translation" || task === "object-detection"),
    );
  });

  it("refuses invalid values with a reason, and applies none of the changes", async () => {
    const settings = memoryStore();
    const outcome = await settings.change(
      HERE,
      "channel",
      { mode: "cloud", tasks: "telepathy", language: "Klingonish", memory: "off" },
      ADMIN,
    );
    expect(outcome).toEqual({
      ok: false,
      errors: {
        mode: "must be local, local-first, hosted, hybrid or default",
        tasks: "unknown task: telepathy (the tasks command lists them)",
        language: "must be auto or a language, as a tag (de, pt-BR) or a name (German)",
      },
    });
    expect((await settings.forChannel(HERE)).values.memory).toBe(true);
    expect(await settings.audit(HERE)).toEqual([]);
  });

  it("refuses a budget for a single channel, and a setting that does not exist", async () => {
    const settings = memoryStore();
    const outcome = await settings.change(
      HERE,
      "channel",
      { "user-daily-requests": "10", colour: "blue" } as Record<string, string>,
      ADMIN,
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors["user-daily-requests"]).toMatch(/whole workspace only/);
    expect((outcome.errors as Record<string, string>).colour).toBe("is no setting");
  });

  it("refuses values this deployment cannot serve, with the reason, but accepts the environment's own", async () => {
    const storage = createStorage();
    opened.push(storage);
    const settings = createWorkspaceSettings({
      storage,
      environment: { ...TEST_ENVIRONMENT, memory: false },
      capabilities: { modes: ["local"], llm: false, safetyCheck: false, memory: false },
    });
    const outcome = await settings.change(
      HERE,
      "workspace",
      { mode: "hosted", selection: "llm", language: "de", safety: "on", memory: "on" },
      ADMIN,
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.mode).toMatch(
      /hosted cannot be served: Hugging Face's hosted models are not configured/,
    );
    expect(outcome.errors.language).toMatch(/language model/);
    expect(outcome.errors.memory).toMatch(/MEMORY_TURNS=0/);
    // The environment's own values (llm selection, safety on) are what it already runs.
    expect(outcome.errors.selection).toBeUndefined();
    expect(outcome.errors.safety).toBeUndefined();
    expect(
      await settings.change(HERE, "workspace", { mode: "local", safety: "off", memory: "off" }, ADMIN),
    ).toMatchObject({ ok: true });
  });

  it("audits who changed what, from what to what, and when; newest first", async () => {
    const storage = createStorage();
    opened.push(storage);
    let clock = 1_000;
    const settings = storeOn(storage, SERVES_EVERYTHING, () => clock);
    await settings.change(HERE, "workspace", { language: "de" }, ADMIN);
    clock = 2_000;
    await settings.change(HERE, "channel", { language: "fr", safety: "off" }, { id: "U2" });
    clock = 3_000;
    // The same value again changes nothing and is not audited.
    const again = await settings.change(HERE, "channel", { language: "French" }, { id: "U2" });
    expect(again).toEqual({ ok: true, changed: [] });
    await settings.change(HERE, "workspace", { language: "default" }, ADMIN);

    const history = await settings.audit(HERE);
    expect(history).toEqual([
      { at: 3_000, by: ADMIN, scope: "workspace", setting: "language", from: "German (de)" },
      expect.objectContaining({ at: 2_000, by: { id: "U2" }, scope: "channel", channel: "C1" }),
      expect.objectContaining({ at: 2_000, by: { id: "U2" }, scope: "channel", channel: "C1" }),
      { at: 1_000, by: ADMIN, scope: "workspace", setting: "language", to: "German (de)" },
    ]);
    const atTwo = history.filter((entry) => entry.at === 2_000).map((entry) => [entry.setting, entry.to]);
    expect(atTwo.sort()).toEqual([
      ["language", "French (fr)"],
      ["safety", "off"],
    ]);
    expect(await settings.audit(HERE, 1)).toHaveLength(1);
    expect(await settings.audit({ platform: "slack", workspace: "T2" })).toEqual([]);
  });

  it("gives the workspace's budget overrides in the shape the budgets take", async () => {
    const settings = memoryStore();
    expect(await settings.budgetOverrides(HERE)).toEqual({
      user: { daily: {}, monthly: {} },
      workspace: { daily: {}, monthly: {} },
    });
    const outcome = await settings.change(
      HERE,
      "workspace",
      {
        "user-daily-requests": "50",
        "workspace-monthly-hosted-calls": "10,000",
        "user-monthly-llm-tokens": "0",
      },
      ADMIN,
    );
    expect(outcome.ok).toBe(true);
    expect(await settings.budgetOverrides({ platform: "slack", workspace: "T1" })).toEqual({
      user: { daily: { requests: 50 }, monthly: { llmTokens: 0 } },
      workspace: { daily: {}, monthly: { hostedCalls: 10_000 } },
    });
    const refused = await settings.change(HERE, "workspace", { "user-daily-requests": "-3" }, ADMIN);
    expect(refused).toEqual({
      ok: false,
      errors: { "user-daily-requests": "must be a whole number (0: no limit) or default" },
    });
  });

  it("shows what each scope sets beside what applies", async () => {
    const settings = memoryStore();
    await settings.change(HERE, "workspace", { "workspace-daily-requests": "900", mode: "local" }, ADMIN);
    await settings.change(HERE, "channel", { mode: "hosted" }, ADMIN);
    const snapshot = await settings.snapshot(HERE);
    expect(snapshot.workspace).toEqual({ mode: "local", "workspace-daily-requests": 900 });
    expect(snapshot.channel).toEqual({ mode: "hosted" });
    expect(snapshot.values.mode).toBe("hosted");
    expect(snapshot.environment).toEqual(TEST_ENVIRONMENT);
  });

  it("applies a change made through another store on the same storage to the next read", async () => {
    const directory = mkdtempSync(join(tmpdir(), "settings-"));
    try {
      const file = join(directory, "storage.sqlite");
      const first = createStorage({ backend: "sqlite", file });
      const second = createStorage({ backend: "sqlite", file });
      opened.push(first, second);
      const reader = storeOn(first);
      const writer = storeOn(second);
      // Read (and kept) before the change...
      expect((await reader.forChannel(HERE)).values.memory).toBe(true);
      expect((await reader.budgetOverrides(HERE)).user.daily).toEqual({});
      await writer.change(HERE, "workspace", { memory: "off", "user-daily-requests": "5" }, ADMIN);
      // ...and read again at once after it, in the other store.
      expect((await reader.forChannel(HERE)).values.memory).toBe(false);
      expect((await reader.budgetOverrides(HERE)).user.daily).toEqual({ requests: 5 });
      await writer.change(HERE, "channel", { memory: "on" }, ADMIN);
      expect((await reader.forChannel(HERE)).values.memory).toBe(true);
    } finally {
      await Promise.all(opened.splice(0).map((storage) => storage.close()));
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it("ignores a stored value that no longer fits its setting", async () => {
    const storage = createStorage();
    opened.push(storage);
    const settings = storeOn(storage);
    await settings.change(HERE, "channel", { mode: "local" }, ADMIN);
    const raw = storage.namespace<unknown>("settings", 0);
    const [key] = (await storage.keys("settings")).filter((name) => name.endsWith("/mode"));
    expect(key).toBeDefined();
    await raw.set(key ?? "", { value: "teleport", by: ADMIN, at: 1 });
    await settings.change(HERE, "channel", { language: "de" }, ADMIN);
    const effective = await settings.forChannel(HERE);
    expect(effective.values.mode).toBe("hybrid");
    expect(effective.values.language).toBe("de");
  });
});
