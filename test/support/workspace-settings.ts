/**
 * The settings of the tests of `/settings`: an environment that sets the defaults, and a deployment
 * that can serve every value.
 */
import type { ChannelSettings, SettingsCapabilities } from "../../src/workspace-settings/index.js";

/** The environment's settings: hybrid, the LLM's choice, every task, safety on, the user's language, memory on. */
export const TEST_ENVIRONMENT: ChannelSettings = {
  mode: "hybrid",
  selection: "llm",
  tasks: "all",
  safety: true,
  language: "auto",
  memory: true,
};

/** A deployment that can serve every value of every setting. */
export const SERVES_EVERYTHING: SettingsCapabilities = {
  modes: ["local", "local-first", "hosted", "hybrid"],
  llm: true,
  safetyCheck: true,
  memory: true,
};
