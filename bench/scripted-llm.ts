import type { ChatMessage } from "../src/llm/types.js";
import type { BenchPlan } from "./plans.js";

/**
 * What a well-behaved LLM answers at each stage for a bench plan: the plan itself, the first
 * candidate of each task in the selection prompt, a one-line answer. Shared by the in-process LLM
 * of the overhead bench and the fake OpenAI server of the call-count bench.
 */
export function scriptedAnswer(messages: readonly ChatMessage[], plans: readonly BenchPlan[]): string {
  const system = messages.find((message) => message.role === "system")?.content ?? "";
  const user = messages.filter((message) => message.role === "user").at(-1)?.content ?? "";
  if (system.startsWith("You are the model selection stage")) {
    const choices = [...user.matchAll(/^Task (\d+) \([^)]*\).*\n {2}- (\S+)/gm)].map((match) => ({
      id: Number(match[1]),
      model: match[2],
      reason: "first listed",
    }));
    return JSON.stringify({ choices });
  }
  if (system.startsWith("You are the response stage")) return "Here are your results.";
  // The longest matching request wins: "transcribe this" is also part of longer requests.
  const plan = plans
    .filter((candidate) => user.includes(candidate.request))
    .sort((a, b) => b.request.length - a.request.length)[0];
  return JSON.stringify(plan?.tasks ?? []);
}
