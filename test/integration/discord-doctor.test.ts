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
