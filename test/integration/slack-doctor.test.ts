/**
 * `doctor` on Slack, against the fake Slack: who the bot token signs in as, a revoked token with its
 * fix, the app-level token of Socket Mode, and a token Slack cannot be reached with. Tokens are never
 * printed.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Installation } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackInstallationStore } from "../../adapters/slack/installations.js";
import { loadConfig } from "../../src/config/index.js";
import { runDoctor } from "../../src/doctor.js";
import { createStorage, SQLITE_FILE } from "../../src/storage/index.js";
import { type FakeSlack, startFakeSlack } from "../fakes/slack/index.js";
import { runCli } from "../support/cli.js";
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

describe("doctor on Slack's install flow", () => {
  const key = randomBytes(32);
  const oauthEnv = () => ({
    SLACK_CLIENT_ID: slack.clientId,
    SLACK_CLIENT_SECRET: slack.clientSecret,
    SLACK_STATE_SECRET: "state-secret-for-the-doctor-0123",
    SLACK_INSTALLATION_KEY: key.toString("base64"),
    SLACK_SIGNING_SECRET: slack.signingSecret,
  });

  /** `doctor` on the command line, with its storage in `dataDir`. */
  const cliEnv = (dataDir: string, extra: Record<string, string> = {}) => ({
    HUB_CATALOG: "false",
    LOG_LEVEL: "silent",
    INFERENCE_MODE: "hosted",
    SAFETY_CHECK: "false",
    DATA_DIR: dataDir,
    SLACK_API_URL: slack.apiUrl,
    ...oauthEnv(),
    ...extra,
  });

  it("names the install flow's missing variables and credentials Slack refuses", async () => {
    const partial = await doctor({ SLACK_CLIENT_ID: slack.clientId, SLACK_SIGNING_SECRET: "s" });
    expect(reportLine(partial.text, "Slack install flow")).toContain(
      "SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, SLACK_INSTALLATION_KEY are not set",
    );
    const wrong = await doctor({ ...oauthEnv(), SLACK_CLIENT_SECRET: "not-the-secret" });
    expect(reportLine(wrong.text, "Slack install flow")).toContain(
      "Slack refused the app's credentials (bad_client_secret)",
    );
    const right = await doctor(oauthEnv());
    expect(reportLine(right.text, "Slack install flow")).toMatch(
      /^ok .*\/slack\/install.*\/slack\/oauth_redirect/,
    );
    expect(right.text).not.toContain(slack.clientSecret);
  });

  it("lists the installations (workspace, when, bot user) and never a token, through the command line", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "hgb-slack-doctor-"));
    try {
      const storage = createStorage({ backend: "sqlite", file: join(dataDir, SQLITE_FILE) });
      const store = createSlackInstallationStore({
        kv: storage.namespace<unknown>("slack-installations", 0),
        keys: () => storage.keys("slack-installations"),
        key,
        now: () => Date.UTC(2025, 2, 1, 9, 15),
      });
      const installation: Installation = {
        team: { id: "T2ACME", name: "Acme" },
        enterprise: undefined,
        user: { token: undefined, scopes: undefined, id: "U2ACMEUSER" },
        bot: {
          token: "xoxb-T2ACME-secret-token",
          scopes: ["chat:write"],
          id: "B2ACMEBOT",
          userId: "U2ACMEBOT",
        },
        tokenType: "bot",
        isEnterpriseInstall: false,
        appId: slack.appId,
        authVersion: "v2",
      };
      await store.storeInstallation(installation);
      await storage.close();

      const run = await runCli(["doctor"], {
        cwd: dataDir,
        env: cliEnv(dataDir),
        timeoutMs: 60_000,
      });
      expect(reportLine(run.stdout, "Slack installations")).toMatch(/^ok .*: 1 \(listed below/);
      expect(reportLine(run.stdout, "Slack installation Acme (T2ACME)")).toBe(
        "ok       Slack installation Acme (T2ACME): installed 2025-03-01 09:15 UTC through /slack/install, bot user U2ACMEBOT",
      );
      expect(run.stdout).not.toContain("xoxb-T2ACME-secret-token");

      // Under another key, the same installation is listed with what to do.
      const otherKey = await runCli(["doctor"], {
        cwd: dataDir,
        env: cliEnv(dataDir, { SLACK_INSTALLATION_KEY: randomBytes(32).toString("hex") }),
        timeoutMs: 60_000,
      });
      expect(otherKey.code).toBe(1);
      const line = reportLine(otherKey.stdout, "Slack installation Acme (T2ACME)");
      expect(line).toContain("SLACK_INSTALLATION_KEY does not open the stored installation");
      expect(line).toContain("fix: set SLACK_INSTALLATION_KEY back");
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
