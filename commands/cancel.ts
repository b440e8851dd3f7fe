import type { CommandDefinition } from "../src/core/types.js";

/** `cancel` (or `stop`): stops the thread's running request and withdraws its queued ones. */
export const cancelCommand: CommandDefinition = {
  name: "cancel",
  description: "Stop the request that is running in this thread (and the ones waiting behind it).",
  options: [],
  aliases: ["stop"],
  async run({ request, target, bot }) {
    const { running, queued } = await bot.cancel(request);
    const withdrawn = queued === 1 ? "1 waiting request" : `${queued} waiting requests`;
    if (running && queued > 0) await target.notice(`Stopped the running request and withdrew ${withdrawn}.`);
    else if (running) await target.notice("Stopped the running request.");
    else if (queued > 0) await target.notice(`Withdrew ${withdrawn}.`);
    else await target.notice("Nothing is running in this thread, so there is nothing to stop.");
  },
};
