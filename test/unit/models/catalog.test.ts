import Keyv from "keyv";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { builtinModels } from "../../../src/models/builtin.js";
import { createModelCatalog, type ModelCatalogOptions } from "../../../src/models/catalog.js";
import { type FakeHubModel, type FakeHuggingFace, startFakeHuggingFace } from "../../fakes/hf-server.js";

const DETECTORS: FakeHubModel[] = [
  { id: "hustvl/yolos-tiny", pipeline_tag: "object-detection", downloads: 150_000, likes: 270 },
  // Most liked but least downloaded: ranking must not follow likes.
  { id: "acme/liked-detector", pipeline_tag: "object-detection", downloads: 10, likes: 99_999 },
  {
    id: "facebook/detr-resnet-50",
    pipeline_tag: "object-detection",
    downloads: 800_000,
    likes: 900,
    providers: ["hf-inference", "fal-ai"],
  },
  {
    id: "acme/fresh-detector",
    pipeline_tag: "object-detection",
    downloads: 5_000,
    likes: 3,
    tags: ["transformers", "object-detection", "en", "base_model:facebook/detr-resnet-50", "region:us"],
  },
  { id: "acme/unserved-detector", pipeline_tag: "object-detection", downloads: 9_000_000, providers: [] },
  { id: "openai/whisper-large-v3", pipeline_tag: "automatic-speech-recognition", downloads: 5_000_000 },
  {
    id: "acme/chat-7b",
    pipeline_tag: "text-generation",
    downloads: 2_000,
    tags: ["transformers", "text-generation", "conversational"],
  },
  {
    id: "acme/base-7b",
    pipeline_tag: "text-generation",
    downloads: 90_000,
    tags: ["transformers", "text-generation"],
  },
];

describe("model catalog with a live Hub", () => {
  let hf: FakeHuggingFace;
  let clock: number;

  const catalog = (overrides: Partial<ModelCatalogOptions> = {}) =>
    createModelCatalog({
      hubEndpoint: hf.url,
      cache: new Keyv(),
      ttlMs: 60_000,
      timeoutMs: 2_000,
      live: true,
      failureTtlMs: 0,
      now: () => clock,
      ...overrides,
    });

  beforeAll(async () => {
    hf = await startFakeHuggingFace({ models: DETECTORS });
  });
  afterAll(async () => {
    await hf.close();
  });
  beforeEach(() => {
    hf.reset();
    clock = 1_000_000;
  });

  it("lists the task's provider-served models from the Hub, most downloaded first, at most `limit`", async () => {
    const listing = await catalog().list("object-detection", { limit: 3 });
    expect(listing.origin).toBe("hub");
    expect(listing.note).toBeUndefined();
    expect(listing.models.map((model) => model.id)).toEqual([
      "facebook/detr-resnet-50",
      "hustvl/yolos-tiny",
      "acme/fresh-detector",
    ]);
    expect(listing.models[0]?.providers).toEqual(["hf-inference", "fal-ai"]);
    expect(listing.models.every((model) => model.task === "object-detection")).toBe(true);
  });

  it("ranks by downloads, not likes", async () => {
    const listing = await catalog().list("object-detection", { limit: 10 });
    const ids = listing.models.map((model) => model.id);
    expect(ids.at(-1)).toBe("acme/liked-detector");
    expect(ids).not.toContain("acme/unserved-detector");
    const downloads = listing.models.map((model) => model.downloads);
    expect(downloads).toEqual([...downloads].sort((a, b) => b - a));
  });

  it("asks with pipeline_tag, sort, limit, the provider restriction and the token", async () => {
    await catalog({ token: "hf_test" }).list("object-detection", { limit: 4 });
    const [call] = hf.hubCalls();
    expect(call?.path).toBe("/api/models");
    expect(call?.query.get("pipeline_tag")).toBe("object-detection");
    expect(call?.query.get("sort")).toBe("downloads");
    expect(call?.query.get("limit")).toBe("4");
    expect(call?.query.get("inference_provider")).toBe("all");
    expect(call?.query.getAll("expand[]")).toContain("inferenceProviderMapping");
    expect(call?.authorization).toBe("Bearer hf_test");
  });

  it("describes Hub models with our words when we know them, else from their tags", async () => {
    const listing = await catalog().list("object-detection", { limit: 10 });
    const byId = new Map(listing.models.map((model) => [model.id, model]));
    const ours = builtinModels("object-detection").find((model) => model.id === "facebook/detr-resnet-50");
    expect(byId.get("facebook/detr-resnet-50")?.description).toBe(ours?.description);
    const fresh = byId.get("acme/fresh-detector");
    expect(fresh?.description).toBe("Object detection model by acme, based on facebook/detr-resnet-50; en.");
    expect(fresh?.tags).toEqual(["transformers", "object-detection", "en"]);
  });

  it("asks for chat models as conversational text-generation models", async () => {
    const listing = await catalog().list("conversational", { limit: 5 });
    expect(listing.origin).toBe("hub");
    expect(listing.models.map((model) => model.id)).toEqual(["acme/chat-7b"]);
    expect(listing.models[0]?.task).toBe("conversational");
    expect(hf.hubCalls()[0]?.query.get("pipeline_tag")).toBe("text-generation");
  });

  it("reuses a cached listing within the TTL and asks again after it", async () => {
    const models = catalog({ ttlMs: 10_000 });
    await models.list("object-detection", { limit: 3 });
    clock += 9_999;
    const cached = await models.list("object-detection", { limit: 3 });
    expect(cached.origin).toBe("hub");
    expect(cached.models).toHaveLength(3);
    expect(hf.hubCalls()).toHaveLength(1);

    clock += 1;
    await models.list("object-detection", { limit: 3 });
    expect(hf.hubCalls()).toHaveLength(2);
  });

  it("caches per task and per limit", async () => {
    const models = catalog();
    await models.list("object-detection", { limit: 3 });
    await models.list("object-detection", { limit: 2 });
    await models.list("automatic-speech-recognition", { limit: 3 });
    await models.list("object-detection", { limit: 2 });
    expect(hf.hubCalls()).toHaveLength(3);
  });

  it("shares one Hub call between simultaneous requests for the same listing", async () => {
    const models = catalog();
    const [first, second] = await Promise.all([
      models.list("object-detection", { limit: 3 }),
      models.list("object-detection", { limit: 3 }),
    ]);
    expect(first.models).toEqual(second.models);
    expect(hf.hubCalls()).toHaveLength(1);
  });

  it("survives a store whose entries hold another shape", async () => {
    const cache = new Keyv();
    const models = catalog({ cache });
    await models.list("object-detection", { limit: 3 });
    for await (const [key] of cache.iterator?.(undefined) ?? [])
      await cache.set(String(key), { stale: true });
    const listing = await models.list("object-detection", { limit: 3 });
    expect(listing.origin).toBe("hub");
    expect(listing.models).toHaveLength(3);
    // The odd entry counted as a miss, so the Hub was asked again.
    expect(hf.hubCalls()).toHaveLength(2);
  });

  describe("falls back to the built-in list with a note", () => {
    const expectBuiltin = (listing: Awaited<ReturnType<ReturnType<typeof catalog>["list"]>>, why: RegExp) => {
      expect(listing.origin).toBe("builtin");
      expect(listing.note).toMatch(/^the Hub could not be reached: /);
      expect(listing.note).toMatch(why);
      expect(listing.models.map((model) => model.id)).toEqual(
        builtinModels("object-detection")
          .slice(0, 3)
          .map((model) => model.id),
      );
    };

    it("when the Hub drops the connection", async () => {
      hf.setHub({ mode: "down" });
      expectBuiltin(await catalog().list("object-detection", { limit: 3 }), /network error/);
    });

    it("when nothing listens at the endpoint", async () => {
      const closed = await startFakeHuggingFace();
      const url = closed.url;
      await closed.close();
      expectBuiltin(
        await catalog({ hubEndpoint: url }).list("object-detection", { limit: 3 }),
        /ECONNREFUSED/,
      );
    });

    it("when the Hub answers 500", async () => {
      hf.setHub({ mode: "error" });
      expectBuiltin(await catalog().list("object-detection", { limit: 3 }), /HTTP 500/);
    });

    it("when the Hub is too slow", async () => {
      hf.setHub({ mode: "slow", delayMs: 2_000 });
      expectBuiltin(await catalog({ timeoutMs: 50 }).list("object-detection", { limit: 3 }), /within 50 ms/);
    });

    it("when the answer is not JSON", async () => {
      // The real request reaches the fake Hub; only its body is swapped for an HTML error page.
      const garbling: typeof fetch = async (input, init) => {
        await fetch(input, init);
        return new Response("<html><body>Bad gateway</body></html>", { status: 200 });
      };
      expectBuiltin(
        await catalog({ fetch: garbling }).list("object-detection", { limit: 3 }),
        /not valid JSON/,
      );
      expect(hf.hubCalls()).toHaveLength(1);
    });

    it("when the answer is JSON of another shape", async () => {
      const reshaping: typeof fetch = async (input, init) => {
        await fetch(input, init);
        return Response.json({ models: "soon" });
      };
      expectBuiltin(await catalog({ fetch: reshaping }).list("object-detection", { limit: 3 }), /not a list/);
    });

    it("and does not cache the failure beyond failureTtlMs", async () => {
      const models = catalog({ failureTtlMs: 5_000 });
      hf.setHub({ mode: "error" });
      expect((await models.list("object-detection", { limit: 3 })).origin).toBe("builtin");
      hf.setHub({ mode: "up" });
      clock += 4_999;
      expect((await models.list("object-detection", { limit: 3 })).origin).toBe("builtin");
      expect(hf.hubCalls()).toHaveLength(1);
      clock += 1;
      expect((await models.list("object-detection", { limit: 3 })).origin).toBe("hub");
      expect(hf.hubCalls()).toHaveLength(2);
    });

    it("when the Hub lists no provider-served model for the task", async () => {
      const listing = await catalog().list("tabular-classification", { limit: 3 });
      expect(listing.origin).toBe("builtin");
      expect(listing.note).toMatch(/no tabular-classification model/);
      expect(listing.models.length).toBe(3);
    });
  });

  it("uses the built-in list directly when live listing is off", async () => {
    const listing = await catalog({ live: false }).list("object-detection", { limit: 2 });
    expect(listing).toEqual({
      task: "object-detection",
      origin: "builtin",
      models: builtinModels("object-detection").slice(0, 2),
    });
    expect(hf.hubCalls()).toHaveLength(0);
  });

  it("gives up at once when the caller aborts", async () => {
    hf.setHub({ mode: "slow", delayMs: 2_000 });
    const controller = new AbortController();
    const pending = catalog().list("object-detection", { limit: 3, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("request cancelled")), 20);
    await expect(pending).rejects.toThrow("request cancelled");
  });
});
