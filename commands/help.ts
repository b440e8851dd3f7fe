import type { CommandDefinition } from "../src/core/types.js";

/** "models TASK", "ask PROMPT [file1] [file2]…": a command as a user types it. */
export function commandUsage(command: CommandDefinition): string {
  if (command.usage) return command.usage;
  const options = command.options
    .filter((option) => option.required || option.type === "string")
    .map((option) => option.name.toUpperCase());
  const files = command.options.filter((option) => option.type === "attachment" && !option.required).length;
  return [command.name, ...options, ...(files > 0 ? [`[up to ${files} files]`] : [])].join(" ");
}

/** The help text: what the bot is, how to ask, and every command. */
export function describeHelp(commands: readonly CommandDefinition[]): string {
  const lines = commands.map((command) => {
    const aliases = command.aliases?.length ? ` (or ${command.aliases.join(", ")})` : "";
    return `  ${commandUsage(command)}${aliases}: ${command.description}`;
  });
  return [
    "I answer requests with Hugging Face models, the HuggingGPT way: I plan the tasks, choose a model for each, run them and answer with the results and a summary.",
    "Write what you want and attach images or recordings if it is about them. In a thread I remember the earlier turns, so a follow-up such as “now read that caption aloud” can use an earlier result.",
    `Commands:\n${lines.join("\n")}`,
  ].join("\n\n");
}

/** `help`: what the bot does and its commands. */
export const helpCommand: CommandDefinition = {
  name: "help",
  description: "Show what I can do and how to ask.",
  options: [],
  async run({ target, commands }) {
    await target.send({ text: describeHelp(commands), files: [] });
  },
};
