import type { Attachment, CommandDefinition } from "../src/core/types.js";

/** How many files `ask` takes: Discord allows 25 options, but four files already make a long plan. */
export const ASK_FILES = 4;

const FILE_OPTIONS = Array.from({ length: ASK_FILES }, (_, index) => ({
  name: `file${index + 1}`,
  description: index === 0 ? "An image, a recording or a text file" : "Another file",
  type: "attachment" as const,
  required: false,
}));

/**
 * `ask PROMPT [file1..file4]`: a request as a command (Discord's slash command carries its files as
 * attachment options). In a message, words after "ask" stay an ordinary request ("ask me anything
 * about cats" must keep its "ask"), so only the bare word is routed here, and answered with the usage.
 */
export const askCommand: CommandDefinition = {
  name: "ask",
  description: "Ask for something: I plan the tasks, run Hugging Face models and answer with the results.",
  options: [
    { name: "prompt", description: "What you want, in your own words", type: "string", required: true },
    ...FILE_OPTIONS,
  ],
  async run({ request, target, options, bot }) {
    const files = FILE_OPTIONS.map((option) => options[option.name]).filter(
      (value): value is Attachment => typeof value === "object" && value !== null,
    );
    const prompt = typeof options.prompt === "string" ? options.prompt : "";
    return bot.submit({ ...request, text: prompt, attachments: [...request.attachments, ...files] }, target);
  },
};
