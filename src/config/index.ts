import { BotError } from "../errors.js";
import { crossVariableProblems } from "./rules.js";
import { VARIABLES, type VariableName } from "./variables.js";

export { type ShardPlan, shardPlan } from "./rules.js";
export { VARIABLES, type Variable, type VariableName } from "./variables.js";

type Schemas = typeof VARIABLES;
/** The validated configuration: each variable parsed by its schema. */
export type Config = { [K in VariableName]: import("zod").output<Schemas[K]["schema"]> };

/**
 * Validates the environment once, at start. Every problem is reported, each naming its variable,
 * so a user fixes them all in one go; then the variables that only make sense together (rules.ts).
 * Empty strings count as unset (as .env files often leave them).
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const config: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const variable of Object.values(VARIABLES)) {
    const raw = env[variable.name];
    const value = raw === undefined || raw.trim() === "" ? variable.default : raw;
    const parsed = variable.schema.safeParse(value);
    if (parsed.success) {
      config[variable.name] = parsed.data;
    } else {
      const reason = parsed.error.issues[0]?.message ?? "is invalid";
      const shown = variable.secret ? "" : ` (got ${JSON.stringify(raw)})`;
      problems.push(`${variable.name} ${reason}${shown}`);
    }
  }
  // Variables that depend on each other are checked once each is valid on its own.
  if (problems.length === 0) problems.push(...crossVariableProblems(config as Config));
  if (problems.length > 0) {
    const message = `Invalid configuration: ${problems.join("; ")}`;
    throw new BotError("config_invalid", message, { userMessage: message });
  }
  return config as Config;
}

/** The values that must never appear in logs or chat. */
export function secretValues(env: Record<string, string | undefined> = process.env): string[] {
  return Object.values(VARIABLES)
    .filter((variable) => variable.secret)
    .map((variable) => env[variable.name]?.trim())
    .filter((value): value is string => value !== undefined && value.length >= 6);
}

/**
 * Whether any variable of Slack's install flow is set: the bot is then installed in many workspaces
 * (and the Slack adapter says which of the four is missing, if one is).
 */
export function slackInstallFlowRequested(config: Config): boolean {
  return [
    config.SLACK_CLIENT_ID,
    config.SLACK_CLIENT_SECRET,
    config.SLACK_STATE_SECRET,
    config.SLACK_INSTALLATION_KEY,
  ].some((value) => value !== undefined);
}

/** Whether Hugging Face's hosted inference is usable: a token, or a self-hosted endpoint that needs none. */
export function hostedConfigured(config: Config): boolean {
  return config.HF_TOKEN !== undefined || config.HF_INFERENCE_ENDPOINT !== undefined;
}

/** Whether an LLM is configured: a key, or a base URL of a server that needs none (Ollama, vLLM). */
export function llmConfigured(config: Config): boolean {
  return config.OPENAI_API_KEY !== undefined || config.OPENAI_BASE_URL !== "https://api.openai.com/v1";
}

/**
 * The model servers the operator configured, as `host:port`: links in requests and plans may point at
 * them although they are private addresses (the guarded fetch's `allowPrivateHosts`), never elsewhere
 * private.
 */
export function configuredEndpointHosts(config: Config): string[] {
  return [config.HF_INFERENCE_ENDPOINT, config.LOCAL_INFERENCE_ENDPOINT, config.HF_ENDPOINT]
    .filter((endpoint): endpoint is string => endpoint !== undefined)
    .map((endpoint) => {
      const url = new URL(endpoint);
      return `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
    });
}
