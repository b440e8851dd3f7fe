/** `hugginggpt-bot deploy-commands` against the fake Discord: one idempotent PUT, to a guild or globally. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli.js";
import { type FakeDiscord, startFakeDiscord } from "../fakes/discord/index.js";

let discord: FakeDiscord;

beforeAll(async () => {
  discord = await startFakeDiscord();
});

afterAll(async () => {
  await discord?.close();
});

async function run(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await main(["deploy-commands"], {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { LOG_LEVEL: "silent", ...env },
    cwd: process.cwd(),
  });
  return { code, stdout, stderr };
}

describe("deploy-commands", () => {
  it("registers the slash commands to DISCORD_GUILD_ID, the same when run again", async () => {
    const guild = discord.guild();
    const env = { DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id };
    const first = await run(env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("/ask");
    const registered = discord.commands(guild.id);
    const names = registered.map((command) => command.name);
    expect(names).toEqual(expect.arrayContaining(["ask", "tasks", "models", "forget", "help"]));
    const ask = registered.find((command) => command.name === "ask");
    expect(JSON.stringify(ask)).toContain('"name":"file"');

    const second = await run(env);
    expect(second.code).toBe(0);
    expect(discord.commands(guild.id).map((command) => command.id)).toEqual(
      registered.map((command) => command.id),
    );
    expect(discord.commandWrites.filter((write) => write.method === "PUT")).toHaveLength(2);
    expect(discord.commands()).toEqual([]);
  });

  it("registers globally without DISCORD_GUILD_ID, reading the application id from the token", async () => {
    const result = await run({ DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("globally");
    expect(discord.commands().map((command) => command.name)).toContain("ask");
  });

  it("says what to set when DISCORD_TOKEN is missing", async () => {
    const result = await run({ DISCORD_API_URL: discord.apiUrl });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("DISCORD_TOKEN");
  });
});
