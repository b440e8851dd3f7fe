/**
 * Slack in many workspaces, end to end: the bot started as `start` starts it (createApp, then the Slack
 * adapter of PLATFORM_ADAPTERS) with the install flow's variables, its storage a SQLite file, against
 * the fake Slack with several workspaces. A browser installs the bot through /slack/install and
 * /slack/oauth_redirect; the bot answers in each workspace with that workspace's token; an uninstall
 * deletes the installation; a wrong key says so.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@keyv/redis";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadSlackBotTokens } from "../../adapters/slack/lazy.js";
import { SLACK_BOT_SCOPES } from "../../adapters/slack/scopes.js";
import { loadConfig } from "../../src/config/index.js";
import type { Adapter } from "../../src/core/types.js";
import { type App, createApp, PLATFORM_ADAPTERS } from "../../src/main.js";
import { createStorage, type ManagedStorage } from "../../src/storage/index.js";
import { stageOf } from "../fakes/openai-server.js";
import { type FakeSlack, type FakeSlackTeam, startFakeSlack } from "../fakes/slack/index.js";
import { freePort } from "../support/net.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";
import { Browser, installThroughBrowser } from "../support/slack-install.js";
import { waitUntil } from "../support/wait.js";
import { captureLogger, type LogLine } from "../unit/storage/capture.js";
import { findRedisServer, type RedisServer, startRedisServer } from "../unit/storage/redis-server.js";

const ANSWER = "Hello from the bot.";
const STATE_SECRET = "state-secret-for-the-tests-0123456789";

let slack: FakeSlack;
/** The fake Slack of most tests (`slack`, under another name where a test has its own). */
let fakeSlack: FakeSlack;
let harness: PipelineHarness;
let root: string;

interface RunningBot {
  app: App;
  adapter: Adapter;
  storage: ManagedStorage;
  url: string;
  lines: LogLine[];
  file: string;
  stop(): Promise<void>;
}

const running: RunningBot[] = [];

/** The bot as `start` runs it, its storage a SQLite file of its own (or `file`). */
async function startBot(
  options: {
    env?: Record<string, string>;
    file?: string;
    key?: Buffer;
    fake?: FakeSlack;
    /** Storage in Redis (this URL and key prefix) instead of a SQLite file. */
    redis?: { url: string; prefix: string };
  } = {},
): Promise<RunningBot> {
  const slack = options.fake ?? fakeSlack;
  const port = await freePort();
  const file = options.file ?? join(root, `storage-${randomBytes(4).toString("hex")}.sqlite`);
  const env = harness.env({
    SLACK_CLIENT_ID: slack.clientId,
    SLACK_CLIENT_SECRET: slack.clientSecret,
    SLACK_STATE_SECRET: STATE_SECRET,
    SLACK_INSTALLATION_KEY: (options.key ?? KEY).toString("base64"),
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    PORT: String(port),
    RATE_LIMIT_REQUESTS: "0",
    ...options.env,
  });
  const storage = options.redis
    ? createStorage({ backend: "redis", url: options.redis.url, prefix: options.redis.prefix })
    : createStorage({ backend: "sqlite", file });
  const { logger, lines } = captureLogger([slack.clientSecret, STATE_SECRET]);
  const app = createApp(loadConfig(env), { env, storage, logger });
  const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "slack");
  if (!spec) throw new Error("the Slack adapter is not registered");
  expect(spec.configured(app.config)).toBe(true);
  const adapter = spec.create(app);
  await adapter.start(app.bot);
  const bot: RunningBot = {
    app,
    adapter,
    storage,
    url: `http://127.0.0.1:${port}`,
    lines,
    file,
    async stop() {
      await adapter.stop();
      await app.close();
    },
  };
  running.push(bot);
  return bot;
}

/** Points the fake Slack at a bot: its events URL and its Redirect URL. */
function aimAt(bot: RunningBot): void {
  slack.setAppUrl(`${bot.url}/slack/events`);
  slack.setRedirectUrl(`${bot.url}/slack/oauth_redirect`);
}

/** The bot's answer in the thread of a message, once it is there. */
function answerIn(channel: string, ts: string) {
  return waitUntil(
    () => slack.botMessages(channel, ts).find((message) => message.text.includes(ANSWER)),
    `the answer in ${channel}`,
  );
}

/** Tokens of the bot's posts in a channel. */
function postTokens(channel: string): Set<string | undefined> {
  return new Set(
    slack
      .callsTo("chat.postMessage")
      .filter((call) => call.args.channel === channel)
      .map((call) => call.token),
  );
}

const KEY = randomBytes(32);
let teamCounter = 0;
function newTeam(name: string): FakeSlackTeam {
  teamCounter += 1;
  return slack.addTeam({ id: `T${teamCounter}${name.toUpperCase()}`, name });
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "hgb-slack-oauth-"));
  slack = await startFakeSlack();
  fakeSlack = slack;
  harness = await startPipelineHarness();
  harness.llm.route((body) => (stageOf(body) === "plan" ? "[]" : ANSWER));
});

afterAll(async () => {
  for (const bot of running.splice(0)) await bot.stop().catch(() => undefined);
  await harness?.close();
  await slack?.close();
  await rm(root, { recursive: true, force: true });
});

describe("Slack's install flow", () => {
  let bot: RunningBot;
  let acme: FakeSlackTeam;

  beforeAll(async () => {
    bot = await startBot();
    aimAt(bot);
    acme = newTeam("Acme");
  });

  it("installs through /slack/install and /slack/oauth_redirect as a browser does, and keeps the token sealed", async () => {
    const run = await installThroughBrowser(slack, bot.url, acme.id);
    // The install page set the state cookie and leads to Slack's authorize page with the bot's scopes.
    expect(run.installPage.headers.get("set-cookie")).toMatch(/^slack-app-oauth-state=[^;]+; .*HttpOnly/);
    expect(run.authorizeUrl.origin + run.authorizeUrl.pathname).toBe(`${slack.url}/oauth/v2/authorize`);
    expect(run.authorizeUrl.searchParams.get("client_id")).toBe(slack.clientId);
    expect(run.authorizeUrl.searchParams.get("scope")?.split(",")).toEqual([...SLACK_BOT_SCOPES]);
    expect(run.authorizeUrl.searchParams.get("state")).toBe(
      run.installPage.headers.get("set-cookie")?.match(/^slack-app-oauth-state=([^;]+)/)?.[1],
    );
    expect(run.redirectUrl.pathname).toBe("/slack/oauth_redirect");

    expect(run.result.status).toBe(200);
    expect(run.result.body).toContain("HuggingGPT is installed in <strong>Acme</strong>");
    expect(run.result.headers.get("referrer-policy")).toBe("no-referrer");
    // The state cookie is used up.
    expect(run.browser.cookies.has("slack-app-oauth-state")).toBe(false);

    const token = slack.installation(acme.id)?.botToken ?? "";
    expect(token).toMatch(/^xoxb-/);
    expect(await bot.storage.keys("slack-installations")).toContain(`team:${acme.id}`);
    const logged = bot.lines.find((line) => line.msg === "Slack app installed");
    expect(logged).toMatchObject({
      team: acme.id,
      teamName: "Acme",
      botUser: slack.installation(acme.id)?.botUserId,
    });
    // Nowhere in clear: not in the storage file (nor its journal), not in the logs.
    const onDisk =
      (await readFile(bot.file)).toString("latin1") +
      (await readFile(`${bot.file}-wal`).then(
        (bytes) => bytes.toString("latin1"),
        () => "",
      ));
    expect(onDisk).toContain(acme.id);
    expect(onDisk).not.toContain(token);
    expect(JSON.stringify(bot.lines)).not.toContain(token);
  });

  it("answers a mention in that workspace with that workspace's token, and reads its files with it", async () => {
    const token = slack.installation(acme.id)?.botToken;
    const photo = slack.addUserFile(
      await sharp({ create: { width: 32, height: 24, channels: 3, background: "#3a6" } })
        .png()
        .toBuffer(),
      { name: "photo.png", mimetype: "image/png", team: acme.id },
    );
    const mention = slack.mention({ text: "hello there", channel: acme.generalChannel, files: [photo] });
    const sent = await slack.sendEvent(mention);
    expect(sent.status).toBe(200);
    const answer = await answerIn(acme.generalChannel, mention.ts);
    expect(answer.user).toBe(slack.installation(acme.id)?.botUserId);
    expect(postTokens(acme.generalChannel)).toEqual(new Set([token]));
    // The file was downloaded with Acme's token: with another, Slack sends its sign-in page and the bot says so.
    expect(
      slack
        .botMessages(acme.generalChannel, mention.ts)
        .map((message) => message.text)
        .join("\n"),
    ).not.toMatch(/sign-in page/);
  });

  it("answers two workspaces, each with its own token", async () => {
    const beta = newTeam("Beta");
    const run = await installThroughBrowser(slack, bot.url, beta.id);
    expect(run.result.status).toBe(200);
    const acmeToken = slack.installation(acme.id)?.botToken;
    const betaToken = slack.installation(beta.id)?.botToken;
    expect(betaToken).not.toBe(acmeToken);

    const inBeta = slack.mention({ text: "hi from Beta", channel: beta.generalChannel });
    const inAcme = slack.mention({ text: "hi from Acme", channel: acme.generalChannel });
    await Promise.all([slack.sendEvent(inBeta), slack.sendEvent(inAcme)]);
    await answerIn(beta.generalChannel, inBeta.ts);
    await answerIn(acme.generalChannel, inAcme.ts);
    expect(postTokens(beta.generalChannel)).toEqual(new Set([betaToken]));
    expect(postTokens(acme.generalChannel)).toEqual(new Set([acmeToken]));
    // No call of the bot used a token Slack refused for the channel.
    expect(slack.calls.filter((call) => call.response.error === "channel_not_found")).toEqual([]);
  });

  it("gives the bot token of a workspace by its team id, for processes that post without an event", async () => {
    const botToken = await loadSlackBotTokens({
      oauth: {
        clientId: slack.clientId,
        clientSecret: slack.clientSecret,
        stateSecret: STATE_SECRET,
        installationKey: KEY,
        storage: {
          kv: bot.storage.namespace<unknown>("slack-installations", 0),
          keys: () => bot.storage.keys("slack-installations"),
        },
      },
      apiUrl: slack.apiUrl,
    });
    expect(await botToken({ teamId: acme.id })).toBe(slack.installation(acme.id)?.botToken);
    expect(await botToken({ teamId: "T0NOWHERE" })).toBeUndefined();
  });

  it("refuses a redirect without this browser's state, a missing or forged state, and a code used twice", async () => {
    const gamma = newTeam("Gamma");
    const browser = new Browser();
    const first = await browser.get(`${bot.url}/slack/install`);
    const state = first.headers.get("set-cookie")?.match(/^slack-app-oauth-state=([^;]+)/)?.[1] ?? "";
    expect(state).not.toBe("");
    slack.approveNextInstall({ team: gamma.id });
    const authorize = new URL(
      /href="([^"]+)">Add to Slack/.exec(first.body)?.[1]?.replaceAll("&amp;", "&") ?? "",
    );
    const atSlack = await browser.get(authorize.toString());
    const redirect = new URL(atSlack.headers.get("location") ?? "");

    // Another browser (no cookie) with the right state and code: refused, nothing installed.
    const stranger = await new Browser().get(redirect.toString());
    expect(stranger.status).toBe(400);
    expect(stranger.body).toContain("This install link is not valid here");
    expect(stranger.body).toContain("Nothing was installed.");
    // No state at all, and a forged one.
    const noState = new URL(redirect);
    noState.searchParams.delete("state");
    expect((await browser.get(noState.toString())).status).toBe(400);
    const forged = new URL(redirect);
    forged.searchParams.set("state", `${state.slice(0, -4)}AAAA`);
    const forgedPage = await new Browser().get(forged.toString());
    expect(forgedPage.status).toBe(400);
    expect(slack.installation(gamma.id)).toBeUndefined();
    expect(await bot.storage.keys("slack-installations")).not.toContain(`team:${gamma.id}`);

    // The browser that started it finishes it; the same code again is refused by Slack.
    const replay = new Browser();
    replay.cookies.set("slack-app-oauth-state", state);
    const done = await browser.get(redirect.toString());
    expect(done.status).toBe(200);
    const again = await replay.get(redirect.toString());
    expect(again.status).toBe(400);
    expect(again.body).toContain("Slack refused its authorization code (invalid_code)");
    expect(
      bot.lines.some((line) => line.msg === "Slack oauth.v2.access refused the code: invalid_code"),
    ).toBe(true);
  });

  it("says the installation was cancelled when the person cancels on Slack's page", async () => {
    const delta = newTeam("Delta");
    const run = await installThroughBrowser(slack, bot.url, delta.id, { deny: true });
    expect(run.redirectUrl.searchParams.get("error")).toBe("access_denied");
    expect(run.result.status).toBe(400);
    expect(run.result.body).toContain("The installation was cancelled in Slack. Nothing was installed.");
    expect(run.result.body).toContain('href="/slack/install"');
    expect(slack.installation(delta.id)).toBeUndefined();
  });

  it("acknowledges an event from a workspace where it is not installed, logs it and answers nothing", async () => {
    const before = slack.botMessages(slack.generalChannel).length;
    const mention = slack.mention({ text: "anyone there?" });
    const sent = await slack.sendEvent(mention);
    expect(sent.status).toBe(200);
    await waitUntil(
      () => bot.lines.find((line) => line.level === "warn" && line.team === slack.teamId),
      "the warning",
    );
    expect(slack.botMessages(slack.generalChannel)).toHaveLength(before);
  });

  it("deletes the installation on uninstall, and answers nothing from that workspace afterwards", async () => {
    const echo = newTeam("Echo");
    await installThroughBrowser(slack, bot.url, echo.id);
    const first = slack.mention({ text: "before", channel: echo.generalChannel });
    await slack.sendEvent(first);
    await answerIn(echo.generalChannel, first.ts);

    const sent = await slack.uninstall(echo.id);
    expect(sent.map((event) => [event.event.type, event.status])).toEqual([
      ["tokens_revoked", 200],
      ["app_uninstalled", 200],
    ]);
    await waitUntil(
      () => bot.lines.find((line) => line.msg.startsWith("Slack app uninstalled") && line.team === echo.id),
      "the uninstall",
    );
    expect(await bot.storage.keys("slack-installations")).not.toContain(`team:${echo.id}`);

    const after = slack.mention({ text: "after", channel: echo.generalChannel });
    expect((await slack.sendEvent(after)).status).toBe(200);
    await waitUntil(
      () => bot.lines.find((line) => line.level === "warn" && line.team === echo.id),
      "the refusal",
    );
    expect(slack.botMessages(echo.generalChannel, after.ts)).toEqual([]);
  });

  it("says clearly when SLACK_INSTALLATION_KEY is not the key the installations were stored under", async () => {
    const other = await startBot({ file: bot.file, key: randomBytes(32) });
    aimAt(other);
    try {
      const mention = slack.mention({ text: "hello", channel: acme.generalChannel });
      expect((await slack.sendEvent(mention)).status).toBe(200);
      const line = await waitUntil(
        () => other.lines.find((candidate) => candidate.level === "error" && candidate.team === acme.id),
        "the error",
      );
      expect(String(line.error)).toContain(
        "SLACK_INSTALLATION_KEY does not open the stored installation of the workspace Acme",
      );
      expect(JSON.stringify(other.lines)).not.toContain(slack.installation(acme.id)?.botToken ?? "none");
      expect(slack.botMessages(acme.generalChannel, mention.ts)).toEqual([]);
    } finally {
      aimAt(bot);
    }
  });
});

describe("SLACK_BOT_TOKEN beside the install flow", () => {
  it("serves as its workspace's installation, answered with that token", async () => {
    const bot = await startBot({ env: { SLACK_BOT_TOKEN: slack.botToken } });
    aimAt(bot);
    expect(await bot.storage.keys("slack-installations")).toEqual([`team:${slack.teamId}`]);
    const mention = slack.mention({ text: "hello from the first workspace" });
    await slack.sendEvent(mention);
    await answerIn(slack.generalChannel, mention.ts);
    expect(
      slack
        .callsTo("chat.postMessage")
        .filter((call) => call.args.thread_ts === mention.ts)
        .map((call) => call.token),
    ).toContain(slack.botToken);
  });
});

describe("Slack's install flow in Socket Mode", () => {
  it("serves the install pages on PORT and answers events from the socket with the workspace's token", async () => {
    const bot = await startBot({ env: { SLACK_APP_TOKEN: slack.appToken } });
    slack.setRedirectUrl(`${bot.url}/slack/oauth_redirect`);
    await slack.waitForSocket();
    const foxtrot = newTeam("Foxtrot");
    const run = await installThroughBrowser(slack, bot.url, foxtrot.id);
    expect(run.result.status).toBe(200);
    const mention = slack.mention({ text: "over the socket", channel: foxtrot.generalChannel });
    const ack = await slack.pushSocketEvent(mention);
    expect(ack.ack.envelope_id).toBe(ack.envelopeId);
    await answerIn(foxtrot.generalChannel, mention.ts);
    expect(postTokens(foxtrot.generalChannel)).toEqual(new Set([slack.installation(foxtrot.id)?.botToken]));
    await bot.stop();
    running.splice(running.indexOf(bot), 1);
  });
});

describe("token rotation", () => {
  it("refreshes a bot token about to expire when an event comes, stores the new one sealed and answers with it", async () => {
    // Tokens that live an hour: Bolt's installer refreshes any that expires within two.
    const rotating = await startFakeSlack({ tokenExpiresInSeconds: 3600 });
    try {
      const bot = await startBot({ fake: rotating });
      rotating.setAppUrl(`${bot.url}/slack/events`);
      rotating.setRedirectUrl(`${bot.url}/slack/oauth_redirect`);
      const golf = rotating.addTeam({ id: "T9GOLF", name: "Golf" });
      await installThroughBrowser(rotating, bot.url, golf.id);
      const installed = rotating.installation(golf.id);
      const first = { token: installed?.botToken, refresh: installed?.refreshToken };
      expect(first.refresh).toMatch(/^xoxe-1-/);

      const mention = rotating.mention({ text: "hello", channel: golf.generalChannel });
      await rotating.sendEvent(mention);
      await waitUntil(
        () =>
          rotating
            .botMessages(golf.generalChannel, mention.ts)
            .find((message) => message.text.includes(ANSWER)),
        "the answer",
      );
      const refreshed = rotating.installation(golf.id)?.botToken;
      expect(refreshed).not.toBe(first.token);
      expect(rotating.callsTo("oauth.v2.access").at(-1)?.args).toMatchObject({ grant_type: "refresh_token" });
      const posts = rotating
        .callsTo("chat.postMessage")
        .filter((call) => call.args.channel === golf.generalChannel);
      expect(new Set(posts.map((call) => call.token))).toEqual(new Set([refreshed]));

      // The store holds the new tokens, sealed.
      const record = JSON.stringify(
        await bot.storage.namespace<unknown>("slack-installations", 0).get(`team:${golf.id}`),
      );
      expect(record).toContain('"botTokenExpiresAt"');
      for (const secret of [refreshed, rotating.installation(golf.id)?.refreshToken, first.token])
        expect(record).not.toContain(secret);
      await bot.stop();
      running.splice(running.indexOf(bot), 1);
    } finally {
      await rotating.close();
    }
  });
});

const redisBinary = findRedisServer();
describe.skipIf(redisBinary === undefined)("installations in Redis, shared by the bot's instances", () => {
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    if (redisBinary) redis = await startRedisServer(redisBinary);
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("keeps the tokens sealed in Redis, and a second bot on the same Redis answers a workspace the first installed", async () => {
    const shared = { url: redis?.url ?? "", prefix: `hgb-oauth-${randomBytes(4).toString("hex")}` };
    const first = await startBot({ redis: shared });
    aimAt(first);
    const hotel = newTeam("Hotel");
    expect((await installThroughBrowser(slack, first.url, hotel.id)).result.status).toBe(200);
    const token = slack.installation(hotel.id)?.botToken ?? "";

    const raw = createClient({ url: shared.url });
    await raw.connect();
    try {
      const stored = await raw.get(`${shared.prefix}::slack-installations:team:${hotel.id}`);
      expect(stored).toContain(hotel.id);
      expect(stored).not.toContain(token);
    } finally {
      await raw.close();
    }

    // Another bot (its own app and storage client on the same Redis, as another process has) takes the next event.
    const second = await startBot({ redis: shared });
    slack.setAppUrl(`${second.url}/slack/events`);
    try {
      const mention = slack.mention({ text: "hello second process", channel: hotel.generalChannel });
      await slack.sendEvent(mention);
      await answerIn(hotel.generalChannel, mention.ts);
      expect(postTokens(hotel.generalChannel)).toEqual(new Set([token]));
    } finally {
      aimAt(first);
    }
  });
});
