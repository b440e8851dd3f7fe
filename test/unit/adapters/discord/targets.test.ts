import { DiscordAPIError } from "discord.js";
import { describe, expect, it } from "vitest";
import type { DiscordApi } from "../../../../adapters/discord/api.js";
import type { OutgoingMessage } from "../../../../adapters/discord/render.js";
import {
  channelTarget,
  fixedPlace,
  interactionTarget,
  type TargetContext,
  threadPlace,
} from "../../../../adapters/discord/targets.js";
import { silentLogger } from "../../../../src/log.js";

function apiError(status: number, code: number, message = "error"): DiscordAPIError {
  return new DiscordAPIError({ code, message }, code, status, "POST", "https://discord.test/api/v10/x", {});
}

interface Call {
  kind: "post" | "edit" | "thread" | "original" | "followUp";
  where: string;
  message?: OutgoingMessage;
}

/** A DiscordApi that records calls; `fail` decides which calls throw. */
function recordingApi(fail: (call: Call) => Error | undefined = () => undefined) {
  const calls: Call[] = [];
  let next = 100;
  const record = async (call: Call): Promise<string> => {
    const error = fail(call);
    calls.push(call);
    if (error) throw error;
    next += 1;
    return String(next);
  };
  const api: DiscordApi = {
    post: (channelId, message) => record({ kind: "post", where: channelId, message }),
    edit: async (channelId, messageId, message) => {
      await record({ kind: "edit", where: `${channelId}/${messageId}`, message });
    },
    startThread: (channelId, messageId) => record({ kind: "thread", where: `${channelId}/${messageId}` }),
    // The targets never ask for it: the adapter reads the reply's id before it makes the target.
    originalId: async () => {
      throw new Error("not used by the targets");
    },
    editOriginal: (_app, token, message) => record({ kind: "original", where: token, message }),
    followUp: (_app, token, message) => record({ kind: "followUp", where: token, message }),
  };
  return { api, calls };
}

function contextOf(api: DiscordApi, threads: Map<string, string> = new Map()): TargetContext {
  return {
    api,
    fitImage: async () => undefined,
    logger: silentLogger,
    onThreadStarted: (thread, conversation) => threads.set(thread, conversation),
  };
}

const png = { name: "boxes.png", mime: "image/png", bytes: new Uint8Array(64) };

describe("channel targets", () => {
  it("starts the thread on first use, posts progress, edits it and sends the answer there", async () => {
    const { api, calls } = recordingApi();
    const threads = new Map<string, string>();
    const context = contextOf(api, threads);
    const target = channelTarget(threadPlace("chan", "msg", "a cat", "msg", context), 1024, context);
    const progress = await target.openProgress("Planning…");
    await progress.edit("Running…");
    await target.send({ text: "A cat.", files: [png] });
    expect(calls.map((call) => call.kind)).toEqual(["thread", "post", "edit", "post"]);
    expect(calls[1]?.where).toBe("101");
    expect(calls[3]?.message?.files.map((file) => file.name)).toEqual(["boxes.png"]);
    expect(threads.get("101")).toBe("msg");
  });

  it("answers in the channel and says so when it may not create threads", async () => {
    const { api, calls } = recordingApi((call) =>
      call.kind === "thread" ? apiError(403, 50013, "Missing Permissions") : undefined,
    );
    const context = contextOf(api);
    const target = channelTarget(threadPlace("chan", "msg", "x", "msg", context), 1024, context);
    await target.notice("You're number 2 in the queue.");
    await target.notice("Second.");
    const posts = calls.filter((call) => call.kind === "post");
    expect(posts[0]?.where).toBe("chan");
    expect(posts[0]?.message?.content).toMatch(/could not start a thread here.*Create Public Threads/);
    expect(posts[0]?.message?.content).toContain("number 2");
    expect(posts[1]?.message?.content).toBe("Second.");
  });

  it("resends the text with a note when Discord refuses the files as too large (413 / 40005)", async () => {
    const { api, calls } = recordingApi((call) =>
      call.kind === "post" && (call.message?.files.length ?? 0) > 0
        ? apiError(413, 40005, "Request entity too large")
        : undefined,
    );
    const context = contextOf(api);
    const target = channelTarget(fixedPlace("dm"), 1024, context);
    await target.send({ text: "Here are the boxes.", files: [png] });
    const sent = calls.filter((call) => call.kind === "post");
    expect(sent).toHaveLength(2);
    expect(sent[1]?.message?.files).toEqual([]);
    expect(sent[1]?.message?.content).toContain("Here are the boxes.");
    expect(sent[1]?.message?.content).toMatch(
      /boxes\.png could not be attached: Discord refused them as too large/,
    );
  });

  it("says so when it may not attach files", async () => {
    const { api, calls } = recordingApi((call) =>
      (call.message?.files.length ?? 0) > 0 ? apiError(403, 50013, "Missing Permissions") : undefined,
    );
    const context = contextOf(api);
    await channelTarget(fixedPlace("c"), 1024, context).send({ text: "Done.", files: [png] });
    expect(calls.at(-1)?.message?.content).toMatch(/Attach Files permission/);
  });

  it("leaves out a file over the upload limit with a note and keeps the text", async () => {
    const { api, calls } = recordingApi();
    const context = contextOf(api);
    const audio = { name: "speech.wav", mime: "audio/wav", bytes: new Uint8Array(4096) };
    await channelTarget(fixedPlace("c"), 1024, context).send({ text: "Listen.", files: [audio] });
    expect(calls).toHaveLength(1);
    expect(calls[0]?.message?.files).toEqual([]);
    expect(calls[0]?.message?.content).toMatch(/^Listen\.\n\nNote: speech\.wav \(4 KB\) was left out/);
  });
});

function interaction(overrides: Partial<Parameters<typeof interactionTarget>[0]> = {}) {
  return {
    applicationId: "app",
    token: "token",
    createdAt: 0,
    deferred: Promise.resolve(true),
    place: fixedPlace("chan"),
    threadAfterAnswer: false,
    uploadLimit: 1024,
    now: () => 1000,
    ...overrides,
  };
}

describe("interaction targets", () => {
  it("edits the deferred reply for progress and answer, follows up, then starts a thread on the reply", async () => {
    const { api, calls } = recordingApi();
    const context = contextOf(api);
    const target = interactionTarget(
      interaction({ place: threadPlace("chan", "reply", "q", "reply", context), threadAfterAnswer: true }),
      context,
    );
    const progress = await target.openProgress("Planning…");
    await progress.finish("Done in 2 s");
    await target.send({ text: `${"a".repeat(1900)}\n\n${"b".repeat(500)}`, files: [] });
    expect(calls.map((call) => call.kind)).toEqual([
      "original",
      "original",
      "original",
      "followUp",
      "thread",
    ]);
    expect(calls[2]?.message?.content).toBe("a".repeat(1900));
    expect(calls[3]?.message?.content).toBe("b".repeat(500));
  });

  it("finishes in the thread through the channel API once the token is about to expire", async () => {
    const { api, calls } = recordingApi();
    const context = contextOf(api);
    let now = 1000;
    const target = interactionTarget(
      interaction({
        place: threadPlace("chan", "reply", "q", "reply", context),
        threadAfterAnswer: true,
        lifetimeMs: 60_000,
        now: () => now,
      }),
      context,
    );
    const progress = await target.openProgress("Planning…");
    now = 120_000;
    await progress.edit("Still running…");
    await target.send({ text: "Finally.", files: [] });
    expect(calls.map((call) => call.kind)).toEqual(["original", "thread", "post", "post"]);
    expect(calls[2]?.where).toBe("102");
    expect(calls[3]?.message?.content).toBe("Finally.");
  });

  it("answers in the channel when the interaction expired before it could be deferred", async () => {
    const { api, calls } = recordingApi();
    const context = contextOf(api);
    const target = interactionTarget(interaction({ deferred: Promise.resolve(false) }), context);
    await target.notice("Forgotten.");
    expect(calls).toEqual([
      { kind: "post", where: "chan", message: { content: "Forgotten.", embeds: [], files: [] } },
    ]);
  });

  it("falls back to the channel when Discord says the interaction is gone", async () => {
    const { api, calls } = recordingApi((call) =>
      call.kind === "original" ? apiError(404, 10015, "Unknown Webhook") : undefined,
    );
    const context = contextOf(api);
    const target = interactionTarget(interaction(), context);
    await target.send({ text: "Answer.", files: [] });
    expect(calls.map((call) => call.kind)).toEqual(["original", "post"]);
    expect(calls[1]?.message?.content).toBe("Answer.");
  });

  it("puts a first notice in the reply and later ones in follow-ups", async () => {
    const { api, calls } = recordingApi();
    const context = contextOf(api);
    const target = interactionTarget(interaction(), context);
    await target.notice("Queued.");
    await target.notice("Failed.");
    expect(calls.map((call) => call.kind)).toEqual(["original", "followUp"]);
  });

  it("settles a deferred reply the bot left untouched, and only that", async () => {
    const { api, calls } = recordingApi();
    const context = contextOf(api);
    const untouched = interactionTarget(interaction(), context);
    await untouched.settle("I'm not enabled in this channel.", { channelFallback: false });
    expect(calls).toEqual([
      {
        kind: "original",
        where: "token",
        message: { content: "I'm not enabled in this channel.", embeds: [], files: [] },
      },
    ]);
    const answered = interactionTarget(interaction(), context);
    await answered.notice("Please try again in 5 minutes.");
    await answered.settle("Done.");
    expect(calls.map((call) => call.message?.content)).toEqual([
      "I'm not enabled in this channel.",
      "Please try again in 5 minutes.",
    ]);
  });

  it("never posts an allowlist refusal in the channel when the interaction is gone", async () => {
    const { api, calls } = recordingApi();
    const context = contextOf(api);
    const target = interactionTarget(interaction({ deferred: Promise.resolve(false) }), context);
    await target.settle("I'm not enabled in this channel.", { channelFallback: false });
    expect(calls).toEqual([]);
  });
});
