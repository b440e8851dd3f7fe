/**
 * What Slack's Web API errors mean for the bot: the `error` string of a platform error, whether a
 * 429 is behind it, and the words for the operator's log and for the user. The client retries
 * itself (see `SLACK_CLIENT_OPTIONS`); these are the failures that remain.
 */
import type { RetryOptions, WebClientOptions } from "@slack/web-api";
import { BotError, errorSummary } from "../../src/errors.js";

/**
 * Retries of the Web API client. Its default retries a network error for about 30 minutes, which
 * would keep a request (and a start-up against a wrong SLACK_API_URL) hanging that long: four
 * retries within about 15 seconds instead. A 429 waits its Retry-After (the client pauses its queue,
 * as Slack's per-workspace limits want) and counts as one retry.
 */
export const SLACK_RETRY: RetryOptions = { retries: 4, factor: 2, minTimeout: 500, maxTimeout: 8_000 };

/**
 * Tells `onRateLimited` of each HTTP 429 a client's calls get. Bolt makes a client per workspace from
 * the same options, so the hook must travel in the options: the request interceptor wraps the status
 * check axios runs on every response (the client's own accepts every status, and so does this one).
 */
function countingRateLimits(onRateLimited: () => void): WebClientOptions["requestInterceptor"] {
  return (config) => {
    const accept = config.validateStatus;
    config.validateStatus = (status) => {
      if (status === 429) onRateLimited();
      return accept ? accept(status) : true;
    };
    return config;
  };
}

/**
 * The client options the adapter uses for every Web API call; `onRateLimited` is told of each 429
 * (for the metrics).
 */
export function slackClientOptions(
  apiUrl: string,
  retryConfig: RetryOptions = SLACK_RETRY,
  onRateLimited?: () => void,
): WebClientOptions {
  return {
    slackApiUrl: apiUrl,
    retryConfig,
    // Wait out a 429 (Retry-After) and retry rather than fail the user's answer.
    rejectRateLimitedCalls: false,
    // A call that hangs ends; the retries above take over.
    timeout: 30_000,
    ...(onRateLimited ? { requestInterceptor: countingRateLimits(onRateLimited) } : {}),
  };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** The `error` string of a Slack platform error ("not_in_channel", "missing_scope"…), if it is one. */
export function slackErrorCode(error: unknown): string | undefined {
  const data = record(record(error)?.data);
  return typeof data?.error === "string" ? data.error : undefined;
}

/** The scope a `missing_scope` error names as needed. */
export function neededScope(error: unknown): string | undefined {
  const data = record(record(error)?.data);
  return typeof data?.needed === "string" ? data.needed : undefined;
}

/** Token problems: the token is wrong, revoked or expired, or its workspace is gone. */
const TOKEN_ERRORS = new Set([
  "invalid_auth",
  "not_authed",
  "token_revoked",
  "token_expired",
  "account_inactive",
  "team_disabled",
]);

/** Whether Slack refused a call for its token (wrong, revoked or expired, or its workspace gone). */
export function isTokenError(code: string | undefined): boolean {
  return code !== undefined && TOKEN_ERRORS.has(code);
}

/**
 * What to tell the operator (log line) and, where it helps, the user about a failed call.
 * `user` is undefined when the user cannot be told (nowhere to post) or need not be.
 */
export function describeSlackError(method: string, error: unknown): { log: string; user?: string } {
  const code = slackErrorCode(error);
  switch (code) {
    case "not_in_channel":
    case "channel_not_found":
      return {
        log: `Slack refused ${method}: ${code}. Invite the bot to the channel (/invite @bot) or check its id.`,
        user: "I'm not a member of this channel, so I can't post here. Invite me with `/invite @<bot name>` and ask again.",
      };
    case "missing_scope": {
      const scope = neededScope(error) ?? "a scope";
      return {
        log: `Slack refused ${method}: missing_scope (needed: ${scope}). Add the scope under OAuth & Permissions and reinstall the app.`,
        user: `I'm missing the Slack permission \`${scope}\` for that. An admin of this workspace needs to add it to the app and reinstall it.`,
      };
    }
    case "ratelimited":
      return { log: `Slack rate-limited ${method} beyond the retries` };
    default:
      if (code && TOKEN_ERRORS.has(code)) return { log: `Slack refused ${method}: ${code} (the bot token)` };
      return { log: `Slack ${method} failed: ${code ?? errorSummary(error)}` };
  }
}

/** The error `start` reports when Slack will not accept the configuration (auth.test at start-up). */
export function startupError(error: unknown, apiUrl: string): BotError {
  const code = slackErrorCode(error);
  if (code && TOKEN_ERRORS.has(code)) {
    return new BotError("config_invalid", `Slack auth.test: ${code}`, {
      userMessage: `Slack refused SLACK_BOT_TOKEN (${code}). The token may be revoked or expired: reinstall the app to the workspace and copy the new Bot User OAuth Token (xoxb-…) into .env.`,
      cause: error,
    });
  }
  if (code) {
    return new BotError("config_invalid", `Slack auth.test: ${code}`, {
      userMessage: `Slack refused to start the bot (${code}). Check SLACK_BOT_TOKEN and the app's settings.`,
      cause: error,
    });
  }
  return new BotError("config_invalid", `Slack auth.test failed: ${errorSummary(error)}`, {
    userMessage: `Slack's Web API at ${apiUrl} could not be reached. Check the network and SLACK_API_URL.`,
    cause: error,
  });
}
