/**
 * `doctor`'s Slack checks, over plain HTTP (the Slack SDKs stay inside adapters/): who the bot token
 * signs in as (`auth.test`), whether the app-level token opens a Socket Mode connection
 * (`apps.connections.open`), whether Slack can reach the bot at all (a signing secret or an app
 * token), and with the install flow: whether its variables are all set, whether Slack takes the app's
 * client id and secret, and the workspaces it is installed in. Tokens go to SLACK_API_URL only, and
 * are never printed.
 */
import type { Config } from "./config/index.js";
import { slackInstallFlowRequested } from "./config/index.js";
import type { DoctorCheck } from "./doctor-discord.js";
import { errorSummary } from "./errors.js";

/** An installation as `doctor` lists it (the Slack adapter's store gives them): never a token. */
export interface SlackInstallationListing {
  key: string;
  teamId?: string;
  teamName?: string;
  enterpriseId?: string;
  enterpriseName?: string;
  isEnterpriseInstall: boolean;
  botUserId?: string;
  /** Epoch ms. */
  installedAt: number;
  /** "oauth" (the install flow) or "SLACK_BOT_TOKEN" (adopted at start). */
  source: string;
  /** Why it cannot be used (a key it was not stored under). */
  problem?: string;
}

export interface SlackDoctorOptions {
  /** The stored installations (set when the install flow and its key are configured). */
  installations?: () => Promise<SlackInstallationListing[]>;
}

type SlackAnswer = { ok: boolean; error?: string; user?: string; team?: string } | Error;

async function call(
  apiUrl: string,
  method: string,
  token: string | undefined,
  timeoutMs: number,
  form: Record<string, string> = {},
): Promise<SlackAnswer> {
  try {
    const response = await fetch(`${apiUrl}${method}`, {
      method: "POST",
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        "content-type": "application/x-www-form-urlencoded",
      },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (typeof body !== "object" || body === null)
      return new Error(`HTTP ${response.status}, not Slack's JSON`);
    const record = body as Record<string, unknown>;
    return {
      ok: record.ok === true,
      ...(typeof record.error === "string" ? { error: record.error } : {}),
      ...(typeof record.user === "string" ? { user: record.user } : {}),
      ...(typeof record.team === "string" ? { team: record.team } : {}),
    };
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

async function tokenCheck(config: Config, token: string, timeoutMs: number): Promise<DoctorCheck> {
  const apiUrl = config.SLACK_API_URL;
  const auth = await call(apiUrl, "auth.test", token, timeoutMs);
  if (auth instanceof Error) {
    return {
      name: "Slack token",
      ok: false,
      detail: `${apiUrl} cannot be reached (${errorSummary(auth)})`,
      fix: "check the network and SLACK_API_URL",
    };
  }
  if (!auth.ok) {
    return {
      name: "Slack token",
      ok: false,
      detail: `Slack refused SLACK_BOT_TOKEN (${auth.error ?? "unknown error"})`,
      fix: slackInstallFlowRequested(config)
        ? "reinstall the app in that workspace through /slack/install, and remove SLACK_BOT_TOKEN"
        : "reinstall the app to the workspace and copy its Bot User OAuth Token (xoxb-…) into SLACK_BOT_TOKEN",
    };
  }
  return {
    name: "Slack token",
    ok: true,
    detail: `signs in as @${auth.user ?? "?"} in ${auth.team ?? "?"}${slackInstallFlowRequested(config) ? " (with the install flow on, it serves as that workspace's installation until one is made there)" : ""}`,
  };
}

/** A UTC time as "2025-03-01 09:15 UTC". */
function when(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

function installationCheck(installation: SlackInstallationListing): DoctorCheck {
  const where = installation.isEnterpriseInstall
    ? `the organization ${installation.enterpriseName ?? installation.enterpriseId ?? installation.key}`
    : (installation.teamName ?? installation.teamId ?? installation.key);
  const id = installation.isEnterpriseInstall ? installation.enterpriseId : installation.teamId;
  const name = `Slack installation ${where}${id && id !== where ? ` (${id})` : ""}`;
  if (installation.problem) {
    return {
      name,
      ok: false,
      detail: installation.problem,
      fix: "set SLACK_INSTALLATION_KEY back to the key the installations were stored with, or install the app in that workspace again (/slack/install)",
    };
  }
  const from = installation.source === "SLACK_BOT_TOKEN" ? "from SLACK_BOT_TOKEN" : "through /slack/install";
  return {
    name,
    ok: true,
    detail: `installed ${when(installation.installedAt)} ${from}, bot user ${installation.botUserId ?? "?"}`,
  };
}

async function installFlowChecks(
  config: Config,
  timeoutMs: number,
  options: SlackDoctorOptions,
): Promise<DoctorCheck[]> {
  const missing = [
    ["SLACK_CLIENT_ID", config.SLACK_CLIENT_ID],
    ["SLACK_CLIENT_SECRET", config.SLACK_CLIENT_SECRET],
    ["SLACK_STATE_SECRET", config.SLACK_STATE_SECRET],
    ["SLACK_INSTALLATION_KEY", config.SLACK_INSTALLATION_KEY],
  ]
    .filter(([, value]) => value === undefined)
    .map(([name]) => name as string);
  if (missing.length > 0) {
    return [
      {
        name: "Slack install flow",
        ok: false,
        detail: `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set`,
        fix: "set the client id and secret from Basic Information → App Credentials; make the state secret and SLACK_INSTALLATION_KEY with openssl rand -base64 32",
      },
    ];
  }
  const checks: DoctorCheck[] = [];
  // A made-up code: wrong credentials are answered invalid_client_id or bad_client_secret; any other
  // answer (invalid_code) is taken as Slack accepting them.
  const exchange = await call(config.SLACK_API_URL, "oauth.v2.access", undefined, timeoutMs, {
    client_id: config.SLACK_CLIENT_ID ?? "",
    client_secret: config.SLACK_CLIENT_SECRET ?? "",
    code: "doctor-check",
  });
  if (exchange instanceof Error) {
    checks.push({
      name: "Slack install flow",
      ok: false,
      detail: `${config.SLACK_API_URL} cannot be reached (${errorSummary(exchange)})`,
      fix: "check the network and SLACK_API_URL",
    });
  } else if (exchange.error === "invalid_client_id" || exchange.error === "bad_client_secret") {
    checks.push({
      name: "Slack install flow",
      ok: false,
      detail: `Slack refused the app's credentials (${exchange.error})`,
      fix: "copy the Client ID and Client Secret from Basic Information → App Credentials into SLACK_CLIENT_ID and SLACK_CLIENT_SECRET",
    });
  } else {
    const where = config.SLACK_APP_TOKEN ? `this machine's port ${config.PORT}` : "the events server";
    checks.push({
      name: "Slack install flow",
      ok: true,
      detail: `Slack did not refuse the app's credentials; people install the bot at /slack/install on ${where}, and the app's Redirect URL must be https://<your host>/slack/oauth_redirect`,
    });
  }
  if (!options.installations) return checks;
  let installations: SlackInstallationListing[];
  try {
    installations = await options.installations();
  } catch (error) {
    checks.push({
      name: "Slack installations",
      ok: false,
      detail: `the bot's storage cannot be read (${errorSummary(error)})`,
      fix: "check DATA_DIR or REDIS_URL",
    });
    return checks;
  }
  if (installations.length === 0) {
    checks.push({
      name: "Slack installations",
      ok: true,
      detail: "none yet: open /slack/install on the bot's public address to install it in a workspace",
    });
  } else {
    checks.push({
      name: "Slack installations",
      ok: true,
      detail: `${installations.length} (listed below, without their tokens)`,
    });
    checks.push(...installations.map(installationCheck));
  }
  return checks;
}

export async function slackChecks(
  config: Config,
  timeoutMs: number,
  options: SlackDoctorOptions = {},
): Promise<DoctorCheck[]> {
  const installFlow = slackInstallFlowRequested(config);
  const token = config.SLACK_BOT_TOKEN;
  if (!token && !installFlow) return [];
  const apiUrl = config.SLACK_API_URL;
  const checks: DoctorCheck[] = [];
  if (token) checks.push(await tokenCheck(config, token, timeoutMs));
  if (installFlow) checks.push(...(await installFlowChecks(config, timeoutMs, options)));

  if (config.SLACK_APP_TOKEN) {
    const socket = await call(apiUrl, "apps.connections.open", config.SLACK_APP_TOKEN, timeoutMs);
    checks.push(
      socket instanceof Error || !socket.ok
        ? {
            name: "Slack Socket Mode",
            ok: false,
            detail: `SLACK_APP_TOKEN cannot open a connection (${socket instanceof Error ? errorSummary(socket) : (socket.error ?? "unknown error")})`,
            fix: "create an app-level token with connections:write (Basic Information → App-Level Tokens) and turn Socket Mode on",
          }
        : { name: "Slack Socket Mode", ok: true, detail: "SLACK_APP_TOKEN opens a Socket Mode connection" },
    );
  } else if (config.SLACK_SIGNING_SECRET) {
    checks.push({
      name: "Slack events",
      ok: true,
      detail: `over HTTP: Slack must reach this machine's port ${config.PORT} at /slack/events (the app's Request URLs)`,
    });
  } else {
    checks.push({
      name: "Slack events",
      ok: false,
      detail: "neither SLACK_SIGNING_SECRET nor SLACK_APP_TOKEN is set, so Slack cannot reach the bot",
      fix: "set SLACK_SIGNING_SECRET (events over HTTP) or SLACK_APP_TOKEN (Socket Mode)",
    });
  }
  return checks;
}
