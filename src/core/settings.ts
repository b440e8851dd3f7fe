import { type Config, loadConfig } from "../config/index.js";
import type { MemorySettings } from "./memory.js";
import type { RateLimitSettings } from "./rate-limit.js";

/** The bot loop's limits, in the units the code uses (bytes, milliseconds). */
export interface BotSettings {
  /** Largest attachment, checked against the size the platform reports before any download. */
  maxFileBytes: number;
  downloadTimeoutMs: number;
  rateLimit: RateLimitSettings;
  /** Pipelines running at once, over all threads. */
  maxConcurrent: number;
  /** Requests waiting for a slot or for the earlier request of their thread; more are refused. */
  maxQueued: number;
  /** Server/workspace ids; empty = all. An entry may also be written `platform:id`. */
  allowedWorkspaces: readonly string[];
  /** Channel ids; empty = all. An entry may also be written `platform:id`. */
  allowedChannels: readonly string[];
  memory: MemorySettings & { ttlMs: number };
  /** The least time between two edits of a progress message. */
  progressIntervalMs: number;
  /** How long an event id is remembered to drop redeliveries. */
  dedupeTtlMs: number;
}

const HOUR = 3_600_000;

/** The bot's settings from the validated configuration. */
export function botSettingsFrom(config: Config): BotSettings {
  return {
    maxFileBytes: config.MAX_FILE_MB * 1024 * 1024,
    downloadTimeoutMs: config.DOWNLOAD_TIMEOUT_SECONDS * 1000,
    rateLimit: { requests: config.RATE_LIMIT_REQUESTS, windowMs: config.RATE_LIMIT_WINDOW_SECONDS * 1000 },
    maxConcurrent: config.MAX_CONCURRENT_REQUESTS,
    maxQueued: config.MAX_QUEUED_REQUESTS,
    allowedWorkspaces: config.ALLOWED_WORKSPACES,
    allowedChannels: config.ALLOWED_CHANNELS,
    memory: {
      turns: config.MEMORY_TURNS,
      maxBytes: config.MEMORY_MB * 1024 * 1024,
      ttlMs: config.MEMORY_TTL_HOURS * HOUR,
    },
    progressIntervalMs: 1_000,
    dedupeTtlMs: 24 * HOUR,
  };
}

/** The settings of an unconfigured bot (every variable at its default), for tests and tools. */
export function defaultBotSettings(): BotSettings {
  return botSettingsFrom(loadConfig({}));
}
