import type { CommandDefinition } from "../src/core/types.js";

/** `forget`: clears the thread's conversation memory (earlier turns and their files). */
export const forgetCommand: CommandDefinition = {
  name: "forget",
  description: "Forget this conversation: earlier messages and results are no longer used.",
  options: [],
  async run({ request, target, bot }) {
    await bot.forget(request);
    await target.notice("Forgotten: this conversation starts afresh.");
  },
};
