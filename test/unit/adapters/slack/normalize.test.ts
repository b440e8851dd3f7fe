import { describe, expect, it } from "vitest";
import {
  isPersonMessage,
  mentionsBot,
  requestText,
  type SlackMessageEvent,
  slackAttachment,
  withoutSlackMention,
} from "../../../../adapters/slack/normalize.js";

const PNG = new Uint8Array([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52,
]);

function event(fields: Partial<SlackMessageEvent>): SlackMessageEvent {
  return { type: "message", channel: "C1", ts: "1.0", user: "U1", text: "hi", ...fields };
}

/** A fetch that answers with `body` and records the URL and the authorization header. */
function recordingFetch(body: Uint8Array | string, contentType: string) {
  const seen: Array<{ url: string; authorization: string | null }> = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    seen.push({ url: String(input), authorization: new Headers(init?.headers).get("authorization") });
    return new Response(body, { status: 200, headers: { "content-type": contentType } });
  };
  return { fetch, seen };
}

const signal = new AbortController().signal;

describe("Slack message events", () => {
  it("takes people's messages, with files or in a thread broadcast, and nothing else", () => {
    expect(isPersonMessage(event({}), "U0BOT")).toBe(true);
    expect(isPersonMessage(event({ subtype: "file_share" }), "U0BOT")).toBe(true);
    expect(isPersonMessage(event({ subtype: "thread_broadcast" }), "U0BOT")).toBe(true);
    expect(isPersonMessage(event({ user: "U0BOT" }), "U0BOT")).toBe(false);
    expect(isPersonMessage(event({ bot_id: "B2" }), "U0BOT")).toBe(false);
    expect(isPersonMessage(event({ subtype: "message_changed" }), "U0BOT")).toBe(false);
    expect(isPersonMessage(event({ subtype: "channel_join" }), "U0BOT")).toBe(false);
    expect(isPersonMessage(event({ user: null }), "U0BOT")).toBe(false);
  });

  it("takes the bot's mention out of the text, with or without a label", () => {
    expect(withoutSlackMention("<@U0BOT> what is this?", "U0BOT")).toBe("what is this?");
    expect(withoutSlackMention("hey <@U0BOT|hugginggpt> draw <@U7>", "U0BOT")).toBe("hey draw <@U7>");
    expect(mentionsBot("ping <@U0BOT|x>", "U0BOT")).toBe(true);
    expect(mentionsBot("ping <@U7>", "U0BOT")).toBe(false);
  });
});

describe("the text of a request", () => {
  it("undoes Slack's encoding: links, mentions, channels, broadcasts and & < >", () => {
    expect(requestText("<@U0BOT> fetch <https://x.io/a?b=1&amp;c=2>", "U0BOT")).toBe(
      "fetch https://x.io/a?b=1&c=2",
    );
    expect(requestText("see <https://x.io|the docs> and <mailto:a@b.io|a@b.io>", "U0BOT")).toBe(
      "see the docs (https://x.io) and a@b.io",
    );
    expect(requestText("ask <@U7|alice> in <#C1|general> <!here>", "U0BOT")).toBe(
      "ask @alice in #general @here",
    );
    expect(requestText("is 1 &lt; 2 &amp;&amp; 3 &gt; 2?", "U0BOT")).toBe("is 1 < 2 && 3 > 2?");
    expect(requestText("&amp;lt; stays literal", "U0BOT")).toBe("&lt; stays literal");
  });
});

describe("Slack files", () => {
  const file = {
    id: "F1",
    name: "cat.png",
    mimetype: "image/png",
    size: PNG.byteLength,
    url_private: "https://files.slack.com/files-pri/T1-F1/cat.png",
  };

  it("downloads url_private with the bot token and checks the bytes", async () => {
    const { fetch, seen } = recordingFetch(PNG, "image/png");
    const attachment = slackAttachment(file, { token: "xoxb-1", apiUrl: "https://slack.com/api/", fetch });
    expect(await attachment.fetch({ signal, maxBytes: 1000 })).toEqual(PNG);
    expect(seen).toEqual([{ url: file.url_private, authorization: "Bearer xoxb-1" }]);
  });

  it("never sends the token to another host", async () => {
    const { fetch, seen } = recordingFetch(PNG, "image/png");
    const attachment = slackAttachment(
      { ...file, url_private: "https://evil.example/cat.png" },
      { token: "xoxb-1", apiUrl: "https://slack.com/api/", fetch },
    );
    await expect(attachment.fetch({ signal, maxBytes: 1000 })).rejects.toMatchObject({ code: "url_refused" });
    expect(seen).toEqual([]);
  });

  it("refuses an oversized file by its reported size, before any download", async () => {
    const { fetch, seen } = recordingFetch(PNG, "image/png");
    const attachment = slackAttachment(
      { ...file, size: 10_000_000 },
      { token: "xoxb-1", apiUrl: "https://slack.com/api/", fetch },
    );
    await expect(attachment.fetch({ signal, maxBytes: 1000 })).rejects.toMatchObject({
      code: "input_too_large",
    });
    expect(seen).toEqual([]);
  });

  it("says so when Slack answers with its sign-in page", async () => {
    const { fetch } = recordingFetch("<!DOCTYPE html><html><body>Sign in</body></html>", "text/html");
    const attachment = slackAttachment(file, { token: "xoxb-1", apiUrl: "https://slack.com/api/", fetch });
    await expect(attachment.fetch({ signal, maxBytes: 1000 })).rejects.toMatchObject({
      userMessage: expect.stringContaining("sign-in page"),
    });
  });

  it("says when Slack hides a file from the bot", async () => {
    const attachment = slackAttachment(
      { id: "F2", name: "old.png", mode: "hidden_by_limit" },
      { token: "xoxb-1", apiUrl: "https://slack.com/api/" },
    );
    await expect(attachment.fetch({ signal, maxBytes: 1000 })).rejects.toMatchObject({
      userMessage: expect.stringContaining("Slack does not let me read old.png"),
    });
  });
});

describe("Slack files sent by id only", () => {
  it("looks the file up with files.info before downloading it", async () => {
    const { fetch, seen } = recordingFetch(PNG, "image/png");
    const looked: string[] = [];
    const attachment = slackAttachment(
      { id: "F9", file_access: "check_file_info" },
      {
        token: "xoxb-1",
        apiUrl: "https://slack.com/api/",
        fetch,
        async lookup(id) {
          looked.push(id);
          return {
            id,
            name: "f.png",
            mimetype: "image/png",
            size: PNG.byteLength,
            url_private: "https://files.slack.com/files-pri/T1-F9/f.png",
          };
        },
      },
    );
    expect(await attachment.fetch({ signal, maxBytes: 1000 })).toEqual(PNG);
    expect(looked).toEqual(["F9"]);
    expect(seen[0]?.url).toBe("https://files.slack.com/files-pri/T1-F9/f.png");
  });
});
