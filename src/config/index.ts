import { BotError } from "../errors.js";
import { VARIABLES, type VariableName } from "./variables.js";

export { VARIABLES, type Variable, type VariableName } from "./variables.js";

type Schemas = typeof VARIABLES;
/** The validated configuration: each variable parsed by its schema. */
export type Config = { [K in VariableName]: import("zod").output<Schemas[K]["schema"]> };

/**
 * Validates the environment once, at start. Every problem is reported, each naming its variable,
 * so a user fixes them all in one go. Empty strings count as unset (as .env files often leave them).
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
