/**
 * `doctor`'s Slack checks, over plain HTTP (the Slack SDKs stay inside adapters/): who the bot token
 * signs in as (`auth.test`), whether the app-level token opens a Socket Mode connection
 * (`apps.connections.open`), and whether Slack can reach the bot at all (a signing secret or an app
 * token). Tokens go to SLACK_API_URL only, and are never printed.
 */
import type { Config } from "./config/index.js";
import type { DoctorCheck } from "./doctor-discord.js";
import { errorSummary } from "./errors.js";

type SlackAnswer = { ok: boolean; error?: string; user?: string; team?: string } | Error;

async function call(apiUrl: string, method: string, token: string, timeoutMs: number): Promise<SlackAnswer> {
  try {
    const response = await fetch(`${apiUrl}${method}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
      body: "",
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

export async function slackChecks(config: Config, timeoutMs: number): Promise<DoctorCheck[]> {
  const token = config.SLACK_BOT_TOKEN;
  if (!token) return [];
  const apiUrl = config.SLACK_API_URL;
  const checks: DoctorCheck[] = [];
  const auth = await call(apiUrl, "auth.test", token, timeoutMs);
  if (auth instanceof Error) {
    checks.push({
      name: "Slack token",
      ok: false,
      detail: `${apiUrl} cannot be reached (${errorSummary(auth)})`,
      fix: "check the network and SLACK_API_URL",
    });
  } else if (!auth.ok) {
    checks.push({
      name: "Slack token",
      ok: false,
      detail: `Slack refused SLACK_BOT_TOKEN (${auth.error ?? "unknown error"})`,
      fix: "reinstall the app to the workspace and copy its Bot User OAuth Token (xoxb-…) into SLACK_BOT_TOKEN",
    });
  } else {
    checks.push({
      name: "Slack token",
      ok: true,
      detail: `signs in as @${auth.user ?? "?"} in ${auth.team ?? "?"}`,
    });
  }

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
