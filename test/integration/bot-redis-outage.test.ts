/**
 * A storage backend that is down, at the level of the bot: the real app (config with REDIS_URL, the
 * real pipeline against the fake OpenAI and Hugging Face servers) answering through the test adapter,
 * with its own redis-server killed mid-run. The bot keeps answering from memory (follow-ups, dedupe and
 * rate limits included), logs the fault once, does not crash, and uses Redis again once it is back.
 *
 * Needs the redis-server binary (it kills and restarts its own): skipped with the reason without it,
 * except in CI (CI=true), where that is a failure.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.js";
import { createApp } from "../../src/main.js";
import { createStorageFromConfig, type ManagedStorage } from "../../src/storage/index.js";
import { stageOf } from "../fakes/openai-server.js";
import { lastUserContent, type PipelineHarness, startPipelineHarness } from "../support/pipeline-app.js";
import { createTestAdapter } from "../support/test-adapter.js";
import { captureLogger, faults, waitFor } from "../unit/storage/capture.js";
import { findRedisServer, isCi, type RedisServer, startRedisServer } from "../unit/storage/redis-server.js";

const binary = findRedisServer();
const noBinary =
  binary === undefined ? "redis-server is not installed (apt-get install redis-server)" : undefined;

if (noBinary && !isCi()) console.warn(`bot-redis-outage.test.ts: ${noBinary}; skipping`);

if (isCi() && noBinary) {
  describe("the bot over Redis in CI", () => {
    it("has a redis-server to test against", () => {
      throw new Error(`CI=true but ${noBinary}: .ci/run installs it`);
    });
  });
}

const PAINTER = "stabilityai/stable-diffusion-xl-base-1.0";
const DETECTOR = "facebook/detr-resnet-50";
const OUTAGE = "storage unavailable; keeping data in memory until it is back";

describe.skipIf(noBinary !== undefined)(
  `the bot while Redis is down${noBinary ? ` (skipped: ${noBinary})` : ""}`,
  () => {
    let harness: PipelineHarness;
    let redis: RedisServer;
    let dataDir: string;

    beforeAll(async () => {
      if (!binary) throw new Error("unreachable");
      redis = await startRedisServer(binary);
      dataDir = await mkdtemp(join(tmpdir(), "hgb-bot-redis-"));
      harness = await startPipelineHarness({
        models: [
          { id: PAINTER, pipeline_tag: "text-to-image", downloads: 10 },
          { id: DETECTOR, pipeline_tag: "object-detection", downloads: 10 },
        ],
      });
      harness.llm.route((body) => {
        const stage = stageOf(body);
        if (stage !== "plan") return stage === "chat" ? "Hello! What shall I make?" : "Here you are.";
        const user = lastUserContent(body);
        const request = user.split("\n").at(-1) ?? "";
        const earlier = /turn\d+-1-text-to-image\.png/.exec(user)?.[0];
        if (/draw a cat/.test(request)) {
          return JSON.stringify([{ id: 1, task: "text-to-image", dep: [], args: { text: "a cat" } }]);
        }
        if (/image you made/.test(request) && earlier) {
          return JSON.stringify([{ id: 1, task: "object-detection", dep: [], args: { image: earlier } }]);
        }
        return "[]";
      });
    });
    afterAll(async () => {
      await harness?.close();
      await redis?.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it("keeps answering from memory when Redis is killed mid-run, logs it once, and goes back to Redis", async () => {
      const env = harness.env({
        MODEL_SELECTION: "top",
        HUB_CATALOG: "true",
        REDIS_URL: redis.url,
        DATA_DIR: dataDir,
        RATE_LIMIT_REQUESTS: "4",
        RATE_LIMIT_WINDOW_SECONDS: "3600",
      });
      const config = loadConfig(env);
      const { logger, lines } = captureLogger();
      // What createApp builds from REDIS_URL, with shorter timeouts so the test does not wait 1.5 s a call.
      const storage: ManagedStorage = createStorageFromConfig(config, logger, {
        timeoutMs: 500,
        retryMs: 200,
        maxRetryMs: 500,
      });
      expect(storage.backend).toBe("redis");
      const app = createApp(config, { env, logger, storage });
      const adapter = createTestAdapter();
      await adapter.start(app.bot);
      try {
        // Redis up: a first turn in thread "before".
        await adapter.send({ text: "draw a cat", thread: "before" });
        await app.bot.idle();
        expect(adapter.replies("before")).toHaveLength(1);
        expect(storage.status().state).toBe("up");
        expect(faults(lines)).toEqual([]);

        await redis.kill();

        // Redis down: new requests are answered, and a follow-up uses the previous turn's image,
        // kept in memory meanwhile.
        expect(
          await adapter.send({ text: "draw a cat", thread: "during", eventId: "Ev-during-1" }),
        ).toMatchObject({ status: "accepted" });
        await app.bot.idle();
        expect(storage.status().state).toBe("down");
        expect(await adapter.send({ text: "draw a cat", thread: "during", eventId: "Ev-during-1" })).toEqual({
          status: "duplicate",
        });
        await adapter.send({ text: "detect the objects in the image you made", thread: "during" });
        // A thread written before the outage is answered too, without its earlier turns: they are in Redis.
        await adapter.send({ text: "detect the objects in the image you made", thread: "before" });
        await app.bot.idle();

        const during = adapter.replies("during");
        expect(during).toHaveLength(2);
        expect(during[0]?.summary?.tasks.map((row) => [row.task, row.status])).toEqual([
          ["text-to-image", "ok"],
        ]);
        expect(during[1]?.summary?.tasks.map((row) => [row.task, row.model, row.status])).toEqual([
          ["object-detection", DETECTOR, "ok"],
        ]);
        expect(during[1]?.files.map((file) => file.name)).toEqual(["1-object-detection-annotated.png"]);
        expect(adapter.replies("before")).toHaveLength(2);
        expect(adapter.notices()).toEqual([]);
        for (const progress of adapter.progress()) expect(progress.finished?.text).toMatch(/^✓ Done in/);

        // The rate limit still counts while Redis is down, in memory: 3 requests above, this is the 4th of 4.
        await adapter.send({ text: "hello", thread: "limit" });
        expect(await adapter.send({ text: "hello again", thread: "limit" })).toMatchObject({
          status: "rate-limited",
        });
        await app.bot.idle();

        // The fault is logged once, as a warning naming the backend; nothing failed.
        const outages = lines.filter((line) => line.msg === OUTAGE);
        expect(outages).toHaveLength(1);
        expect(outages[0]).toMatchObject({ level: "warn", backend: "redis", component: "storage" });
        expect(faults(lines)).toEqual(outages);
        expect(lines.filter((line) => line.msg === "request answered")).toHaveLength(5);

        // Redis back: the bot uses it again, and what the outage kept in memory was written to it.
        await redis.restart();
        await waitFor(() => storage.status().state === "up", 20_000, "Redis to be used again");
        expect(lines.filter((line) => line.msg === "storage is back")).toHaveLength(1);
        expect(storage.status().pending).toBe(0);
        await adapter.send({ text: "detect the objects in the image you made", thread: "during" });
        await app.bot.idle();
        expect(
          adapter
            .replies("during")
            .at(-1)
            ?.summary?.tasks.map((row) => row.task),
        ).toEqual(["object-detection"]);
        expect(lines.filter((line) => line.msg === OUTAGE)).toHaveLength(1);
      } finally {
        await adapter.stop();
        await app.close();
      }
    });
  },
);
