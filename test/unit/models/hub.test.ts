import { describe, expect, it } from "vitest";
import { describeFromTags } from "../../../src/models/catalog.js";
import { hubModelsUrl, hubQueryFor, listHubModels, parseHubModels } from "../../../src/models/hub.js";
import { TASK_NAMES } from "../../../src/tasks/index.js";

describe("hubModelsUrl", () => {
  it("asks for the most downloaded provider-served models of the task, with the fields we read", () => {
    const url = hubModelsUrl({ endpoint: "https://hub.example/", task: "object-detection", limit: 5 });
    expect(url.origin + url.pathname).toBe("https://hub.example/api/models");
    expect(url.searchParams.get("pipeline_tag")).toBe("object-detection");
    expect(url.searchParams.get("inference_provider")).toBe("all");
    expect(url.searchParams.get("sort")).toBe("downloads");
    expect(url.searchParams.get("limit")).toBe("5");
    expect(url.searchParams.getAll("expand[]")).toEqual(
      expect.arrayContaining(["downloads", "likes", "tags", "inferenceProviderMapping"]),
    );
  });

  it("keeps a path prefix of the endpoint and narrows to named providers", () => {
    const url = hubModelsUrl({
      endpoint: "http://mirror.local/hf",
      task: "summarization",
      limit: 3,
      provider: "hf-inference,fal-ai",
    });
    expect(url.pathname).toBe("/hf/api/models");
    expect(url.searchParams.get("inference_provider")).toBe("hf-inference,fal-ai");
  });

  it("maps the tasks the Hub folded into text-generation", () => {
    expect(hubQueryFor("conversational")).toEqual({
      pipelineTag: "text-generation",
      tags: ["conversational"],
    });
    expect(hubQueryFor("text2text-generation").pipelineTag).toBe("text-generation");
    const url = hubModelsUrl({ endpoint: "https://hub.example", task: "conversational", limit: 5 });
    expect(url.searchParams.get("pipeline_tag")).toBe("text-generation");
    expect(url.searchParams.getAll("filter")).toEqual(["conversational"]);
    for (const task of TASK_NAMES) {
      if (task !== "conversational" && task !== "text2text-generation") {
        expect(hubQueryFor(task)).toEqual({ pipelineTag: task, tags: [] });
      }
    }
  });
});

describe("parseHubModels", () => {
  it("reads both shapes of the provider mapping and keeps live providers only", () => {
    const models = parseHubModels("text-to-image", [
      {
        id: "a/array",
        downloads: 10,
        likes: 2,
        tags: ["diffusers"],
        inferenceProviderMapping: [
          { provider: "fal-ai", providerId: "x", status: "live", task: "text-to-image" },
          { provider: "replicate", providerId: "y", status: "staging", task: "text-to-image" },
        ],
      },
      {
        id: "b/object",
        downloads: 5,
        inferenceProviderMapping: { together: { providerId: "z", status: "live", task: "text-to-image" } },
      },
      {
        id: "c/staging-only",
        downloads: 50,
        inferenceProviderMapping: [{ provider: "nebius", status: "staging" }],
      },
      { id: "d/no-mapping", downloads: 1 },
    ]);
    expect(models).toEqual([
      {
        id: "a/array",
        task: "text-to-image",
        downloads: 10,
        likes: 2,
        tags: ["diffusers"],
        providers: ["fal-ai"],
      },
      { id: "b/object", task: "text-to-image", downloads: 5, likes: 0, tags: [], providers: ["together"] },
      { id: "d/no-mapping", task: "text-to-image", downloads: 1, likes: 0, tags: [], providers: [] },
    ]);
  });

  it("drops unreadable entries but rejects an answer with nothing readable", () => {
    expect(parseHubModels("summarization", [{ id: "ok/model" }, { nope: true }]).map((m) => m.id)).toEqual([
      "ok/model",
    ]);
    expect(() => parseHubModels("summarization", [{ nope: true }])).toThrow(/expected/);
    expect(() => parseHubModels("summarization", { error: "Invalid" })).toThrow(/not a list/);
    expect(parseHubModels("summarization", [])).toEqual([]);
  });
});

describe("listHubModels", () => {
  const base = {
    endpoint: "https://hub.example",
    task: "summarization" as const,
    limit: 3,
    timeoutMs: 1_000,
  };

  it("sends the token as a bearer header", async () => {
    let seen: Headers | undefined;
    const fakeFetch: typeof fetch = async (_input, init) => {
      seen = new Headers(init?.headers);
      return Response.json([{ id: "x/y", downloads: 1 }]);
    };
    await listHubModels({ ...base, token: "hf_secret", fetch: fakeFetch });
    expect(seen?.get("authorization")).toBe("Bearer hf_secret");
    await listHubModels({ ...base, fetch: fakeFetch });
    expect(seen?.get("authorization")).toBeNull();
  });

  it("says why in a few words: network error, HTTP status, timeout, bad JSON", async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError("fetch failed", {
        cause: Object.assign(new Error("connect"), { code: "ECONNREFUSED" }),
      });
    };
    await expect(listHubModels({ ...base, fetch: refused })).rejects.toThrow(/ECONNREFUSED/);

    const unavailable: typeof fetch = async () => new Response("down", { status: 503 });
    await expect(listHubModels({ ...base, fetch: unavailable })).rejects.toThrow(/HTTP 503/);

    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    await expect(listHubModels({ ...base, timeoutMs: 20, fetch: hanging })).rejects.toThrow(/within 20 ms/);

    const garbage: typeof fetch = async () => new Response("<html>oops</html>", { status: 200 });
    await expect(listHubModels({ ...base, fetch: garbage })).rejects.toThrow(/not valid JSON/);
  });

  it("rethrows the caller's abort instead of calling it a Hub failure", async () => {
    const controller = new AbortController();
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    const pending = listHubModels({ ...base, fetch: hanging, signal: controller.signal });
    controller.abort(new Error("user cancelled"));
    await expect(pending).rejects.toThrow("user cancelled");
  });
});

describe("describeFromTags", () => {
  it("builds a short line from the owner, base model, languages and topic tags", () => {
    const text = describeFromTags({
      id: "acme/chatty-7b",
      task: "text-generation",
      tags: [
        "transformers",
        "safetensors",
        "text-generation",
        "conversational",
        "en",
        "fr",
        "base_model:acme/base-7b",
        "base_model:finetune:acme/base-7b",
        "region:us",
        "license:apache-2.0",
      ],
    });
    expect(text).toBe("Text generation model by acme, based on acme/base-7b; en, fr; conversational.");
  });

  it("stays short with many tags", () => {
    const tags = Array.from({ length: 100 }, (_, i) => `topic-with-a-long-name-${i}`);
    expect(describeFromTags({ id: "x/y", task: "text-to-image", tags }).length).toBeLessThanOrEqual(160);
  });
});
