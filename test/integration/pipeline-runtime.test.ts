/**
 * The whole pipeline in-process against the fakes: the results cache, the built-in catalog when the
 * Hub is unreachable, and parallel branches of a plan running at the same time.
 */
import { describe, expect, it } from "vitest";
import type { PipelineEvent } from "../../src/pipeline/types.js";
import { startHttpServer } from "../fakes/http-server.js";
import { stageOf } from "../fakes/openai-server.js";
import { expectResultUserFacing, imageInput, usePipelineHarness } from "../support/pipeline-app.js";

const DETR = "facebook/detr-resnet-50";
const BLIP = "Salesforce/blip-image-captioning-large";
const OPUS = "Helsinki-NLP/opus-mt-en-de";
const SST2 = "distilbert/distilbert-base-uncased-finetuned-sst-2-english";

/** A port nothing listens on: a server's, just closed. */
async function closedPort(): Promise<number> {
  const server = await startHttpServer(() => {});
  await server.close();
  return server.port;
}

describe("the pipeline in-process: cache, catalog, parallel branches", () => {
  const harness = usePipelineHarness([
    { id: DETR, pipeline_tag: "object-detection", downloads: 2_000_000 },
    { id: BLIP, pipeline_tag: "image-to-text", downloads: 1_500_000 },
    { id: OPUS, pipeline_tag: "translation", downloads: 900_000 },
    { id: SST2, pipeline_tag: "text-classification", downloads: 5_000_000 },
  ]);

  describe("the results cache", () => {
    it("answers the same request twice with one inference call per task, and says cached", async () => {
      harness.llm.route((body, index) =>
        stageOf(body) === "plan"
          ? JSON.stringify([
              { id: 1, task: "object-detection", dep: [], args: { image: "photo.png" } },
              { id: 2, task: "text-classification", dep: [], args: { text: "I love this photo" } },
            ])
          : `Answer ${index}: a giraffe, and the text is positive.`,
      );
      const app = harness.app({ MODEL_SELECTION: "top" });
      const request = { text: "what is in this photo, and is my caption positive?", inputs: [harness.photo] };

      const first = await app.pipeline.run(request);
      expect(first.results.map((task) => [task.status, task.cached])).toEqual([
        ["ok", undefined],
        ["ok", undefined],
      ]);
      expect(harness.hf.inferenceCalls(DETR)).toHaveLength(1);
      expect(harness.hf.inferenceCalls(SST2)).toHaveLength(1);
      const hubCallsAfterFirst = harness.hf.hubCalls().length;

      const second = await app.pipeline.run(request);
      expect(second.results.map((task) => [task.status, task.cached])).toEqual([
        ["ok", true],
        ["ok", true],
      ]);
      // No new inference call, and the Hub listing was reused as well.
      expect(harness.hf.inferenceCalls(DETR)).toHaveLength(1);
      expect(harness.hf.inferenceCalls(SST2)).toHaveLength(1);
      expect(harness.hf.hubCalls()).toHaveLength(hubCallsAfterFirst);
      // The cached results are the same results, the drawn image included.
      expect(second.results[0]?.model).toBe(DETR);
      expect(second.results[0]?.source).toBe("hosted");
      const [before, after] = [first.results[0]?.output, second.results[0]?.output];
      expect(after?.kind).toBe("detections");
      if (before?.kind !== "detections" || after?.kind !== "detections") throw new Error("no detections");
      expect(after.detections).toEqual(before.detections);
      expect(after.image?.name).toBe(before.image?.name);
      expect(Buffer.from(after.image?.bytes ?? []).equals(Buffer.from(before.image?.bytes ?? []))).toBe(true);
      expect(second.results[1]?.output).toEqual(first.results[1]?.output);
      expectResultUserFacing(second);

      // Another image is another input: not served from the cache.
      const other = await imageInput("photo.png", 80, 60);
      const third = await app.pipeline.run({ ...request, inputs: [other] });
      expect(third.results[0]?.cached).toBeUndefined();
      expect(third.results[1]?.cached).toBe(true);
      expect(harness.hf.inferenceCalls(DETR)).toHaveLength(2);
      expect(harness.hf.inferenceCalls(SST2)).toHaveLength(1);
    });
  });

  describe("the Hub unreachable", () => {
    it.each([
      ["dropping connections", "down" as const],
      ["at a closed port", "closed" as const],
    ])("falls back to the built-in list when the Hub is %s, and says why", async (_label, how) => {
      const extra: Record<string, string> = {};
      if (how === "down") harness.hf.setHub({ mode: "down" });
      else extra.HF_ENDPOINT = `http://127.0.0.1:${await closedPort()}`;
      harness.llm.route((body) => {
        switch (stageOf(body)) {
          case "plan":
            return JSON.stringify([
              { id: 1, task: "object-detection", dep: [], args: { image: "photo.png" } },
            ]);
          case "select":
            return JSON.stringify({ choices: [{ id: 1, model: DETR, reason: "the usual COCO detector" }] });
          default:
            return "There is a giraffe.";
        }
      });
      const app = harness.app(extra);
      const result = await app.pipeline.run({ text: "what is in this photo?", inputs: [harness.photo] });

      expect(result.summary.catalog).toBe("builtin");
      const notes = result.summary.notes.join(" ");
      expect(notes).toContain("the Hub could not be reached");
      if (how === "down") expect(harness.hf.hubCalls().length).toBeGreaterThan(0);
      // The request still ran, on a model from the built-in list.
      expect(result.results[0]?.status).toBe("ok");
      expect(result.results[0]?.model).toBe(DETR);
      expect(result.results[0]?.source).toBe("hosted");
      const selection = result.selections[0];
      expect(selection?.fallbacks.length).toBeGreaterThan(0);
      expect(result.answer).toBe("There is a giraffe.");
      expectResultUserFacing(result);
    });
  });

  describe("parallel branches", () => {
    it("starts independent tasks together and a dependent only after its dependency", async () => {
      harness.hf.setLatency(300);
      // What each model saw when it was about to answer (after the latency): who had arrived by then.
      const arrivedBeforeAnswer = new Map<string, string[]>();
      for (const task of ["object-detection", "image-to-text", "translation"] as const) {
        harness.hf.respondWith({ task }, (request) => {
          arrivedBeforeAnswer.set(
            request.model,
            harness.hf.inferenceCalls().map((call) => call.model ?? "?"),
          );
          return undefined;
        });
      }
      // What had reached the fake HF when the first task finished, from the pipeline's events.
      let arrivedAtFirstEnd: string[] | undefined;
      const onEvent = (event: PipelineEvent) => {
        if (event.type === "task-end" && arrivedAtFirstEnd === undefined) {
          arrivedAtFirstEnd = harness.hf.inferenceCalls().map((call) => call.model ?? "?");
        }
      };
      harness.llm.route((body) =>
        stageOf(body) === "plan"
          ? JSON.stringify([
              { id: 1, task: "object-detection", dep: [], args: { image: "photo.png" } },
              { id: 2, task: "image-to-text", dep: [], args: { image: "photo.png" } },
              { id: 3, task: "translation", dep: [2], args: { text: "<resource>-2", language: "de" } },
            ])
          : "Done.",
      );
      const app = harness.app({ MODEL_SELECTION: "top", MAX_PARALLEL_TASKS: "4" });
      const result = await app.pipeline.run({
        text: "detect and caption, then translate",
        inputs: [harness.photo],
        onEvent,
      });

      expect(result.results.map((task) => task.status)).toEqual(["ok", "ok", "ok"]);
      // Both independent calls reached the server before either was answered, and the dependent
      // translation had not started yet.
      expect([...(arrivedBeforeAnswer.get(DETR) ?? [])].sort()).toEqual([BLIP, DETR].sort());
      expect([...(arrivedBeforeAnswer.get(BLIP) ?? [])].sort()).toEqual([BLIP, DETR].sort());
      expect([...(arrivedAtFirstEnd ?? [])].sort()).toEqual([BLIP, DETR].sort());
      // The translation was sent after the caption came back, and received it.
      expect(arrivedBeforeAnswer.get(OPUS)).toHaveLength(3);
      const order = harness.hf.inferenceCalls().map((call) => call.model);
      expect(order.indexOf(OPUS)).toBe(2);
      const translationCall = harness.hf.inferenceCalls(OPUS)[0];
      const caption = result.results[1]?.output;
      expect(caption?.kind).toBe("text");
      expect(JSON.parse(translationCall?.body.toString("utf8") ?? "{}").inputs).toBe(
        caption?.kind === "text" ? caption.text : undefined,
      );
      expectResultUserFacing(result);
    });
  });
});
