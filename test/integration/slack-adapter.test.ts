/**
 * The Slack adapter end to end: the real Bolt app (HTTP receiver, and Socket Mode) and Web API client
 * against the fake Slack, started as `start` starts it (createApp, then the adapter registered in
 * PLATFORM_ADAPTERS with SLACK_API_URL at the fake), with the pipeline on the fake OpenAI and Hugging
 * Face servers.
 */
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSlackAdapter } from "../../adapters/slack/adapter.js";
import { loadConfig } from "../../src/config/index.js";
import type { Adapter } from "../../src/core/types.js";
import { isBotError } from "../../src/errors.js";
import { type App, createApp, PLATFORM_ADAPTERS } from "../../src/main.js";
import { createStorage } from "../../src/storage/index.js";
import { toneWav } from "../fakes/hf-server.js";
import { type ChatCompletionBody, stageOf } from "../fakes/openai-server.js";
import { type FakeSlack, type FakeSlackMessage, type Json, startFakeSlack } from "../fakes/slack/index.js";
import { freePort } from "../support/net.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";

const DETR = "facebook/detr-resnet-50";
const BLIP = "Salesforce/blip-image-captioning-large";
const WHISPER = "openai/whisper-large-v3";
/** Over Slack's undocumented limit of about 12 000 characters of block text in one message. */
const HUGE_ANSWER = Array.from(
  { length: 160 },
  (_, index) => `Line ${index}: ${"the zebra stands beside the giraffe near the water. ".repeat(2).trim()}`,
).join("\n\n");
const LONG_ANSWER = Array.from(
  { length: 60 },
  (_, index) => `Paragraph ${index}: ${"the giraffe is tall and the zebra is striped. ".repeat(2).trim()}`,
).join("\n\n");

let slack: FakeSlack;
let harness: PipelineHarness;
let app: App;
let adapter: Adapter;

/** Names of the inputs the planning prompt lists: this message's files by kind, and earlier results. */
function listedInputs(body: ChatCompletionBody): { images: string[]; audio: string[]; earlier: string[] } {
  const text = body.messages.at(-1)?.content ?? "";
  const attached = (kind: string) =>
    [...text.matchAll(new RegExp(`^- (\\S+): ${kind}.*attached to this message$`, "gm"))].map(
      (match) => match[1]!,
    );
  const earlier = [...text.matchAll(/^- (\S+): image.*from an earlier answer$/gm)].map((match) => match[1]!);
  return { images: attached("image"), audio: attached("audio"), earlier };
}

function route(body: ChatCompletionBody) {
  const stage = stageOf(body);
  const request = body.messages.at(-1)?.content ?? "";
  if (stage === "plan") {
    const { images, audio, earlier } = listedInputs(body);
    if (/Request: .*detect/.test(request)) {
      return JSON.stringify(
        images.map((name, index) => ({
          id: index + 1,
          task: "object-detection",
          dep: [],
          args: { image: name },
        })),
      );
    }
    if (/Request: .*transcribe/.test(request) && audio[0]) {
      return JSON.stringify([
        { id: 1, task: "automatic-speech-recognition", dep: [], args: { audio: audio[0] } },
      ]);
    }
    if (/Request: .*caption the earlier/.test(request) && earlier[0]) {
      return JSON.stringify([{ id: 1, task: "image-to-text", dep: [], args: { image: earlier[0] } }]);
    }
    return "[]";
  }
  const all = body.messages.map((message) => message.content).join("\n");
  if (all.includes("huge answer please")) return HUGE_ANSWER;
  if (all.includes("long answer please")) return LONG_ANSWER;
  return stage === "respond" ? "I found a *giraffe* and a **zebra**." : "Hello from the bot.";
}

async function png(color: string, width = 64, height = 48): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer();
}

async function waitFor<T>(check: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function hasBlock(message: FakeSlackMessage, type: string): boolean {
  return (message.blocks ?? []).some((block) => (block as Json).type === type);
}

/** The bot's answers in a thread: the messages carrying the summary (context blocks). */
function answers(channel: string, threadTs: string | undefined): FakeSlackMessage[] {
  return slack
    .botMessages(channel)
    .filter((message) => (message.thread_ts ?? undefined) === threadTs && hasBlock(message, "context"));
}

/** The text of every section block of a message. */
function sections(message: FakeSlackMessage): string[] {
  return (message.blocks ?? []).flatMap((block) => {
    const item = block as { type?: string; text?: { text?: string } };
    return item.type === "section" && item.text?.text ? [item.text.text] : [];
  });
}

/** A message not in a thread, or a thread's parent (Slack gives the parent its own ts as thread_ts). */
function isTopLevel(message: FakeSlackMessage): boolean {
  return message.thread_ts === undefined || message.thread_ts === message.ts;
}

function uploadsIn(channel: string, threadTs: string): FakeSlackMessage[] {
  return slack.thread(channel, threadTs).filter((message) => message.upload === true && message.bot_id);
}

beforeAll(async () => {
  slack = await startFakeSlack();
  harness = await startPipelineHarness({
    models: [
      { id: DETR, pipeline_tag: "object-detection", downloads: 2_000_000 },
      { id: BLIP, pipeline_tag: "image-to-text", downloads: 1_000_000 },
      { id: WHISPER, pipeline_tag: "automatic-speech-recognition", downloads: 1_000_000 },
    ],
  });
  harness.llm.route(route);
  const port = await freePort();
  const env = harness.env({
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: slack.signingSecret,
    SLACK_API_URL: slack.apiUrl,
    PORT: String(port),
    MODEL_SELECTION: "top",
    RATE_LIMIT_REQUESTS: "0",
  });
  app = createApp(loadConfig(env), { env, storage: createStorage() });
  const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "slack");
  if (!spec) throw new Error("the Slack adapter is not registered");
  expect(spec.configured(app.config)).toBe(true);
  adapter = spec.create(app);
  await adapter.start(app.bot);
  slack.setAppUrl(`http://127.0.0.1:${port}/slack/events`);
});

afterAll(async () => {
  const p50 = slack?.ackPercentile(50);
  const p95 = slack?.ackPercentile(95);
  if (p50 !== undefined) {
    console.log(
      `Slack acknowledgements over ${slack.deliveries.filter((delivery) => delivery.status === 200).length} deliveries: p50 ${p50.toFixed(1)} ms, p95 ${p95?.toFixed(1)} ms`,
    );
  }
  await adapter?.stop();
  await app?.close();
  await harness?.close();
  await slack?.close();
});

beforeEach(async () => {
  await app.bot.idle();
});

describe("the Slack adapter against a fake Slack", () => {
  it("answers a mention with a PNG in its thread: progress, mrkdwn answer, summary blocks and the annotated image", async () => {
    const photo = slack.addUserFile(await png("#3a6"), { name: "photo.png", mimetype: "image/png" });
    const mention = slack.mention({ text: `<@${slack.botUserId}> detect the animals`, files: [photo] });
    const sent = await slack.sendEvent(mention);
    expect(sent.status).toBe(200);
    expect(sent.ackMs).toBeLessThan(3000);

    const [answer] = await waitFor(() => {
      const found = answers(slack.generalChannel, mention.ts);
      return found.length > 0 && found;
    }, "the answer in the thread");
    expect(answer!.text).toContain("giraffe");
    // Markdown became mrkdwn: **bold** → *bold*, *italic* → _italic_.
    expect(sections(answer!).join("\n")).toContain("I found a _giraffe_ and a *zebra*.");
    expect(JSON.stringify(answer!.blocks)).toContain(DETR);

    // One progress message, posted then edited to its final state.
    const progress = slack
      .botMessages(slack.generalChannel)
      .filter(
        (message) => message.thread_ts === mention.ts && !hasBlock(message, "context") && !message.upload,
      );
    expect(progress).toHaveLength(1);
    expect(progress[0]!.edited).toBeDefined();

    const uploads = await waitFor(() => {
      const found = uploadsIn(slack.generalChannel, mention.ts);
      return found.length > 0 && found;
    }, "the annotated image");
    expect(uploads).toHaveLength(1);
    const [file] = uploads[0]!.files ?? [];
    expect(slack.files.get(file!)?.name).toMatch(/object-detection-annotated\.png$/);
    const completed = slack.callsTo("files.completeUploadExternal").at(-1)!;
    expect(completed.args).toMatchObject({ channel_id: slack.generalChannel, thread_ts: mention.ts });
    // The bot downloaded the user's file with its token.
    expect(harness.hf.inferenceCalls(DETR).length).toBeGreaterThan(0);
  });

  it("answers a DM with an audio file in the DM", async () => {
    const audio = slack.addUserFile(toneWav(0.5), { name: "memo.wav", mimetype: "audio/wav" });
    const before = harness.hf.inferenceCalls(WHISPER).length;
    const dm = slack.directMessage({ text: "transcribe this please", files: [audio] });
    await slack.sendEvent(dm);
    await waitFor(
      () => answers(slack.dmChannel, undefined).find((message) => message.ts > dm.ts),
      "the DM answer",
    );
    expect(harness.hf.inferenceCalls(WHISPER).length - before).toBe(1);
  });

  it("uses every file of a mention and uploads all results in one call", async () => {
    const left = slack.addUserFile(await png("#a33"), { name: "left.png", mimetype: "image/png" });
    const right = slack.addUserFile(await png("#33a"), { name: "right.png", mimetype: "image/png" });
    const before = harness.hf.inferenceCalls(DETR).length;
    const uploadCalls = slack.callsTo("files.completeUploadExternal").length;
    const mention = slack.mention({
      text: `<@${slack.botUserId}> detect what is in these`,
      files: [left, right],
    });
    await slack.sendEvent(mention);
    await waitFor(() => uploadsIn(slack.generalChannel, mention.ts)[0], "the uploads");
    expect(harness.hf.inferenceCalls(DETR).length - before).toBe(2);
    const uploads = uploadsIn(slack.generalChannel, mention.ts);
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.files).toHaveLength(2);
    expect(slack.callsTo("files.completeUploadExternal").length - uploadCalls).toBe(1);
  });

  it("answers once when Slack redelivers an event and when a mention also arrives as a message", async () => {
    const llmCalls = harness.llm.requests.length;
    const mention = slack.mention({ text: `<@${slack.botUserId}> say hi` });
    const first = await slack.sendEvent(mention);
    // A retry of the same delivery while the first is in flight, and the `message` twin of the mention.
    const retry = await slack.sendEvent(mention, {
      eventId: first.eventId,
      retryNum: 1,
      retryReason: "http_timeout",
    });
    const stored = slack.messages(slack.generalChannel).find((message) => message.ts === mention.ts)!;
    const twin = await slack.sendEvent(slack.eventFor(stored));
    expect([first.status, retry.status, twin.status]).toEqual([200, 200, 200]);
    await waitFor(() => answers(slack.generalChannel, mention.ts)[0], "the answer");
    await app.bot.idle();
    expect(answers(slack.generalChannel, mention.ts)).toHaveLength(1);
    const progress = slack
      .botMessages(slack.generalChannel)
      .filter((message) => message.thread_ts === mention.ts && !hasBlock(message, "context"));
    expect(progress).toHaveLength(1);
    // One plan and one answer: the request ran once.
    expect(harness.llm.requests.length - llmCalls).toBe(2);
  });

  it("refuses a bad signature and a stale timestamp with 401, and does nothing", async () => {
    const llmCalls = harness.llm.requests.length;
    const posts = slack.callsTo("chat.postMessage").length;
    const forged = await slack.sendEvent(slack.mention({ text: `<@${slack.botUserId}> say hi` }), {
      badSignature: true,
    });
    const stale = await slack.sendEvent(slack.mention({ text: `<@${slack.botUserId}> say hi` }), {
      staleTimestamp: true,
    });
    expect(forged.status).toBe(401);
    expect(stale.status).toBe(401);
    // A valid event after them is answered, so the two above had their chance.
    const mention = slack.mention({ text: `<@${slack.botUserId}> say hi again` });
    await slack.sendEvent(mention);
    await waitFor(() => answers(slack.generalChannel, mention.ts)[0], "the valid event's answer");
    await app.bot.idle();
    expect(harness.llm.requests.length - llmCalls).toBe(2);
    expect(slack.callsTo("chat.postMessage").length - posts).toBe(2);
  });

  it("says so when Slack sends its sign-in page instead of the file", async () => {
    const photo = slack.addUserFile(await png("#3a6"), { name: "photo.png", mimetype: "image/png" });
    slack.removeScope("files:read");
    try {
      const mention = slack.mention({ text: `<@${slack.botUserId}> detect this`, files: [photo] });
      await slack.sendEvent(mention);
      const notice = await waitFor(
        () =>
          slack
            .botMessages(slack.generalChannel)
            .find((message) => message.thread_ts === mention.ts && message.text.includes("sign-in page")),
        "the notice",
      );
      expect(notice.text).toContain("photo.png");
      expect(notice.text).toContain("files:read");
    } finally {
      slack.addScope("files:read");
    }
  });

  it("posts /ask with text in the channel and answers in that message's thread", async () => {
    const posts = slack.botMessages(slack.generalChannel).length;
    const sent = await slack.sendCommand({ command: "/ask", text: "say hello" });
    expect(sent.status).toBe(200);
    expect(sent.ackMs).toBeLessThan(3000);
    const root = await waitFor(
      () =>
        slack
          .botMessages(slack.generalChannel)
          .slice(posts)
          .find((message) => isTopLevel(message) && message.text.includes("say hello")),
      "the posted request",
    );
    expect(root.text).toContain(`<@${slack.userId}>`);
    const [answer] = await waitFor(() => {
      const found = answers(slack.generalChannel, root.ts);
      return found.length > 0 && found;
    }, "the answer in its thread");
    expect(answer!.text).toContain("Hello from the bot.");
  });

  it("opens a form for /ask without text and answers its submission with both files in a thread", async () => {
    const views = slack.views.length;
    const sent = await slack.sendCommand({ command: "/ask", text: "" });
    expect(sent.status).toBe(200);
    await waitFor(() => slack.views.length > views, "the modal");
    const opened = slack.views.at(-1) as Json & { id: string };
    expect(JSON.stringify(opened)).toContain("file_input");

    const left = slack.addUserFile(await png("#c71"), { name: "cat.png", mimetype: "image/png" });
    const right = slack.addUserFile(await png("#17c"), { name: "dog.png", mimetype: "image/png" });
    const before = harness.hf.inferenceCalls(DETR).length;
    const submitted = await slack.sendViewSubmission({
      id: opened.id,
      values: {
        prompt: { prompt: slack.plainTextValue("detect the pets") },
        files: { files: slack.fileInputValue([left, right]) },
      },
    });
    expect(submitted.status).toBe(200);
    const root = await waitFor(
      () =>
        slack
          .botMessages(slack.generalChannel)
          .find((message) => isTopLevel(message) && message.text.includes("detect the pets")),
      "the posted request",
    );
    expect(root.text).toContain("cat.png");
    await waitFor(() => uploadsIn(slack.generalChannel, root.ts)[0], "the results in the thread");
    expect(answers(slack.generalChannel, root.ts)).toHaveLength(1);
    expect(harness.hf.inferenceCalls(DETR).length - before).toBe(2);
    expect(slack.callsTo("files.info").length).toBeGreaterThanOrEqual(2);
  });

  it("continues in the thread without a mention, with the earlier result", async () => {
    const photo = slack.addUserFile(await png("#3a6"), { name: "zoo.png", mimetype: "image/png" });
    const mention = slack.mention({ text: `<@${slack.botUserId}> detect the animals`, files: [photo] });
    await slack.sendEvent(mention);
    await waitFor(() => answers(slack.generalChannel, mention.ts)[0], "the first answer");
    const captions = harness.hf.inferenceCalls(BLIP).length;
    const followUp = slack.userMessage({ text: "now caption the earlier result", thread_ts: mention.ts });
    await slack.sendEvent(followUp);
    await waitFor(() => answers(slack.generalChannel, mention.ts)[1], "the follow-up answer");
    expect(harness.hf.inferenceCalls(BLIP).length - captions).toBe(1);

    // A thread the bot never posted in is not its business.
    const llmCalls = harness.llm.requests.length;
    const other = slack.userMessage({ text: "lunch?" });
    await slack.sendEvent(other);
    await slack.sendEvent(slack.userMessage({ text: "detect something", thread_ts: other.ts }));
    const later = slack.mention({ text: `<@${slack.botUserId}> say hi` });
    await slack.sendEvent(later);
    await waitFor(() => answers(slack.generalChannel, later.ts)[0], "the later answer");
    await app.bot.idle();
    expect(harness.llm.requests.length - llmCalls).toBe(2);
  });

  it("ignores its own messages and other bots'", async () => {
    const llmCalls = harness.llm.requests.length;
    const own = slack.botMessages(slack.generalChannel).at(-1)!;
    await slack.sendEvent(slack.eventFor(own));
    await slack.sendEvent({
      ...slack.mention({ text: `<@${slack.botUserId}> detect this` }),
      bot_id: "B0OTHER",
    });
    const mention = slack.mention({ text: `<@${slack.botUserId}> say hi` });
    await slack.sendEvent(mention);
    await waitFor(() => answers(slack.generalChannel, mention.ts)[0], "the answer to the person");
    await app.bot.idle();
    expect(harness.llm.requests.length - llmCalls).toBe(2);
  });

  it("waits out a 429 on chat.postMessage (Retry-After) and still answers", async () => {
    slack.failNext("chat.postMessage", { error: "ratelimited", retryAfter: 1 });
    const mention = slack.mention({ text: `<@${slack.botUserId}> say hi` });
    await slack.sendEvent(mention);
    await waitFor(() => answers(slack.generalChannel, mention.ts)[0], "the answer after the 429");
    const calls = slack.callsTo("chat.postMessage");
    const limited = calls.findIndex((call) => call.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    const retried = calls.slice(limited + 1).find((call) => call.status === 200)!;
    // Not before Retry-After said.
    expect(retried.at - calls[limited]!.at).toBeGreaterThanOrEqual(950);
  });

  it("splits an answer longer than a section into several sections, nothing lost", async () => {
    const mention = slack.mention({ text: `<@${slack.botUserId}> long answer please` });
    await slack.sendEvent(mention);
    const [answer] = await waitFor(() => {
      const found = answers(slack.generalChannel, mention.ts);
      return found.length > 0 && found;
    }, "the long answer");
    const texts = slack
      .botMessages(slack.generalChannel)
      .filter((message) => message.thread_ts === mention.ts)
      .flatMap((message) => sections(message));
    expect(texts.length).toBeGreaterThan(1);
    for (const text of texts) expect(text.length).toBeLessThanOrEqual(3000);
    expect(texts.join("\n\n")).toBe(LONG_ANSWER);
    expect(answer!.blocks!.length).toBeLessThanOrEqual(50);
  });

  it("keeps the answer and says which result files Slack refused (too large, no files:write)", async () => {
    /** Sends a detection request with a photo and waits for the note about its refused result file. */
    async function refusedFileNote(color: string, name: string): Promise<FakeSlackMessage> {
      const photo = slack.addUserFile(await png(color), { name, mimetype: "image/png" });
      const mention = slack.mention({ text: `<@${slack.botUserId}> detect this`, files: [photo] });
      await slack.sendEvent(mention);
      const note = await waitFor(
        () =>
          slack
            .botMessages(slack.generalChannel, mention.ts)
            .find((message) => message.text.includes("I could not attach")),
        `the note about ${name}'s result`,
      );
      expect(answers(slack.generalChannel, mention.ts)).toHaveLength(1);
      return note;
    }

    const limit = slack.uploadLimitBytes;
    slack.uploadLimitBytes = 100;
    try {
      expect((await refusedFileNote("#5b5", "big.png")).text).toMatch(
        /object-detection-annotated\.png.*too large/,
      );
    } finally {
      slack.uploadLimitBytes = limit;
    }
    slack.removeScope("files:write");
    try {
      expect((await refusedFileNote("#b5b", "small.png")).text).toContain("files:write");
    } finally {
      slack.addScope("files:write");
    }
  });

  it("sends an answer over Slack's total block text limit as several messages, nothing lost", async () => {
    const mention = slack.mention({ text: `<@${slack.botUserId}> huge answer please` });
    await slack.sendEvent(mention);
    await waitFor(() => answers(slack.generalChannel, mention.ts)[0], "the huge answer");
    const messages = slack
      .botMessages(slack.generalChannel)
      .filter((message) => message.thread_ts === mention.ts && (message.blocks ?? []).length > 0);
    expect(messages.length).toBeGreaterThan(1);
    expect(messages.flatMap((message) => sections(message)).join("\n\n")).toBe(HUGE_ANSWER);
    expect(slack.calls.filter((call) => call.response.error === "msg_blocks_too_long")).toEqual([]);
  });

  it("continues a DM in a thread under the bot's answer, with the earlier result", async () => {
    const photo = slack.addUserFile(await png("#7a7"), { name: "pet.png", mimetype: "image/png" });
    const dm = slack.directMessage({ text: "detect what is here", files: [photo] });
    await slack.sendEvent(dm);
    const answer = await waitFor(
      () => answers(slack.dmChannel, undefined).find((message) => message.ts > dm.ts),
      "the DM answer",
    );
    const captions = harness.hf.inferenceCalls(BLIP).length;
    await slack.sendEvent(
      slack.directMessage({ text: "now caption the earlier result", thread_ts: answer.ts }),
    );
    // The thread's parent is the first answer itself (Slack gives it its own ts as thread_ts).
    await waitFor(
      () => answers(slack.dmChannel, answer.ts).find((message) => message.ts !== answer.ts),
      "the answer in the DM thread",
    );
    expect(harness.hf.inferenceCalls(BLIP).length - captions).toBe(1);
  });

  it("reads a file Slack sent by id only (check_file_info) through files.info", async () => {
    const photo = slack.addUserFile(await png("#a7a"), { name: "connect.png", mimetype: "image/png" });
    const before = harness.hf.inferenceCalls(DETR).length;
    const lookups = slack.callsTo("files.info").length;
    const mention = slack.mention({ text: `<@${slack.botUserId}> detect this`, files: [photo] });
    // What Slack Connect channels send: the file's id, and that files.info has the rest.
    const bare = { ...mention, files: [{ id: photo.id, file_access: "check_file_info" }] };
    await slack.sendEvent(bare);
    await waitFor(() => answers(slack.generalChannel, mention.ts)[0], "the answer");
    expect(slack.callsTo("files.info").length - lookups).toBe(1);
    expect(harness.hf.inferenceCalls(DETR).length - before).toBe(1);
  });

  it("passes links, mentions and & < > to the planner as the user wrote them", async () => {
    const mention = slack.mention({
      text: `<@${slack.botUserId}> say "a &lt; b &amp; c" to <@U0ALICE|alice> about <https://example.com/a.png?w=1&amp;h=2>`,
    });
    const plans = harness.llm.requests.length;
    await slack.sendEvent(mention);
    await waitFor(() => answers(slack.generalChannel, mention.ts)[0], "the answer");
    const prompt = harness.llm.requests[plans]?.body.messages.at(-1)?.content ?? "";
    expect(prompt).toContain('say "a < b & c" to @alice about https://example.com/a.png?w=1&h=2');
  });

  it("answers a form submitted with files and no text", async () => {
    await slack.sendCommand({ command: "/ask", text: "" });
    const opened = await waitFor(
      () => slack.views.at(-1) as (Json & { id: string }) | undefined,
      "the modal",
    );
    const photo = slack.addUserFile(await png("#77a"), { name: "only-a-photo.png", mimetype: "image/png" });
    const sent = await slack.sendViewSubmission({
      id: opened.id,
      values: {
        prompt: { prompt: slack.plainTextValue("") },
        files: { files: slack.fileInputValue([photo]) },
      },
    });
    expect(sent.status).toBe(200);
    const root = await waitFor(
      () =>
        slack
          .botMessages(slack.generalChannel)
          .find((message) => isTopLevel(message) && message.text.includes("only-a-photo.png")),
      "the posted request",
    );
    await waitFor(() => answers(slack.generalChannel, root.ts)[0], "the answer");
  });

  it("opens the form at once even while another call is rate-limited", async () => {
    slack.failNext("conversations.replies", { error: "ratelimited", retryAfter: 4 });
    const other = slack.userMessage({ text: "unrelated" });
    await slack.sendEvent(slack.userMessage({ text: "a reply", thread_ts: other.ts }));
    await waitFor(
      () => slack.callsTo("conversations.replies").some((call) => call.status === 429),
      "the rate-limited lookup",
    );
    const views = slack.views.length;
    const posts = slack.responseUrlPosts.length;
    await slack.sendCommand({ command: "/ask", text: "" });
    await waitFor(() => slack.views.length > views, "the modal");
    expect(slack.responseUrlPosts.length).toBe(posts);
  });

  it("answers /usage privately: users see their own use, admins (users.info is_admin) the workspace's too", async () => {
    const posts = slack.responseUrlPosts.length;
    await slack.sendCommand({ command: "/usage" });
    const own = await waitFor(() => slack.responseUrlPosts[posts], "the ephemeral usage");
    expect(own.body).toMatchObject({ response_type: "ephemeral" });
    expect(String(own.body.text)).toMatch(/^Your usage:\n {2}Today: \d+ requests? · /);
    expect(String(own.body.text)).not.toContain("This workspace's usage");

    slack.setUserRole(slack.userId, "admin");
    try {
      await slack.sendCommand({ command: "/usage" });
      const admin = await waitFor(() => slack.responseUrlPosts[posts + 1], "the admin's usage");
      expect(String(admin.body.text)).toContain("This workspace's usage, all its users together:");
    } finally {
      slack.setUserRole(slack.userId, undefined);
    }
  });

  it("tells the user privately when /ask is used in a channel the bot is not in", async () => {
    const posts = slack.responseUrlPosts.length;
    await slack.sendCommand({ command: "/ask", text: "say hello", channel_id: slack.randomChannel });
    const reply = await waitFor(() => slack.responseUrlPosts[posts], "the ephemeral reply");
    expect(reply.body).toMatchObject({ response_type: "ephemeral" });
    expect(String(reply.body.text)).toContain("/invite");
  });

  it("answers over Socket Mode when SLACK_APP_TOKEN is set", async () => {
    const env = harness.env({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_APP_TOKEN: slack.appToken,
      SLACK_API_URL: slack.apiUrl,
      MODEL_SELECTION: "top",
      RATE_LIMIT_REQUESTS: "0",
    });
    const socketApp = createApp(loadConfig(env), { env, storage: createStorage() });
    const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "slack")!;
    const socketAdapter = spec.create(socketApp);
    try {
      await socketAdapter.start(socketApp.bot);
      await slack.waitForSocket(5000);
      expect(slack.callsTo("apps.connections.open").at(-1)?.token).toBe(slack.appToken);
      const mention = slack.mention({ text: `<@${slack.botUserId}> say hi over the socket` });
      const ack = await slack.pushSocketEvent(mention);
      expect(ack.ack.envelope_id).toBe(ack.envelopeId);
      await waitFor(() => answers(slack.generalChannel, mention.ts)[0], "the answer over Socket Mode");
    } finally {
      await socketAdapter.stop();
      await socketApp.close();
    }
  });
});

describe("Slack with an allowlist", () => {
  it("posts nothing for /ask where the bot is not enabled, and says so privately", async () => {
    const port = await freePort();
    const env = harness.env({
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      PORT: String(port),
      ALLOWED_CHANNELS: "C0ELSEWHERE",
    });
    const limited = createApp(loadConfig(env), { env, storage: createStorage() });
    const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "slack")!;
    const limitedAdapter = spec.create(limited);
    try {
      await limitedAdapter.start(limited.bot);
      const url = `http://127.0.0.1:${port}/slack/events`;
      const posts = slack.botMessages(slack.generalChannel).length;
      const replies = slack.responseUrlPosts.length;
      const views = slack.views.length;
      await slack.sendCommand({ command: "/ask", text: "say hello" }, { url });
      await slack.sendCommand({ command: "/ask", text: "" }, { url });
      await waitFor(() => slack.responseUrlPosts.length >= replies + 2, "the private replies");
      expect(slack.responseUrlPosts.slice(replies).map((post) => post.body.text)).toEqual([
        "I'm not enabled in this channel.",
        "I'm not enabled in this channel.",
      ]);
      expect(slack.botMessages(slack.generalChannel)).toHaveLength(posts);
      expect(slack.views).toHaveLength(views);
    } finally {
      await limitedAdapter.stop();
      await limited.close();
    }
  });
});

describe("Slack start-up errors", () => {
  it("fails at start with a clear error when the token is revoked", async () => {
    const other = await startFakeSlack();
    try {
      other.revokeToken(other.botToken, "token_revoked");
      const failing = createSlackAdapter({
        botToken: other.botToken,
        signingSecret: other.signingSecret,
        apiUrl: other.apiUrl,
        port: 0,
        host: "127.0.0.1",
        retryConfig: { retries: 0 },
      });
      const error = await failing.start(app.bot).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isBotError(error) && error.userMessage).toMatch(/SLACK_BOT_TOKEN \(token_revoked\)/);
      await failing.stop();
    } finally {
      await other.close();
    }
  });

  it("fails at start with a clear error when SLACK_API_URL cannot be reached", async () => {
    const port = await freePort();
    const failing = createSlackAdapter({
      botToken: "xoxb-unreachable",
      signingSecret: "secret",
      apiUrl: `http://127.0.0.1:${port}/api/`,
      port: 0,
      host: "127.0.0.1",
      retryConfig: { retries: 0 },
    });
    const error = await failing.start(app.bot).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isBotError(error) && error.userMessage).toMatch(/could not be reached.*SLACK_API_URL/);
  });

  it("fails at start with a clear error for a wrong app token in Socket Mode, instead of retrying forever", async () => {
    const wrongType = harness.env({ SLACK_BOT_TOKEN: slack.botToken, SLACK_APP_TOKEN: slack.botToken });
    const first = createApp(loadConfig(wrongType), { env: wrongType, storage: createStorage() });
    const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "slack")!;
    try {
      await expect(spec.create(first).start(first.bot)).rejects.toMatchObject({
        userMessage: expect.stringContaining("SLACK_APP_TOKEN must be an app-level token (xapp-"),
      });
    } finally {
      await first.close();
    }
    const failing = createSlackAdapter({
      botToken: slack.botToken,
      appToken: "xapp-1-A0APP-9999-not-this-app",
      apiUrl: slack.apiUrl,
      port: 0,
      retryConfig: { retries: 0 },
    });
    const error = await failing.start(app.bot).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(isBotError(error) && error.userMessage).toMatch(/Slack refused SLACK_APP_TOKEN \(invalid_auth\)/);
    await failing.stop();
  });

  it("refuses a bot token without a signing secret or an app token", async () => {
    const env = harness.env({ SLACK_BOT_TOKEN: "xoxb-alone" });
    const lonely = createApp(loadConfig(env), { env, storage: createStorage() });
    try {
      const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "slack")!;
      await expect(spec.create(lonely).start(lonely.bot)).rejects.toMatchObject({
        userMessage: expect.stringMatching(/SLACK_SIGNING_SECRET.*SLACK_APP_TOKEN/),
      });
    } finally {
      await lonely.close();
    }
  });
});
