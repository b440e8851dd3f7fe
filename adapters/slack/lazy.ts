/**
 * The Slack adapter without loading Bolt until it starts: the composition root imports this, so
 * `ask`, `chat` and `models` start as fast as before.
 */
import type { Adapter, BotHandle, Postman } from "../../src/core/types.js";
import { BotError } from "../../src/errors.js";
import type { SlackAdapterOptions } from "./adapter.js";
import type { SlackPostmanOptions } from "./postman.js";

/** `createSlackAdapter(options)`, with Bolt loaded by `start`. */
export function createLazySlackAdapter(options: SlackAdapterOptions): Adapter {
  let adapter: Adapter | undefined;
  return {
    platform: "slack",
    async start(bot: BotHandle) {
      if (!options.signingSecret && !options.appToken) {
        throw new BotError(
          "config_invalid",
          "SLACK_BOT_TOKEN without SLACK_SIGNING_SECRET or SLACK_APP_TOKEN",
          {
            userMessage:
              "Slack needs SLACK_SIGNING_SECRET (events over HTTP at /slack/events) or SLACK_APP_TOKEN (Socket Mode) besides SLACK_BOT_TOKEN.",
          },
        );
      }
      // A token pasted into the wrong variable would make Slack refuse every call later, less clearly.
      if (!options.botToken.startsWith("xoxb-")) {
        throw new BotError("config_invalid", "SLACK_BOT_TOKEN is not a bot token", {
          userMessage:
            "SLACK_BOT_TOKEN must be the app's Bot User OAuth Token (xoxb-…, under OAuth & Permissions).",
        });
      }
      if (options.appToken !== undefined && !options.appToken.startsWith("xapp-")) {
        throw new BotError("config_invalid", "SLACK_APP_TOKEN is not an app-level token", {
          userMessage:
            "SLACK_APP_TOKEN must be an app-level token (xapp-…, Basic Information → App-Level Tokens, with connections:write).",
        });
      }
      const { createSlackAdapter } = await import("./adapter.js");
      adapter = createSlackAdapter(options);
      await adapter.start(bot);
    },
    async stop() {
      await adapter?.stop();
    },
  };
}

/** The Slack postman of a worker (postman.ts), with the Web API client loaded only then. */
export async function loadSlackPostman(options: SlackPostmanOptions): Promise<Postman> {
  const { createSlackPostman } = await import("./postman.js");
  return createSlackPostman(options);
}
