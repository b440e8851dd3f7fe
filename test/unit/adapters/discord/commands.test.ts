import { describe, expect, it } from "vitest";
import { deployCommands, slashCommands } from "../../../../adapters/discord/commands.js";
import { COMMANDS } from "../../../../commands/index.js";
import { startRecordingServer } from "../../../fakes/recording-server.js";

describe("slash commands", () => {
  it("are built from commands/: /ask prompt file file2 file3 file4, /tasks, /models task, /forget, /help", () => {
    const built = slashCommands(COMMANDS);
    const names = built.map((command) => command.name);
    expect(names).toEqual(expect.arrayContaining(["ask", "tasks", "models", "forget", "help"]));
    const ask = built.find((command) => command.name === "ask");
    expect(ask?.options?.map((option) => [option.name, option.type, option.required])).toEqual([
      ["prompt", 3, true],
      ["file", 11, false],
      ["file2", 11, false],
      ["file3", 11, false],
      ["file4", 11, false],
    ]);
    const models = built.find((command) => command.name === "models");
    expect(models?.options?.map((option) => [option.name, option.type, option.required])).toEqual([
      ["task", 3, true],
    ]);
    for (const command of built) {
      expect(command.name).toMatch(/^[a-z0-9_-]{1,32}$/);
      expect(command.description.length).toBeGreaterThan(0);
      expect(command.description.length).toBeLessThanOrEqual(100);
      for (const option of command.options ?? []) expect(option.description.length).toBeLessThanOrEqual(100);
    }
  });

  it("are registered with one PUT, to a guild or globally, the same every time", async () => {
    const seen: Array<{ method: string; url: string; body: string }> = [];
    const server = await startRecordingServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on("end", () => {
        seen.push({ method: request.method ?? "", url: request.url ?? "", body });
        response.setHeader("content-type", "application/json");
        response.end(
          request.url?.endsWith("/applications/@me") ? JSON.stringify({ id: "app1" }) : body || "[]",
        );
      });
    });
    const apiUrl = `${server.url}/api`;
    try {
      const guild = await deployCommands({ token: "t", apiUrl, guildId: "g1", commands: COMMANDS });
      expect(guild).toMatchObject({ applicationId: "app1", scope: "guild" });
      await deployCommands({ token: "t", apiUrl, applicationId: "app2", commands: COMMANDS });
      await deployCommands({ token: "t", apiUrl, applicationId: "app2", commands: COMMANDS });
    } finally {
      await server.close();
    }
    expect(seen.map((call) => `${call.method} ${call.url}`)).toEqual([
      "GET /api/v10/applications/@me",
      "PUT /api/v10/applications/app1/guilds/g1/commands",
      "PUT /api/v10/applications/app2/commands",
      "PUT /api/v10/applications/app2/commands",
    ]);
    expect(seen[2]?.body).toBe(seen[3]?.body);
  });
});
