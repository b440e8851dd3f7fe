import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createHostedBackend, type HostedBackend, isModelId } from "../../../../src/experts/hosted/index.js";
import { type ExpertArgs, ExpertError } from "../../../../src/experts/types.js";
import {
  type AudioResource,
  type ImageResource,
  type Resource,
  resourceToText,
  TASK_NAMES,
  type TaskName,
  taskSpec,
} from "../../../../src/tasks/index.js";
import { type FakeHuggingFace, startFakeHuggingFace } from "../../../fakes/hf-server.js";
import { hubModels, jpegImage, MODEL_FOR, pngImage, signal, TOKEN, text, wavAudio } from "./fixtures.js";

let hf: FakeHuggingFace;
let backend: HostedBackend;
let image: ImageResource;
let audio: AudioResource;

beforeAll(async () => {
  hf = await startFakeHuggingFace({ models: hubModels(), token: TOKEN });
  backend = createHostedBackend({ token: TOKEN, endpointUrl: hf.url });
  image = await pngImage();
  audio = wavAudio();
});
afterAll(() => hf.close());
beforeEach(() => hf.reset());

async function run(task: TaskName, args: ExpertArgs, model = MODEL_FOR[task]): Promise<Resource> {
  const expert = backend.expert(task, model);
  if (!expert) throw new Error(`no expert for ${task}`);
  return expert.run(args, { signal: signal() });
}

function argsFor(task: TaskName): ExpertArgs {
  switch (task) {
    case "question-answering":
      return {
        text: text("Where is the Eiffel Tower?"),
        context: text("The sky is blue. The Eiffel Tower is in Paris."),
      };
    case "sentence-similarity":
      return {
        text: text("A cat sits on the mat"),
        context: text("A cat is on the mat\nStocks fell sharply today"),
      };
    case "tabular-classification":
      return { text: text("alcohol,acidity\n12.5,3.1\n9.8,2.9\n") };
    case "visual-question-answering":
    case "document-question-answering":
      return { image, text: text("How many animals are there?") };
    case "image-to-image":
      return { image };
    default: {
      const spec = taskSpec(task);
      const args: ExpertArgs = {};
      if (spec.args.text) args.text = text("Barack Obama visited Paris last spring. It was lovely.");
      if (spec.args.image) args.image = image;
      if (spec.args.audio) args.audio = audio;
      return args;
    }
  }
}

describe("hosted backend over the real InferenceClient", () => {
  it("supports all 24 tasks and makes hosted experts", () => {
    for (const task of TASK_NAMES) {
      expect(backend.supports(task)).toBe(true);
      const expert = backend.expert(task, MODEL_FOR[task]);
      expect(expert?.source).toBe("hosted");
      expect(expert?.task).toBe(task);
      expect(expert?.model).toBe(MODEL_FOR[task]);
    }
  });

  it.each(TASK_NAMES)("%s returns the kind the registry declares", async (task) => {
    const output = await run(task, argsFor(task));
    expect(output.kind).toBe(taskSpec(task).output);
    const calls = hf.inferenceCalls(MODEL_FOR[task]);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.task).toBe(task);
    expect(calls[0]?.status).toBe(200);
    expect(calls[0]?.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it("sends text tasks to the shapes hf-inference expects", async () => {
    await run("text-generation", { text: text("Once upon a time") });
    await run("conversational", { text: text("hi there") });
    await run("sentence-similarity", argsFor("sentence-similarity"));
    const [generation, chat, similarity] = hf.inferenceCalls();
    expect(generation?.path).toBe(`/models/${MODEL_FOR["text-generation"]}/v1/completions`);
    expect(JSON.parse(generation?.body.toString() ?? "{}")).toMatchObject({
      prompt: "Once upon a time",
      model: MODEL_FOR["text-generation"],
    });
    expect(chat?.path).toBe(`/models/${MODEL_FOR.conversational}/v1/chat/completions`);
    expect(JSON.parse(chat?.body.toString() ?? "{}").messages).toEqual([
      { role: "user", content: "hi there" },
    ]);
    expect(JSON.parse(similarity?.body.toString() ?? "{}")).toEqual({
      inputs: {
        source_sentence: "A cat sits on the mat",
        sentences: ["A cat is on the mat", "Stocks fell sharply today"],
      },
    });
  });

  it("posts images and audio as raw bytes with their content type", async () => {
    const jpeg = await jpegImage();
    await run("image-classification", { image: jpeg });
    await run("automatic-speech-recognition", { audio });
    const [vision, speech] = hf.inferenceCalls();
    expect(vision?.contentType).toBe("image/jpeg");
    expect(vision?.bodySize).toBe(jpeg.bytes.byteLength);
    expect(speech?.contentType).toBe("audio/wav");
    expect(speech?.bodySize).toBe(audio.bytes.byteLength);
  });

  it("gives readable text for labels, entities, similarity and tables", async () => {
    const entities = await run("token-classification", { text: text("Barack Obama met Angela in Paris.") });
    expect(resourceToText(entities)).toBe("Barack Obama (PER), Angela (MISC), Paris (LOC)");

    const similarity = await run("sentence-similarity", argsFor("sentence-similarity"));
    expect(similarity.kind === "json" && similarity.text).toMatch(/^"A cat is on the mat": 0\.\d\d; "Stocks/);

    const table = await run("tabular-classification", argsFor("tabular-classification"));
    expect(
      JSON.parse(hf.inferenceCalls(MODEL_FOR["tabular-classification"])[0]?.body.toString() ?? "{}"),
    ).toEqual({
      inputs: { data: { alcohol: ["12.5", "9.8"], acidity: ["3.1", "2.9"] } },
    });
    expect(table.kind === "json" && table.text).toBe("row 1: 1, row 2: 1");

    const sentiment = await run("text-classification", { text: text("What a terrible, boring film") });
    expect(resourceToText(sentiment)).toBe("NEGATIVE 1.00, POSITIVE 0.00");
  });

  it("translates to the language argument when one is given", async () => {
    const german = await run("translation", { text: text("Good morning") });
    expect(german).toEqual({ kind: "text", text: "[de] Good morning" });
    const french = await run(
      "translation",
      { text: text("Good morning"), language: text("fr") },
      "facebook/nllb-200-distilled-600M",
    );
    expect(french).toEqual({ kind: "text", text: "[fr] Good morning" });
    expect(JSON.parse(hf.calls.at(-1)?.body.toString() ?? "{}").parameters).toEqual({ tgt_lang: "fr" });
  });

  it("returns the detections and the input image with the boxes drawn", async () => {
    const output = await run("object-detection", { image });
    if (output.kind !== "detections") throw new Error(output.kind);
    expect(output.detections.map((d) => d.label)).toEqual(["giraffe", "zebra"]);
    expect(output.detections[0]?.box).toEqual({ xmin: 3, ymin: 5, xmax: 28, ymax: 45 });
    expect(output.image?.name).toBe("object-detection-annotated.png");
    const drawn = await sharp(output.image?.bytes).metadata();
    expect([drawn.width, drawn.height]).toEqual([64, 48]);
    expect(Buffer.from(output.image?.bytes ?? []).equals(Buffer.from(image.bytes))).toBe(false);
  });

  it("returns the segments with an overlay, and a depth map", async () => {
    const segments = await run("image-segmentation", { image });
    if (segments.kind !== "labels") throw new Error(segments.kind);
    expect(segments.labels.map((l) => l.label)).toEqual(["giraffe", "zebra", "sky"]);
    expect(segments.image?.mime).toBe("image/png");
    expect((await sharp(segments.image?.bytes).metadata()).width).toBe(64);
    // The client sends segmentation as JSON with the image in base64.
    expect(hf.inferenceCalls(MODEL_FOR["image-segmentation"])[0]?.contentType).toBe("application/json");

    const depth = await run("depth-estimation", { image });
    if (depth.kind !== "image") throw new Error(depth.kind);
    expect(depth.name).toBe("depth-estimation.png");
    const metadata = await sharp(depth.bytes).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(["png", 64, 48]);
  });

  it("renders depth from predicted_depth values when the server sends no image", async () => {
    hf.respondWith({ task: "depth-estimation" }, () => ({
      json: {
        predicted_depth: [
          [1, 2],
          [3, 4],
        ],
      },
    }));
    const depth = await run("depth-estimation", { image });
    expect(depth.kind).toBe("image");
    if (depth.kind === "image") expect((await sharp(depth.bytes).metadata()).format).toBe("png");
  });

  it("sends image-to-image with a prompt as JSON, without one as raw bytes", async () => {
    const plain = await run("image-to-image", { image });
    const prompted = await run("image-to-image", { image, text: text("make it night") });
    const [raw, json] = hf.inferenceCalls();
    expect(raw?.contentType).toBe("image/png");
    expect(json?.contentType).toBe("application/json");
    expect(JSON.parse(json?.body.toString() ?? "{}").parameters).toEqual({ prompt: "make it night" });
    for (const output of [plain, prompted]) {
      expect(output.kind === "image" && output.mime).toBe("image/png");
    }
  });

  it("names generated media after the task, with real file contents", async () => {
    const picture = await run("text-to-image", { text: text("a red fox") });
    const speech = await run("text-to-speech", { text: text("hello") });
    const video = await run("text-to-video", { text: text("a dog running") });
    if (picture.kind !== "image" || speech.kind !== "audio" || video.kind !== "video")
      throw new Error("kinds");
    expect(picture.name).toBe("text-to-image.png");
    expect((await sharp(picture.bytes).metadata()).format).toBe("png");
    expect(speech.mime).toBe("audio/wav");
    expect(speech.name).toBe("text-to-speech.wav");
    expect(Buffer.from(speech.bytes.subarray(0, 4)).toString("latin1")).toBe("RIFF");
    expect(video.mime).toBe("video/mp4");
    expect(video.name).toBe("text-to-video.mp4");
  });

  it("chains speech: what text-to-speech said, speech recognition hears", async () => {
    const speech = await run("text-to-speech", { text: text("Guten Morgen, wie geht es?") });
    const heard = await run("automatic-speech-recognition", { audio: speech });
    expect(heard).toEqual({ kind: "text", text: "Guten Morgen, wie geht es?" });
  });

  it("answers questions about images and documents", async () => {
    expect(await run("visual-question-answering", { image, text: text("What color is it?") })).toEqual({
      kind: "text",
      text: "brown",
    });
    expect(await run("document-question-answering", { image, text: text("What is the total?") })).toEqual({
      kind: "text",
      text: "$1,234.56",
    });
  });

  it("refuses missing arguments and bad model ids before any request", async () => {
    await expect(run("summarization", {})).rejects.toMatchObject({
      name: "ExpertError",
      reason: "bad_input",
    });
    await expect(run("question-answering", { text: text("why?") })).rejects.toBeInstanceOf(ExpertError);
    await expect(run("object-detection", { text: text("not an image") })).rejects.toMatchObject({
      reason: "bad_input",
    });
    await expect(run("tabular-classification", { text: text("only,a,header") })).rejects.toMatchObject({
      reason: "bad_input",
    });
    expect(hf.inferenceCalls()).toHaveLength(0);
    for (const bad of ["../etc/passwd", "https://evil.example/x", "a/b/c", "owner/..", "", "a b"]) {
      expect(isModelId(bad)).toBe(false);
      expect(backend.expert("summarization", bad)).toBeUndefined();
    }
    expect(isModelId("gpt2")).toBe(true);
  });

  it("feeds detections to a text argument through their text rendering", async () => {
    const detections = await run("object-detection", { image });
    const summary = await run("summarization", { text: detections });
    expect(summary).toEqual({ kind: "text", text: "[summary] giraffe 1.00, zebra 0.95" });
  });
});
