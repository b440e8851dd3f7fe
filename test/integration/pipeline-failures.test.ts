/**
 * The whole pipeline in-process (createApp → pipeline.run) against the fake OpenAI and Hugging Face
 * servers: what a user gets when models fail, load, rate-limit, and when the LLM stops answering.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_CAPTION } from "../fakes/hf-server.js";
import { stageOf } from "../fakes/openai-server.js";
import {
  expectBotError,
  expectResultUserFacing,
  expectUserFacing,
  lastUserContent,
  usePipelineHarness,
} from "../support/pipeline-app.js";

const CLASSIFIERS = ["google/vit-base-patch16-224", "microsoft/resnet-50", "facebook/convnext-tiny-224"];
const DETR = "facebook/detr-resnet-50";
const YOLOS = "hustvl/yolos-tiny";

describe("the pipeline in-process: failing models, loading, rate limits, LLM timeouts", () => {
  const harness = usePipelineHarness([
    ...CLASSIFIERS.map((id, index) => ({
      id,
      pipeline_tag: "image-classification",
      downloads: 3_000_000 - index * 1_000_000,
    })),
    { id: "Helsinki-NLP/opus-mt-en-de", pipeline_tag: "translation", downloads: 900_000 },
    { id: "facebook/mms-tts-eng", pipeline_tag: "text-to-speech", downloads: 300_000 },
    {
      id: "Salesforce/blip-image-captioning-large",
      pipeline_tag: "image-to-text",
      downloads: 1_500_000,
    },
    { id: DETR, pipeline_tag: "object-detection", downloads: 2_000_000 },
    { id: YOLOS, pipeline_tag: "object-detection", downloads: 150_000 },
  ]);

  describe("a model that fails every candidate", () => {
    const plan = JSON.stringify([
      { id: 1, task: "image-classification", dep: [], args: { image: "photo.png" } },
      { id: 2, task: "translation", dep: [1], args: { text: "<resource>-1", language: "de" } },
      { id: 3, task: "text-to-speech", dep: [2], args: { text: "<resource>-2" } },
      { id: 4, task: "image-to-text", dep: [], args: { image: "photo.png" } },
    ]);

    function failEveryClassifier(): void {
      for (const model of CLASSIFIERS) {
        harness.hf.failNext(model, { kind: "error", status: 500, message: "CUDA out of memory" });
      }
    }

    it("fails the task naming every model tried, skips its dependents, finishes the other branch", async () => {
      failEveryClassifier();
      harness.llm.route((body) => {
        switch (stageOf(body)) {
          case "plan":
            return plan;
          case "select":
            return JSON.stringify({
              choices: [{ id: 1, model: "microsoft/resnet-50", reason: "good general classifier" }],
            });
          default:
            // An answer that reports what the results say, as a good LLM would.
            return `Part of this did not work.\n${lastUserContent(body).split("Results:\n")[1] ?? ""}`;
        }
      });
      const app = harness.app();
      const result = await app.pipeline.run({
        text: "what animal is this? say it in German",
        inputs: [harness.photo],
      });

      expect(result.results.map((task) => [task.id, task.status])).toEqual([
        [1, "failed"],
        [2, "skipped"],
        [3, "skipped"],
        [4, "ok"],
      ]);
      const failed = result.results[0]!;
      // The LLM's choice first, then the other candidates in download order.
      expect(failed.attempts.map((attempt) => attempt.model)).toEqual([
        "microsoft/resnet-50",
        "google/vit-base-patch16-224",
        "facebook/convnext-tiny-224",
      ]);
      // One short line for the summary; every model's own reason stays in the attempts.
      expect(failed.error).toMatch(/^none of the 3 models answered \(the last: /);
      expect(failed.error?.length).toBeLessThanOrEqual(220);
      for (const model of CLASSIFIERS) expect(harness.hf.inferenceCalls(model)).toHaveLength(1);
      const reasons = failed.attempts.map((attempt) => attempt.error).join("\n");
      expect(reasons).toContain("HTTP 500");
      expect(reasons).toContain("CUDA out of memory");

      // Dependents say which task failed, not merely "skipped"; a chain of skips names the root.
      const skipped = result.results[1]!;
      expect(skipped.error).toContain("skipped because task 1 (image-classification) failed");
      expect(skipped.error).toContain("none of the 3 models answered");
      expect(result.results[2]?.error).toBe(skipped.error);
      expect(harness.hf.inferenceCalls("Helsinki-NLP/opus-mt-en-de")).toHaveLength(0);
      expect(harness.hf.inferenceCalls("facebook/mms-tts-eng")).toHaveLength(0);

      // The independent branch finished and its result is kept.
      expect(result.results[3]?.output).toEqual({ kind: "text", text: DEFAULT_CAPTION });
      expect(result.results[3]?.model).toBe("Salesforce/blip-image-captioning-large");

      // The answer stage was told about the failure and the caption, and the answer says so.
      const respond = harness.llm.requests.find((request) => stageOf(request.body) === "respond");
      const account = lastUserContent(respond!.body);
      expect(account).toContain("failed (none of the 3 models answered");
      expect(account).toContain(DEFAULT_CAPTION);
      expect(result.answer).toContain("none of the 3 models answered");
      expect(result.answer).toContain(DEFAULT_CAPTION);

      expect(result.summary.tasks.map((row) => row.status)).toEqual(["failed", "skipped", "skipped", "ok"]);
      expect(result.summary.tasks[0]?.error).toBe(failed.error);
      expectResultUserFacing(result);
    });

    it("still reports the failure and the other result when the answer LLM is down too", async () => {
      failEveryClassifier();
      harness.llm.route((body) =>
        stageOf(body) === "plan" ? plan : { status: 500, message: "the answer model is down" },
      );
      const app = harness.app({ MODEL_SELECTION: "top" });
      const result = await app.pipeline.run({ text: "what animal is this?", inputs: [harness.photo] });

      expect(result.results.map((task) => task.status)).toEqual(["failed", "skipped", "skipped", "ok"]);
      // The deterministic answer: every task, its failure reason, and the caption that did come back.
      expect(result.answer).toContain("image-classification");
      expect(result.answer).toContain("none of the 3 models answered");
      expect(result.answer).toContain("skipped because task 1 (image-classification) failed");
      expect(result.answer).toContain(DEFAULT_CAPTION);
      expect(result.summary.notes.join(" ")).toContain("without the LLM");
      expectResultUserFacing(result);
    });
  });

  describe("models that are loading or rate limited", () => {
    const plan = JSON.stringify([{ id: 1, task: "object-detection", dep: [], args: { image: "photo.png" } }]);

    beforeEach(() => {
      harness.llm.route((body) => (stageOf(body) === "plan" ? plan : "I found a giraffe and a zebra."));
    });

    it("waits for a model that is loading and succeeds on the same model", async () => {
      harness.hf.failNext(DETR, { kind: "loading", estimatedTime: 0.2 }, 2);
      const app = harness.app({ MODEL_SELECTION: "top" });
      const result = await app.pipeline.run({ text: "what is in this photo?", inputs: [harness.photo] });

      const task = result.results[0]!;
      expect(task.status).toBe("ok");
      expect(task.model).toBe(DETR);
      // Two 503 "loading" answers, then the answer, all from the same model; the fallback is untouched.
      expect(harness.hf.inferenceCalls(DETR).map((call) => call.status)).toEqual([503, 503, 200]);
      expect(harness.hf.inferenceCalls(YOLOS)).toHaveLength(0);
      expect(task.attempts).toEqual([{ model: DETR, source: "hosted", ms: expect.any(Number) }]);
      // It waited (at least) the estimated time before each retry.
      expect(task.ms).toBeGreaterThanOrEqual(380);
      expect(task.output?.kind).toBe("detections");
      expect(result.answer).toBe("I found a giraffe and a zebra.");
      expectResultUserFacing(result);
    });

    it("backs off on 429 with Retry-After and succeeds on the same model", async () => {
      harness.hf.failNext(DETR, { kind: "rate_limited", retryAfterSeconds: 0 });
      harness.hf.failNext(DETR, { kind: "rate_limited", retryAfterSeconds: 1 });
      const app = harness.app({ MODEL_SELECTION: "top" });
      const result = await app.pipeline.run({ text: "what is in this photo?", inputs: [harness.photo] });

      const task = result.results[0]!;
      expect(task.status).toBe("ok");
      expect(task.model).toBe(DETR);
      expect(harness.hf.inferenceCalls(DETR).map((call) => call.status)).toEqual([429, 429, 200]);
      expect(harness.hf.inferenceCalls(YOLOS)).toHaveLength(0);
      expect(task.attempts).toHaveLength(1);
      expect(task.attempts[0]?.error).toBeUndefined();
      // Retry-After: 1 was honoured.
      expect(task.ms).toBeGreaterThanOrEqual(950);
      expectResultUserFacing(result);
    });
  });

  describe("an LLM that stops answering", () => {
    it("rejects with llm_timeout and a friendly message when planning times out", async () => {
      harness.llm.route(() => ({ hang: true }));
      const app = harness.app({ LLM_TIMEOUT_SECONDS: "1" });
      const error = await expectBotError(
        app.pipeline.run({ text: "what is in this photo?", inputs: [harness.photo] }),
        "llm_timeout",
      );
      expect(error.userMessage).toMatch(/took too long/i);
      expect(harness.llm.requests.length).toBeGreaterThanOrEqual(1);
      expect(harness.llm.requests.every((request) => stageOf(request.body) === "plan")).toBe(true);
      expect(harness.hf.inferenceCalls()).toHaveLength(0);
    }, 30_000);

    it("keeps the results and answers deterministically when the answer stage times out", async () => {
      harness.llm.route((body) =>
        stageOf(body) === "plan"
          ? JSON.stringify([{ id: 1, task: "image-to-text", dep: [], args: { image: "photo.png" } }])
          : { hang: true },
      );
      const app = harness.app({ LLM_TIMEOUT_SECONDS: "1" });
      const result = await app.pipeline.run({ text: "describe this photo", inputs: [harness.photo] });

      expect(result.results[0]?.status).toBe("ok");
      expect(result.results[0]?.output).toEqual({ kind: "text", text: DEFAULT_CAPTION });
      expect(result.answer).toContain(DEFAULT_CAPTION);
      expect(result.answer).toContain("image-to-text");
      const notes = result.summary.notes.join(" ");
      expect(notes).toContain("without the LLM");
      expect(notes).toMatch(/in time|timed out|too long/i);
      expect(harness.llm.requests.some((request) => stageOf(request.body) === "respond")).toBe(true);
      expectResultUserFacing(result);
      for (const note of result.summary.notes) expectUserFacing(note);
    }, 30_000);
  });

  describe("a plan that was refused", () => {
    it("says in the summary what was refused and why when the repair cut the plan or emptied it", async () => {
      const reviews = Array.from({ length: 25 }, (_, index) => ({
        id: index + 1,
        task: "text-classification",
        dep: [],
        args: { text: `review ${index + 1}` },
      }));
      for (const [repair, after] of [
        [reviews.slice(0, 20), "so a repaired plan of 20 tasks ran instead."],
        [[], "so the request was answered without tasks."],
      ] as const) {
        let plans = 0;
        harness.llm.route((body) => {
          if (stageOf(body) !== "plan") return "Here is what I found.";
          plans += 1;
          return JSON.stringify(plans === 1 ? reviews : repair);
        });
        const result = await harness.app({ MODEL_SELECTION: "top" }).pipeline.run({
          text: "classify the sentiment of each of these 25 reviews",
          inputs: [],
        });
        expect(result.plan.tasks).toHaveLength(repair.length);
        expect(result.summary.notes).toContain(
          `The first plan was refused (the plan has 25 tasks; at most 20 are allowed in one request), ${after}`,
        );
        for (const note of result.summary.notes) expectUserFacing(note);
      }
    }, 30_000);
  });
});
