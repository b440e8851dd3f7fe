/**
 * `doctor`'s Discord checks, over plain REST (discord.js stays inside adapters/): the token (who it
 * logs in as), the application id (set, or read from the token), whether the slash commands are
 * registered, the gateway's shards against Discord's recommendation, and the HTTP interactions
 * endpoint (its key against the application's, its URL in the Developer Portal). The token is sent to
 * DISCORD_API_URL only, and never printed.
 */
import { COMMANDS } from "../commands/index.js";
import { type Config, shardPlan } from "./config/index.js";
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

/** The path of the HTTP interactions endpoint (adapters/discord/endpoint.ts serves it). */
const INTERACTIONS_PATH = "/discord/interactions";

function numberField(body: unknown, name: string): number | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === "number" ? value : undefined;
}

/** What this process runs of the gateway, against what GET /gateway/bot recommends (when it answered). */
function shardsCheck(config: Config, gatewayBot: Answer | undefined): DoctorCheck {
  const name = "Discord shards";
  if (!config.DISCORD_GATEWAY) {
    return {
      name,
      ok: true,
      detail:
        "no gateway connection (DISCORD_GATEWAY=false): slash commands come over the interactions endpoint; mentions, direct messages and thread messages need a process with the gateway",
    };
  }
  const plan = shardPlan(config);
  const body =
    gatewayBot && !(gatewayBot instanceof Error) && gatewayBot.status === 200 ? gatewayBot.body : undefined;
  const recommended = numberField(body, "shards");
  const limits =
    typeof body === "object" && body !== null
      ? (body as Record<string, unknown>).session_start_limit
      : undefined;
  const concurrency = numberField(limits, "max_concurrency");
  const remaining = numberField(limits, "remaining");
  const discordSays =
    recommended === undefined
      ? "Discord's recommendation not read (the token does not work)"
      : `Discord recommends ${recommended} for this application; ${concurrency ?? "?"} IDENTIFY per 5 s (max_concurrency), ${remaining ?? "?"} session starts left today`;
  if (plan.count === "auto") {
    return {
      name,
      ok: true,
      detail: `auto: this process runs every shard Discord recommends; ${discordSays}`,
    };
  }
  const ids = plan.ids ?? Array.from({ length: plan.count }, (_, id) => id);
  const runs =
    plan.ids === undefined
      ? `${plan.count === 1 ? "one shard" : `all ${plan.count} shards`}${config.DISCORD_SHARDS === undefined ? " (DISCORD_SHARDS unset)" : ""}`
      : `${ids.length === 1 ? "shard" : "shards"} ${ids.join(", ")} of ${plan.count} (DISCORD_SHARD_IDS)`;
  const dms = ids.includes(0) ? "" : "; direct messages arrive on shard 0, in the process that runs it";
  const detail = `this process runs ${runs}${dms}; ${discordSays}`;
  if (recommended !== undefined && plan.count < recommended) {
    return {
      name,
      ok: false,
      detail,
      fix: `set DISCORD_SHARDS=${recommended} (or auto), with DISCORD_SHARD_IDS naming each process's part; a shard with too many servers is refused by Discord (close code 4011)`,
    };
  }
  return { name, ok: true, detail };
}

/** The interactions endpoint: where it is served, and its key and URL against the application's. */
function endpointCheck(config: Config, application: Answer | undefined): DoctorCheck | undefined {
  const publicKey = config.DISCORD_PUBLIC_KEY;
  if (!publicKey) return undefined;
  const name = "Discord interactions endpoint";
  const slackShares = config.SLACK_BOT_TOKEN !== undefined && config.SLACK_APP_TOKEN === undefined;
  const served = `POST ${INTERACTIONS_PATH} on PORT ${config.PORT}${slackShares ? ", beside Slack's /slack/events" : ""}`;
  const body =
    application && !(application instanceof Error) && application.status === 200
      ? application.body
      : undefined;
  if (body === undefined) {
    return {
      name,
      ok: true,
      detail: `${served}; the key and URL not checked against the application (the token does not work or is not set)`,
    };
  }
  const verifyKey = field(body, "verify_key");
  if (verifyKey && verifyKey.toLowerCase() !== publicKey) {
    return {
      name,
      ok: false,
      detail: `${served}; DISCORD_PUBLIC_KEY is not this application's public key, so every request would be refused (401)`,
      fix: "copy the Public Key from the Developer Portal (General Information) into DISCORD_PUBLIC_KEY",
    };
  }
  const url = field(body, "interactions_endpoint_url");
  if (!url) {
    return {
      name,
      ok: false,
      detail: `${served}; the application has no Interactions Endpoint URL yet, so slash commands still go to the gateway`,
      fix: `paste https://<public address>${INTERACTIONS_PATH} into Developer Portal → General Information → Interactions Endpoint URL (Discord checks it when you save: the bot must be running)`,
    };
  }
  return { name, ok: true, detail: `${served}; the application's Interactions Endpoint URL is ${url}` };
}

/** The Discord checks; none when neither DISCORD_TOKEN nor DISCORD_PUBLIC_KEY is set (the bot does not run on Discord). */
export async function discordChecks(config: Config, timeoutMs: number): Promise<DoctorCheck[]> {
  const token = config.DISCORD_TOKEN;
  if (!token) {
    if (!config.DISCORD_PUBLIC_KEY) return [];
    const endpoint = endpointCheck(config, undefined);
    return [
      {
        name: "Discord bot",
        ok: true,
        detail:
          "DISCORD_TOKEN is not set: slash commands are answered in their own reply, with no thread on it and nothing after the interaction's 15 minutes",
      },
      shardsCheck(config, undefined),
      ...(endpoint ? [endpoint] : []),
    ];
  }
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
  let application: Answer | undefined;
  if (tokenWorks) {
    application = await getJson(`${api}/applications/@me`, token, timeoutMs);
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

  const gatewayBot =
    tokenWorks && config.DISCORD_GATEWAY ? await getJson(`${api}/gateway/bot`, token, timeoutMs) : undefined;
  checks.push(shardsCheck(config, gatewayBot));
  const endpoint = endpointCheck(config, application);
  if (endpoint) checks.push(endpoint);
  return checks;
}
