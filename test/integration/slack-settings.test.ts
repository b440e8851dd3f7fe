/**
 * `/settings` on Slack: the real Bolt app against the fake Slack, the app as `start` makes it. Only
 * workspace admins and owners (`users.info`) or SETTINGS_ADMINS may use it; for them `/settings`
 * opens a modal (views.open from the command's trigger_id) whose signed view_submission changes the
 * settings: stored, audited, read by the next request; refused values are shown under their fields.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import type { Adapter } from "../../src/core/types.js";
import { type App, createApp, PLATFORM_ADAPTERS } from "../../src/main.js";
import { createStorage } from "../../src/storage/index.js";
import { stageOf } from "../fakes/openai-server.js";
import { type FakeSlack, type Json, startFakeSlack } from "../fakes/slack/index.js";
import { freePort } from "../support/net.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";
import { waitFor } from "../unit/storage/capture.js";

let slack: FakeSlack;
let harness: PipelineHarness;
let app: App;
let adapter: Adapter;

beforeAll(async () => {
  slack = await startFakeSlack();
  harness = await startPipelineHarness({ models: [] });
  harness.llm.route((body) => (stageOf(body) === "plan" ? "[]" : "Hello from the bot."));
  const port = await freePort();
  const env = harness.env({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    PORT: String(port),
    RATE_LIMIT_REQUESTS: "0",
    SETTINGS_ADMINS: "slack:U0LISTED",
  });
  app = createApp(loadConfig(env), { env, storage: createStorage() });
  const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "slack");
  if (!spec) throw new Error("the Slack adapter is not registered");
  adapter = spec.create(app);
  await adapter.start(app.bot);
  slack.setAppUrl(`http://127.0.0.1:${port}/slack/events`);
});

afterAll(async () => {
  await adapter?.stop();
  await app?.close();
  await harness?.close();
  await slack?.close();
});

beforeEach(async () => {
  slack.setUserRole(slack.userId, undefined);
  await app.bot.idle();
});

const here = () => ({ platform: "slack", workspace: slack.teamId, channel: slack.generalChannel });

/** What the app answered privately through the command's response_url, once it has. */
async function privateAnswer(responseUrl: string): Promise<string> {
  const path = new URL(responseUrl).pathname;
  let found: Json | undefined;
  await waitFor(
    () => {
      found = slack.responseUrlPosts.find((post) => post.path === path)?.body;
      return found !== undefined;
    },
    10_000,
    "the private answer",
  );
  return String((found as { text?: string } | undefined)?.text ?? "");
}

/** The modal views.open opened last, after `count` views. */
async function openedAfter(count: number): Promise<Json & { id: string; blocks: Json[] }> {
  await waitFor(() => slack.views.length > count, 10_000, "the settings modal");
  return slack.views.at(-1) as Json & { id: string; blocks: Json[] };
}

const select = (value: string) => ({ type: "static_select", selected_option: { value } });

describe("/settings on Slack", () => {
  it("refuses a member who is no admin, privately, asks users.info, and opens no form", async () => {
    const views = slack.views.length;
    const sent = await slack.sendCommand({ command: "/settings", text: "" });
    expect(sent.status).toBe(200);
    expect(await privateAnswer(sent.responseUrl)).toBe(
      "Only workspace admins and owners and the people the operator named in SETTINGS_ADMINS can see and change my settings.",
    );
    expect(slack.views).toHaveLength(views);
    expect(slack.callsTo("users.info").at(-1)?.args).toMatchObject({ user: slack.userId });
  });

  it("refuses a forged form from a member who is no admin, under its first field, and stores nothing", async () => {
    const sent = await slack.sendViewSubmission({
      callback_id: "hugginggpt_settings",
      private_metadata: JSON.stringify({
        scope: "channel",
        channel: slack.generalChannel,
        team: slack.teamId,
      }),
      values: { memory: { memory: select("off") } },
    });
    expect(sent.status).toBe(200);
    expect(JSON.parse(sent.body)).toEqual({
      response_action: "errors",
      errors: { memory: expect.stringMatching(/^Only workspace admins and owners/) },
    });
    expect((await app.workspaceSettings.forChannel(here())).values.memory).toBe(true);
  });

  it("opens the form for an admin and applies its submission: stored, audited, told, and read by the next request", async () => {
    slack.setUserRole(slack.userId, "admin");
    const views = slack.views.length;
    const sent = await slack.sendCommand({ command: "/settings", text: "" });
    expect(sent.status).toBe(200);
    const opened = await openedAfter(views);
    expect(opened.callback_id).toBe("hugginggpt_settings");
    const blockIds = opened.blocks.map((block) => (block as { block_id?: string }).block_id).filter(Boolean);
    expect(blockIds).toEqual(["mode", "selection", "tasks", "safety", "language", "memory"]);
    const memoryBlock = opened.blocks.find(
      (block) => (block as { block_id?: string }).block_id === "memory",
    ) as {
      element: { initial_option: { value: string } };
    };
    expect(memoryBlock.element.initial_option.value).toBe("default");

    const submitted = await slack.sendViewSubmission({
      id: opened.id,
      values: {
        mode: { mode: select("default") },
        selection: { selection: select("default") },
        tasks: { tasks: slack.plainTextValue("") },
        safety: { safety: select("default") },
        language: { language: slack.plainTextValue("German") },
        memory: { memory: select("off") },
      },
    });
    expect(submitted.status).toBe(200);
    // An empty acknowledgement closes the form.
    expect(submitted.body).toBe("");
    expect((await app.workspaceSettings.forChannel(here())).values).toMatchObject({
      language: "de",
      memory: false,
    });
    const audit = await app.workspaceSettings.audit(here());
    expect(
      audit.map((entry) => [entry.by.id, entry.scope, entry.setting, entry.from, entry.to]).sort(),
    ).toEqual([
      [slack.userId, "channel", "language", undefined, "German (de)"],
      [slack.userId, "channel", "memory", undefined, "off"],
    ]);
    await waitFor(() => slack.ephemerals.length > 0, 10_000, "the ephemeral confirmation");
    expect(slack.ephemerals.at(-1)).toMatchObject({
      channel: slack.generalChannel,
      user: slack.userId,
      text: "Changed for this channel, from the next request on:\n• Answer language: default → German (de)\n• Conversation memory: default → off",
    });

    // The next request: answered in German, and with memory off a follow-up recalls nothing.
    const first = slack.mention({ text: `<@${slack.botUserId}> remember the word okapi` });
    await slack.sendEvent(first);
    await app.bot.idle();
    const followUp = slack.mention({ text: `<@${slack.botUserId}> which word?`, thread_ts: first.ts });
    await slack.sendEvent(followUp);
    await app.bot.idle();
    const chats = harness.llm.requests
      .map((request) => request.body)
      .filter((body) => stageOf(body) === "chat");
    expect(chats.length).toBeGreaterThanOrEqual(2);
    for (const chat of chats.slice(-2))
      expect(chat.messages[0]?.content).toContain("Write the answer in German (de)");
    expect(JSON.stringify(chats.at(-1)?.messages)).not.toContain("okapi");
  });

  it("shows each refused value under its field and keeps the form open, changing nothing", async () => {
    slack.setUserRole(slack.userId, "owner");
    const views = slack.views.length;
    await slack.sendCommand({ command: "/settings", text: "workspace" });
    const opened = await openedAfter(views);
    const blockIds = opened.blocks.map((block) => (block as { block_id?: string }).block_id).filter(Boolean);
    expect(blockIds).toContain("user-daily-requests");
    const submitted = await slack.sendViewSubmission({
      id: opened.id,
      values: {
        language: { language: slack.plainTextValue("Klingonish") },
        "user-daily-requests": { "user-daily-requests": slack.plainTextValue("lots") },
        safety: { safety: select("off") },
      },
    });
    expect(JSON.parse(submitted.body)).toEqual({
      response_action: "errors",
      errors: {
        language: "must be auto or a language, as a tag (de, pt-BR) or a name (German)",
        "user-daily-requests": "must be a whole number (0: no limit) or default",
      },
    });
    expect((await app.workspaceSettings.snapshot(here())).workspace).toEqual({});
  });

  it("takes typed settings from SETTINGS_ADMINS, and shows the history privately", async () => {
    const changed = await slack.sendCommand({
      command: "/settings",
      text: "workspace user-daily-requests=40",
      user_id: "U0LISTED",
    });
    expect(await privateAnswer(changed.responseUrl)).toBe(
      "Changed for the whole workspace, from the next request on:\n• Requests per user a day: default → 40",
    );
    expect(await app.workspaceSettings.budgetOverrides(here())).toMatchObject({
      user: { daily: { requests: 40 } },
    });
    const history = await slack.sendCommand({ command: "/settings", text: "history", user_id: "U0LISTED" });
    const text = await privateAnswer(history.responseUrl);
    expect(text).toMatch(
      /^Changes to the settings, newest first:\n• .* UTC, U0LISTED, workspace: Requests per user a day: default → 40/,
    );
  });
});
