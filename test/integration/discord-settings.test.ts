/**
 * `/settings` on Discord: the real discord.js against the fake Discord, the app as `start` makes it.
 * Only members with Manage Server (the interaction's `member.permissions`; the owner has every
 * permission) may use it; a change is stored, audited and read by the next request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployCommands } from "../../adapters/discord/commands.js";
import { COMMANDS } from "../../commands/index.js";
import { loadConfig } from "../../src/config/index.js";
import type { Adapter } from "../../src/core/types.js";
import { type App, createApp, PLATFORM_ADAPTERS } from "../../src/main.js";
import { createStorage } from "../../src/storage/index.js";
import {
  type FakeChannel,
  type FakeDiscord,
  type FakeUser,
  MessageFlags,
  startFakeDiscord,
} from "../fakes/discord/index.js";
import { stageOf } from "../fakes/openai-server.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";

let discord: FakeDiscord;
let harness: PipelineHarness;
let app: App;
let adapter: Adapter;
let room: FakeChannel;
let owner: FakeUser;
let member: FakeUser;

beforeAll(async () => {
  discord = await startFakeDiscord();
  room = discord.addChannel({ name: "bot-room" });
  owner = discord.user("alice");
  member = discord.user("bob");
  harness = await startPipelineHarness({ models: [] });
  harness.llm.route((body) => (stageOf(body) === "plan" ? "[]" : "Hallo!"));
  const env = harness.env({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl });
  app = createApp(loadConfig(env), { env, storage: createStorage() });
  const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "discord");
  if (!spec) throw new Error("the Discord adapter is not registered");
  adapter = spec.create(app);
  await adapter.start(app.bot);
});

afterAll(async () => {
  await adapter?.stop();
  await app?.close();
  await harness?.close();
  await discord?.close();
});

/** The text the deferred reply ends with, once it is no longer "thinking…". */
async function replyTo(sent: { record: { originalMessageId?: string } }): Promise<string> {
  const message = await discord.waitFor(
    () => {
      const id = sent.record.originalMessageId;
      const found = id ? discord.message(id) : undefined;
      return found && (found.flags & MessageFlags.Loading) === 0 && found.content !== "" ? found : undefined;
    },
    { timeoutMs: 15_000, what: "the deferred reply finished" },
  );
  return message.content;
}

const here = () => ({ platform: "discord", workspace: discord.guild().id, channel: room.id });

describe("/settings on Discord", () => {
  it("is registered with the other commands, its fixed values as choices", async () => {
    const guildId = discord.guild().id;
    const deployed = await deployCommands({
      token: discord.token,
      apiUrl: discord.apiUrl,
      commands: COMMANDS,
      guildId,
    });
    expect(deployed.names).toContain("settings");
    const settings = discord.commands(guildId).find((command) => command.name === "settings") as
      | { options?: Array<{ name: string; choices?: Array<{ value: string }> }> }
      | undefined;
    const mode = settings?.options?.find((option) => option.name === "mode");
    expect(mode?.choices?.map((choice) => choice.value)).toEqual([
      "local",
      "local-first",
      "hosted",
      "hybrid",
      "default",
    ]);
    expect(settings?.options?.find((option) => option.name === "language")?.choices).toBeUndefined();
  });

  it("refuses a member without Manage Server, and changes nothing", async () => {
    const sent = discord.dispatchInteraction({
      command: "settings",
      channelId: room.id,
      user: member,
      options: { language: "de" },
    });
    expect(await replyTo(sent)).toBe(
      "Only members with the Manage Server permission and the people the operator named in SETTINGS_ADMINS can see and change my settings.",
    );
    expect((await app.workspaceSettings.forChannel(here())).values.language).toBe("auto");
  });

  it("lets the owner change the answer language: stored, audited, and the next answer is asked in it", async () => {
    const sent = discord.dispatchInteraction({
      command: "settings",
      channelId: room.id,
      user: owner,
      options: { language: "German", memory: "off" },
    });
    expect(await replyTo(sent)).toBe(
      "Changed for this channel, from the next request on:\n• Answer language: default → German (de)\n• Conversation memory: default → off",
    );
    expect((await app.workspaceSettings.forChannel(here())).values).toMatchObject({
      language: "de",
      memory: false,
    });
    const audit = await app.workspaceSettings.audit(here());
    expect(audit.map((entry) => [entry.by, entry.setting, entry.to])).toEqual(
      expect.arrayContaining([
        [{ id: owner.id, name: "alice" }, "language", "German (de)"],
        [{ id: owner.id, name: "alice" }, "memory", "off"],
      ]),
    );

    discord.dispatchInteraction({ command: "ask", channelId: room.id, options: { prompt: "hello" } });
    await discord.waitFor(() => harness.llm.requests.some((request) => stageOf(request.body) === "chat"), {
      timeoutMs: 15_000,
      what: "the answer asked of the LLM",
    });
    await app.bot.idle();
    const chat = harness.llm.requests.map((request) => request.body).find((body) => stageOf(body) === "chat");
    expect(chat?.messages[0]?.content).toContain("Write the answer in German (de)");
  });

  it("lets a member once granted Manage Server see the history, and refuses invalid values with the reason", async () => {
    discord.grantMember(discord.guild().id, member.id, "ManageGuild");
    const history = discord.dispatchInteraction({
      command: "settings",
      channelId: room.id,
      user: member,
      options: { action: "history" },
    });
    const text = await replyTo(history);
    expect(text).toMatch(/^Changes to the settings, newest first:/);
    expect(text).toContain(`alice (${owner.id}), channel ${room.id}: Answer language: default → German (de)`);

    const invalid = discord.dispatchInteraction({
      command: "settings",
      channelId: room.id,
      user: member,
      options: { scope: "workspace", language: "Klingonish", "user-daily-requests": "lots" },
    });
    expect(await replyTo(invalid)).toBe(
      [
        "Nothing was changed:",
        "• Answer language (language) must be auto or a language, as a tag (de, pt-BR) or a name (German)",
        "• Requests per user a day (user-daily-requests) must be a whole number (0: no limit) or default",
      ].join("\n"),
    );
  });
});
