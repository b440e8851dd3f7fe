import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createLazySlackAdapter, type LazySlackAdapterOptions } from "../../../../adapters/slack/lazy.js";
import type { BotHandle } from "../../../../src/core/types.js";
import { BotError } from "../../../../src/errors.js";
import { createStorage } from "../../../../src/storage/index.js";

/** The adapter never reaches the bot: it refuses before Bolt is loaded. */
const bot = {} as BotHandle;

function storage() {
  const opened = createStorage();
  return {
    kv: opened.namespace<unknown>("slack-installations", 0),
    keys: () => opened.keys("slack-installations"),
  };
}

async function refusal(options: Omit<LazySlackAdapterOptions, "apiUrl" | "port">): Promise<string> {
  try {
    await createLazySlackAdapter({ apiUrl: "http://127.0.0.1:9/api/", port: 0, ...options }).start(bot);
  } catch (error) {
    if (error instanceof BotError) return error.userMessage;
    throw error;
  }
  throw new Error("expected start to refuse");
}

describe("starting Slack checks the configuration first", () => {
  it("names the install flow's variables that are missing, with where to find them", async () => {
    const message = await refusal({
      signingSecret: "secret",
      oauth: { clientId: "1.2", storage: storage() },
    });
    expect(message).toContain("SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, SLACK_INSTALLATION_KEY are not set");
    expect(message).toContain("openssl rand -base64 32");
    const one = await refusal({
      signingSecret: "secret",
      oauth: { clientId: "1.2", clientSecret: "s", stateSecret: "x".repeat(20), storage: storage() },
    });
    expect(one).toContain("SLACK_INSTALLATION_KEY is not set");
  });

  it("asks for a way for Slack to reach the bot, in either mode", async () => {
    expect(await refusal({ botToken: "xoxb-1" })).toContain("SLACK_SIGNING_SECRET");
    const oauth = await refusal({
      oauth: {
        clientId: "1.2",
        clientSecret: "s",
        stateSecret: "x".repeat(20),
        installationKey: randomBytes(32),
        storage: storage(),
      },
    });
    expect(oauth).toContain("events and the install pages over HTTP");
  });

  it("refuses a token pasted into the wrong variable", async () => {
    expect(await refusal({ botToken: "xapp-1-A-1", signingSecret: "s" })).toContain("xoxb-");
    expect(await refusal({ botToken: "xoxb-1", appToken: "xoxb-2" })).toContain("xapp-");
  });
});
