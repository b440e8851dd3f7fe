import type { Config } from "../config/index.js";
import type { ChannelSettings } from "./fields.js";

/**
 * The settings the environment gives, which apply wherever no admin set anything: INFERENCE_MODE,
 * MODEL_SELECTION, SAFETY_CHECK, conversation memory on unless MEMORY_TURNS is 0, every task, and
 * answers in the user's own language.
 */
export function environmentSettingsFrom(
  config: Pick<Config, "INFERENCE_MODE" | "MODEL_SELECTION" | "SAFETY_CHECK" | "MEMORY_TURNS">,
): ChannelSettings {
  return {
    mode: config.INFERENCE_MODE,
    selection: config.MODEL_SELECTION,
    tasks: "all",
    safety: config.SAFETY_CHECK,
    language: "auto",
    memory: config.MEMORY_TURNS > 0,
  };
}
