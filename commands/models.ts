import type { CommandDefinition } from "../src/core/types.js";
import { resolveTaskName } from "../src/tasks/index.js";

/** `models TASK`: the candidate models of a task, ranked as model selection sees them, and where they run. */
export const modelsCommand: CommandDefinition = {
  name: "models",
  description: "Show the models that would run a task and where they run.",
  options: [
    {
      name: "task",
      description: "A task name, e.g. object-detection (see tasks)",
      type: "string",
      required: true,
    },
  ],
  // "models" alone asks for usage; "models object-detection" lists; "models for my photo" is a request.
  parseText: (rest) => (rest === "" || resolveTaskName(rest) ? { task: rest } : undefined),
  async run({ target, options, bot }) {
    const task = typeof options.task === "string" ? options.task.trim() : "";
    const text = await bot.listModels(task);
    await target.send({ text, files: [] });
  },
};
