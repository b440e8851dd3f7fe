/**
 * The platform-neutral commands. Adapters translate these definitions (Discord slash commands with
 * String and Attachment options, Slack slash commands) and call `BotHandle.command`; the bot also runs
 * them when a message is exactly a command word ("help", "forget", "cancel", "stop", "tasks",
 * "models object-detection", "usage").
 */
import type { CommandDefinition } from "../src/core/types.js";
import { askCommand } from "./ask.js";
import { cancelCommand } from "./cancel.js";
import { forgetCommand } from "./forget.js";
import { helpCommand } from "./help.js";
import { modelsCommand } from "./models.js";
import { settingsCommand } from "./settings.js";
import { tasksCommand } from "./tasks.js";
import { usageCommand } from "./usage.js";

export { ASK_FILES, askCommand } from "./ask.js";
export { cancelCommand } from "./cancel.js";
export { forgetCommand } from "./forget.js";
export { commandUsage, describeHelp, helpCommand } from "./help.js";
export { modelsCommand } from "./models.js";
export { parseSettingsText, settingsCommand } from "./settings.js";
export { describeTasks, tasksCommand } from "./tasks.js";
export { usageCommand } from "./usage.js";

/** Every command, in the order `help` lists them. */
export const COMMANDS: readonly CommandDefinition[] = [
  askCommand,
  tasksCommand,
  modelsCommand,
  forgetCommand,
  cancelCommand,
  settingsCommand,
  usageCommand,
  helpCommand,
];

/** A command by name or alias, as a user types it. */
export function findCommand(name: string): CommandDefinition | undefined {
  const word = name.trim().toLowerCase();
  return COMMANDS.find((command) => command.name === word || command.aliases?.includes(word));
}
