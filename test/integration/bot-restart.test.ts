/**
 * Memory survives a restart of the bot: two successive apps (the real composition root, the real
 * pipeline against the fake OpenAI and Hugging Face servers) over the same SQLite file in a temporary
 * DATA_DIR. The second bot answers a follow-up that uses the first bot's result.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { type App, createApp } from "../../src/main.js";
import { SQLITE_FILE } from "../../src/storage/index.js";
import { DEFAULT_CAPTION } from "../fakes/hf-server.js";
import { stageOf } from "../fakes/openai-server.js";
import { lastUserContent, type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";
import { createTestAdapter, testAttachment } from "../support/test-adapter.js";

const CAPTIONER = "Salesforce/blip-image-captioning-large";
const SPEAKER = "espnet/kan-bayashi_ljspeech_vits";

describe("a restart of the bot over the same SQLite file", () => {
  let harness: PipelineHarness;
  let dataDir: string;
  /** The user message of every planning call, in order. */
  const plans: string[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "hgb-bot-restart-"));
    harness = await startPipelineHarness({
      models: [
        { id: CAPTIONER, pipeline_tag: "image-to-text", downloads: 900 },
        { id: SPEAKER, pipeline_tag: "text-to-speech", downloads: 800 },
      ],
    });
    harness.llm.route((body) => {
      if (stageOf(body) !== "plan") return "Done: see the attached result.";
      const request = lastUserContent(body);
      plans.push(request);
      const caption = /turn\d+-1-image-to-text\.txt/.exec(request)?.[0];
      if (/read that caption aloud/.test(request) && caption) {
        return JSON.stringify([{ id: 1, task: "text-to-speech", dep: [], args: { text: caption } }]);
      }
      if (/what is in this photo/.test(request)) {
        return JSON.stringify([{ id: 1, task: "image-to-text", dep: [], args: { image: "photo.png" } }]);
      }
      return "[]";
    });
  });
  afterAll(async () => {
    await harness.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** An app with no storage override: what the CLI builds, so storage is DATA_DIR/storage.sqlite. */
  function openApp(): App {
    const env = harness.env({ MODEL_SELECTION: "top", HUB_CATALOG: "true", DATA_DIR: dataDir });
    return createApp(loadConfig(env), { env });
  }

  it("answers a follow-up with the first bot's result after the bot was restarted", async () => {
    const photo = await sharp({ create: { width: 32, height: 24, channels: 3, background: "#8a4" } })
      .png()
      .toBuffer();

    const first = openApp();
    const before = createTestAdapter();
    try {
      await before.start(first.bot);
      await before.send({
        text: "what is in this photo?",
        attachments: [testAttachment({ name: "photo.png", bytes: new Uint8Array(photo), mime: "image/png" })],
      });
      await first.bot.idle();
      expect(before.replies()).toHaveLength(1);
      expect(before.replies()[0]?.summary?.tasks.map((row) => [row.task, row.status])).toEqual([
        ["image-to-text", "ok"],
      ]);
    } finally {
      await before.stop();
      await first.close();
    }
    expect(existsSync(join(dataDir, SQLITE_FILE))).toBe(true);

    // A new process, as far as the bot can tell: a new app, bot, storage connection and adapter.
    const second = openApp();
    const after = createTestAdapter();
    try {
      await after.start(second.bot);
      await after.send({ text: "now read that caption aloud" });
      await second.bot.idle();

      expect(plans).toHaveLength(2);
      expect(plans[1]).toContain("turn1-1-image-to-text.txt");
      expect(plans[1]).toContain("turn1-photo.png");
      expect(plans[1]).toContain("what is in this photo?");
      // The caption the first bot got is what the second bot's text-to-speech reads.
      const speech = harness.hf.inferenceCalls(SPEAKER);
      expect(speech).toHaveLength(1);
      expect(JSON.parse(speech[0]!.body.toString("utf8")).inputs).toBe(DEFAULT_CAPTION);
      expect(after.notices()).toEqual([]);
      const [reply] = after.replies();
      expect(reply?.files.map((file) => [file.name, file.mime])).toEqual([
        ["1-text-to-speech.wav", "audio/wav"],
      ]);
      expect(reply?.summary?.tasks.map((row) => [row.task, row.model, row.status])).toEqual([
        ["text-to-speech", SPEAKER, "ok"],
      ]);
    } finally {
      await after.stop();
      await second.close();
    }
  });
});
