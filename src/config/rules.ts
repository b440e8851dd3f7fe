/**
 * What no single variable can check: settings that only make sense together. Each rule names the
 * variables involved and what to set, in the words of the one message `loadConfig` throws.
 */
import type { Config } from "./index.js";

/** The gateway shards this process runs: how many in all, and which of them (undefined: all). */
export interface ShardPlan {
  count: number | "auto";
  ids: number[] | undefined;
}

/** DISCORD_SHARDS and DISCORD_SHARD_IDS as a plan (one shard, id 0, when both are unset). */
export function shardPlan(config: Pick<Config, "DISCORD_SHARDS" | "DISCORD_SHARD_IDS">): ShardPlan {
  return { count: config.DISCORD_SHARDS ?? 1, ids: config.DISCORD_SHARD_IDS };
}

function shardProblems(config: Config): string[] {
  const ids = config.DISCORD_SHARD_IDS;
  if (ids === undefined) return [];
  if (config.DISCORD_SHARDS === "auto") {
    return [
      "DISCORD_SHARD_IDS cannot be used with DISCORD_SHARDS=auto: the count Discord recommends is known only once the bot connects, so the ids could not be checked against it; set DISCORD_SHARDS to the number of shards all the bot's processes run together",
    ];
  }
  const count = config.DISCORD_SHARDS ?? 1;
  const outside = ids.filter((id) => id >= count);
  if (outside.length === 0) return [];
  const unset = config.DISCORD_SHARDS === undefined ? " (DISCORD_SHARDS is unset: one shard)" : "";
  return [
    `DISCORD_SHARD_IDS names ${outside.length === 1 ? "shard" : "shards"} ${outside.join(", ")}, but DISCORD_SHARDS=${count}${unset} has ids 0 to ${count - 1}; set DISCORD_SHARDS to the number of shards all the bot's processes run together`,
  ];
}

function gatewayProblems(config: Config): string[] {
  if (!config.DISCORD_GATEWAY && config.DISCORD_TOKEN !== undefined && !config.DISCORD_PUBLIC_KEY) {
    return [
      "DISCORD_GATEWAY=false leaves Discord no way to reach the bot: set DISCORD_PUBLIC_KEY to take slash commands over the HTTP interactions endpoint, or DISCORD_GATEWAY=true",
    ];
  }
  if (config.DISCORD_GATEWAY && config.DISCORD_PUBLIC_KEY && config.DISCORD_TOKEN === undefined) {
    return [
      "DISCORD_PUBLIC_KEY is set without DISCORD_TOKEN: the gateway connection needs the bot token; set DISCORD_TOKEN, or DISCORD_GATEWAY=false to run only the HTTP interactions endpoint",
    ];
  }
  return [];
}

/** Every problem of variables that depend on each other; empty when they agree. */
export function crossVariableProblems(config: Config): string[] {
  return [...shardProblems(config), ...gatewayProblems(config)];
}
