/**
 * The bot loop on the real pipeline (real `openai` and `@huggingface/inference` clients) against the
 * fake OpenAI and Hugging Face servers: a follow-up in a thread uses the previous turn's result.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_CAPTION } from "../../fakes/hf-server.js";
import { stageOf } from "../../fakes/openai-server.js";
import { lastUserContent, type PipelineHarness, startPipelineHarness } from "../../support/pipeline-app.js";
import { createTestAdapter, testAttachment } from "../../support/test-adapter.js";

describe("a follow-up on the real pipeline", () => {
  let harness: PipelineHarness;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "hgb-follow-up-"));
    harness = await startPipelineHarness({
      models: [
        { id: "Salesforce/blip-image-captioning-large", pipeline_tag: "image-to-text", downloads: 900 },
        { id: "espnet/kan-bayashi_ljspeech_vits", pipeline_tag: "text-to-speech", downloads: 800 },
      ],
    });
  });
  afterAll(async () => {
    await harness.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('reads "that caption" aloud: the earlier turn\'s caption feeds text-to-speech', async () => {
    const plans: string[] = [];
    harness.llm.route((body) => {
      if (stageOf(body) !== "plan") return "Done: see the attached result.";
      const request = lastUserContent(body);
      plans.push(request);
      const caption = /turn1-1-image-to-text\.txt/.exec(request)?.[0];
      if (caption) {
        return JSON.stringify([{ id: 1, task: "text-to-speech", dep: [], args: { text: caption } }]);
      }
      return JSON.stringify([{ id: 1, task: "image-to-text", dep: [], args: { image: "photo.png" } }]);
    });
    const app = harness.app({ MODEL_SELECTION: "top", HUB_CATALOG: "true", DATA_DIR: dataDir });
    const adapter = createTestAdapter();
    await adapter.start(app.bot);
    const photo = await sharp({ create: { width: 32, height: 24, channels: 3, background: "#8a4" } })
      .png()
      .toBuffer();

    await adapter.send({
      text: "what is in this photo?",
      attachments: [testAttachment({ name: "photo.png", bytes: new Uint8Array(photo), mime: "image/png" })],
    });
    await adapter.send({ text: "now read that caption aloud" });
    await app.bot.idle();

    // The follow-up came while the first request ran: it waited its turn in the thread.
    expect(adapter.notices()).toEqual([
      "You're number 1 in the queue. I'll start on this once the earlier request in this thread is answered.",
    ]);
    expect(plans).toHaveLength(2);
    expect(plans[1]).toContain("turn1-1-image-to-text.txt");
    expect(plans[1]).toContain("turn1-photo.png");
    const speech = harness.hf.inferenceCalls("espnet/kan-bayashi_ljspeech_vits");
    expect(speech).toHaveLength(1);
    expect(JSON.parse(speech[0]!.body.toString("utf8")).inputs).toBe(DEFAULT_CAPTION);

    const replies = adapter.replies();
    expect(replies).toHaveLength(2);
    expect(replies[1]?.files.map((file) => [file.name, file.mime])).toEqual([
      ["1-text-to-speech.wav", "audio/wav"],
    ]);
    expect(replies[1]?.summary?.tasks.map((row) => [row.task, row.model, row.status])).toEqual([
      ["text-to-speech", "espnet/kan-bayashi_ljspeech_vits", "ok"],
    ]);
    expect(adapter.progress().map((progress) => progress.finished?.text.split("\n")[0])).toEqual([
      expect.stringMatching(/^✓ Done in/),
      expect.stringMatching(/^✓ Done in/),
    ]);
  });
});
