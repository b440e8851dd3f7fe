import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeHubModel, type FakeHuggingFace, startFakeHuggingFace, toneWav } from "./hf-server.js";

const MODELS: FakeHubModel[] = [
  { id: "small/vit", pipeline_tag: "image-classification", downloads: 10, likes: 900 },
  { id: "google/vit-base-patch16-224", pipeline_tag: "image-classification", downloads: 5000, likes: 800 },
  { id: "offline/classifier", pipeline_tag: "image-classification", downloads: 9000, providers: [] },
  { id: "facebook/detr-resnet-50", pipeline_tag: "object-detection", downloads: 1_000_000 },
  { id: "microsoft/resnet-50", pipeline_tag: "image-classification", downloads: 3000, providers: ["fal-ai"] },
  { id: "apple/mobilevit-small", pipeline_tag: "image-classification", downloads: 700, likes: 5 },
];

let hf: FakeHuggingFace;

beforeAll(async () => {
  hf = await startFakeHuggingFace({ models: MODELS });
});
afterAll(() => hf.close());
beforeEach(() => hf.reset());

async function list(query: string): Promise<{ response: Response; models: Array<Record<string, unknown>> }> {
  const response = await fetch(`${hf.url}/api/models?${query}`);
  return { response, models: (await response.json()) as Array<Record<string, unknown>> };
}

function post(
  model: string,
  body: string | Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
) {
  return fetch(hf.modelUrl(model), {
    method: "POST",
    headers: { "content-type": contentType, ...headers },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
}

describe("Hub listing", () => {
  it("filters by task, sorts by downloads (most first) and limits", async () => {
    const { models } = await list("pipeline_tag=image-classification&sort=downloads&limit=3");
    expect(models.map((m) => m.id)).toEqual([
      "offline/classifier",
      "google/vit-base-patch16-224",
      "microsoft/resnet-50",
    ]);
    expect(models[0]).toMatchObject({
      downloads: 9000,
      pipeline_tag: "image-classification",
      modelId: "offline/classifier",
    });
    expect(Object.keys(models[0] ?? {}).sort()).toEqual(
      [
        "_id",
        "id",
        "modelId",
        "likes",
        "trendingScore",
        "private",
        "downloads",
        "tags",
        "pipeline_tag",
        "library_name",
        "createdAt",
      ].sort(),
    );
  });

  it("keeps models some provider serves with inference_provider=all, or the providers named", async () => {
    const all = await list("pipeline_tag=image-classification&sort=downloads&inference_provider=all");
    expect(all.models.map((m) => m.id)).toEqual([
      "google/vit-base-patch16-224",
      "microsoft/resnet-50",
      "apple/mobilevit-small",
      "small/vit",
    ]);
    const hfOnly = await list(
      "pipeline_tag=image-classification&sort=downloads&inference_provider=hf-inference",
    );
    expect(hfOnly.models.map((m) => m.id)).not.toContain("microsoft/resnet-50");
    const several = await list("pipeline_tag=image-classification&inference_provider=fal-ai,together");
    expect(several.models.map((m) => m.id)).toEqual(["microsoft/resnet-50"]);
  });

  it("returns only the expanded fields, with the provider mapping in the Hub's array form", async () => {
    const { models } = await list(
      "pipeline_tag=image-classification&sort=likes&limit=1&expand[]=likes&expand[]=inferenceProviderMapping",
    );
    expect(models).toEqual([
      {
        _id: expect.any(String),
        id: "small/vit",
        likes: 900,
        inferenceProviderMapping: [
          { provider: "hf-inference", providerId: "small/vit", status: "live", task: "image-classification" },
        ],
      },
    ]);
    const plain = await list("pipeline_tag=object-detection&expand=downloads");
    expect(plain.models).toEqual([
      { _id: expect.any(String), id: "facebook/detr-resnet-50", downloads: 1_000_000 },
    ]);
  });

  it("pages with a Link header", async () => {
    const first = await list("pipeline_tag=image-classification&sort=downloads&limit=2");
    const link = first.response.headers.get("link");
    expect(link).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/api\/models\?.*cursor=.*>; rel="next"$/);
    const next = /<([^>]+)>/.exec(link ?? "")?.[1] ?? "";
    const second = (await (await fetch(next)).json()) as Array<{ id: string }>;
    expect(second.map((m) => m.id)).toEqual(["microsoft/resnet-50", "apple/mobilevit-small"]);
    const last = await list("pipeline_tag=image-classification&limit=50");
    expect(last.response.headers.get("link")).toBeNull();
  });

  it("answers one model with its mapping, 404 for an unknown one", async () => {
    const response = await fetch(
      `${hf.url}/api/models/facebook/detr-resnet-50?expand[]=inferenceProviderMapping`,
    );
    expect(await response.json()).toEqual({
      _id: expect.any(String),
      id: "facebook/detr-resnet-50",
      inferenceProviderMapping: [
        {
          provider: "hf-inference",
          providerId: "facebook/detr-resnet-50",
          status: "live",
          task: "object-detection",
        },
      ],
    });
    expect((await fetch(`${hf.url}/api/models/nobody/nothing`)).status).toBe(404);
  });

  it("can be down, failing or slow", async () => {
    hf.setHub({ mode: "down" });
    await expect(fetch(`${hf.url}/api/models?pipeline_tag=object-detection`)).rejects.toThrow();
    hf.setHub({ mode: "error", status: 502 });
    expect((await fetch(`${hf.url}/api/models?pipeline_tag=object-detection`)).status).toBe(502);
    hf.setHub({ mode: "slow", delayMs: 150 });
    const started = performance.now();
    expect((await list("pipeline_tag=object-detection")).models).toHaveLength(1);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(hf.hubCalls()).toHaveLength(3);
  });

  it("serves models added later", async () => {
    hf.addModel({ id: "new/detector", pipeline_tag: "object-detection", downloads: 2_000_000 });
    const { models } = await list("pipeline_tag=object-detection&sort=downloads&limit=1");
    expect(models[0]?.id).toBe("new/detector");
    hf.setModels(MODELS);
  });
});

describe("inference", () => {
  it("records model, task, headers and body size", async () => {
    const body = JSON.stringify({ inputs: "One. Two." });
    await post("facebook/bart-large-cnn", body, "application/json", {
      authorization: "Bearer hf_abc",
    });
    expect(hf.inferenceCalls()).toMatchObject([
      {
        model: "facebook/bart-large-cnn",
        task: "summarization",
        authorization: "Bearer hf_abc",
        contentType: "application/json",
        bodySize: Buffer.byteLength(body),
        status: 200,
      },
    ]);
  });

  it("validates input as the real service does", async () => {
    const missing = await post("facebook/bart-large-cnn", JSON.stringify({ text: "x" }), "application/json");
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ error: "Body needs to provide a inputs key" });
    expect((await post("facebook/bart-large-cnn", "{not json", "application/json")).status).toBe(400);
    const image = await post("facebook/detr-resnet-50", new TextEncoder().encode("garbage"), "image/png");
    expect(image.status).toBe(400);
    expect(await image.json()).toEqual({ error: "cannot identify image file" });
    const audio = await post("openai/whisper-large-v3", new TextEncoder().encode("garbage"), "audio/wav");
    expect(await audio.json()).toEqual({ error: "Malformed soundfile" });
    expect(
      (await post("nobody/knows-this", JSON.stringify({ inputs: "x" }), "application/json")).status,
    ).toBe(404);
  });

  it("gives deterministic answers that show their input", async () => {
    const translate = async () =>
      (
        await post("Helsinki-NLP/opus-mt-en-fr", JSON.stringify({ inputs: "Hello" }), "application/json")
      ).json();
    expect(await translate()).toEqual([{ translation_text: "[fr] Hello" }]);
    expect(await translate()).toEqual(await translate());
    const picture = async () =>
      Buffer.from(
        await (
          await post("stabilityai/sdxl-turbo", JSON.stringify({ inputs: "a red fox" }), "application/json")
        ).arrayBuffer(),
      );
    const [a, b] = [await picture(), await picture()];
    expect(a.equals(b)).toBe(true);
    expect((await sharp(a).metadata()).format).toBe("png");
  });

  it("boxes detections inside the image and gives masks of the image's size", async () => {
    const png = await sharp({ create: { width: 200, height: 100, channels: 3, background: "#777" } })
      .png()
      .toBuffer();
    const detections = (await (await post("facebook/detr-resnet-50", png, "image/png")).json()) as Array<{
      box: { xmin: number; xmax: number; ymax: number };
    }>;
    expect(detections.every((d) => d.box.xmin >= 0 && d.box.xmax < 200 && d.box.ymax < 100)).toBe(true);
    const segments = (await (
      await post(
        "facebook/detr-resnet-50-panoptic",
        JSON.stringify({ inputs: png.toString("base64") }),
        "application/json",
      )
    ).json()) as Array<{ label: string; mask: string }>;
    const mask = await sharp(Buffer.from(segments[0]?.mask ?? "", "base64")).metadata();
    expect([mask.width, mask.height, mask.channels]).toEqual([200, 100, 1]);
  });

  it("transcribes a registered recording, else the default", async () => {
    const recording = toneWav(0.2, 500);
    hf.setTranscript(recording, "the quick brown fox");
    const heard = await post("openai/whisper-small", recording, "audio/wav");
    expect(await heard.json()).toEqual({ text: "the quick brown fox" });
    const other = await post("openai/whisper-small", toneWav(0.2, 600), "audio/wav");
    expect(await other.json()).toEqual({ text: "hello world, this is a test recording" });
  });

  it("fails the next calls as scripted, then recovers", async () => {
    const model = "facebook/bart-large-cnn";
    const body = JSON.stringify({ inputs: "Text." });
    hf.failNext(model, { kind: "loading", estimatedTime: 3 }, 2);
    hf.failNext("*", { kind: "rate_limited", retryAfterSeconds: 7 });
    const first = await post(model, body, "application/json");
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({ error: `Model ${model} is currently loading`, estimated_time: 3 });
    expect((await post(model, body, "application/json")).status).toBe(503);
    const limited = await post(model, body, "application/json");
    expect([limited.status, limited.headers.get("retry-after")]).toEqual([429, "7"]);
    hf.failNext(model, { kind: "error" });
    expect((await post(model, body, "application/json")).status).toBe(500);
    expect((await post(model, body, "application/json")).status).toBe(200);
  });

  it("lets a test answer for a model or a task", async () => {
    hf.respondWith({ task: "summarization" }, (request) => ({
      json: [{ summary_text: `custom for ${request.model}` }],
    }));
    hf.respondWith({ model: "special/summarizer" }, () => ({ status: 418, json: { error: "teapot" } }));
    hf.setTask("special/summarizer", "summarization");
    const body = JSON.stringify({ inputs: "x" });
    expect(await (await post("facebook/bart-large-cnn", body, "application/json")).json()).toEqual([
      { summary_text: "custom for facebook/bart-large-cnn" },
    ]);
    expect((await post("special/summarizer", body, "application/json")).status).toBe(418);
  });

  it("adds latency and hangs without keeping the server from closing", async () => {
    hf.setLatency(120);
    const started = performance.now();
    await post("facebook/bart-large-cnn", JSON.stringify({ inputs: "x." }), "application/json");
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);

    const own = await startFakeHuggingFace();
    own.failNext("*", { kind: "hang" });
    const pending = fetch(own.modelUrl("facebook/bart-large-cnn"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: "x" }),
    }).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = performance.now();
    await own.close();
    expect(performance.now() - closing).toBeLessThan(1000);
    expect(await pending).toBeInstanceOf(Error);
    expect(own.calls[0]?.status).toBeUndefined();
  });

  it("requires the token when one is configured", async () => {
    const locked = await startFakeHuggingFace({ token: "hf_secret" });
    const call = (authorization?: string) =>
      fetch(locked.modelUrl("facebook/bart-large-cnn"), {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({ inputs: "x." }),
      });
    expect((await call()).status).toBe(401);
    expect((await call("Bearer hf_wrong")).status).toBe(401);
    expect((await call("Bearer hf_secret")).status).toBe(200);
    await locked.close();
  });
});
