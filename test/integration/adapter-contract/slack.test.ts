/**
 * The adapter contract (test/support/adapter-contract.ts) on Slack: the real Bolt app (HTTP receiver)
 * and Web API client against the fake Slack, started as `start` starts it (the adapter registered in
 * PLATFORM_ADAPTERS). Messages mention the bot in a channel; the bot answers in the message's thread.
 * Twice: on one workspace's SLACK_BOT_TOKEN, and installed in a workspace through the install flow.
 */
import { randomBytes } from "node:crypto";
import type { Adapter } from "../../../src/core/types.js";
import { PLATFORM_ADAPTERS } from "../../../src/main.js";
import {
  type FakeSlack,
  type FakeSlackMessage,
  type FakeSlackTeam,
  type Json,
  startFakeSlack,
} from "../../fakes/slack/index.js";
import { type AdapterDriver, adapterContract, type Sent } from "../../support/adapter-contract.js";
import { freePort } from "../../support/net.js";
import { installThroughBrowser } from "../../support/slack-install.js";

interface SlackSent extends Sent {
  event: Json;
  eventId: string;
  channel: string;
  /** The thread: the ts of the message that started the conversation. */
  root: string;
  /** When the app's 200 arrived: Slack's acknowledgement. */
  acknowledgedAt: number;
}

/** What a message shows: its text, and the text of its section and context blocks. */
function textOf(message: FakeSlackMessage): string {
  const blocks = (message.blocks ?? []).flatMap((block) => {
    const item = block as { text?: { text?: string }; elements?: Array<{ text?: string }> };
    return [item.text?.text ?? "", ...(item.elements ?? []).map((element) => element.text ?? "")];
  });
  return [message.text, ...blocks].filter((text) => text !== "").join("\n");
}

function createSlackDriver(mode: "token" | "install flow"): AdapterDriver<SlackSent> {
  let slack: FakeSlack | undefined;
  let adapter: Adapter | undefined;
  let port = 0;
  /** The workspace the bot was installed in through the install flow. */
  let installedIn: FakeSlackTeam | undefined;
  const fake = () => {
    if (!slack) throw new Error("the fake Slack is not started");
    return slack;
  };
  const channel = () => installedIn?.generalChannel ?? fake().generalChannel;

  async function deliver(event: Json & { ts: string; channel: string }, marker: string, root: string) {
    const started = Date.now();
    const delivered = await fake().sendEvent(event);
    if (delivered.status !== 200) throw new Error(`the app answered ${delivered.status}`);
    return {
      marker,
      event,
      eventId: delivered.eventId,
      channel: event.channel,
      root,
      acknowledgedAt: started + delivered.ackMs,
    };
  }

  return {
    async setUp() {
      slack = await startFakeSlack();
      port = await freePort();
      const reach = {
        SLACK_SIGNING_SECRET: slack.signingSecret,
        SLACK_API_URL: slack.apiUrl,
        PORT: String(port),
      };
      if (mode === "token") return { SLACK_BOT_TOKEN: slack.botToken, ...reach };
      return {
        SLACK_CLIENT_ID: slack.clientId,
        SLACK_CLIENT_SECRET: slack.clientSecret,
        SLACK_STATE_SECRET: randomBytes(24).toString("base64"),
        SLACK_INSTALLATION_KEY: randomBytes(32).toString("base64"),
        ...reach,
      };
    },
    async start(app, bot) {
      const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "slack");
      if (!spec) throw new Error("the Slack adapter is not registered");
      adapter = spec.create(app);
      await adapter.start(bot);
      fake().setAppUrl(`http://127.0.0.1:${port}/slack/events`);
      if (mode === "install flow") {
        fake().setRedirectUrl(`http://127.0.0.1:${port}/slack/oauth_redirect`);
        const team = fake().addTeam({ id: "T7CONTRACT", name: "Contract" });
        const run = await installThroughBrowser(fake(), `http://127.0.0.1:${port}`, team.id);
        if (run.result.status !== 200) throw new Error(`the install failed: ${run.result.body}`);
        installedIn = team;
      }
    },
    async stop() {
      await adapter?.stop();
      await slack?.close();
    },
    async send(marker, text) {
      // The fake writes the mention of the workspace's bot user.
      const mention = fake().mention({ text: `${text} ${marker}`, channel: channel() });
      return deliver(mention, marker, mention.ts);
    },
    async followUp(sent, marker, text) {
      const message = fake().userMessage({
        text: `${text} ${marker}`,
        channel: sent.channel,
        thread_ts: sent.root,
      });
      return deliver(message, marker, sent.root);
    },
    async redeliver(sent) {
      // Slack's retry of a delivery it thinks failed: the same event id, with the retry headers.
      const again = await fake().sendEvent(sent.event, {
        eventId: sent.eventId,
        retryNum: 1,
        retryReason: "http_timeout",
      });
      if (again.status !== 200) throw new Error(`the app answered ${again.status}`);
    },
    async echoOwnAnswer(sent) {
      const answer = fake()
        .botMessages(sent.channel, sent.root)
        .find((message) => textOf(message).includes(sent.marker));
      if (!answer) throw new Error(`no answer to ${sent.marker} to echo`);
      // Slack delivers the bot's own messages as `message` events too.
      await fake().sendEvent(fake().eventFor(answer));
    },
    async shown(sent) {
      const messages = fake().botMessages(sent.channel, sent.root);
      return {
        messages: messages.map(textOf),
        files: messages.flatMap((message) =>
          (message.files ?? []).map((id) => fake().files.get(id)?.name ?? id),
        ),
      };
    },
    async timeline(sent, text) {
      const posted = fake().calls.find(
        (call) =>
          (call.method === "chat.postMessage" || call.method === "chat.update") &&
          call.status === 200 &&
          JSON.stringify(call.args).includes(text),
      );
      return { acknowledgedAt: sent.acknowledgedAt, textAt: posted?.at };
    },
    async withFilesRefused(run) {
      // The bot token without files:write: Slack refuses every upload.
      const scopes = fake().installation(installedIn?.id ?? fake().teamId)?.scopes;
      if (!scopes) throw new Error("the bot is not installed");
      scopes.delete("files:write");
      try {
        return await run();
      } finally {
        scopes.add("files:write");
      }
    },
  };
}

adapterContract("the Slack adapter", () => createSlackDriver("token"));
adapterContract("the Slack adapter, installed through the install flow", () =>
  createSlackDriver("install flow"),
);
