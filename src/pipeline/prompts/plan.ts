import type { ChatMessage } from "../../llm/types.js";
import { ARG_NAMES, type InputKind, TASKS, type TaskSpec, taskFeeds } from "../../tasks/index.js";
import { shorten } from "../../text.js";
import type { ConversationTurn, NamedInput } from "../types.js";
import { PLAN_EXAMPLES, type PlanExample, type PromptInput } from "./plan-examples.js";

export { PLAN_EXAMPLES, type PlanExample, type PlanExampleTask, type PromptInput } from "./plan-examples.js";

/** Character budgets for the parts of the prompt that grow with the conversation. */
export interface PlanPromptBudget {
  /** The recent thread, newest turns kept first. */
  historyChars: number;
  /** One earlier turn's user text or answer. */
  turnChars: number;
  /** The list of attachments and earlier results. */
  inputsChars: number;
  /** The request itself. */
  requestChars: number;
}

export const PLAN_PROMPT_BUDGET: PlanPromptBudget = {
  historyChars: 3_000,
  turnChars: 600,
  inputsChars: 2_000,
  requestChars: 8_000,
};

/** What the planner is, before the task list and the rules. */
export const PLAN_INTRO =
  "You are the planning stage of HuggingGPT, an assistant that answers requests by running AI models " +
  "from Hugging Face. Break the user's request into tasks from the list below. Later stages choose a " +
  "model for each task, run the tasks, and write the answer from their results: you only plan.";

/** The rules of a plan; `{maxTasks}` is filled in by `planSystemPrompt`. */
export const PLAN_RULES: readonly string[] = [
  'Answer with JSON only, no prose and no comments: {"tasks": [...]}, where each task is ' +
    '{"id": number, "task": task name, "dep": [ids], "args": {argument name: value}}.',
  "Use only the task names and argument names listed above, and give every required argument.",
  "Ids are unique whole numbers starting at 1, in the order the tasks would run.",
  'To use the output of task N, write exactly "<resource>-N" as the whole value of the argument, and ' +
    'list N in "dep". "dep" holds exactly the ids that the arguments refer to ([] when none).',
  'An output can only feed an argument of a kind it fits: see each output\'s "feeds" in the list. ' +
    "For example an image-to-text output can feed text, but a text-to-image output cannot.",
  "To use an attached file or an earlier result, write its name exactly as listed under the request " +
    '(e.g. "photo.jpg"). Never invent a file name. An http(s) link written in the request may be used as it is.',
  "Text arguments hold the text itself: the user's words to process, or the question to ask. " +
    'Give translation targets as an ISO 639-1 code in "language" (e.g. "de"). For the other tasks that ' +
    'take a "language", give the language of the speech or text (e.g. "de" for a German voice note) ' +
    "when the request or the text tells it; leave it out when it is not known.",
  "When a classification should tell apart something else than its usual labels (spam, toxicity, " +
    'whether an image is safe to share), say what in "labels" (e.g. "spam, not spam").',
  "Tasks that do not need each other's output must not depend on each other, so that they run in " +
    "parallel. Do not add tasks the user did not ask for.",
  "If the request needs no model (small talk, thanks, a question answered from the conversation), " +
    'answer {"tasks": []}.',
  "A plan has at most {maxTasks} tasks.",
];

const INPUT_KINDS: readonly InputKind[] = ["text", "image", "audio"];

function describeArgs(spec: TaskSpec): string {
  return ARG_NAMES.flatMap((name) => {
    const arg = spec.args[name];
    if (!arg) return [];
    return [`${name} (${arg.kind}${arg.required ? "" : ", optional"}): ${arg.description}`];
  }).join("; ");
}

function describeOutput(spec: TaskSpec): string {
  const feeds = INPUT_KINDS.filter((input) => taskFeeds(spec, input));
  return feeds.length === 0
    ? `${spec.output} (feeds no other task)`
    : `${spec.output} (feeds ${feeds.join(", ")})`;
}

/** One line per task of the registry: name, what it does, its arguments and what it produces. */
export function renderTaskCatalog(): string {
  return [...TASKS.values()]
    .map(
      (spec) =>
        `- ${spec.name}: ${spec.description}. Args: ${describeArgs(spec)}. Output: ${describeOutput(spec)}.`,
    )
    .join("\n");
}

/** The system message of the planning call. */
export function planSystemPrompt(options: { maxTasks: number }): string {
  const rules = PLAN_RULES.map(
    (rule, index) => `${index + 1}. ${rule.replace("{maxTasks}", String(options.maxTasks))}`,
  );
  return [PLAN_INTRO, "", "Tasks:", renderTaskCatalog(), "", "Rules:", ...rules].join("\n");
}

/** What the prompt shows of a request: its text, its inputs by name and kind, the recent thread. */
export interface PlanPromptRequest {
  text: string;
  inputs: readonly PromptInput[];
  history?: readonly ConversationTurn[];
}

/** A named input as the prompt lists it: the bytes stay out, a few words of detail go in. */
export function toPromptInput(input: NamedInput): PromptInput {
  const { resource } = input;
  let detail: string | undefined;
  switch (resource.kind) {
    case "image":
    case "audio":
    case "video":
      detail = resource.mime;
      break;
    case "text":
      detail = `${resource.text.length.toLocaleString("en-US")} characters`;
      break;
    case "labels":
      detail = `${resource.labels.length} labels`;
      break;
    case "detections":
      detail = `${resource.detections.length} objects`;
      break;
    case "json":
      detail = undefined;
      break;
  }
  return detail === undefined
    ? { name: input.name, kind: resource.kind, origin: input.origin }
    : { name: input.name, kind: resource.kind, origin: input.origin, detail };
}

/** The text on one line, cut to `max` characters. */
function oneLine(text: string, max: number): string {
  return shorten(text.replace(/\s+/g, " ").trim(), max);
}

function renderHistory(history: readonly ConversationTurn[], budget: PlanPromptBudget): string[] {
  const kept: string[] = [];
  let used = 0;
  // Newest first: when the budget runs out, it is the oldest turns that are left out.
  for (let index = history.length - 1; index >= 0; index--) {
    const turn = history[index] as ConversationTurn;
    const resources = turn.resources.length > 0 ? ` [results: ${turn.resources.join(", ")}]` : "";
    const block = `User: ${oneLine(turn.user, budget.turnChars)}\nAssistant: ${oneLine(turn.answer, budget.turnChars)}${resources}`;
    if (used + block.length > budget.historyChars) break;
    kept.unshift(block);
    used += block.length;
  }
  if (kept.length === 0) return [];
  const left = history.length - kept.length;
  return [
    "Earlier in this thread (oldest first):",
    ...(left > 0 ? [`(${left} earlier ${left === 1 ? "turn" : "turns"} left out)`] : []),
    ...kept,
    "",
  ];
}

function renderInputs(inputs: readonly PromptInput[], budget: PlanPromptBudget): string[] {
  // Attachments of this turn first, then earlier results newest first: the likeliest to be meant.
  const ordered = [
    ...inputs.filter((input) => input.origin === "attachment"),
    ...inputs.filter((input) => input.origin === "history").reverse(),
  ];
  const lines: string[] = [];
  let used = 0;
  for (const input of ordered) {
    const where = input.origin === "attachment" ? "attached to this message" : "from an earlier answer";
    const detail = input.detail ? ` (${input.detail})` : "";
    const line = `- ${input.name}: ${input.kind}${detail}, ${where}`;
    if (used + line.length > budget.inputsChars) break;
    lines.push(line);
    used += line.length;
  }
  if (lines.length === 0) return ["Files and earlier results: none.", ""];
  const left = ordered.length - lines.length;
  return [
    "Files and earlier results you can use, by name:",
    ...lines,
    ...(left > 0 ? [`(${left} older results not listed)`] : []),
    "",
  ];
}

/** The user message of the planning call: thread context, inputs, then the request. */
export function renderPlanRequest(
  request: PlanPromptRequest,
  budget: PlanPromptBudget = PLAN_PROMPT_BUDGET,
): string {
  const text = shorten(
    request.text.trim(),
    budget.requestChars,
    () => `request cut at ${budget.requestChars} characters`,
  );
  return [
    ...renderHistory(request.history ?? [], budget),
    ...renderInputs(request.inputs, budget),
    `Request: ${text}`,
  ].join("\n");
}

/** The answer a worked example teaches, exactly as the model should write it. */
export function renderExampleAnswer(example: PlanExample): string {
  return JSON.stringify(example.plan);
}

/** Every message of the planning call: system prompt, worked examples as turns, the request. */
export function buildPlanMessages(
  request: PlanPromptRequest,
  options: { maxTasks: number; budget?: PlanPromptBudget },
): ChatMessage[] {
  const budget = options.budget ?? PLAN_PROMPT_BUDGET;
  return [
    { role: "system", content: planSystemPrompt({ maxTasks: options.maxTasks }) },
    ...PLAN_EXAMPLES.flatMap((example): ChatMessage[] => [
      {
        role: "user",
        content: renderPlanRequest(
          example.history === undefined
            ? { text: example.request, inputs: example.inputs }
            : { text: example.request, inputs: example.inputs, history: example.history },
          budget,
        ),
      },
      { role: "assistant", content: renderExampleAnswer(example) },
    ]),
    { role: "user", content: renderPlanRequest(request, budget) },
  ];
}

/** How much of an invalid answer is shown back to the model: enough to fix, not a flood. */
export const REPAIR_ANSWER_CHARS = 4_000;

/** The repair call: the first call's messages, the invalid answer, and what is wrong with it. */
export function buildRepairMessages(
  messages: readonly ChatMessage[],
  answer: string,
  error: string,
): ChatMessage[] {
  const shown =
    answer.trim() === ""
      ? "(an empty answer)"
      : shorten(
          answer,
          REPAIR_ANSWER_CHARS,
          (length) => `cut; ${length.toLocaleString("en-US")} characters in all`,
        );
  return [
    ...messages,
    { role: "assistant", content: shown },
    {
      role: "user",
      content:
        `That plan cannot be used: ${error}.\n` +
        'Answer again with the corrected plan as JSON only: {"tasks": [...]}, following the rules.',
    },
  ];
}
