/**
 * The Slack adapter without loading Bolt until it starts: the composition root imports this, so
 * `ask`, `chat` and `models` start as fast as before.
 */
import type { Adapter, BotHandle } from "../../src/core/types.js";
import { BotError } from "../../src/errors.js";
import type { SlackAdapterOptions } from "./adapter.js";

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
      const { createSlackAdapter } = await import("./adapter.js");
      adapter = createSlackAdapter(options);
      await adapter.start(bot);
    },
    async stop() {
      await adapter?.stop();
    },
  };
}
