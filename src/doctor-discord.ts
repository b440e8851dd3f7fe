/**
 * `doctor`'s Discord checks, over plain REST (discord.js stays inside adapters/): the token (who it
 * logs in as), the application id (set, or read from the token), and whether the slash commands are
 * registered. The token is sent to DISCORD_API_URL only, and never printed.
 */
import { COMMANDS } from "../commands/index.js";
import type { Config } from "./config/index.js";
import { errorSummary } from "./errors.js";

/** One line of the doctor's report. */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

type Answer = { status: number; body: unknown } | Error;

async function getJson(url: string, token: string, timeoutMs: number): Promise<Answer> {
  try {
    const response = await fetch(url, {
      headers: { authorization: `Bot ${token}`, accept: "application/json" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: response.status, body };
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

function field(body: unknown, name: string): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** What went wrong with a call, without the token (errorSummary redacts, and the URL has no token). */
function failure(answer: Answer): string {
  if (answer instanceof Error) return errorSummary(answer);
  const message = field(answer.body, "message");
  return `HTTP ${answer.status}${message ? `: ${message}` : ""}`;
}

/** The permissions README's "Run it on Discord" lists (View Channels … Read Message History). */
const INVITE_PERMISSIONS = "309237763072";

/** The invite link of an application, with the scopes and permissions the bot needs. */
export function inviteUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot%20applications.commands&permissions=${INVITE_PERMISSIONS}`;
}

const RESET_TOKEN_FIX =
  "reset the token in the Discord Developer Portal (your application → Bot → Reset Token) and put the new one in DISCORD_TOKEN";

/** The Discord checks; none when DISCORD_TOKEN is not set (the bot does not run on Discord). */
export async function discordChecks(config: Config, timeoutMs: number): Promise<DoctorCheck[]> {
  const token = config.DISCORD_TOKEN;
  if (!token) return [];
  const api = `${config.DISCORD_API_URL.replace(/\/+$/, "")}/v10`;
  const checks: DoctorCheck[] = [];

  const me = await getJson(`${api}/users/@me`, token, timeoutMs);
  const tokenWorks = !(me instanceof Error) && me.status === 200;
  if (tokenWorks) {
    const name = field(me.body, "username") ?? "an unnamed bot";
    const discriminator = field(me.body, "discriminator");
    const tag = discriminator && discriminator !== "0" ? `${name}#${discriminator}` : name;
    checks.push({ name: "Discord bot", ok: true, detail: `the token logs in as ${tag}` });
  } else if (!(me instanceof Error) && me.status === 401) {
    checks.push({
      name: "Discord bot",
      ok: false,
      detail: "the token is invalid (Discord answered 401 Unauthorized to DISCORD_TOKEN)",
      fix: RESET_TOKEN_FIX,
    });
  } else {
    checks.push({
      name: "Discord bot",
      ok: false,
      detail: `${config.DISCORD_API_URL} cannot be reached or refused the token check (${failure(me)})`,
      fix: "check DISCORD_API_URL (default https://discord.com/api) and the network",
    });
  }

  // The application: set, or read from the token (deploy-commands does the same).
  let applicationId = config.DISCORD_APP_ID;
  if (tokenWorks) {
    const application = await getJson(`${api}/applications/@me`, token, timeoutMs);
    const derived = application instanceof Error ? undefined : field(application.body, "id");
    if (!applicationId && derived) {
      applicationId = derived;
      checks.push({
        name: "Discord application",
        ok: true,
        detail: `DISCORD_APP_ID is not set; read from the token: ${derived} (invite: ${inviteUrl(derived)})`,
      });
    } else if (!applicationId) {
      checks.push({
        name: "Discord application",
        ok: false,
        detail: `DISCORD_APP_ID is not set and the token's application could not be read (${failure(application)})`,
        fix: "set DISCORD_APP_ID to the Application ID (Developer Portal → General Information)",
      });
    } else if (derived && derived !== applicationId) {
      checks.push({
        name: "Discord application",
        ok: false,
        detail: `DISCORD_APP_ID is ${applicationId}, but the token belongs to application ${derived}`,
        fix: `set DISCORD_APP_ID=${derived}, or leave it unset to read it from the token`,
      });
      applicationId = derived;
    } else {
      checks.push({
        name: "Discord application",
        ok: true,
        detail: `DISCORD_APP_ID = ${applicationId} (invite: ${inviteUrl(applicationId)})`,
      });
    }
  } else {
    checks.push(
      applicationId
        ? {
            name: "Discord application",
            ok: true,
            detail: `DISCORD_APP_ID = ${applicationId} (not checked: the token does not work)`,
          }
        : {
            name: "Discord application",
            ok: false,
            detail: "DISCORD_APP_ID is not set, and it cannot be read from a token that does not work",
            fix: "fix the token, or set DISCORD_APP_ID to the Application ID (Developer Portal → General Information)",
          },
    );
  }

  // The slash commands: registered by `deploy-commands`, never on start.
  const scope = config.DISCORD_GUILD_ID ? `server ${config.DISCORD_GUILD_ID}` : "global";
  const deploy = `run \`hugginggpt-bot deploy-commands\` (again whenever commands change)${config.DISCORD_GUILD_ID ? "" : "; set DISCORD_GUILD_ID first for instant updates in one server"}`;
  if (tokenWorks && applicationId) {
    const route = config.DISCORD_GUILD_ID
      ? `${api}/applications/${applicationId}/guilds/${config.DISCORD_GUILD_ID}/commands`
      : `${api}/applications/${applicationId}/commands`;
    const registered = await getJson(route, token, timeoutMs);
    const names =
      !(registered instanceof Error) && registered.status === 200 && Array.isArray(registered.body)
        ? registered.body.map((command) => field(command, "name")).filter((name) => name !== undefined)
        : undefined;
    const missing = names
      ? COMMANDS.map((command) => command.name).filter((name) => !names.includes(name))
      : [];
    checks.push(
      !names
        ? {
            name: "Discord commands",
            ok: false,
            detail: `the ${scope} slash commands could not be listed (${failure(registered)})`,
            fix: deploy,
          }
        : missing.length > 0
          ? {
              name: "Discord commands",
              ok: false,
              detail: `${missing.map((name) => `/${name}`).join(", ")} ${missing.length === 1 ? "is" : "are"} not registered (${scope})`,
              fix: deploy,
            }
          : {
              name: "Discord commands",
              ok: true,
              detail: `${names.length} slash commands registered (${scope}); after changing commands, run \`hugginggpt-bot deploy-commands\` again`,
            },
    );
  } else {
    checks.push({
      name: "Discord commands",
      ok: false,
      detail: "not checked (the token or the application id does not work)",
      fix: `once the token works, ${deploy}`,
    });
  }
  return checks;
}
