/**
 * `doctor` on Discord, against the fake Discord: who the token logs in as, an invalid token with its
 * fix, the application id set or read from the token, and the deploy-commands reminder. The token
 * is never printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deployCommands } from "../../adapters/discord/commands.js";
import { COMMANDS } from "../../commands/index.js";
import { loadConfig } from "../../src/config/index.js";
import { runDoctor } from "../../src/doctor.js";
import { type FakeDiscord, startFakeDiscord } from "../fakes/discord/index.js";
import { reportLine } from "../support/doctor.js";

let discord: FakeDiscord;

beforeAll(async () => {
  discord = await startFakeDiscord();
});

afterAll(async () => {
  await discord?.close();
});

function doctor(env: Record<string, string>) {
  return runDoctor(
    loadConfig({ HUB_CATALOG: "false", LOG_LEVEL: "silent", DISCORD_API_URL: discord.apiUrl, ...env }),
    { timeoutMs: 5000 },
  );
}

describe("doctor on Discord", () => {
  it("says nothing about Discord when DISCORD_TOKEN is not set", async () => {
    const report = await doctor({});
    expect(report.text).not.toMatch(/^\S+\s+Discord/m);
  });

  it("names the bot, reads the application id from the token and reminds to deploy the commands", async () => {
    const before = await doctor({ DISCORD_TOKEN: discord.token });
    expect(reportLine(before.text, "Discord bot")).toMatch(/^ok\s+Discord bot: the token logs in as /);
    expect(reportLine(before.text, "Discord bot")).toContain(discord.botUser.username);
    expect(reportLine(before.text, "Discord application")).toContain(
      `DISCORD_APP_ID is not set; read from the token: ${discord.applicationId}`,
    );
    const commands = reportLine(before.text, "Discord commands");
    expect(commands).toMatch(/^missing\s+Discord commands: .*\/ask.* not registered \(global\)/);
    expect(commands).toContain("fix: run `hugginggpt-bot deploy-commands`");
    expect(before.text).not.toContain(discord.token);

    await deployCommands({ token: discord.token, apiUrl: discord.apiUrl, commands: COMMANDS });
    const after = await doctor({ DISCORD_TOKEN: discord.token, DISCORD_APP_ID: discord.applicationId });
    expect(reportLine(after.text, "Discord application")).toMatch(
      new RegExp(`^ok\\s+Discord application: DISCORD_APP_ID = ${discord.applicationId} \\(invite: `),
    );
    expect(reportLine(after.text, "Discord application")).toContain(
      `https://discord.com/oauth2/authorize?client_id=${discord.applicationId}&scope=bot%20applications.commands&permissions=309237763072`,
    );
    expect(reportLine(after.text, "Discord commands")).toMatch(
      new RegExp(`^ok\\s+Discord commands: ${COMMANDS.length} slash commands registered \\(global\\)`),
    );
    expect(after.text).toContain("DISCORD_TOKEN = set");
    expect(after.text).not.toContain(discord.token);
  });

  it("says an invalid token is invalid, with the fix, and never prints it", async () => {
    const wrong = `${discord.token.slice(0, -4)}XXXX`;
    const report = await doctor({ DISCORD_TOKEN: wrong });
    expect(report.ok).toBe(false);
    const bot = reportLine(report.text, "Discord bot");
    expect(bot).toMatch(/^missing\s+Discord bot: the token is invalid/);
    expect(bot).toContain("fix: reset the token in the Discord Developer Portal");
    expect(reportLine(report.text, "Discord application")).toContain("DISCORD_APP_ID is not set");
    expect(reportLine(report.text, "Discord commands")).toContain("deploy-commands");
    expect(report.text).not.toContain(wrong);
  });

  it("says when Discord cannot be reached", async () => {
    const report = await doctor({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: "http://127.0.0.1:9/api" });
    expect(reportLine(report.text, "Discord bot")).toMatch(
      /^missing\s+Discord bot: http:\/\/127\.0\.0\.1:9\/api/,
    );
    expect(report.text).not.toContain(discord.token);
  });
});

describe("doctor on Discord's shards and interactions endpoint", () => {
  it("reports the shards this process runs against Discord's recommendation", async () => {
    const single = await doctor({ DISCORD_TOKEN: discord.token });
    expect(reportLine(single.text, "Discord shards")).toMatch(
      /^ok\s+Discord shards: this process runs one shard \(DISCORD_SHARDS unset\); Discord recommends 1 for this application; 1 IDENTIFY per 5 s \(max_concurrency\), \d+ session starts left today$/,
    );
    const part = await doctor({
      DISCORD_TOKEN: discord.token,
      DISCORD_SHARDS: "4",
      DISCORD_SHARD_IDS: "1,3",
    });
    expect(reportLine(part.text, "Discord shards")).toContain(
      "this process runs shards 1, 3 of 4 (DISCORD_SHARD_IDS); direct messages arrive on shard 0, in the process that runs it",
    );
    const auto = await doctor({ DISCORD_TOKEN: discord.token, DISCORD_SHARDS: "auto" });
    expect(reportLine(auto.text, "Discord shards")).toMatch(
      /^ok\s+Discord shards: auto: this process runs every shard/,
    );
  });

  it("says when the bot runs fewer shards than Discord recommends, with the fix", async () => {
    const crowded = await startFakeDiscord({
      guilds: [
        { name: "A", onShard: [0, 2] },
        { name: "B", onShard: [1, 2] },
      ],
      maxGuildsPerShard: 1,
    });
    try {
      const report = await runDoctor(
        loadConfig({
          HUB_CATALOG: "false",
          LOG_LEVEL: "silent",
          DISCORD_API_URL: crowded.apiUrl,
          DISCORD_TOKEN: crowded.token,
        }),
        { timeoutMs: 5000 },
      );
      const line = reportLine(report.text, "Discord shards");
      expect(line).toMatch(/^missing\s+Discord shards: this process runs one shard .*Discord recommends 2/);
      expect(line).toContain("fix: set DISCORD_SHARDS=2 (or auto)");
    } finally {
      await crowded.close();
    }
  });

  it("checks the endpoint's key and URL against the application's", async () => {
    const endpoint = (env: Record<string, string>) =>
      doctor({ DISCORD_TOKEN: discord.token, ...env }).then((report) =>
        reportLine(report.text, "Discord interactions endpoint"),
      );
    const noUrl = await endpoint({ DISCORD_PUBLIC_KEY: discord.publicKey, PORT: "8080" });
    expect(noUrl).toMatch(
      /^missing\s+Discord interactions endpoint: POST \/discord\/interactions on PORT 8080; the application has no Interactions Endpoint URL yet/,
    );
    expect(noUrl).toContain("fix: paste https://<public address>/discord/interactions into Developer Portal");
    expect(await endpoint({ DISCORD_PUBLIC_KEY: "ab".repeat(32) })).toMatch(
      /DISCORD_PUBLIC_KEY is not this application's public key[\s\S]*fix: copy the Public Key/,
    );
    discord.state.interactionsEndpointUrl = "https://bot.example/discord/interactions";
    try {
      expect(
        await endpoint({
          DISCORD_PUBLIC_KEY: discord.publicKey,
          SLACK_BOT_TOKEN: "xoxb-test-1234",
          SLACK_SIGNING_SECRET: "secret-1234",
        }),
      ).toMatch(
        /^ok\s+Discord interactions endpoint: POST \/discord\/interactions on PORT 3000, beside Slack's \/slack\/events; the application's Interactions Endpoint URL is https:\/\/bot\.example\/discord\/interactions$/,
      );
    } finally {
      discord.state.interactionsEndpointUrl = undefined;
    }
  });

  it("runs with the endpoint alone: no token, no gateway", async () => {
    const report = await doctor({ DISCORD_PUBLIC_KEY: discord.publicKey, DISCORD_GATEWAY: "false" });
    expect(reportLine(report.text, "Discord bot")).toMatch(
      /^ok\s+Discord bot: DISCORD_TOKEN is not set: slash commands are answered in their own reply/,
    );
    expect(reportLine(report.text, "Discord shards")).toMatch(
      /no gateway connection \(DISCORD_GATEWAY=false\)/,
    );
    expect(reportLine(report.text, "Discord interactions endpoint")).toContain(
      "not checked against the application",
    );
  });
});
