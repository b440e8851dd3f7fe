import type { CommandDefinition } from "../src/core/types.js";
import { type InputKind, TASKS, type TaskSpec } from "../src/tasks/index.js";

const GROUPS: ReadonlyArray<{ kind: InputKind; title: string }> = [
  { kind: "image", title: "From an image" },
  { kind: "audio", title: "From a recording" },
  { kind: "text", title: "From text" },
];

/** The kind a task is about: its image or recording if it takes one (VQA takes both image and text). */
function mainInput(spec: TaskSpec): InputKind {
  const kinds = Object.values(spec.args).map((arg) => arg.kind);
  if (kinds.includes("image")) return "image";
  if (kinds.includes("audio")) return "audio";
  return "text";
}

/** What the bot can do: every task of the registry with its description, grouped by what it takes. */
export function describeTasks(): string {
  const specs = [...TASKS.values()];
  const blocks = GROUPS.map(({ kind, title }) => {
    const lines = specs
      .filter((spec) => mainInput(spec) === kind)
      .map((spec) => `  ${spec.name}: ${spec.description}`);
    return `${title}:\n${lines.join("\n")}`;
  });
  return [
    `What I can do (${specs.length} tasks, several can be chained in one request):`,
    ...blocks,
    'Ask in your own words, e.g. "what is in this photo? read the answer aloud". `models TASK` shows the models for a task.',
  ].join("\n\n");
}

/** `tasks`: the task registry, grouped by input kind. */
export const tasksCommand: CommandDefinition = {
  name: "tasks",
  description: "List what I can do: the tasks, grouped by what they take.",
  options: [],
  async run({ target }) {
    await target.send({ text: describeTasks(), files: [] });
  },
};
