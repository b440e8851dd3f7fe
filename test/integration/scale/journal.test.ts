/**
 * The delivery journal on a real Redis, against the fake Slack and the fake Discord: a run of a job
 * that posted and died before it could record so (its Redis went away between the post and the
 * record) is followed by a run again, which finds the post by its marker (Slack's message metadata,
 * Discord's enforced nonce) instead of posting a second time.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDiscordPostman } from "../../../adapters/discord/postman.js";
import { createSlackPostman } from "../../../adapters/slack/postman.js";
import type { DeliveryJournal, ReplyAddress } from "../../../src/core/types.js";
import { silentLogger } from "../../../src/log.js";
import { createRedisJournal } from "../../../src/scale/journal.js";
import { type FakeDiscord, startFakeDiscord } from "../../fakes/discord/index.js";
import { type FakeSlack, startFakeSlack } from "../../fakes/slack/index.js";
import {
  findRedisServer,
  isCi,
  type RedisServer,
  startRedisServer,
} from "../../unit/storage/redis-server.js";

const binary = findRedisServer();
if (binary === undefined && isCi()) {
  describe("the delivery journal in CI", () => {
    it("has a redis-server to run on", () => {
      throw new Error("CI=true but redis-server is not installed: .ci/run installs it");
    });
  });
}

const reply = (text: string) => ({ text, files: [] });

describe.skipIf(binary === undefined)("a run again after a crash finds what the dead run posted", () => {
  let server: RedisServer;
  let slack: FakeSlack;
  let discord: FakeDiscord;

  beforeAll(async () => {
    server = await startRedisServer(binary ?? "redis-server");
    slack = await startFakeSlack();
    discord = await startFakeDiscord();
  });

  afterAll(async () => {
    await Promise.all([server?.stop(), slack?.close(), discord?.close()]);
  });

  /**
   * Runs `post` with a journal whose Redis connection is cut right after the post (the worker dies
   * there: the step stays claimed, never recorded); then with the journal of a run again.
   */
  async function crashThenRerun(jobId: string, post: (journal: DeliveryJournal) => Promise<void>) {
    const dying = new Redis(server.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    const cut: DeliveryJournal = {
      async once(step, run, find) {
        const journal = createRedisJournal(dying, jobId);
        return journal.once(
          step,
          async (marker) => {
            const value = await run(marker);
            dying.disconnect();
            return value;
          },
          find,
        );
      },
    };
    await expect(post(cut)).rejects.toThrow();
    // The run again starts after the dead run (its claims are older than it).
    await new Promise((resolve) => setTimeout(resolve, 5));
    const redis = new Redis(server.url);
    try {
      await post(createRedisJournal(redis, jobId, { rerun: true }));
    } finally {
      redis.disconnect();
    }
  }

  it("Slack: the answer is posted once, found again by its metadata", async () => {
    const root = slack.userMessage({ channel: slack.generalChannel, text: "hello" });
    const postman = createSlackPostman({
      tokens: async () => slack.botToken,
      apiUrl: slack.apiUrl,
      logger: silentLogger,
    });
    const address: ReplyAddress = {
      platform: "slack",
      workspace: slack.teamId,
      channel: slack.generalChannel,
      thread: root.ts,
    };
    await crashThenRerun("slack-job", (journal) =>
      postman.target(address, journal).send(reply("The answer.")),
    );
    const answers = slack
      .botMessages(slack.generalChannel, root.ts)
      .filter((m) => m.text.includes("The answer."));
    expect(answers).toHaveLength(1);
    // The metadata is what made it findable; without it the run again would have posted again.
    expect(answers[0]?.metadata?.event_type).toBe("hugginggpt_delivery");
    await postman.close?.();
  });

  it("Discord: the progress message is posted once, Discord answering the same nonce with it", async () => {
    const channel = discord.channel("general");
    const postman = createDiscordPostman({
      token: discord.token,
      apiUrl: discord.apiUrl,
      fitImage: async () => undefined,
      maxFileBytes: 1_000_000,
      downloadTimeoutMs: 5_000,
      logger: silentLogger,
    });
    const address: ReplyAddress = { platform: "discord", channel: channel.id, thread: channel.id };
    await crashThenRerun("discord-job", async (journal) => {
      const progress = await postman.target(address, journal).openProgress("Working on it…");
      await progress.finish("Done.");
    });
    const posted = discord.botMessages(channel.id);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.content).toBe("Done.");
    await postman.close?.();
  });
});
