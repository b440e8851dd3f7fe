import { languageName } from "../../language/index.js";
import type { ChatMessage } from "../../llm/types.js";
import type { ConversationTurn } from "../types.js";

/** Prompt text of stage 4: the answer is written from a compact account of the results. */
export const RESPOND_SYSTEM_PROMPT = `You are the response stage of HuggingGPT, a chat bot that runs Hugging Face models for the user. You get the user's request and what each task produced. Write the answer to the user directly, in the user's language, from those results: state what was found or made, quote short results (labels with scores, transcripts, translations), and mention files by name when they are attached. If a task failed or was skipped, say so briefly with its reason and what still worked. Do not invent results, do not write links, and do not describe internal steps at length: a summary table of the tasks and models is attached separately. Keep it short: a few sentences or a short list, Markdown allowed.`;

export const CHAT_SYSTEM_PROMPT = `You are HuggingGPT, a helpful chat bot that can also run Hugging Face models on images, audio and text the user sends. This message needed no model: answer it directly and briefly. If the user asks what you can do, mention that they can attach images or recordings and ask for things like captions, object detection, transcription, translation, speech or generated images.`;

/**
 * What the answer prompts add when the workspace or channel fixed the language of answers: it wins
 * over the user's own language ("Write the answer in German (de-AT) …").
 */
export function answerLanguageInstruction(tag: string): string {
  return `Write the answer in ${languageName(tag)} (${tag}), whatever language the request or the results are in.`;
}

export function historyMessages(history: readonly ConversationTurn[] | undefined): ChatMessage[] {
  return (history ?? []).flatMap((turn): ChatMessage[] => [
    { role: "user", content: turn.user },
    { role: "assistant", content: turn.answer },
  ]);
}
