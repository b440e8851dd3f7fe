/**
 * The whole pipeline in-process against the fakes: hostile input never reaches a model, a private
 * address or the local disk, and the user is told why in plain words.
 * - a decompression-bomb PNG as an image
 * - links in a plan: an unconfigured loopback port, link-local metadata, other private forms
 * - `file:` URLs and local paths in a plan
 * - links the LLM writes into its answer
 * - hostile plans: 500 tasks, `__proto__`/`constructor`, a 1 MB argument
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PRIVATE_ADDRESS_MESSAGE } from "../../src/net/policy.js";
import { sleep } from "../../src/time.js";
import { DEFAULT_CAPTION } from "../fakes/hf-server.js";
import { stageOf } from "../fakes/openai-server.js";
import { type RecordingServer, startRecordingServer } from "../fakes/recording-server.js";
import {
  expectBotError,
  expectResultUserFacing,
  fileInput,
  lastUserContent,
  usePipelineHarness,
} from "../support/pipeline-app.js";
import { bombPng } from "../unit/render/fixtures.js";

const DETR = "facebook/detr-resnet-50";
const BLIP = "Salesforce/blip-image-captioning-large";

describe("the pipeline in-process: hostile input", () => {
  const harness = usePipelineHarness([
    { id: DETR, pipeline_tag: "object-detection", downloads: 2_000_000 },
    { id: BLIP, pipeline_tag: "image-to-text", downloads: 1_500_000 },
    { id: "Helsinki-NLP/opus-mt-en-de", pipeline_tag: "translation", downloads: 900_000 },
    {
      id: "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
      pipeline_tag: "text-classification",
      downloads: 5_000_000,
    },
  ]);
  let pngBytes: Buffer;
  /** A server that would gladly serve a real PNG to anyone who reached it. */
  let recorder: RecordingServer;
  let dir: string;

  beforeAll(async () => {
    pngBytes = await sharp({ create: { width: 32, height: 32, channels: 3, background: "#a33" } })
      .png()
      .toBuffer();
    recorder = await startRecordingServer((_request, response) => {
      response.writeHead(200, { "content-type": "image/png", "content-length": String(pngBytes.length) });
      response.end(pngBytes);
    });
    dir = await mkdtemp(join(tmpdir(), "hgb-pipeline-safety-"));
  });
  afterAll(async () => {
    await recorder?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    recorder.hits.length = 0;
  });

  /** Every byte the fakes received, as text: to prove a secret never left the machine's disk. */
  function everythingSent(): string {
    const llm = harness.llm.requests.map((request) => JSON.stringify(request.body)).join("\n");
    const hf = harness.hf.calls.map((call) => call.body.toString("latin1")).join("\n");
    return `${llm}\n${hf}`;
  }

  describe("a decompression bomb given as an image", () => {
    it("fails that task as too large to process without calling a model for it", async () => {
      const bomb = fileInput("bomb.png", bombPng(100_000, 100_000));
      expect(bomb.resource.kind).toBe("image");
      harness.llm.route((body) =>
        stageOf(body) === "plan"
          ? JSON.stringify([
              { id: 1, task: "object-detection", dep: [], args: { image: "bomb.png" } },
              { id: 2, task: "translation", dep: [1], args: { text: "<resource>-1", language: "de" } },
              { id: 3, task: "image-to-text", dep: [], args: { image: "photo.png" } },
            ])
          : "The first picture was too large; the second shows a giraffe.",
      );
      const app = harness.app({ MODEL_SELECTION: "top" });
      const result = await app.pipeline.run({
        text: "what is in these pictures?",
        inputs: [bomb, harness.photo],
      });

      expect(result.results.map((task) => task.status)).toEqual(["failed", "skipped", "ok"]);
      const error = result.results[0]?.error ?? "";
      expect(error).toContain("bomb.png is too large to process");
      expect(error).toContain("100000×100000 pixels");
      expect(result.results[1]?.error).toContain("skipped because task 1 (object-detection) failed");
      // No model was called for the bomb nor for its dependent; the other image was processed.
      expect(harness.hf.inferenceCalls(DETR)).toHaveLength(0);
      expect(harness.hf.inferenceCalls("Helsinki-NLP/opus-mt-en-de")).toHaveLength(0);
      expect(harness.hf.inferenceCalls().map((call) => call.model)).toEqual([BLIP]);
      expect(result.results[2]?.output).toEqual({ kind: "text", text: DEFAULT_CAPTION });
      // The answer stage was told why, so it can tell the user.
      const respond = harness.llm.requests.find((request) => stageOf(request.body) === "respond");
      expect(lastUserContent(respond!.body)).toContain("bomb.png is too large to process");
      expectResultUserFacing(result);
    });
  });

  describe("links in a plan", () => {
    function planWithImages(urls: string[]): string {
      return JSON.stringify(
        urls.map((url, index) => ({
          id: index + 1,
          task: "object-detection",
          dep: [],
          args: { image: url },
        })),
      );
    }

    it("refuses a loopback port that is not a configured endpoint; the server is never reached", async () => {
      const refused = `${recorder.url}/cat.png`;
      // The configured Hugging Face endpoint is allowed: proof that the refusal is about the address.
      const configured = `${harness.hf.url}/files/cat.png`;
      harness.llm.route((body) =>
        stageOf(body) === "plan" ? planWithImages([refused, configured]) : "Neither link gave me an image.",
      );
      const app = harness.app({ MODEL_SELECTION: "top" });
      const result = await app.pipeline.run({ text: `what is in ${refused}?`, inputs: [] });

      expect(result.plan.tasks[0]?.args.image).toEqual({ type: "url", url: refused });
      expect(result.results[0]?.status).toBe("failed");
      expect(result.results[0]?.error).toBe(PRIVATE_ADDRESS_MESSAGE);
      expect(recorder.hits).toHaveLength(0);
      // The configured endpoint was reached (it has no such file: a 404, said plainly).
      expect(harness.hf.calls.some((call) => call.method === "GET" && call.path === "/files/cat.png")).toBe(
        true,
      );
      expect(result.results[1]?.status).toBe("failed");
      expect(result.results[1]?.error).toContain("HTTP 404");
      expect(harness.hf.inferenceCalls()).toHaveLength(0);
      expectResultUserFacing(result);
    });

    it("refuses link-local metadata and other private forms of an address", async () => {
      const urls = [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        `http://0.0.0.0:${recorder.port}/cat.png`,
        `http://[::ffff:127.0.0.1]:${recorder.port}/cat.png`,
        `http://2130706433:${recorder.port}/cat.png`,
        `http://localhost:${recorder.port}/cat.png`,
      ];
      harness.llm.route((body) =>
        stageOf(body) === "plan" ? planWithImages(urls) : "No link could be read.",
      );
      const app = harness.app({ MODEL_SELECTION: "top" });
      const result = await app.pipeline.run({ text: "look at these", inputs: [] });

      expect(result.plan.tasks.map((task) => task.args.image?.type)).toEqual(urls.map(() => "url"));
      for (const task of result.results) {
        expect(task.status, `task ${task.id}`).toBe("failed");
        expect(task.error, `task ${task.id}`).toBe(PRIVATE_ADDRESS_MESSAGE);
      }
      expect(recorder.hits).toHaveLength(0);
      expect(harness.hf.inferenceCalls()).toHaveLength(0);
      expectResultUserFacing(result);
    });

    it.each([
      ["a file: URL", "file:///etc/passwd", "can only use http(s) links"],
      ["a local path", "/etc/passwd", 'refers to "passwd", but there is no such file'],
    ])("refuses %s at plan validation, after one repair, and reads nothing", async (_label, value, said) => {
      harness.llm.route(() =>
        JSON.stringify([{ id: 1, task: "object-detection", dep: [], args: { image: value } }]),
      );
      const app = harness.app({ MODEL_SELECTION: "top" });
      const error = await expectBotError(
        app.pipeline.run({ text: "what is in this image?", inputs: [harness.photo] }),
        "plan_invalid",
      );
      expect(error.userMessage).toContain("couldn't turn that into a plan");
      expect(error.userMessage).toContain(said);
      // The plan call and one repair call, which showed the model what was wrong; nothing else.
      expect(harness.llm.requests.map((request) => stageOf(request.body))).toEqual(["plan", "plan"]);
      expect(lastUserContent(harness.llm.requests[1]!.body)).toContain(said);
      expect(harness.hf.inferenceCalls()).toHaveLength(0);
      expect(everythingSent()).not.toMatch(/root:[^:]*:0:0:/);
    });

    it("never reads a local file a plan names, even one that exists", async () => {
      const secretPath = join(dir, "secret.png");
      const secret = Buffer.concat([pngBytes, Buffer.from("TOP-SECRET-MARKER-5d1c")]);
      await writeFile(secretPath, secret);
      for (const value of [secretPath, `file://${secretPath}`]) {
        harness.llm.requests.length = 0;
        harness.llm.route(() =>
          JSON.stringify([{ id: 1, task: "object-detection", dep: [], args: { image: value } }]),
        );
        const app = harness.app({ MODEL_SELECTION: "top" });
        const error = await expectBotError(app.pipeline.run({ text: "look", inputs: [] }), "plan_invalid");
        expect(error.userMessage).toMatch(/there is no such file|can only use http\(s\) links/);
      }
      expect(harness.hf.inferenceCalls()).toHaveLength(0);
      expect(everythingSent()).not.toContain("TOP-SECRET-MARKER-5d1c");
    });

    it("takes a path whose file name is an attachment as that attachment, never the file on disk", async () => {
      const secretPath = join(dir, "photo.png");
      await writeFile(secretPath, Buffer.from("TOP-SECRET-MARKER-77aa"));
      harness.llm.route((body) =>
        stageOf(body) === "plan"
          ? JSON.stringify([{ id: 1, task: "image-to-text", dep: [], args: { image: secretPath } }])
          : "A giraffe.",
      );
      const app = harness.app({ MODEL_SELECTION: "top" });
      const result = await app.pipeline.run({ text: "describe it", inputs: [harness.photo] });

      expect(result.plan.tasks[0]?.args.image).toEqual({ type: "input", name: "photo.png" });
      expect(result.results[0]?.status).toBe("ok");
      const call = harness.hf.inferenceCalls(BLIP)[0];
      expect(call?.body.equals(Buffer.from((harness.photo.resource as { bytes: Uint8Array }).bytes))).toBe(
        true,
      );
      expect(everythingSent()).not.toContain("TOP-SECRET-MARKER-77aa");
    });
  });

  describe("links in the answer", () => {
    it("never fetches a link the LLM writes into its answer", async () => {
      const link = `${recorder.url}/exfiltrate?data=secret`;
      const image = `${recorder.url}/pixel.png`;
      harness.llm.route((body) =>
        stageOf(body) === "plan"
          ? JSON.stringify([{ id: 1, task: "image-to-text", dep: [], args: { image: "photo.png" } }])
          : `It is a giraffe. More at ${link} and here: ![preview](${image}) <${recorder.url}/auto>`,
      );
      const app = harness.app({ MODEL_SELECTION: "top" });
      const result = await app.pipeline.run({ text: "describe this", inputs: [harness.photo] });

      expect(result.answer).toContain(link);
      expect(result.answer).toContain(`![preview](${image})`);
      expect(result.results[0]?.status).toBe("ok");
      // Give a stray background fetch the chance to show up before looking.
      await sleep(200);
      expect(recorder.hits).toHaveLength(0);
    });

    it("never fetches a link in the chat answer to an empty plan", async () => {
      harness.llm.route((body) =>
        stageOf(body) === "plan" ? "[]" : `Hello! See ${recorder.url}/welcome.png for a picture.`,
      );
      const app = harness.app();
      const result = await app.pipeline.run({ text: "hi", inputs: [] });
      expect(result.answer).toContain(`${recorder.url}/welcome.png`);
      await sleep(200);
      expect(recorder.hits).toHaveLength(0);
    });
  });

  describe("hostile plans", () => {
    function expectNoPollution(): void {
      const probe: Record<string, unknown> = {};
      expect(probe.polluted).toBeUndefined();
      expect(Object.hasOwn(Object.prototype, "polluted")).toBe(false);
      expect(Object.prototype.toString.call(probe)).toBe("[object Object]");
      expect(typeof ({} as { constructor: unknown }).constructor).toBe("function");
    }

    async function expectRefusedPlan(answer: string, said: string | RegExp): Promise<string> {
      harness.llm.route(() => answer);
      const app = harness.app({ MODEL_SELECTION: "top" });
      const error = await expectBotError(
        app.pipeline.run({ text: "do it", inputs: [harness.photo] }),
        "plan_invalid",
      );
      expect(error.userMessage).toContain("couldn't turn that into a plan");
      expect(error.userMessage).toMatch(said);
      expect(error.userMessage.length).toBeLessThan(600);
      expect(harness.llm.requests.map((request) => stageOf(request.body))).toEqual(["plan", "plan"]);
      expect(harness.hf.inferenceCalls()).toHaveLength(0);
      expectNoPollution();
      return error.userMessage;
    }

    it("refuses a plan of 500 tasks after the repair call", async () => {
      const tasks = Array.from({ length: 500 }, (_, index) => ({
        id: index + 1,
        task: "text-classification",
        dep: [],
        args: { text: `sentence ${index}` },
      }));
      await expectRefusedPlan(JSON.stringify(tasks), /the plan has 500 tasks; at most 20 are allowed/);
      expect(lastUserContent(harness.llm.requests[1]!.body)).toContain("500 tasks");
    });

    it.each([
      [
        "__proto__ as a task name",
        '[{"id":1,"task":"__proto__","dep":[],"args":{"text":"hi"}}]',
        "__proto__",
      ],
      [
        "constructor as a task name",
        '[{"id":1,"task":"constructor","dep":[],"args":{"text":"hi"}}]',
        "constructor",
      ],
      [
        "__proto__ as an argument key",
        '[{"id":1,"task":"text-classification","dep":[],"args":{"text":"hi","__proto__":{"polluted":"yes"}}}]',
        "__proto__",
      ],
      [
        "__proto__ as the task list's key",
        '{"__proto__":{"polluted":"yes"},"tasks":[{"id":1,"task":"toString","dep":[],"args":{"__proto__":"x"}}]}',
        "toString",
      ],
      [
        "constructor.prototype as arguments",
        '[{"id":1,"task":"text-classification","dep":[],"args":{"constructor":{"prototype":{"polluted":"yes"}}}}]',
        "constructor",
      ],
    ])("refuses %s and leaves Object.prototype alone", async (_label, answer, named) => {
      const message = await expectRefusedPlan(answer, new RegExp(named.replace(/[_.]/g, "\\$&")));
      expect(message).not.toContain("[object");
    });

    it.each([
      ["1 MB", 1_000_000, /1,000,0\d\d characters long; at most 256,000 are read/],
      ["20 KB", 20_000, /a text of 20,000 characters; at most 10,000 are allowed/],
    ])("refuses a %s text argument without echoing it", async (_label, size, said) => {
      const huge = "a".repeat(size);
      const message = await expectRefusedPlan(
        JSON.stringify([{ id: 1, task: "text-classification", dep: [], args: { text: huge } }]),
        said,
      );
      expect(message).not.toContain("a".repeat(500));
      // The repair call does not send the megabyte back either.
      expect(JSON.stringify(harness.llm.requests[1]!.body).length).toBeLessThan(200_000);
    });
  });
});
