import { describe, expect, it } from "vitest";
import type { ChatInputPayload } from "../../../../adapters/discord/interaction-schema.js";
import { commandFromPayload } from "../../../../adapters/discord/slash.js";
import { COMMANDS } from "../../../../commands/index.js";

const downloaded: string[] = [];
const downloads = {
  maxBytes: 1000,
  timeoutMs: 1000,
  fetch: (async (input) => {
    downloaded.push(String(input));
    return new Response(new Uint8Array(5));
  }) as typeof globalThis.fetch,
};

/** 2024-01-01T00:00:00Z as a snowflake's timestamp. */
const ID = ((1_704_067_200_000n - 1_420_070_400_000n) << 22n).toString();

function payload(extra: Partial<ChatInputPayload>): ChatInputPayload {
  return {
    type: 2,
    id: ID,
    application_id: "1200000000000000001",
    token: "the-token",
    data: { name: "ask", type: 1, options: [{ name: "prompt", type: 3, value: "what is this?" }] },
    channel: { id: "1100000000000000001", type: 0 },
    guild_id: "1000000000000000001",
    member: { user: { id: "900000000000000001", username: "alice" } },
    attachment_size_limit: 26_214_400,
    ...extra,
  };
}

describe("a slash command from the interactions endpoint's payload", () => {
  it("takes the member's user in a guild, the prompt, the upload limit and the time from the id", () => {
    const command = commandFromPayload(payload({}), COMMANDS, downloads);
    expect(command).toMatchObject({
      id: ID,
      applicationId: "1200000000000000001",
      token: "the-token",
      createdAt: 1_704_067_200_000,
      name: "ask",
      channelId: "1100000000000000001",
      guildId: "1000000000000000001",
      inThread: false,
      threadParentId: undefined,
      user: { id: "900000000000000001", name: "alice", isBot: false },
      prompt: "what is this?",
      options: { prompt: "what is this?" },
      uploadLimit: 26_214_400,
    });
  });

  it("marks private commands (usage)", () => {
    expect(commandFromPayload(payload({}), COMMANDS, downloads)).toMatchObject({ private: false });
    const usage = commandFromPayload(payload({ data: { name: "usage", type: 1 } }), COMMANDS, downloads);
    expect(usage.private).toBe(true);
  });

  it("resolves attachment options from data.resolved and starts their download", () => {
    const url = "http://127.0.0.1:9/ephemeral-attachments/1/2/cat.png?ex=1";
    const command = commandFromPayload(
      payload({
        data: {
          name: "ask",
          type: 1,
          options: [
            { name: "prompt", type: 3, value: "detect" },
            { name: "file", type: 11, value: "555" },
            { name: "file2", type: 11, value: "missing" },
          ],
          resolved: {
            attachments: {
              "555": { id: "555", filename: "cat.png", size: 5, url, content_type: "image/png" },
            },
          },
        },
      }),
      COMMANDS,
      downloads,
    );
    expect(Object.keys(command.options).sort()).toEqual(["file1", "prompt"]);
    expect(command.options.file1).toMatchObject({ name: "cat.png", mime: "image/png", size: 5, url });
    expect(downloaded).toContain(url);
  });

  it("takes the user in a direct message, and the parent of a thread", () => {
    const { member: _member, guild_id: _guild, ...direct } = payload({});
    const dm = commandFromPayload(
      { ...direct, channel: { id: "77", type: 1 }, user: { id: "8", username: "bob", bot: false } },
      COMMANDS,
      downloads,
    );
    expect(dm).toMatchObject({ guildId: undefined, user: { id: "8", name: "bob" }, inThread: false });
    const inThread = commandFromPayload(
      payload({ channel: { id: "66", type: 11, parent_id: "1100000000000000001" } }),
      COMMANDS,
      downloads,
    );
    expect(inThread).toMatchObject({
      channelId: "66",
      inThread: true,
      threadParentId: "1100000000000000001",
    });
  });

  it("falls back to Discord's default upload limit, and ignores options of the wrong type", () => {
    const { attachment_size_limit: _limit, ...withoutLimit } = payload({
      data: { name: "models", type: 1, options: [{ name: "task", type: 4, value: 3 }] },
    });
    const command = commandFromPayload(withoutLimit, COMMANDS, downloads);
    expect(command.uploadLimit).toBe(10 * 1024 * 1024);
    expect(command.options).toEqual({});
    expect(command.prompt).toBeUndefined();
  });

  it("tells an admin of the server by the member's permissions: Manage Server or Administrator", async () => {
    const admin = async (permissions: string | undefined) => {
      const user = { id: "900000000000000001", username: "alice" };
      const command = commandFromPayload(
        payload({ member: { user, ...(permissions !== undefined ? { permissions } : {}) } }),
        COMMANDS,
        downloads,
      );
      return command.user.isWorkspaceAdmin?.();
    };
    expect(await admin(String(1n << 5n))).toBe(true);
    expect(await admin(String((1n << 3n) | (1n << 11n)))).toBe(true);
    expect(await admin(String((1n << 10n) | (1n << 11n) | (1n << 31n)))).toBe(false);
    expect(await admin(undefined)).toBe(false);
    // A direct message has no member, and no server to administer.
    const direct = commandFromPayload(
      payload({
        guild_id: undefined,
        member: undefined,
        user: { id: "900000000000000001", username: "alice" },
      }),
      COMMANDS,
      downloads,
    );
    expect(direct.user.isWorkspaceAdmin).toBeUndefined();
  });
});
