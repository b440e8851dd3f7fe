/**
 * The web playground in a real browser: Debian's chromium driven by playwright-core opens the page,
 * attaches a real photo (Debian's darknet `dog.jpg`), asks what is in it and waits for the answer:
 * once with the LLM and Hugging Face fakes (the plan: one object detection on the photo), once with
 * no LLM at all (the offline rules and the experts on this machine). It checks what a person sees:
 * the annotated image loaded, the summary table, the progress stages, the plan graph; that a second
 * browser (another session) sees none of the first one's threads; and it keeps a screenshot of the
 * answer under test-output/web (and at $WEB_SCREENSHOT when set, for the README).
 */
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebAdapter } from "../../adapters/web/index.js";
import { loadConfig } from "../../src/config/index.js";
import { type App, createApp, createWebPlayground } from "../../src/main.js";
import { createStorage } from "../../src/storage/index.js";
import { type ChatCompletionBody, stageOf } from "../fakes/openai-server.js";
import { type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";

const CHROMIUM = "/usr/bin/chromium";
const DOG = "/usr/share/darknet/data/dog.jpg";
const DETR = "facebook/detr-resnet-50";
const QUESTION = "what is in this photo?";
const OUTPUT = resolve("test-output/web");
/** How long the fakes take, so that the progress message has time to show each stage (it is throttled to 1 s). */
const PLAN_DELAY_MS = 1_500;
const DETECTION_LATENCY_MS = 2_000;
const LAUNCH_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];

interface Playground {
  app: App;
  web: WebAdapter;
  url: string;
}

/** What the page showed, recorded in the page itself (performance.now() of the page). */
interface PageTimeline {
  sentAt: number | undefined;
  stages: Array<{ at: number; stage: string; text: string }>;
  answerAt: number | undefined;
}

/** The little of a browser that the functions run in the page use (the project's tsconfig has no DOM lib). */
interface PageNode {
  textContent: string | null;
  dataset: Record<string, string | undefined>;
  complete: boolean;
  naturalWidth: number;
  scrollWidth: number;
  clientWidth: number;
  scrollHeight: number;
  scrollTo(options: { top: number; behavior: "instant" }): void;
  addEventListener(
    type: string,
    listener: (event: { key?: string; shiftKey?: boolean }) => void,
    options?: { capture: boolean },
  ): void;
}

interface PageWindow {
  document: {
    documentElement: PageNode;
    getElementById(id: string): PageNode | null;
    querySelector(selector: string): PageNode | null;
    querySelectorAll(selector: string): Iterable<PageNode>;
  };
  MutationObserver: new (
    callback: () => void,
  ) => { observe(target: PageNode, options: { childList: true; subtree: true; characterData: true }): void };
  timeline?: PageTimeline;
  DataTransfer: new () => { items: { add(file: unknown): void } };
  File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
}

let harness: PipelineHarness;
let browser: Browser;
let dataDir: string;
let withLlm: Playground;
let offline: Playground;
const contexts: BrowserContext[] = [];
/** The thread the first browser made: a second browser must not see it. */
let firstThread: string | undefined;

/** Names of the images the planning prompt lists as attached to this message. */
function attachedImages(body: ChatCompletionBody): string[] {
  const text = body.messages.at(-1)?.content ?? "";
  return [...text.matchAll(/^- (\S+): image.*attached to this message$/gm)].map((match) => match[1]!);
}

function route(body: ChatCompletionBody) {
  const stage = stageOf(body);
  if (stage === "plan") {
    const request = body.messages.at(-1)?.content ?? "";
    if (!/Request: .*what is in this photo/.test(request)) return "[]";
    const plan = attachedImages(body).map((name, index) => ({
      id: index + 1,
      task: "object-detection",
      dep: [],
      args: { image: name },
    }));
    return { content: JSON.stringify(plan), delayMs: PLAN_DELAY_MS };
  }
  return stage === "respond"
    ? "I found a **dog**, a *bicycle* and a truck in your photo. The annotated image is attached."
    : "Hello from the bot.";
}

async function startPlayground(extra: Record<string, string>, name: string): Promise<Playground> {
  const env = harness.env({ DATA_DIR: join(dataDir, name), RATE_LIMIT_REQUESTS: "0", ...extra });
  const app = createApp(loadConfig(env), { env, storage: createStorage() });
  const web = createWebPlayground(app, { port: 0, host: "127.0.0.1" });
  await web.start(app.bot);
  if (!web.url) throw new Error("the web playground did not say its address");
  return { app, web, url: web.url };
}

async function stopPlayground(playground: Playground | undefined): Promise<void> {
  await playground?.web.stop();
  await playground?.app.close();
}

/** A fresh browser (its own cookies: its own session), with the page's errors collected. */
async function openPage(url: string): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 1400 }, colorScheme: "light" });
  contexts.push(context);
  context.setDefaultTimeout(15_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  // A CSP violation or a failed asset shows as a console error.
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  await page.goto(url, { timeout: 15_000 });
  await page.waitForSelector("body[data-ready=true]", { timeout: 15_000 });
  return { page, errors };
}

/**
 * Records in the page what it shows: the time the send button is pressed, every text of the
 * progress stage, the time the answer appears.
 */
async function recordTimeline(page: Page): Promise<void> {
  await page.evaluate(() => {
    const view = globalThis as unknown as PageWindow;
    const { document } = view;
    const timeline: PageTimeline = { sentAt: undefined, stages: [], answerAt: undefined };
    view.timeline = timeline;
    const sent = () => {
      timeline.sentAt ??= performance.now();
    };
    document.querySelector("[data-testid=send]")?.addEventListener("click", sent, { capture: true });
    document.querySelector("[data-testid=message-input]")?.addEventListener(
      "keydown",
      (event) => {
        if (event.key === "Enter" && !event.shiftKey) sent();
      },
      { capture: true },
    );
    const list = document.getElementById("messages");
    if (!list) throw new Error("the page has no message list");
    const look = () => {
      for (const element of document.querySelectorAll("[data-testid=progress-stage]")) {
        const text = element.textContent ?? "";
        const last = timeline.stages.at(-1);
        if (last?.text !== text) {
          timeline.stages.push({ at: performance.now(), stage: element.dataset.stage ?? "", text });
        }
      }
      if (timeline.answerAt === undefined && document.querySelector("[data-kind=answer]")) {
        timeline.answerAt = performance.now();
      }
    };
    new view.MutationObserver(look).observe(list, { childList: true, subtree: true, characterData: true });
  });
}

async function timelineOf(page: Page): Promise<PageTimeline> {
  const timeline = await page.evaluate(() => (globalThis as unknown as PageWindow).timeline);
  if (!timeline) throw new Error("the page has no timeline recorded");
  return timeline;
}

/**
 * Opens a new conversation, attaches the photo, asks about it (with the Send button, or Enter in the
 * message box), and waits for the answer's image.
 */
async function askAboutTheDog(
  page: Page,
  send: "button" | "enter",
  question = QUESTION,
): Promise<{ thread: string; timeline: PageTimeline }> {
  await page.getByTestId("new-thread").click();
  await expect.poll(() => new URL(page.url()).hash, { timeout: 10_000 }).toMatch(/^#t=./);
  const thread = decodeURIComponent(new URL(page.url()).hash.slice("#t=".length));
  await page.getByTestId("file-input").setInputFiles(DOG);
  await expect.poll(() => page.locator(".chip").count(), { timeout: 5_000 }).toBe(1);
  await page.getByTestId("message-input").fill(question);
  await recordTimeline(page);
  if (send === "button") await page.getByTestId("send").click();
  else await page.getByTestId("message-input").press("Enter");

  // The user's message, with the photo as a thumbnail.
  const user = page.locator("[data-testid=message][data-kind=user]");
  await user.first().waitFor({ timeout: 10_000 });
  await expect.poll(() => user.first().textContent()).toContain(question);
  await page.locator("[data-kind=user] img.thumb").first().waitFor({ timeout: 10_000 });

  await page.locator("[data-testid=message][data-kind=answer]").waitFor({ timeout: 60_000 });
  await page.waitForFunction(
    () => {
      const { document } = globalThis as unknown as PageWindow;
      const images = [...document.querySelectorAll("[data-testid=result-image]")];
      return images.length > 0 && images.every((image) => image.complete && image.naturalWidth > 0);
    },
    undefined,
    { timeout: 15_000 },
  );
  await page.locator("[data-testid=progress-stage][data-stage=done]").waitFor({ timeout: 10_000 });
  return { thread, timeline: await timelineOf(page) };
}

async function summaryRows(page: Page): Promise<string[][]> {
  return page.$$eval("[data-testid=summary-table] tbody tr", (rows) =>
    rows.map((row) => [...row.querySelectorAll("td")].map((cell) => (cell.textContent ?? "").trim())),
  );
}

function reportTimes(label: string, timeline: PageTimeline): void {
  const { sentAt, stages, answerAt } = timeline;
  const first = stages[0]?.at;
  const since = (at: number | undefined) =>
    sentAt === undefined || at === undefined ? "n/a" : `${Math.round(at - sentAt)} ms`;
  console.log(
    `web playground (${label}): send → first progress shown ${since(first)}, send → answer shown ${since(answerAt)}; stages seen: ${stages.map((entry) => `${entry.stage} "${entry.text}"`).join(" → ")}`,
  );
}

async function screenshot(page: Page, name: string, alsoTo?: string): Promise<void> {
  await mkdir(OUTPUT, { recursive: true });
  // The whole answer in view: the list scrolls to its end when the answer arrives.
  await page.evaluate(() => {
    const list = (globalThis as unknown as PageWindow).document.getElementById("messages");
    list?.scrollTo({ top: list.scrollHeight, behavior: "instant" });
  });
  const path = join(OUTPUT, name);
  await page.screenshot({ path, timeout: 15_000 });
  if (alsoTo) {
    await mkdir(dirname(resolve(alsoTo)), { recursive: true });
    await copyFile(path, resolve(alsoTo));
  }
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser test drives Debian's chromium (apt-get install chromium; .ci/run installs it).`,
    );
  }
  if (!existsSync(DOG)) {
    throw new Error(
      `${DOG} is missing: the browser test sends Debian's darknet photo (apt-get install darknet).`,
    );
  }
  dataDir = await mkdtemp(join(tmpdir(), "web-browser-"));
  harness = await startPipelineHarness({
    models: [{ id: DETR, pipeline_tag: "object-detection", downloads: 2_000_000 }],
  });
  harness.llm.route(route);
  harness.hf.setLatency(DETECTION_LATENCY_MS, DETR);
  withLlm = await startPlayground({ MODEL_SELECTION: "top" }, "llm");
  offline = await startPlayground(
    // A fresh install: no LLM, no Hugging Face token or endpoint, the experts on this machine only.
    {
      OPENAI_API_KEY: "",
      OPENAI_BASE_URL: "https://api.openai.com/v1",
      HF_TOKEN: "",
      HF_INFERENCE_ENDPOINT: "",
      INFERENCE_MODE: "hybrid",
    },
    "offline",
  );
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: LAUNCH_ARGS,
    timeout: 30_000,
  });
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await stopPlayground(withLlm);
  await stopPlayground(offline);
  await harness?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe("the web playground in chromium", () => {
  it("answers a photo with the LLM and Hugging Face: live progress, plan graph, annotated image, summary table", async () => {
    const { page, errors } = await openPage(withLlm.url);
    expect(await page.getByTestId("thread-list").locator("li").count()).toBe(0);

    const { thread, timeline } = await askAboutTheDog(page, "button");
    firstThread = thread;
    reportTimes("LLM and Hugging Face fakes", timeline);

    // The progress went through its stages, live, and ended with "Done".
    const stages = timeline.stages.map((entry) => entry.stage);
    expect(stages).toContain("planning");
    expect(stages).toContain("running");
    expect(timeline.stages.at(-1)?.text).toMatch(/^✓ Done in /);
    expect(stages.indexOf("running")).toBeGreaterThan(stages.indexOf("planning"));

    // The plan as a graph, described in words.
    const graph = page.locator("[data-kind=progress] [data-testid=plan-graph]");
    expect(await graph.getAttribute("role")).toBe("img");
    expect(await graph.getAttribute("aria-label")).toMatch(/1\. object-detection: done/);
    expect(await graph.locator(".node-ok").count()).toBe(1);

    // The answer: Markdown rendered, the annotated image, the summary.
    const answer = page.locator("[data-testid=message][data-kind=answer]");
    expect(await answer.locator(".markdown strong").first().textContent()).toBe("dog");
    expect(await answer.getByTestId("result-image").first().getAttribute("alt")).toMatch(
      /object-detection-annotated\.(png|jpe?g)$/,
    );
    const rows = await summaryRows(page);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toEqual([
      "1. object-detection",
      DETR,
      "hosted (Hugging Face)",
      expect.stringMatching(/^\d+\.\d s$/),
      "✓ ok",
    ]);
    expect(harness.hf.inferenceCalls(DETR)).toHaveLength(1);

    // The thread is in the list, titled by the question, and the URL keeps it across a reload.
    const link = page.getByTestId("thread-list").locator("a[aria-current=page]");
    expect(await link.textContent()).toContain(QUESTION);
    await screenshot(page, "answer.png");

    // At phone width: no horizontal scroll, the thread list behind a toggle.
    await page.setViewportSize({ width: 380, height: 800 });
    const widths = await page.evaluate(() => {
      const { document } = globalThis as unknown as PageWindow;
      const list = document.getElementById("messages");
      return {
        page: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        list: list ? list.scrollWidth - list.clientWidth : -1,
      };
    });
    expect(widths).toEqual({ page: 0, list: 0 });
    expect(await page.getByTestId("thread-list").isVisible()).toBe(false);
    await page.getByRole("button", { name: "Conversations" }).click();
    expect(await page.getByTestId("thread-list").isVisible()).toBe(true);
    await page.keyboard.press("Escape");
    await screenshot(page, "answer-phone.png");
    await page.setViewportSize({ width: 1200, height: 1400 });

    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    await page.locator("[data-testid=summary-table]").waitFor({ timeout: 10_000 });
    expect(
      await page
        .locator("[data-testid=message]")
        .evaluateAll((nodes) => nodes.map((node) => node.getAttribute("data-kind"))),
    ).toEqual(["user", "progress", "answer"]);

    // The enlarged image: Enter on the image opens the dialog, Escape closes it.
    await page.locator(".image-button").first().focus();
    await page.keyboard.press("Enter");
    await page.locator("#viewer[open]").waitFor({ timeout: 5_000 });
    await page.keyboard.press("Escape");
    await page.locator("#viewer").waitFor({ state: "hidden", timeout: 5_000 });

    // Forget is a button: the bot's answer comes back as a notice in the thread.
    await page.getByTestId("forget").click();
    await page.locator("[data-testid=message][data-kind=notice]").first().waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);
  }, 90_000);

  it("answers a photo with no LLM: the offline rules and the local experts", async () => {
    expect(offline.app.llm).toBeUndefined();
    const { page, errors } = await openPage(offline.url);
    // A chain: detection, then speech of its text; the graph shows the arrow, the page a player.
    const { timeline } = await askAboutTheDog(page, "enter", `${QUESTION} read the answer aloud`);
    reportTimes("offline rules and local experts", timeline);
    expect(timeline.stages.at(-1)?.text).toMatch(/^✓ Done in /);

    const rows = await summaryRows(page);
    const detection = rows.find((row) => row[0]?.endsWith("object-detection"));
    expect(detection?.slice(1, 3)).toEqual(["local/human-centernet", "local"]);
    expect(detection?.[4]).toBe("✓ ok");
    const speech = rows.find((row) => row[0]?.endsWith("text-to-speech"));
    expect(speech?.slice(1, 3)).toEqual(["local/espeak-ng", "local"]);
    await page.locator("[data-testid=result-audio]").first().waitFor({ timeout: 10_000 });
    expect(await page.locator("[data-testid=plan-graph]").first().getAttribute("aria-label")).toMatch(
      /2 tasks/,
    );
    expect(await page.locator(".summary-meta").first().textContent()).toContain("offline rules");
    // A real detection of a real photo: the picture for the README.
    await screenshot(page, "answer-offline.png", process.env.WEB_SCREENSHOT);
    expect(errors).toEqual([]);
  }, 120_000);

  it("shows a second browser none of the first one's threads", async () => {
    expect(firstThread, "the first test made a thread").toBeDefined();
    const { page, errors } = await openPage(withLlm.url);
    expect(await page.getByTestId("thread-list").locator("li").count()).toBe(0);
    const status = await page.evaluate(
      async (id) => (await fetch(`/api/threads/${encodeURIComponent(id)}`)).status,
      firstThread!,
    );
    expect(status).toBe(404);

    // Even with the first thread's address, the page shows nothing of it.
    await page.goto(`${withLlm.url}/#t=${encodeURIComponent(firstThread!)}`);
    await page.waitForSelector("body[data-ready=true]");
    await expect
      .poll(() => page.locator("#composer-error").textContent())
      .toContain("not in this browser session");
    expect(await page.locator("[data-testid=message]").count()).toBe(0);
    // Files dropped on the thread become chips; one over the limit is refused with a clear message.
    const session = (await page.evaluate(async () => (await fetch("/api/session")).json())) as {
      maxFileBytes: number;
    };
    const files = await page.evaluateHandle((tooBig) => {
      const view = globalThis as unknown as PageWindow;
      const transfer = new view.DataTransfer();
      transfer.items.add(new view.File(["a note"], "note.txt", { type: "text/plain" }));
      transfer.items.add(new view.File([new Uint8Array(tooBig)], "huge.png", { type: "image/png" }));
      return transfer;
    }, session.maxFileBytes + 1);
    await page.locator("#thread").dispatchEvent("drop", { dataTransfer: files });
    await expect
      .poll(() => page.locator(".chip").allTextContents())
      .toEqual([expect.stringContaining("note.txt")]);
    expect(await page.locator("#composer-error").textContent()).toMatch(
      new RegExp(`huge\\.png.* at most ${(session.maxFileBytes / 1024 / 1024).toFixed(1)} MB`),
    );
    await page.getByRole("button", { name: "Remove note.txt" }).click();
    expect(await page.locator(".chip").count()).toBe(0);

    // The 404 of that look-up is the only error the page saw.
    expect(errors.filter((error) => !error.includes("404"))).toEqual([]);
  }, 60_000);
});
