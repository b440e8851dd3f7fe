import type { ChatMessage, JsonFormat } from "../../llm/types.js";
import { shorten } from "../../text.js";

/** Prompt text of stage 2: one call chooses a model for every ambiguous task of the request. */
export const SELECT_SYSTEM_PROMPT = `You are the model selection stage of HuggingGPT. For each task of the user's request you get a list of candidate models: where each runs (this machine, the operator's server or Hugging Face), its quality tier (3: state of the art, 2: good, 1: basic), downloads, likes, tags, a description and its limits (languages, labels). Choose, for every task, the one candidate best suited to the request and the task's inputs. Never choose a model whose limits rule out the request. Prefer models whose description and tags fit the content (language, domain, input type) and a higher tier; among equals, prefer one that runs on this machine, then the more downloaded one. Choose only ids from that task's candidate list.
Answer with JSON only: {"choices": [{"id": <task id>, "model": "<candidate id>", "reason": "<a few words>"}]} with one entry per task.`;

export const SELECT_FORMAT: JsonFormat = {
  name: "model_choices",
  schema: {
    type: "object",
    properties: {
      choices: {
        type: "array",
        items: {
          type: "object",
          properties: {
            id: { type: "integer" },
            model: { type: "string" },
            reason: { type: "string" },
          },
          required: ["id", "model", "reason"],
          additionalProperties: false,
        },
      },
    },
    required: ["choices"],
    additionalProperties: false,
  },
};

export interface SelectionPromptTask {
  id: number;
  task: string;
  args: string;
  candidates: Array<{
    id: string;
    /** Where it runs, in words. */
    where: string;
    tier: number;
    downloads: number;
    likes: number;
    tags: readonly string[];
    description: string;
    /** Its declared limits in words ("English only"), empty when none. */
    limits: string;
  }>;
}

/** Characters of the candidates' part of the prompt; descriptions and tags are cut to fit. */
const CANDIDATE_BUDGET = 12_000;

export function selectionMessages(request: string, tasks: SelectionPromptTask[]): ChatMessage[] {
  const candidateCount = tasks.reduce((sum, task) => sum + task.candidates.length, 0);
  // Each candidate gets an equal share of the budget, so a long description cannot crowd out the rest.
  const share = Math.max(120, Math.floor(CANDIDATE_BUDGET / Math.max(1, candidateCount)));
  const blocks = tasks.map((task) => {
    const lines = task.candidates.map((candidate) =>
      shorten(
        `  - ${candidate.id} | runs on ${candidate.where} | tier ${candidate.tier} | downloads ${candidate.downloads} | likes ${candidate.likes} | tags: ${candidate.tags.slice(0, 8).join(", ")} | ${candidate.description}${candidate.limits ? ` | limits: ${candidate.limits}` : ""}`,
        share,
      ),
    );
    return `Task ${task.id} (${task.task}), arguments: ${shorten(task.args, 300)}\n${lines.join("\n")}`;
  });
  return [
    { role: "system", content: SELECT_SYSTEM_PROMPT },
    { role: "user", content: `Request: ${shorten(request, 2000)}\n\n${blocks.join("\n\n")}` },
  ];
}
