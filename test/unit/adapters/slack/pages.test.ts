import { describe, expect, it } from "vitest";
import {
  describeInstallFailure,
  escapeHtml,
  failurePage,
  installedPage,
  installPage,
} from "../../../../adapters/slack/pages.js";

/** An error as Bolt's installer and the Web API client report them: a code, and Slack's answer. */
function coded(code: string, message: string, data?: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { code, ...(data ? { data } : {}) });
}

describe("the install pages", () => {
  it("escapes what it shows: the authorize URL, workspace names", () => {
    const page = installPage('https://slack.com/oauth/v2/authorize?scope=a,b&state=x"y', ["chat:write"]);
    expect(page).toContain('href="https://slack.com/oauth/v2/authorize?scope=a,b&amp;state=x&quot;y"');
    expect(page).toContain("<code>chat:write</code>");
    const installed = installedPage({
      teamId: "T1",
      teamName: "<script>alert(1)</script>",
      isEnterpriseInstall: false,
      clientUrl: "https://app.slack.com",
    });
    expect(installed).not.toContain("<script>");
    expect(installed).toContain("&lt;script&gt;");
    expect(installed).toContain('href="https://app.slack.com/client/T1"');
    expect(escapeHtml(`a&b<c>"d'`)).toBe("a&amp;b&lt;c&gt;&quot;d&#39;");
  });

  it("tells an organization's admin where to add the bot to its workspaces", () => {
    const page = installedPage({
      enterpriseId: "E1",
      enterpriseName: "Grid",
      isEnterpriseInstall: true,
      enterpriseUrl: "https://grid.enterprise.slack.com/",
      clientUrl: "https://app.slack.com",
    });
    expect(page).toContain("installed for the organization <strong>Grid</strong>");
    expect(page).toContain("https://grid.enterprise.slack.com/manage/organization/apps");
  });
});

describe("why an install failed, in words", () => {
  it.each([
    [
      "a cancel on Slack's page",
      coded("slack_oauth_installer_authorization_error", "User cancelled the OAuth installation flow!"),
      "/slack/oauth_redirect?error=access_denied&state=s",
      400,
      "The installation was cancelled in Slack.",
      true,
    ],
    [
      "a state from another browser",
      coded("slack_oauth_invalid_state", "The state parameter is not for this browser session."),
      "/slack/oauth_redirect?code=c&state=s",
      400,
      "started in another browser",
      true,
    ],
    [
      "Slack's own error in the redirect",
      coded("slack_oauth_missing_code", "Redirect url is missing the required code query parameter"),
      "/slack/oauth_redirect?error=invalid_scope&state=s",
      400,
      "Slack answered: invalid_scope.",
      true,
    ],
    [
      "a used or expired code",
      coded("slack_webapi_platform_error", "An API error occurred: invalid_code", { error: "invalid_code" }),
      "/slack/oauth_redirect?code=c&state=s",
      400,
      "the code was already used or has expired",
      true,
    ],
    [
      "credentials Slack refuses",
      coded("slack_webapi_platform_error", "An API error occurred: bad_client_secret", {
        error: "bad_client_secret",
      }),
      "/slack/oauth_redirect?code=c&state=s",
      500,
      "check SLACK_CLIENT_ID and SLACK_CLIENT_SECRET",
      false,
    ],
    [
      "Slack out of reach",
      coded("slack_webapi_request_error", "A request error occurred: connect ECONNREFUSED"),
      "/slack/oauth_redirect?code=c&state=s",
      502,
      "could not reach Slack",
      true,
    ],
    [
      "anything else",
      new Error("disk full"),
      "/slack/oauth_redirect?code=c&state=s",
      500,
      "went wrong on the bot's side",
      true,
    ],
  ])("%s", (_label, error, url, status, words, retry) => {
    const failure = describeInstallFailure(error, url);
    expect(failure.status).toBe(status);
    expect(failure.text).toContain(words);
    expect(failure.text).toContain("Nothing was installed.");
    expect(failure.retry).toBe(retry);
    const page = failurePage(failure, "/slack/install");
    expect(page.includes('href="/slack/install"')).toBe(retry);
  });

  it("escapes Slack's error words before showing them", () => {
    const failure = describeInstallFailure(
      coded("slack_oauth_missing_code", "no code"),
      "/slack/oauth_redirect?error=%3Cimg%20src%3Dx%3E",
    );
    expect(failure.text).toContain("&lt;img src=x&gt;");
    expect(failure.text).not.toContain("<img");
  });
});
