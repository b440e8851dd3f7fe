/**
 * The pages a person sees while installing the bot in a Slack workspace: the install page with its
 * "Add to Slack" button, and the page Slack's redirect lands on, which says in plain words what
 * happened (installed where, or why not and what to do). Pure functions: HTML and status codes.
 */
import { errorSummary } from "../../src/errors.js";
import { slackErrorCode } from "./api.js";

/** The headers of every install page: never cached, never framed, the code in its URL never sent on. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "cache-control": "no-store",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'",
};

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; line-height: 1.5; color: #1d1c1d; }
a.button { display: inline-block; padding: 0.6rem 1.2rem; border-radius: 6px; background: #4a154b; color: #fff; text-decoration: none; font-weight: 600; }
code { background: #f4f4f4; padding: 0 0.25rem; border-radius: 3px; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>
`;
}

/** The install page: what the bot will be allowed to do, and the button to Slack's authorize page. */
export function installPage(authorizeUrl: string, scopes: readonly string[]): string {
  const list = scopes.map((scope) => `<code>${escapeHtml(scope)}</code>`).join(", ");
  return page(
    "Add HuggingGPT to Slack",
    `<p>HuggingGPT plans AI tasks, runs Hugging Face models and answers with the results, in the threads where you mention it and in its direct messages.</p>
<p>Slack will ask you to choose a workspace and to allow these permissions: ${list}.</p>
<p><a class="button" href="${escapeHtml(authorizeUrl)}">Add to Slack</a></p>`,
  );
}

/** What an installation that just succeeded is, for its page and the log. */
export interface InstalledWhere {
  teamId?: string | undefined;
  teamName?: string | undefined;
  enterpriseId?: string | undefined;
  enterpriseName?: string | undefined;
  isEnterpriseInstall: boolean;
  appId?: string | undefined;
  /** The organization's admin URL (org-wide installs). */
  enterpriseUrl?: string | undefined;
  /** Where Slack's web client is (the Web API's origin, `app.` for Slack itself). */
  clientUrl: string;
}

/** The page after a successful install: where, and how to start talking to the bot. */
export function installedPage(where: InstalledWhere): string {
  if (where.isEnterpriseInstall) {
    const name = where.enterpriseName ?? where.enterpriseId ?? "your organization";
    const manage = where.enterpriseUrl
      ? `<p><a href="${escapeHtml(`${where.enterpriseUrl}manage/organization/apps`)}">Manage the organization's apps</a></p>`
      : "";
    return page(
      "HuggingGPT is installed",
      `<p>HuggingGPT is installed for the organization <strong>${escapeHtml(name)}</strong>. An admin adds it to the organization's workspaces in Slack's app management; in each, invite it to a channel with <code>/invite @hugginggpt</code> and mention it, or write to it in its Messages tab.</p>${manage}`,
    );
  }
  const name = where.teamName ?? where.teamId ?? "your workspace";
  const open = where.teamId
    ? `<p><a class="button" href="${escapeHtml(`${where.clientUrl}/client/${where.teamId}`)}">Open Slack</a></p>`
    : "";
  return page(
    "HuggingGPT is installed",
    `<p>HuggingGPT is installed in <strong>${escapeHtml(name)}</strong>. Invite it to a channel with <code>/invite @hugginggpt</code> and mention it there, or write to it in its Messages tab. You can close this page.</p>${open}`,
  );
}

/** Why an install did not finish, in words for the person and for the log. */
export interface InstallFailure {
  status: number;
  title: string;
  /** HTML-safe sentences for the page. */
  text: string;
  /** The operator's log line. */
  log: string;
  /** Whether starting again from the install page can help. */
  retry: boolean;
}

/** The `error` a redirect from Slack carries (`?error=access_denied`), if any. */
function redirectError(requestUrl: string | undefined): string | undefined {
  if (!requestUrl) return undefined;
  return new URL(requestUrl, "http://localhost").searchParams.get("error") ?? undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/**
 * What a failed install means. `error` is what Bolt's installer reports (its coded errors, the Web
 * API's errors of oauth.v2.access, or the store's); `requestUrl` is the redirect Slack sent.
 */
export function describeInstallFailure(error: unknown, requestUrl: string | undefined): InstallFailure {
  const code = codeOf(error);
  const fromSlack = redirectError(requestUrl);
  const nothing = "Nothing was installed.";
  // Bolt's installer reports Slack's `error=access_denied` redirect as its authorization error.
  if (fromSlack === "access_denied" || code === "slack_oauth_installer_authorization_error") {
    return {
      status: 400,
      title: "Installation cancelled",
      text: `The installation was cancelled in Slack. ${nothing}`,
      log: "a Slack install was cancelled on Slack's page",
      retry: true,
    };
  }
  if (code === "slack_oauth_missing_state" || code === "slack_oauth_invalid_state") {
    return {
      status: 400,
      title: "This install link is not valid here",
      text: `The installation could not be verified: it was started in another browser, more than 10 minutes ago, or not from this bot's install page. ${nothing}`,
      log: `a Slack install was refused: ${code === "slack_oauth_missing_state" ? "no state in the redirect" : "its state does not match this browser's"} (${errorSummary(error)})`,
      retry: true,
    };
  }
  if (code === "slack_oauth_missing_code") {
    const why = fromSlack ? ` Slack answered: ${escapeHtml(fromSlack)}.` : "";
    return {
      status: 400,
      title: "Slack did not complete the installation",
      text: `Slack sent you back without an authorization code.${why} ${nothing}`,
      log: `a Slack install came back without a code${fromSlack ? ` (error=${fromSlack})` : ""}`,
      retry: true,
    };
  }
  const slackCode = slackErrorCode(error);
  if (slackCode === "invalid_code" || slackCode === "bad_redirect_uri") {
    return {
      status: 400,
      title: "Slack did not accept this installation",
      text: `Slack refused its authorization code (${escapeHtml(slackCode)}): the code was already used or has expired. ${nothing}`,
      log: `Slack oauth.v2.access refused the code: ${slackCode}`,
      retry: true,
    };
  }
  if (slackCode === "invalid_client_id" || slackCode === "bad_client_secret") {
    return {
      status: 500,
      title: "The bot is not set up for installs",
      text: `Slack refused the app's credentials (${escapeHtml(slackCode)}). ${nothing} The bot's operator needs to check SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (Basic Information → App Credentials).`,
      log: `Slack oauth.v2.access refused the app's credentials: ${slackCode}. Check SLACK_CLIENT_ID and SLACK_CLIENT_SECRET`,
      retry: false,
    };
  }
  if (slackCode) {
    return {
      status: 502,
      title: "Slack refused the installation",
      text: `Slack refused the installation (${escapeHtml(slackCode)}). ${nothing}`,
      log: `Slack refused the installation: ${slackCode}`,
      retry: true,
    };
  }
  if (code === "slack_webapi_request_error" || code === "slack_webapi_http_error") {
    return {
      status: 502,
      title: "Slack could not be reached",
      text: `The bot could not reach Slack to finish the installation. ${nothing} Please try again in a moment.`,
      log: `Slack could not be reached to finish an install: ${errorSummary(error)}`,
      retry: true,
    };
  }
  return {
    status: 500,
    title: "The installation failed",
    text: `Something went wrong on the bot's side while finishing the installation. ${nothing}`,
    log: `a Slack install failed: ${errorSummary(error)}`,
    retry: true,
  };
}

/** The page of a failed install, with the way back to the install page when trying again can help. */
export function failurePage(failure: InstallFailure, installPath: string): string {
  const again = failure.retry
    ? `<p><a class="button" href="${escapeHtml(installPath)}">Start again</a></p>`
    : "";
  return page(failure.title, `<p>${failure.text}</p>${again}`);
}
