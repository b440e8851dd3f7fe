import { spawn } from "node:child_process";
import Keyv from "keyv";
import { describe, expect, it } from "vitest";
import { ExpertError } from "../../../src/experts/types.js";
import { createLimiters, executePlan } from "../../../src/pipeline/execute.js";
import { DEFAULT_SETTINGS } from "../../../src/pipeline/settings.js";
import type { PipelineEvent, Plan } from "../../../src/pipeline/types.js";
import { sleep } from "../../../src/time.js";
import { scriptedBackend, selection } from "../../support/backends.js";

const settings = { ...DEFAULT_SETTINGS, maxLoadingWaitMs: 50 };
const text = (value: string) => ({ kind: "text" as const, text: value });

function run(
  plan: Plan,
  selections: ReturnType<typeof selection>[],
  backend: ReturnType<typeof scriptedBackend>,
  extra: Partial<Parameters<typeof executePlan>[1]> = {},
  signal = new AbortController().signal,
  onEvent?: (event: PipelineEvent) => void,
) {
  return executePlan(
    { plan, selections, unavailable: new Map(), inputs: [], signal, ...(onEvent ? { onEvent } : {}) },
    { backends: { hosted: backend }, settings, limiters: createLimiters(settings.maxParallel), ...extra },
  );
}

describe("the dependency-graph executor", () => {
  it("runs independent tasks in parallel and starts a join only after both", async () => {
    const order: string[] = [];
    const backend = scriptedBackend("hosted", {
      slow: async (args, signal) => {
        order.push(`start ${(args.text as { text: string }).text}`);
        await sleep(60, signal);
        order.push(`end ${(args.text as { text: string }).text}`);
        return text(`done ${(args.text as { text: string }).text}`);
      },
    });
    const plan: Plan = {
      tasks: [
        { id: 1, task: "summarization", dep: [], args: { text: { type: "literal", text: "a" } } },
        { id: 2, task: "summarization", dep: [], args: { text: { type: "literal", text: "b" } } },
        { id: 3, task: "summarization", dep: [1, 2], args: { text: { type: "ref", task: 2 } } },
      ],
    };
    const results = await run(
      plan,
      [1, 2, 3].map((id) => selection(id, "summarization", ["slow"])),
      backend,
    );
    expect(results.map((result) => result.status)).toEqual(["ok", "ok", "ok"]);
    expect(backend.maxActive).toBe(2);
    expect(order.indexOf("start done b")).toBeGreaterThan(order.indexOf("end a"));
    expect(order.indexOf("start done b")).toBeGreaterThan(order.indexOf("end b"));
    expect(results[2]?.output).toEqual(text("done done b"));
  });

  it("keeps to the per-backend concurrency cap", async () => {
    const backend = scriptedBackend("hosted", {
      m: async (_args, signal) => {
        await sleep(20, signal);
        return text("x");
      },
    });
    const tasks = [1, 2, 3, 4, 5, 6].map((id) => ({
      id,
      task: "summarization" as const,
      dep: [],
      args: { text: { type: "literal" as const, text: String(id) } },
    }));
    await executePlan(
      {
        plan: { tasks },
        selections: tasks.map((t) => selection(t.id, "summarization", ["m"])),
        unavailable: new Map(),
        inputs: [],
        signal: new AbortController().signal,
      },
      { backends: { hosted: backend }, settings, limiters: createLimiters(2) },
    );
    expect(backend.maxActive).toBe(2);
    expect(backend.calls).toHaveLength(6);
  });

  it("skips the dependents of a failed task with its reason and finishes independent branches", async () => {
    const backend = scriptedBackend("hosted", {
      broken: async () => {
        throw new ExpertError("failed", "model exploded");
      },
      fine: async () => text("fine"),
    });
    const plan: Plan = {
      tasks: [
        { id: 1, task: "image-to-text", dep: [], args: { text: { type: "literal", text: "x" } } },
        { id: 2, task: "translation", dep: [1], args: { text: { type: "ref", task: 1 } } },
        { id: 3, task: "text-to-speech", dep: [2], args: { text: { type: "ref", task: 2 } } },
        { id: 4, task: "summarization", dep: [], args: { text: { type: "literal", text: "y" } } },
      ],
    };
    const results = await run(
      plan,
      [
        selection(1, "image-to-text", ["broken"]),
        selection(2, "translation", ["fine"]),
        selection(3, "text-to-speech", ["fine"]),
        selection(4, "summarization", ["fine"]),
      ],
      backend,
    );
    expect(results.map((r) => r.status)).toEqual(["failed", "skipped", "skipped", "ok"]);
    expect(results[0]?.error).toContain("model exploded");
    expect(results[1]?.error).toContain("task 1 (image-to-text) failed: model exploded");
    expect(results[2]?.error).toBe(results[1]?.error);
  });

  it("falls back to the next candidate and records each attempt", async () => {
    const backend = scriptedBackend("hosted", {
      first: async () => {
        throw new ExpertError("failed", "500 from first");
      },
      second: async () => text("from second"),
    });
    const plan: Plan = {
      tasks: [{ id: 1, task: "summarization", dep: [], args: { text: { type: "literal", text: "x" } } }],
    };
    const [result] = await run(plan, [selection(1, "summarization", ["first", "second"])], backend);
    expect(result?.status).toBe("ok");
    expect(result?.model).toBe("second");
    expect(result?.attempts.map((a) => [a.model, a.error])).toEqual([
      ["first", "500 from first"],
      ["second", undefined],
    ]);
  });

  it("waits for a loading model and retries the same model; backs off on 429", async () => {
    let calls = 0;
    const backend = scriptedBackend("hosted", {
      sleepy: async () => {
        calls += 1;
        if (calls === 1) throw new ExpertError("loading", "loading", { retryAfterMs: 10 });
        if (calls === 2) throw new ExpertError("rate_limited", "slow down", { retryAfterMs: 10 });
        return text("awake");
      },
    });
    const plan: Plan = {
      tasks: [{ id: 1, task: "summarization", dep: [], args: { text: { type: "literal", text: "x" } } }],
    };
    const [result] = await run(plan, [selection(1, "summarization", ["sleepy", "other"])], backend);
    expect(result?.status).toBe("ok");
    expect(result?.model).toBe("sleepy");
    expect(calls).toBe(3);
  });

  it("bounds the loading wait: a model that keeps loading gives way to the next candidate", async () => {
    const backend = scriptedBackend("hosted", {
      forever: async () => {
        throw new ExpertError("loading", "still loading", { retryAfterMs: 3_600_000 });
      },
      ready: async () => text("ready"),
    });
    const plan: Plan = {
      tasks: [{ id: 1, task: "summarization", dep: [], args: { text: { type: "literal", text: "x" } } }],
    };
    const [result] = await run(plan, [selection(1, "summarization", ["forever", "ready"])], backend);
    expect(result?.model).toBe("ready");
    // An estimate beyond the loading allowance is not waited for at all.
    expect(backend.calls.filter((call) => call.model === "forever")).toHaveLength(1);
  });

  it("keeps time for the fallbacks when a model keeps loading (production ratio: budget = 3 × allowance)", async () => {
    const backend = scriptedBackend("hosted", {
      loading: async () => {
        throw new ExpertError("loading", "still loading", { retryAfterMs: 40 });
      },
      ready: async () => text("ready"),
    });
    const plan: Plan = {
      tasks: [{ id: 1, task: "summarization", dep: [], args: { text: { type: "literal", text: "x" } } }],
    };
    const [result] = await executePlan(
      {
        plan,
        selections: [selection(1, "summarization", ["loading", "ready"])],
        unavailable: new Map(),
        inputs: [],
        signal: new AbortController().signal,
      },
      {
        backends: { hosted: backend },
        settings: { ...settings, maxLoadingWaitMs: 100, taskTimeoutMs: 300 },
        limiters: createLimiters(2),
      },
    );
    expect(result?.status).toBe("ok");
    expect(result?.model).toBe("ready");
    expect(backend.calls.filter((call) => call.model === "loading")).toHaveLength(3);
  });

  it("does not count the wait for a backend slot against a task's time budget", async () => {
    const backend = scriptedBackend("hosted", {
      slow: async (_args, signal) => {
        await sleep(80, signal);
        return text("done");
      },
    });
    const tasks = [1, 2, 3].map((id) => ({
      id,
      task: "summarization" as const,
      dep: [],
      args: { text: { type: "literal" as const, text: String(id) } },
    }));
    const results = await executePlan(
      {
        plan: { tasks },
        selections: tasks.map((task) => selection(task.id, "summarization", ["slow"])),
        unavailable: new Map(),
        inputs: [],
        signal: new AbortController().signal,
      },
      // One slot: the third task queues behind two runs longer than its own budget would allow.
      {
        backends: { hosted: backend },
        settings: { ...settings, taskTimeoutMs: 130 },
        limiters: createLimiters(1),
      },
    );
    expect(results.map((result) => result.status)).toEqual(["ok", "ok", "ok"]);
  });

  it("fails a task that exceeds its time budget", async () => {
    const backend = scriptedBackend("hosted", {
      hang: (_args, signal) => sleep(60_000, signal).then(() => text("late")),
    });
    const plan: Plan = {
      tasks: [{ id: 1, task: "summarization", dep: [], args: { text: { type: "literal", text: "x" } } }],
    };
    const [result] = await executePlan(
      {
        plan,
        selections: [selection(1, "summarization", ["hang", "hang"])],
        unavailable: new Map(),
        inputs: [],
        signal: new AbortController().signal,
      },
      {
        backends: { hosted: backend },
        settings: { ...settings, taskTimeoutMs: 100 },
        limiters: createLimiters(2),
      },
    );
    expect(result?.status).toBe("failed");
    expect(result?.error).toContain("timed out");
    expect(backend.calls).toHaveLength(1);
  });

  it("stops everything when the request is cancelled", async () => {
    const controller = new AbortController();
    const backend = scriptedBackend("hosted", {
      hang: (_args, signal) => sleep(60_000, signal).then(() => text("late")),
    });
    const plan: Plan = {
      tasks: [{ id: 1, task: "summarization", dep: [], args: { text: { type: "literal", text: "x" } } }],
    };
    setTimeout(() => controller.abort(new DOMException("cancelled", "AbortError")), 30);
    await expect(
      run(plan, [selection(1, "summarization", ["hang"])], backend, {}, controller.signal),
    ).rejects.toThrow("cancelled");
  });

  it("caches results by model and input", async () => {
    const backend = scriptedBackend("hosted", { m: async () => text("computed") });
    const cache = new Keyv<string>();
    const plan: Plan = {
      tasks: [{ id: 1, task: "summarization", dep: [], args: { text: { type: "literal", text: "same" } } }],
    };
    const first = await run(plan, [selection(1, "summarization", ["m"])], backend, { cache });
    const second = await run(plan, [selection(1, "summarization", ["m"])], backend, { cache });
    expect(first[0]?.cached).toBeUndefined();
    expect(second[0]?.cached).toBe(true);
    expect(second[0]?.output).toEqual(text("computed"));
    expect(backend.calls).toHaveLength(1);
  });

  it("names a cached file after the task that asks for it now", async () => {
    const backend = scriptedBackend("hosted", {
      tts: async () => ({ kind: "audio", mime: "audio/mp4", bytes: new Uint8Array([1, 2, 3]), name: "x" }),
    });
    const cache = new Keyv<string>();
    const task = (id: number): Plan => ({
      tasks: [{ id, task: "text-to-speech", dep: [], args: { text: { type: "literal", text: "hello" } } }],
    });
    const first = await run(task(1), [selection(1, "text-to-speech", ["tts"])], backend, { cache });
    const second = await run(task(5), [selection(5, "text-to-speech", ["tts"])], backend, { cache });
    expect(first[0]?.output).toMatchObject({ name: "1-text-to-speech.m4a" });
    expect(second[0]?.output).toMatchObject({ name: "5-text-to-speech.m4a" });
    expect(second[0]?.cached).toBe(true);
  });

  it("feeds detections to a text argument as labels with scores", async () => {
    const backend = scriptedBackend("hosted", {
      detector: async () => ({
        kind: "detections",
        detections: [
          { label: "giraffe", score: 0.98, box: { xmin: 1, ymin: 1, xmax: 5, ymax: 5 } },
          { label: "zebra", score: 0.95, box: { xmin: 1, ymin: 1, xmax: 5, ymax: 5 } },
        ],
      }),
      echo: async (args) => text(`heard: ${(args.text as { text: string }).text}`),
    });
    const plan: Plan = {
      tasks: [
        { id: 1, task: "object-detection", dep: [], args: { image: { type: "input", name: "a.png" } } },
        { id: 2, task: "text-to-speech", dep: [1], args: { text: { type: "ref", task: 1 } } },
      ],
    };
    const image = { kind: "image" as const, mime: "image/png", bytes: new Uint8Array([1, 2]), name: "a.png" };
    const results = await executePlan(
      {
        plan,
        selections: [
          selection(1, "object-detection", ["detector"]),
          selection(2, "text-to-speech", ["echo"]),
        ],
        unavailable: new Map(),
        inputs: [{ name: "a.png", origin: "attachment", resource: image }],
        signal: new AbortController().signal,
      },
      { backends: { hosted: backend }, settings, limiters: createLimiters(2) },
    );
    expect(results[1]?.output).toEqual(text("heard: giraffe 0.98, zebra 0.95"));
  });

  it("fails a task whose image input does not decode, with the validator's message and no model call", async () => {
    const backend = scriptedBackend("hosted", { detector: async () => text("never") });
    const { BotError } = await import("../../../src/errors.js");
    const plan: Plan = {
      tasks: [
        { id: 1, task: "object-detection", dep: [], args: { image: { type: "input", name: "bad.png" } } },
      ],
    };
    const bad = {
      kind: "image" as const,
      mime: "image/png",
      bytes: new Uint8Array([0x89, 0x50]),
      name: "bad.png",
    };
    const [result] = await executePlan(
      {
        plan,
        selections: [selection(1, "object-detection", ["detector"])],
        unavailable: new Map(),
        inputs: [{ name: "bad.png", origin: "attachment", resource: bad }],
        signal: new AbortController().signal,
      },
      {
        backends: { hosted: backend },
        settings,
        limiters: createLimiters(2),
        validateImage: async (_bytes, name) => {
          throw new BotError("input_invalid", "truncated", {
            userMessage: `${name} is not a readable image.`,
          });
        },
      },
    );
    expect(result?.status).toBe("failed");
    expect(result?.error).toBe("bad.png is not a readable image.");
    expect(backend.calls).toHaveLength(0);
  });

  it("reports a task with no available model and skips what depends on it", async () => {
    const backend = scriptedBackend("hosted", {});
    const plan: Plan = {
      tasks: [
        { id: 1, task: "text-to-video", dep: [], args: { text: { type: "literal", text: "x" } } },
        { id: 2, task: "summarization", dep: [1], args: { text: { type: "literal", text: "y" } } },
      ],
    };
    const results = await executePlan(
      {
        plan,
        selections: [],
        unavailable: new Map([[1, "no available model for Text-to-Video"]]),
        inputs: [],
        signal: new AbortController().signal,
      },
      { backends: { hosted: backend }, settings, limiters: createLimiters(2) },
    );
    expect(results[0]?.error).toBe("no available model for Text-to-Video");
    expect(results[1]?.status).toBe("skipped");
  });
});

describe("experts that cannot do what a task asks", () => {
  const englishOnly = (sel: ReturnType<typeof selection>) => ({
    ...sel,
    chosen: { ...sel.chosen, model: { ...sel.chosen.model, competence: { languages: ["en"] } } },
  });

  it("passes over an English-only expert for a text detected as German, and gives the expert its language", async () => {
    const backend = scriptedBackend("hosted", {
      "english-tts": async () => text("never"),
      "any-tts": async (args) => text(`spoke ${(args.language as { text: string }).text}`),
    });
    const plan: Plan = {
      tasks: [
        {
          id: 1,
          task: "text-to-speech",
          dep: [],
          args: { text: { type: "literal", text: "Guten Morgen, wie geht es dir heute?" } },
        },
      ],
    };
    const [result] = await run(
      plan,
      [englishOnly(selection(1, "text-to-speech", ["english-tts", "any-tts"]))],
      backend,
    );
    expect(result).toMatchObject({ status: "ok", model: "any-tts", output: text("spoke de") });
    expect(
      result?.attempts.map((attempt) => [attempt.model, attempt.passedOver ?? false, attempt.error]),
    ).toEqual([
      ["english-tts", true, "English only"],
      ["any-tts", false, undefined],
    ]);
    expect(backend.calls.map((call) => call.model)).toEqual(["any-tts"]);
  });

  it("fails a task no candidate can do with the reason of each and what to configure", async () => {
    const backend = scriptedBackend("hosted", { "english-asr": async () => text("never") });
    const plan: Plan = {
      tasks: [
        {
          id: 1,
          task: "automatic-speech-recognition",
          dep: [],
          args: { audio: { type: "literal", text: "x" }, language: { type: "literal", text: "fr" } },
        },
      ],
    };
    const results = await executePlan(
      {
        plan,
        selections: [englishOnly(selection(1, "automatic-speech-recognition", ["english-asr"], "local"))],
        unavailable: new Map(),
        inputs: [],
        signal: new AbortController().signal,
      },
      {
        backends: { local: { ...backend, source: "local" } },
        settings: { ...settings, mode: "local" },
        limiters: createLimiters(settings.maxParallel),
      },
    );
    expect(results[0]).toMatchObject({
      status: "failed",
      error:
        "no expert here can do Automatic Speech Recognition on French speech (english-asr: English only). INFERENCE_MODE=local keeps every task on this machine: set INFERENCE_MODE=hybrid with HF_TOKEN, or LOCAL_INFERENCE_ENDPOINT, for a model that can.",
    });
    expect(results[0]?.model).toBeUndefined();
    expect(backend.calls).toEqual([]);
  });
});

describe("what the executor counts for usage", () => {
  const plan: Plan = {
    tasks: [{ id: 1, task: "summarization", dep: [], args: { text: { type: "literal", text: "a" } } }],
  };

  it("counts every hosted call, a failed one too, with its time", async () => {
    const backend = scriptedBackend("hosted", {
      broken: async () => {
        throw new ExpertError("failed", "model error");
      },
      works: async (_args, signal) => {
        await sleep(20, signal);
        return text("ok");
      },
    });
    const expertUsage = { hostedCalls: 0, hostedMs: 0, localCpuMs: 0 };
    const results = await executePlan(
      {
        plan,
        selections: [selection(1, "summarization", ["broken", "works"])],
        unavailable: new Map(),
        inputs: [],
        signal: new AbortController().signal,
        expertUsage,
      },
      { backends: { hosted: backend }, settings, limiters: createLimiters(2) },
    );
    expect(results[0]?.status).toBe("ok");
    expect(expertUsage.hostedCalls).toBe(2);
    expect(expertUsage.hostedMs).toBeGreaterThan(0);
    expect(expertUsage.localCpuMs).toBe(0);
  });

  it("counts a local expert's CPU, its child programs' included", async () => {
    const work = "let x = 0; for (let i = 0; i < 2e8; i++) x += i; process.exit(x > 0 ? 0 : 1)";
    const backend = scriptedBackend("local", {
      program: (_args, signal) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, ["-e", work], { signal, stdio: "ignore" });
          child.once("error", reject);
          child.once("exit", () => resolve(text("done")));
        }),
    });
    const expertUsage = { hostedCalls: 0, hostedMs: 0, localCpuMs: 0 };
    await executePlan(
      {
        plan,
        selections: [selection(1, "summarization", ["program"], "local")],
        unavailable: new Map(),
        inputs: [],
        signal: new AbortController().signal,
        expertUsage,
      },
      { backends: { local: backend }, settings, limiters: createLimiters(2) },
    );
    expect(expertUsage.hostedCalls).toBe(0);
    // The child's 2e8 additions alone take well over 50 ms of CPU on any machine this runs on;
    // this process only waited meanwhile.
    expect(expertUsage.localCpuMs).toBeGreaterThan(50);
  });
});
