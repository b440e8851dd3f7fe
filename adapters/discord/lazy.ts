/**
 * The Discord adapter and `deploy-commands` without loading discord.js until they are used: the
 * composition root imports this, so `ask`, `chat` and `models` start as fast as before.
 */
import type { Adapter, BotHandle } from "../../src/core/types.js";
import type { DiscordAdapterOptions } from "./adapter.js";
import type { DeployOptions, DeployResult } from "./commands.js";

/** `createDiscordAdapter(options)`, with discord.js loaded by `start`. */
export function createLazyDiscordAdapter(options: DiscordAdapterOptions): Adapter {
  let adapter: Adapter | undefined;
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
