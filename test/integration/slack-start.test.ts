/**
 * `npm start` with the Slack variables, as a user runs it: the real bin in a child process, its
 * events server on PORT, Slack's Web API at the fake (SLACK_API_URL), the pipeline on the fake OpenAI
 * and Hugging Face servers. It answers a mention and stops cleanly on SIGTERM.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stageOf } from "../fakes/openai-server.js";
import { type FakeSlack, startFakeSlack } from "../fakes/slack/index.js";
import { freePort } from "../support/net.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";

const BIN = fileURLToPath(new URL("../../src/bin.mjs", import.meta.url));

let slack: FakeSlack;
let harness: PipelineHarness;
let child: ChildProcess | undefined;
let dataDir: string;

async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  const until = Date.now() + 20_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  slack = await startFakeSlack();
  harness = await startPipelineHarness();
  harness.llm.route((body) => (stageOf(body) === "plan" ? "[]" : "Hello from npm start."));
  dataDir = mkdtempSync(join(tmpdir(), "slack-start-"));
});

afterAll(async () => {
  child?.kill("SIGKILL");
  await harness?.close();
  await slack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("npm start on Slack", () => {
  it("serves /slack/events on PORT, answers a mention in its thread and stops on SIGTERM", async () => {
    const port = await freePort();
    let output = "";
    child = spawn(process.execPath, [BIN, "start"], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        ...harness.env({
          SLACK_BOT_TOKEN: slack.botToken,
          SLACK_SIGNING_SECRET: slack.signingSecret,
          SLACK_API_URL: slack.apiUrl,
          PORT: String(port),
          DATA_DIR: dataDir,
          LOG_LEVEL: "info",
        }),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));

    slack.setAppUrl(`http://127.0.0.1:${port}/slack/events`);
    await waitFor(async () => {
      const verified = await slack.sendUrlVerification().catch(() => undefined);
      return verified?.status === 200 && verified.body.includes(verified.challenge) ? true : undefined;
    }, "the events server");

    const mention = slack.mention({ text: `<@${slack.botUserId}> hello there` });
    const sent = await slack.sendEvent(mention);
    expect(sent.status).toBe(200);
    const answer = await waitFor(
      () =>
        slack
          .botMessages(slack.generalChannel, mention.ts)
          .find((message) => message.text.includes("Hello from npm start.")),
      "the answer",
    );
    expect(answer.thread_ts).toBe(mention.ts);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    // The token never reaches the logs.
    expect(output).toContain("Slack connected");
    expect(output).not.toContain(slack.botToken);
    expect(output).not.toContain(slack.signingSecret);
  }, 40_000);
});
