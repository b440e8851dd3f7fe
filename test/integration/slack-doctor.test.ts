/**
 * `doctor` on Slack, against the fake Slack: who the bot token signs in as, a revoked token with its
 * fix, the app-level token of Socket Mode, and a token Slack cannot be reached with. Tokens are never
 * printed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { runDoctor } from "../../src/doctor.js";
import { type FakeSlack, startFakeSlack } from "../fakes/slack/index.js";
import { reportLine } from "../support/doctor.js";
import { freePort } from "../support/net.js";

let slack: FakeSlack;

beforeAll(async () => {
  slack = await startFakeSlack();
});

afterAll(async () => {
  await slack?.close();
});

function doctor(env: Record<string, string>) {
  return runDoctor(
    loadConfig({
      HUB_CATALOG: "false",
      LOG_LEVEL: "silent",
      INFERENCE_MODE: "hosted",
      SAFETY_CHECK: "false",
      SLACK_API_URL: slack.apiUrl,
      ...env,
    }),
    { timeoutMs: 5000 },
  );
}

describe("doctor on Slack", () => {
  it("says nothing about Slack when SLACK_BOT_TOKEN is not set", async () => {
    const report = await doctor({});
    expect(report.text).not.toContain("Slack token");
  });

  it("says who the token signs in as, and that Socket Mode opens, never printing a token", async () => {
    const report = await doctor({ SLACK_BOT_TOKEN: slack.botToken, SLACK_APP_TOKEN: slack.appToken });
    expect(reportLine(report.text, "Slack token")).toMatch(/^ok {7}Slack token: signs in as @\S+ in \S+/);
    expect(reportLine(report.text, "Slack Socket Mode")).toContain("opens a Socket Mode connection");
    expect(report.text).not.toContain(slack.botToken);
    expect(report.text).not.toContain(slack.appToken);
  });

  it("names a revoked token and a wrong app token with their fixes, and a missing way in", async () => {
    const other = await startFakeSlack();
    try {
      other.revokeToken(other.botToken, "token_revoked");
      const report = await runDoctor(
        loadConfig({
          HUB_CATALOG: "false",
          INFERENCE_MODE: "hosted",
          SAFETY_CHECK: "false",
          SLACK_API_URL: other.apiUrl,
          SLACK_BOT_TOKEN: other.botToken,
          SLACK_APP_TOKEN: "xapp-1-not-this-app",
        }),
        { timeoutMs: 5000 },
      );
      expect(report.ok).toBe(false);
      expect(reportLine(report.text, "Slack token")).toContain(
        "Slack refused SLACK_BOT_TOKEN (token_revoked)",
      );
      expect(reportLine(report.text, "Slack token")).toContain("fix: reinstall the app");
      expect(reportLine(report.text, "Slack Socket Mode")).toContain("(invalid_auth)");
    } finally {
      await other.close();
    }
    const alone = await doctor({ SLACK_BOT_TOKEN: slack.botToken });
    expect(reportLine(alone.text, "Slack events")).toContain(
      "neither SLACK_SIGNING_SECRET nor SLACK_APP_TOKEN",
    );
  });

  it("says when Slack's Web API cannot be reached", async () => {
    const port = await freePort();
    const report = await doctor({
      SLACK_BOT_TOKEN: "xoxb-1",
      SLACK_SIGNING_SECRET: "s",
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
    });
    expect(reportLine(report.text, "Slack token")).toContain("cannot be reached");
    expect(reportLine(report.text, "Slack events")).toContain("/slack/events");
  });
});
