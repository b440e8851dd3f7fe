/** The Discord adapter: the only code besides the Slack adapter that imports a platform SDK. */
export { createDiscordAdapter, type DiscordAdapter, type DiscordAdapterOptions } from "./adapter.js";
export { createDiscordApi, type DiscordApi } from "./api.js";
export {
  type DeployOptions,
  type DeployResult,
  deployCommands,
  discordOptionName,
  slashCommands,
} from "./commands.js";
export {
  discordAttachment,
  threadName,
  uploadLimitOfTier,
  withoutMention,
} from "./normalize.js";
export { composeMessages, DISCORD_LIMITS, fitFiles, splitMessage, summaryEmbeds } from "./render.js";
export { channelTarget, deliver, fixedPlace, interactionTarget, threadPlace } from "./targets.js";
