/**
 * The contract every chat adapter keeps, as one suite that runs against each of them through the real
 * bot loop (`createApp` on the fake OpenAI and Hugging Face servers, the adapter started on `app.bot`):
 *
 * 1. it ignores its own messages (the bot's answers, delivered back to it as the platform does);
 * 2. it acknowledges before answering (Discord's deferral, Slack's ack, the web's 202, the terminal's
 *    echo and progress line), by the fakes' recorded order;
 * 3. it keeps the answer's text when the platform refuses the result files, and says what was left out;
 * 4. the thread key round-trips: a message where the answer landed continues the same conversation;
 * 5. it answers once when the platform delivers a message again.
 *
 * Each adapter provides a small driver: how to send a user message, how to redeliver it, how to see
 * what the bot showed and when, how to make files be refused. A property that cannot arise on a
 * platform (nothing delivers the terminal's output back to it) is declared so by the driver, with the
 * reason, and reported as skipped under that reason.
 *
 * ```ts
 * adapterContract("the console adapter", () => createConsoleDriver());
 * ```
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BotHandle, Disposition, Request } from "../../src/core/types.js";
import type { App } from "../../src/main.js";
import { type ChatCompletionBody, stageOf } from "../fakes/openai-server.js";
import { type PipelineHarness, startPipelineHarness } from "./pipeline-app.js";

/** The one hosted model of the contract's world: "draw …" runs it and makes one image. */
export const TEXT_TO_IMAGE = "stabilityai/stable-diffusion-xl-base-1.0";
/** The result file of a "draw …" request. */
export const DRAWN_FILE = "1-text-to-image.png";
/** How long the answering LLM call takes: long enough that an acknowledgement sent after it would show. */
const ANSWER_DELAY_MS = 300;
const WAIT_MS = 20_000;

/** What the bot showed in one conversation on a platform. */
export interface Shown {
  /** The text of every message the bot posted there (answers, notes, notices, progress). */
  messages: string[];
  /** The names of the result files the user received there. */
  files: string[];
}

/** When things happened to one message, from the platform fake's records (one clock for both). */
export interface Timeline {
  /** The platform's acknowledgement of the message. */
  acknowledgedAt: number | undefined;
  /** The first message carrying the given text. */
  textAt: number | undefined;
}

/** A property a platform cannot have, with the reason. */
export interface NotApplicable {
  notApplicable: string;
}

/** One message a driver delivered; `marker` is a word unique to it, in its text and in its answer. */
export interface Sent {
  readonly marker: string;
}

/** How the suite drives one adapter. */
export interface AdapterDriver<S extends Sent = Sent> {
  /** Starts the platform's fake, if it has one; resolves to what the app needs to reach it (tokens, URLs). */
  setUp(): Promise<Record<string, string>>;
  /** Starts the adapter on the bot, as `start` does. */
  start(app: App, bot: BotHandle): Promise<void>;
  stop(): Promise<void>;
  /**
   * A user's message that starts a conversation. `command`: through the platform's slash command where
   * it has one that must be acknowledged (Discord's `/ask`), else as a message.
   */
  send(marker: string, text: string, options?: { command?: boolean }): Promise<S>;
  /** A user's message where `sent`'s answer landed (its thread, its conversation). */
  followUp(sent: S, marker: string, text: string): Promise<S>;
  /** The same delivery again, as the platform redelivers it. */
  redeliver: ((sent: S) => Promise<void>) | NotApplicable;
  /** The bot's own answer to `sent`, delivered back to the adapter as the platform delivers it. */
  echoOwnAnswer: ((sent: S) => Promise<void>) | NotApplicable;
  /** What the bot showed in `sent`'s conversation. */
  shown(sent: S): Promise<Shown>;
  timeline(sent: S, text: string): Promise<Timeline>;
  /** Runs `run` while the platform refuses the bot's result files (a permission, a full disk…). */
  withFilesRefused<T>(run: () => Promise<T>): Promise<T>;
}

/** The bot as the adapter sees it, recording every request handed to it and what became of it. */
export interface RecordedBot extends BotHandle {
  readonly received: Array<{ request: Request; disposition?: Disposition }>;
}

/** Wraps the real bot: the adapter talks to it unchanged, the test reads what it was given. */
export function recordedBot(bot: BotHandle): RecordedBot {
  const received: RecordedBot["received"] = [];
  const record = async (request: Request, handled: Promise<Disposition>): Promise<Disposition> => {
    const entry: RecordedBot["received"][number] = { request };
    received.push(entry);
    entry.disposition = await handled;
    return entry.disposition;
  };
  return {
    received,
    receive: (request, target) => record(request, bot.receive(request, target)),
    command: (name, options, request, target) => record(request, bot.command(name, options, request, target)),
    idle: () => bot.idle(),
    allows: (place) => bot.allows(place),
  };
}

/** The answer the fake LLM writes to the message with `marker`. */
export function answerText(marker: string): string {
  return `Answer for ${marker}.`;
}

/** The marker of the request a chat completion is about (not of earlier turns in its context). */
function markerOf(body: ChatCompletionBody): string | undefined {
  const last = body.messages.at(-1)?.content ?? "";
  const request = /^Request: (.*)$/m.exec(last)?.[1] ?? last;
  return /\bcontract-\d+\b/.exec(request)?.[0];
}

function route(body: ChatCompletionBody) {
  const marker = markerOf(body) ?? "nothing";
  if (stageOf(body) === "plan") {
    const request = body.messages.at(-1)?.content ?? "";
    return /Request: .*\bdraw\b/.test(request)
      ? JSON.stringify([{ id: 1, task: "text-to-image", dep: [], args: { text: "a red square" } }])
      : "[]";
  }
  return { content: answerText(marker), delayMs: ANSWER_DELAY_MS };
}

/** The conversation's key as core keys memory and order with it. */
function conversationOf(request: Request) {
  return {
    platform: request.platform,
    workspace: request.workspace,
    channel: request.channel,
    thread: request.thread,
  };
}

function applicable<F>(value: F | NotApplicable): value is F {
  return typeof value === "function";
}

/**
 * Registers the contract's tests for one adapter: one world (fakes, app, adapter) for the file, started
 * before its first test.
 */
export function adapterContract<S extends Sent>(name: string, createDriver: () => AdapterDriver<S>): void {
  describe(`the adapter contract: ${name}`, () => {
    const driver = createDriver();
    let harness: PipelineHarness;
    let app: App;
    let bot: RecordedBot;
    let dataDir: string;
    let counter = 0;
    const nextMarker = () => `contract-${++counter}`;

    beforeAll(async () => {
      dataDir = await mkdtemp(join(tmpdir(), "hgb-contract-"));
      harness = await startPipelineHarness({
        models: [{ id: TEXT_TO_IMAGE, pipeline_tag: "text-to-image", downloads: 1_000 }],
      });
      harness.llm.route(route);
      app = harness.app({
        MODEL_SELECTION: "top",
        RATE_LIMIT_REQUESTS: "0",
        DATA_DIR: dataDir,
        ...(await driver.setUp()),
      });
      bot = recordedBot(app.bot);
      await driver.start(app, bot);
    });

    afterAll(async () => {
      await driver.stop();
      await harness?.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    /** Waits until the message's answer has been shown `count` times (never more is checked by callers). */
    async function answered(sent: S, count = 1): Promise<Shown> {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const shown = await driver.shown(sent);
        if (answersIn(shown, sent).length >= count) return shown;
        if (Date.now() > deadline) {
          throw new Error(`no answer to ${sent.marker}; shown: ${JSON.stringify(shown).slice(0, 1500)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }

    const answersIn = (shown: Shown, sent: Sent) =>
      shown.messages.filter((text) => text.includes(answerText(sent.marker)));

    const requestWith = (marker: string) => {
      const found = bot.received.filter(({ request }) => request.text.includes(marker));
      expect(found, `one request carries ${marker}`).toHaveLength(1);
      return found[0]!.request;
    };

    const planCallsFor = (marker: string) =>
      harness.llm.requests.filter(({ body }) => stageOf(body) === "plan" && markerOf(body) === marker);

    const echo = driver.echoOwnAnswer;
    if (applicable(echo)) {
      it("ignores its own messages", async () => {
        const first = await driver.send(nextMarker(), "say hi");
        await answered(first);
        const before = harness.llm.requests.length;
        await echo(first);
        // A message after the echo, in the same conversation: were the echo taken, it would run first.
        const after = await driver.followUp(first, nextMarker(), "say hi again");
        await answered(after);
        await app.bot.idle();
        const taken = bot.received.filter(
          ({ request, disposition }) =>
            request.text.includes(answerText(first.marker)) && disposition?.status !== "ignored",
        );
        expect(taken).toEqual([]);
        const asked = harness.llm.requests.slice(before).map(({ body }) => markerOf(body));
        expect(new Set(asked)).toEqual(new Set([after.marker]));
        expect(answersIn(await driver.shown(first), first)).toHaveLength(1);
      });
    } else {
      it.skip(`ignores its own messages: not applicable (${echo.notApplicable})`, () => {});
    }

    it("acknowledges before answering", async () => {
      const sent = await driver.send(nextMarker(), "say hi", { command: true });
      await answered(sent);
      const { acknowledgedAt, textAt } = await driver.timeline(sent, answerText(sent.marker));
      expect(acknowledgedAt, "the platform's acknowledgement").toBeDefined();
      expect(textAt, "the answer").toBeDefined();
      expect(acknowledgedAt!).toBeLessThan(textAt!);
    });

    it("keeps the text when files are refused, and says which were left out", async () => {
      // With files allowed, the same request delivers the picture: the refusal below is what removes it.
      const allowed = await driver.send(nextMarker(), "draw a red square");
      await answered(allowed);
      // Files may follow the answer's text (Slack uploads them after it): all is sent once the bot is idle.
      await app.bot.idle();
      expect((await driver.shown(allowed)).files).toEqual([DRAWN_FILE]);

      const refused = await driver.withFilesRefused(async () => {
        const sent = await driver.send(nextMarker(), "draw a red square");
        await answered(sent);
        await app.bot.idle();
        return sent;
      });
      const shown = await driver.shown(refused);
      expect(answersIn(shown, refused)).toHaveLength(1);
      expect(shown.files).toEqual([]);
      expect(shown.messages.join("\n")).toContain(DRAWN_FILE);
    });

    it("round-trips the thread key: a message where the answer landed continues that conversation", async () => {
      const first = await driver.send(nextMarker(), "say hi");
      await answered(first);
      const next = await driver.followUp(first, nextMarker(), "say hi again");
      await answered(next);
      const [earlier, later] = [requestWith(first.marker), requestWith(next.marker)];
      expect(later.id).not.toBe(earlier.id);
      expect(conversationOf(later)).toEqual(conversationOf(earlier));
      // The conversation's memory came along: the follow-up's answer was written knowing the first turn.
      const answering = harness.llm.requests.filter(
        ({ body }) => stageOf(body) !== "plan" && markerOf(body) === next.marker,
      );
      expect(answering).toHaveLength(1);
      expect(JSON.stringify(answering[0]!.body.messages)).toContain(answerText(first.marker));
    });

    const redeliver = driver.redeliver;
    if (applicable(redeliver)) {
      it("answers once on redelivery", async () => {
        const sent = await driver.send(nextMarker(), "say hi");
        await redeliver(sent); // while it runs
        await answered(sent);
        await redeliver(sent); // after it was answered
        // A message after the redeliveries, in the same conversation: a second run would come first.
        const after = await driver.followUp(sent, nextMarker(), "say hi again");
        await answered(after);
        await app.bot.idle();
        expect(answersIn(await driver.shown(sent), sent)).toHaveLength(1);
        expect(planCallsFor(sent.marker)).toHaveLength(1);
      });
    } else {
      it.skip(`answers once on redelivery: not applicable (${redeliver.notApplicable})`, () => {});
    }
  });
}
