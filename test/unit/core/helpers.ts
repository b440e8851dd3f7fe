/**
 * A scripted Pipeline (our own interface, no library mocked) and small builders for the bot loop's
 * tests. Each test says what the pipeline does with a function of the request.
 */

import { COMMANDS } from "../../../commands/index.js";
import { type Bot, type BotOptions, createBot } from "../../../src/core/bot.js";
import type { Clock } from "../../../src/core/clock.js";
import { type BotSettings, defaultBotSettings } from "../../../src/core/settings.js";
import type { Pipeline } from "../../../src/pipeline/index.js";
import { buildSummary } from "../../../src/pipeline/respond.js";
import type { PipelineRequest, PipelineResult, TaskResult } from "../../../src/pipeline/types.js";
import { createStorage, type Storage } from "../../../src/storage/index.js";
import type { Resource, TaskName } from "../../../src/tasks/index.js";
import { createTestAdapter, type TestAdapter } from "../../support/test-adapter.js";

export type Script = (request: PipelineRequest, call: number) => Promise<PipelineResult> | PipelineResult;

export interface ScriptedPipeline extends Pipeline {
  calls: PipelineRequest[];
}

export function scriptedPipeline(
  script: Script = (request) => answer(`answer to ${request.text}`),
): ScriptedPipeline {
  const pipeline: ScriptedPipeline = {
    calls: [],
    async run(request) {
      pipeline.calls.push(request);
      return script(request, pipeline.calls.length);
    },
  };
  return pipeline;
}

/** A pipeline result with this answer and these task results. */
export function answer(text: string, results: TaskResult[] = []): PipelineResult {
  return {
    request: text,
    plan: { tasks: results.map((result) => ({ id: result.id, task: result.task, dep: [], args: {} })) },
    selections: [],
    results,
    answer: text,
    summary: buildSummary({ planner: "test", catalog: "none", results, totalMs: 0, notes: [] }),
    stats: {
      llmCalls: 2,
      tokens: { prompt: 20, completion: 20 },
      ms: { plan: 1, select: 0, execute: 1, respond: 1, total: 3 },
    },
  };
}

export function okTask(id: number, task: TaskName, output: Resource): TaskResult {
  return { id, task, status: "ok", model: `model/${task}`, source: "hosted", ms: 100, output, attempts: [] };
}

export function png(name: string, fill = 7): Resource {
  const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, fill, fill, fill]);
  return { kind: "image", mime: "image/png", bytes, name };
}

/** A promise a test resolves when it wants. */
export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** Rejects when the signal aborts; the way a real pipeline stops. */
export function untilAborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (!signal) return;
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

export interface Harness {
  bot: Bot;
  adapter: TestAdapter;
  pipeline: ScriptedPipeline;
  storage: Storage;
}

/** A bot on a scripted pipeline, in-memory storage and the test adapter, with the real commands. */
export async function startBot(
  options: {
    script?: Script;
    settings?: Partial<BotSettings>;
    clock?: Clock;
    storage?: Storage;
    extra?: Partial<BotOptions>;
  } = {},
): Promise<Harness> {
  const pipeline = scriptedPipeline(options.script);
  const storage = options.storage ?? createStorage();
  const bot = createBot({
    pipeline,
    storage,
    settings: { ...defaultBotSettings(), ...options.settings },
    commands: COMMANDS,
    listModels: async (task) => `models of ${task}`,
    ...(options.clock ? { clock: options.clock } : {}),
    ...options.extra,
  });
  const adapter = createTestAdapter(options.clock ? { clock: options.clock } : {});
  await adapter.start(bot);
  return { bot, adapter, pipeline, storage };
}
