import type { LlmClient } from "../llm/types.js";
import { resourceToText, TASKS, type TaskName } from "../tasks/index.js";
import type { Expert, ExpertArgs, ExpertBackend } from "./types.js";
import { ExpertError } from "./types.js";

const INSTRUCTIONS: Partial<Record<TaskName, (args: Record<string, string>) => string>> = {
  summarization: (a) =>
    `Summarize the following text in a few sentences. Reply with the summary only.\n\n${a.text}`,
  translation: (a) =>
    `Translate the following text into ${a.language ?? "English"}. Reply with the translation only.\n\n${a.text}`,
  "question-answering": (a) =>
    `Answer the question using only the context. Reply with the answer only.\n\nContext:\n${a.context}\n\nQuestion: ${a.text}`,
  conversational: (a) => a.text ?? "",
  "text-generation": (a) =>
    `Continue or write the text this prompt asks for. Reply with the text only.\n\n${a.text}`,
  "text2text-generation": (a) => `${a.text}\n\nReply with the result only.`,
};

/** Text-only tasks answered by the configured LLM itself (LLM_TEXT_TASKS), labelled `llm` in the summary. */
export function createLlmBackend(llm: LlmClient): ExpertBackend {
  return {
    source: "llm",
    supports: (task) => TASKS.get(task)?.textOnly === true && INSTRUCTIONS[task] !== undefined,
    expert(task, model): Expert | undefined {
      const instruction = INSTRUCTIONS[task];
      if (!instruction || model !== llm.model) return undefined;
      return {
        task,
        model,
        source: "llm",
        async run(args: ExpertArgs, { signal, usage }) {
          const texts: Record<string, string> = {};
          for (const [name, resource] of Object.entries(args)) {
            const text = resource ? resourceToText(resource) : undefined;
            if (text !== undefined) texts[name] = text;
          }
          if (!texts.text) throw new ExpertError("bad_input", `${task} needs a text`);
          const answer = await llm.chat({
            messages: [{ role: "user", content: instruction(texts) }],
            signal,
            ...(usage ? { usage } : {}),
          });
          return { kind: "text", text: answer.trim() };
        },
      };
    },
  };
}
