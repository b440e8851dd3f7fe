import type { Expert, ExpertArgs, ExpertBackend, ExpertSource } from "../../src/experts/types.js";
import type { ModelInfo } from "../../src/models/types.js";
import type { Candidate, Selection } from "../../src/pipeline/types.js";
import type { Resource, TaskName } from "../../src/tasks/index.js";

export type RunFunction = (args: ExpertArgs, signal: AbortSignal) => Promise<Resource>;

/**
 * An expert backend whose models are functions a test writes. It implements our own ExpertBackend
 * interface (no library is mocked); tests of the real hosted backend use the fake HF server.
 */
export function scriptedBackend(
  source: ExpertSource,
  models: Record<string, RunFunction>,
): ExpertBackend & { calls: Array<{ model: string; args: ExpertArgs }>; active: number; maxActive: number } {
  const backend = {
    source,
    calls: [] as Array<{ model: string; args: ExpertArgs }>,
    active: 0,
    maxActive: 0,
    supports: () => true,
    expert(task: TaskName, model: string): Expert | undefined {
      const run = models[model];
      if (!run) return undefined;
      return {
        task,
        model,
        source,
        async run(args, { signal }) {
          backend.calls.push({ model, args });
          backend.active += 1;
          backend.maxActive = Math.max(backend.maxActive, backend.active);
          try {
            return await run(args, signal);
          } finally {
            backend.active -= 1;
          }
        },
      };
    },
  };
  return backend;
}

export function modelInfo(id: string, task: TaskName, downloads = 1000): ModelInfo {
  return {
    id,
    task,
    downloads,
    likes: 0,
    tags: [],
    description: `test model ${id}`,
    providers: ["hf-inference"],
  };
}

export function selection(
  taskId: number,
  task: TaskName,
  models: string[],
  source: ExpertSource = "hosted",
): Selection {
  const candidates: Candidate[] = models.map((id) => ({ model: modelInfo(id, task), source }));
  return { taskId, task, chosen: candidates[0]!, fallbacks: candidates.slice(1), reason: "test" };
}
