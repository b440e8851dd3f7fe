/**
 * `/settings` through the bot loop: only admins, changes stored and audited, and read by the next
 * request (memory, allowed tasks, the safety check, the answer's language, the inference mode).
 */
import { afterEach, describe, expect, it } from "vitest";
import { createStorage, type ManagedStorage } from "../../../src/storage/index.js";
import {
  createWorkspaceSettings,
  type WorkspaceSettingsStore,
} from "../../../src/workspace-settings/index.js";
import { SERVES_EVERYTHING, TEST_ENVIRONMENT } from "../../support/workspace-settings.js";
import { type Harness, startBot } from "./helpers.js";

const opened: ManagedStorage[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});

async function setup(admins: readonly string[] = []): Promise<Harness & { store: WorkspaceSettingsStore }> {
  const storage = createStorage();
  opened.push(storage);
  const store = createWorkspaceSettings({
    storage,
    environment: TEST_ENVIRONMENT,
    capabilities: SERVES_EVERYTHING,
  });
  const harness = await startBot({ storage, extra: { workspaceSettings: store, settingsAdmins: admins } });
  return { ...harness, store };
}

const lastText = (harness: Harness, thread = "thread-1") =>
  harness.adapter.replies(thread).at(-1)?.text ?? "";

describe("/settings in the bot loop", () => {
  it("refuses a non-admin, as a typed word and as a slash command, and changes nothing", async () => {
    const harness = await setup();
    const typed = await harness.adapter.send({ text: "settings memory=off", admin: false });
    expect(typed).toEqual({ status: "command", command: "settings" });
    const slash = await harness.adapter.command("settings", { memory: "off" }, { admin: false });
    // A platform that cannot tell (a Discord message without member permissions) is refused too.
    await harness.adapter.command("settings", {}, {});
    await harness.bot.idle();
    expect(slash).toMatchObject({ status: "refused", reason: "forbidden" });
    const notices = harness.adapter.notices("thread-1");
    expect(notices).toHaveLength(3);
    for (const notice of notices)
      expect(notice).toMatch(/^Only the people the operator named in SETTINGS_ADMINS/);
    expect(harness.adapter.replies("thread-1")).toEqual([]);
    expect(
      (await harness.store.forChannel({ platform: "test", workspace: "workspace-1", channel: "channel-1" }))
        .values.memory,
    ).toBe(true);
    expect(await harness.store.audit({ platform: "test", workspace: "workspace-1" })).toEqual([]);
  });

  it("shows an admin the settings, where each comes from", async () => {
    const harness = await setup();
    await harness.adapter.send({ text: "settings", admin: true });
    await harness.bot.idle();
    const text = lastText(harness);
    expect(text).toContain("• Inference mode: hybrid (default)");
    expect(text).toContain("• Conversation memory: on (default)");
    expect(text).toContain("• Budgets: the bot's defaults");
  });

  it("lets an admin turn memory off: stored, audited, and the next turn recalls nothing", async () => {
    const harness = await setup();
    await harness.adapter.send({ text: "what is a zebra?" });
    await harness.bot.idle();
    await harness.adapter.send({ text: "and a giraffe?" });
    await harness.bot.idle();
    // Memory on: the second turn saw the first.
    expect(harness.pipeline.calls[1]?.history?.map((turn) => turn.user)).toEqual(["what is a zebra?"]);

    await harness.adapter.send({ text: "settings memory=off", admin: true, user: "ada" });
    await harness.bot.idle();
    expect(lastText(harness)).toBe(
      "Changed for this channel, from the next request on:\n• Conversation memory: default → off",
    );

    await harness.adapter.send({ text: "and an okapi?" });
    await harness.bot.idle();
    expect(harness.pipeline.calls[2]?.history).toEqual([]);
    expect(harness.pipeline.calls[2]?.inputs).toEqual([]);

    await harness.adapter.send({ text: "settings history", admin: true });
    await harness.bot.idle();
    expect(lastText(harness)).toMatch(
      /^Changes to the settings, newest first:\n• \d{4}-\d\d-\d\d \d\d:\d\d UTC, ada, channel channel-1: Conversation memory: default → off$/,
    );

    // On again: the okapi turn was not remembered, the earlier ones were.
    await harness.adapter.send({ text: "settings memory=default", admin: true });
    await harness.adapter.send({ text: "what did I ask?" });
    await harness.bot.idle();
    expect(harness.pipeline.calls[3]?.history?.map((turn) => turn.user)).toEqual([
      "what is a zebra?",
      "and a giraffe?",
    ]);
  });

  it("hands the next request the allowed tasks, the safety check, the language and the mode", async () => {
    const harness = await setup();
    await harness.adapter.send({ text: "draw a cat" });
    await harness.bot.idle();
    expect(harness.pipeline.calls[0]?.settings).toEqual({
      mode: "hybrid",
      selection: "llm",
      safetyCheck: true,
    });

    const changed = await harness.adapter.command(
      "settings",
      {
        scope: "workspace",
        tasks: "image-to-text, translation",
        safety: "off",
        language: "German",
        mode: "local",
      },
      { admin: true },
    );
    expect(changed).toEqual({ status: "command", command: "settings" });
    await harness.bot.idle();
    await harness.adapter.send({ text: "draw a cat", channel: "channel-2", thread: "thread-2" });
    await harness.bot.idle();
    expect(harness.pipeline.calls[1]?.settings).toEqual({
      mode: "local",
      selection: "llm",
      safetyCheck: false,
      allowedTasks: expect.arrayContaining(["image-to-text", "translation"]),
      language: "de",
    });
    // Another workspace keeps the environment's.
    await harness.adapter.send({ text: "draw a cat", workspace: "workspace-2", thread: "thread-3" });
    await harness.bot.idle();
    expect(harness.pipeline.calls[2]?.settings).toEqual({
      mode: "hybrid",
      selection: "llm",
      safetyCheck: true,
    });
  });

  it("refuses invalid values with the reason, and applies none of the request's changes", async () => {
    const harness = await setup();
    await harness.adapter.send({ text: "settings mode=cloud memory=off", admin: true });
    await harness.bot.idle();
    expect(lastText(harness)).toBe(
      "Nothing was changed:\n• Inference mode (mode) must be local, local-first, hosted, hybrid or default",
    );
    await harness.adapter.send({ text: "settings colour=blue", admin: true });
    await harness.adapter.command("settings", { scope: "galaxy", memory: "off" }, { admin: true });
    await harness.bot.idle();
    expect(harness.adapter.replies("thread-1").at(-1)?.text).toBe(
      "Nothing was changed:\n• colour (colour) is no setting",
    );
    expect(harness.adapter.notices("thread-1")).toEqual(["scope must be channel or workspace."]);
    expect(await harness.store.audit({ platform: "test", workspace: "workspace-1" })).toEqual([]);
  });

  it("lets the people in SETTINGS_ADMINS in, by id or platform:id", async () => {
    const harness = await setup(["test:root", "boss"]);
    await harness.adapter.send({ text: "settings language=fr", user: "root", thread: "a", channel: "a" });
    await harness.adapter.send({ text: "settings language=it", user: "boss", thread: "b", channel: "b" });
    await harness.adapter.send({ text: "settings language=es", user: "intern", thread: "c" });
    await harness.bot.idle();
    expect(lastText(harness, "a")).toContain("Answer language: default → French (fr)");
    expect(lastText(harness, "b")).toContain("Answer language: default → Italian (it)");
    expect(harness.adapter.notices("c")[0]).toMatch(/^Only the people/);
  });

  it("refuses workspace settings in a direct message, which belongs to no workspace", async () => {
    const harness = await setup(["user-1"]);
    await harness.adapter.send({ text: "settings workspace memory=off", workspace: null });
    await harness.bot.idle();
    expect(harness.adapter.notices("thread-1")).toEqual([
      "This conversation belongs to no server or workspace: only its own (channel) settings can be set here.",
    ]);
  });

  it("leaves ordinary requests that start with the word alone", async () => {
    const harness = await setup();
    const disposition = await harness.adapter.send({ text: "settings for a photo shoot at dusk?" });
    expect(disposition).toMatchObject({ status: "accepted" });
  });
});
