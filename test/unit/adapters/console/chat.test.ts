import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseChatLine, runConsoleChat } from "../../../../adapters/console/chat.js";
import { loadConfig } from "../../../../src/config/index.js";
import { createApp } from "../../../../src/main.js";
import { type FakeHuggingFace, startFakeHuggingFace } from "../../../fakes/hf-server.js";
import { type FakeOpenAi, stageOf, startFakeOpenAi } from "../../../fakes/openai-server.js";

describe("the terminal chat", () => {
  let llm: FakeOpenAi;
  let hf: FakeHuggingFace;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "hgb-chat-"));
    llm = await startFakeOpenAi();
    hf = await startFakeHuggingFace({
      models: [
        { id: "stabilityai/stable-diffusion-xl-base-1.0", pipeline_tag: "text-to-image", downloads: 10 },
        { id: "facebook/detr-resnet-50", pipeline_tag: "object-detection", downloads: 10 },
      ],
    });
  });
  afterAll(async () => {
    await Promise.all([llm.close(), hf.close()]);
    await rm(dir, { recursive: true, force: true });
  });

  it("splits @file attachments from the request", () => {
    expect(parseChatLine('what is in @dog.jpg and @"my clip.wav"?')).toEqual({
      text: "what is in and ?",
      paths: ["dog.jpg", "my clip.wav"],
    });
    expect(parseChatLine("mail me at a@b.com")).toEqual({ text: "mail me at a@b.com", paths: [] });
  });

  it("uses an earlier turn's result in a follow-up, and forgets on request", async () => {
    const planned: string[] = [];
    llm.route((body) => {
      if (stageOf(body) !== "plan") return "Done.";
      const user = body.messages.at(-1)?.content ?? "";
      planned.push(user);
      const earlier = /turn1-1-text-to-image\.png/.exec(user);
      if (earlier) {
        return JSON.stringify([{ id: 1, task: "object-detection", dep: [], args: { image: earlier[0] } }]);
      }
      if (user.endsWith("draw a cat"))
        return '[{"id":1,"task":"text-to-image","dep":[],"args":{"text":"a cat"}}]';
      return "[]";
    });
    const app = createApp(
      loadConfig({
        OPENAI_API_KEY: "sk-x",
        OPENAI_BASE_URL: `${llm.url}/v1`,
        HF_INFERENCE_ENDPOINT: hf.url,
        HF_ENDPOINT: hf.url,
        MODEL_SELECTION: "top",
        LOG_LEVEL: "silent",
      }),
    );
    const input = new PassThrough();
    const output = new PassThrough();
    let transcript = "";
    output.on("data", (chunk: Buffer) => {
      transcript += chunk.toString("utf8");
    });
    const done = runConsoleChat(app, { input, output, cwd: dir, outDir: join(dir, "out") });
    input.end(
      "draw a cat\ndetect the objects in the image you made\n/forget\ndetect the objects in it again\n/quit\n",
    );
    await done;
    await app.close();

    expect(transcript).toContain("▶ 1. text-to-image on stabilityai/stable-diffusion-xl-base-1.0 [hosted]");
    expect(transcript).toContain("▶ 1. object-detection on facebook/detr-resnet-50 [hosted]");
    expect(transcript).toContain("Forgotten");
    expect(planned).toHaveLength(3);
    expect(planned[1]).toContain("turn1-1-text-to-image.png");
    expect(planned[2]).not.toContain("turn1-1-text-to-image.png");
    expect((await readdir(join(dir, "out"))).sort()).toEqual([
      "1-object-detection-annotated.png",
      "1-text-to-image.png",
    ]);
  });

  it("answers a missing file and a failed request in the chat and keeps going", async () => {
    const app = createApp(loadConfig({ LOG_LEVEL: "silent", HF_ENDPOINT: hf.url }));
    const input = new PassThrough();
    const output = new PassThrough();
    let transcript = "";
    output.on("data", (chunk: Buffer) => {
      transcript += chunk.toString("utf8");
    });
    const done = runConsoleChat(app, { input, output, cwd: dir, outDir: join(dir, "out2") });
    input.end("look at @missing.png\nhello\n");
    await done;
    expect(transcript).toContain("no language model is configured");
    expect(transcript).toContain("Sorry: File not found: missing.png");
    expect(transcript).toContain("Sorry: No language model is configured");
  });
});
