import { describe, expect, it } from "vitest";
import { describeSlackError, slackErrorCode, startupError } from "../../../../adapters/slack/api.js";

/** The shape of @slack/web-api's platform error. */
function platformError(data: Record<string, unknown>) {
  return Object.assign(new Error(`An API error occurred: ${String(data.error)}`), {
    code: "slack_webapi_platform_error",
    data: { ok: false, ...data },
  });
}

describe("Slack Web API errors", () => {
  it("reads the error code of a platform error", () => {
    expect(slackErrorCode(platformError({ error: "not_in_channel" }))).toBe("not_in_channel");
    expect(slackErrorCode(new Error("socket hang up"))).toBeUndefined();
  });

  it("tells the operator and the user what to do about a channel or a scope", () => {
    const channel = describeSlackError("chat.postMessage", platformError({ error: "not_in_channel" }));
    expect(channel.log).toContain("/invite");
    expect(channel.user).toContain("/invite");
    const scope = describeSlackError(
      "files.uploadV2",
      platformError({ error: "missing_scope", needed: "files:write" }),
    );
    expect(scope.log).toContain("files:write");
    expect(scope.user).toContain("files:write");
    expect(describeSlackError("chat.update", platformError({ error: "invalid_auth" })).user).toBeUndefined();
  });

  it("turns a start-up failure into a clear configuration error", () => {
    expect(
      startupError(platformError({ error: "token_revoked" }), "https://slack.com/api/").userMessage,
    ).toMatch(/SLACK_BOT_TOKEN \(token_revoked\)/);
    expect(startupError(new Error("ECONNREFUSED"), "http://127.0.0.1:1/api/").userMessage).toContain(
      "http://127.0.0.1:1/api/ could not be reached",
    );
  });
});
