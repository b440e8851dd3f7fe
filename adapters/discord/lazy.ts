/**
 * The Discord adapter and `deploy-commands` without loading discord.js until they are used: the
 * composition root imports this, so `ask`, `chat` and `models` start as fast as before.
 */
import type { Adapter, BotHandle, Postman } from "../../src/core/types.js";
import type { HttpRoute } from "../shared/http-routes.js";
import type { DiscordAdapter, DiscordAdapterOptions } from "./adapter.js";
import type { DeployOptions, DeployResult } from "./commands.js";
import { answerNotStarted, INTERACTIONS_PATH } from "./endpoint.js";
import type { DiscordPostmanOptions } from "./postman.js";

/** The adapter's options, with another server to hand the interactions endpoint's route to. */
export interface LazyDiscordAdapterOptions extends DiscordAdapterOptions {
  /**
   * Hands `POST /discord/interactions` to the server that owns PORT (Slack's HTTP receiver), at once:
   * that server may start before discord.js is loaded. Used when `interactions.listen` is not set.
   */
  mountInteractions?: (route: HttpRoute) => void;
}

/** `createDiscordAdapter(options)`, with discord.js loaded by `start`. */
export function createLazyDiscordAdapter(options: LazyDiscordAdapterOptions): Adapter {
  let adapter: DiscordAdapter | undefined;
  if (options.interactions && !options.interactions.listen && options.mountInteractions) {
    options.mountInteractions({
      method: "POST",
      path: INTERACTIONS_PATH,
      handler(request, response) {
        const route = adapter?.interactionsRoute;
        if (route) {
          route.handler(request, response);
          return;
        }
        answerNotStarted(request, response);
      },
    });
  }
  return {
    platform: "discord",
    async start(bot: BotHandle) {
      const { createDiscordAdapter } = await import("./adapter.js");
      adapter = createDiscordAdapter(options);
      await adapter.start(bot);
    },
    async stop() {
      await adapter?.stop();
    },
  };
}

/** `deployCommands(options)`, with discord.js loaded now. */
export async function deployCommandsLazily(options: DeployOptions): Promise<DeployResult> {
  const { deployCommands } = await import("./commands.js");
  return deployCommands(options);
}

/** The Discord postman of a worker (postman.ts), with discord.js loaded only then. */
export async function loadDiscordPostman(options: DiscordPostmanOptions): Promise<Postman> {
  const { createDiscordPostman } = await import("./postman.js");
  return createDiscordPostman(options);
}
