import type { CommandDefinition } from "../src/core/types.js";

/** `usage`: the user's own use and budgets today and this month; admins also see the workspace's. */
export const usageCommand: CommandDefinition = {
  name: "usage",
  description: "Show what you have used today and this month, and your limits (admins: the workspace's too).",
  options: [],
  private: true,
  async run({ request, target, bot }) {
    await target.send({ text: await bot.usage(request), files: [] });
  },
};
