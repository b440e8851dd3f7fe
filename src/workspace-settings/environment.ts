import type { Config } from "../config/index.js";
import { type ChannelSettings, type SettingsCapabilities, servableModes } from "./fields.js";

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

/** What the composition root knows about this deployment, for `deploymentCapabilities`. */
export interface Deployment {
  /** This machine's experts or the operator's model server are configured. */
  nearby: boolean;
  /** Hugging Face's hosted models are configured. */
  hosted: boolean;
  /** A language model is configured. */
  llm: boolean;
  /** MEMORY_TURNS. */
  memoryTurns: number;
  /** Whether the image safety classifier can run here (its packages are installed). */
  safetyCheck(): Promise<boolean>;
}

/** What this deployment can serve, as `/settings` checks values against it. */
export async function deploymentCapabilities(deployment: Deployment): Promise<SettingsCapabilities> {
  return {
    modes: servableModes(deployment),
    llm: deployment.llm,
    safetyCheck: await deployment.safetyCheck(),
    memory: deployment.memoryTurns > 0,
  };
}
