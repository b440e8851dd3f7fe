import type { ExpertSource } from "../experts/types.js";
import type { LlmUsage } from "../llm/types.js";
import type { ModelInfo } from "../models/types.js";
import type { Summary, TaskStatus } from "../summary.js";
import type { ArgName, Resource, TaskName } from "../tasks/index.js";
import type { RequestSettings } from "./settings.js";

// The summary's vocabulary is shared with core (and through it, the adapters): see src/summary.ts.
export type { Summary, SummaryRow, TaskStatus } from "../summary.js";

/**
 * A task argument after parsing: a literal text, the output of another task, one of this turn's
 * attachments (or an earlier turn's resource) by name, or a URL to fetch through the guarded fetch.
 */
export type ArgValue =
  | { type: "literal"; text: string }
  | { type: "ref"; task: number }
  | { type: "input"; name: string }
  | { type: "url"; url: string };

export interface PlannedTask {
  id: number;
  task: TaskName;
  /** Recomputed from the references in `args`; never trusted from the LLM. */
  dep: number[];
  args: Partial<Record<ArgName, ArgValue>>;
  /**
   * What the request wants of the task when the task alone does not say it (the offline planner's
   * intent id: "read-text" is image-to-text that reads the text, not a caption). Experts made for that
   * purpose are tried first.
   */
  intent?: string;
}

export interface Plan {
  tasks: PlannedTask[];
}

/** A named input the planner can refer to: an attachment of this turn or a result of an earlier turn. */
export interface NamedInput {
  name: string;
  resource: Resource;
  /** Where it came from, for the planner's prompt ("attached", "from an earlier answer"). */
  origin: "attachment" | "history";
}

/** One earlier turn of the thread, as the planner and answer prompts see it. */
export interface ConversationTurn {
  user: string;
  answer: string;
  /** Names of the inputs this turn produced or received, which `inputs` may hold. */
  resources: string[];
}

export interface PipelineRequest {
  text: string;
  inputs: NamedInput[];
  history?: ConversationTurn[];
  signal?: AbortSignal;
  onEvent?: (event: PipelineEvent) => void;
  /**
   * This request's settings over the pipeline's (the workspace's and channel's `/settings`): where
   * tasks may run, how models are chosen, which tasks may run, the safety check, the answer's language.
   */
  settings?: RequestSettings;
  /**
   * Where the run also counts its LLM requests and tokens as they are sent: filled when the run
   * throws too, unlike `stats` (what a request cost, whatever became of it).
   */
  usage?: LlmUsage;
  /** The caller's model-call counter, the same way (usage accounting). */
  expertUsage?: ExpertUsage;
}

/** What a run's experts used, added to as they run: hosted calls and their time, this machine's CPU. */
export interface ExpertUsage {
  hostedCalls: number;
  hostedMs: number;
  localCpuMs: number;
}

export interface Candidate {
  model: ModelInfo;
  source: ExpertSource;
}

export interface Selection {
  taskId: number;
  task: TaskName;
  chosen: Candidate;
  /** The other candidates, tried in order when the chosen one fails. */
  fallbacks: Candidate[];
  /** Why this model: the only candidate, the top-ranked, or the LLM's choice (with its reason). */
  reason: string;
  /** Candidates ranked before the chosen one that cannot do what the plan asks, and why. */
  passedOver?: Array<{ model: string; source: ExpertSource; reason: string }>;
}

export interface Attempt {
  model: string;
  source: ExpertSource;
  ms: number;
  error?: string;
  /** Not tried: it cannot do what the task asks, and `error` says why ("English only"). */
  passedOver?: true;
}

export interface TaskResult {
  id: number;
  task: TaskName;
  status: TaskStatus;
  model?: string;
  source?: ExpertSource;
  ms: number;
  output?: Resource;
  error?: string;
  /** Every model tried, in order, with the reason each failed. */
  attempts: Attempt[];
  cached?: boolean;
}

export interface StageTimes {
  plan: number;
  select: number;
  execute: number;
  respond: number;
  total: number;
}

export interface PipelineResult {
  request: string;
  plan: Plan;
  selections: Selection[];
  results: TaskResult[];
  answer: string;
  summary: Summary;
  stats: {
    /** Requests sent to the LLM, retries included. */
    llmCalls: number;
    /** The tokens of those requests, as the endpoint reported them (0 where it reports none). */
    tokens: { prompt: number; completion: number };
    ms: StageTimes;
  };
}

export type PipelineEvent =
  | { type: "plan"; plan: Plan }
  | { type: "select"; selections: Selection[] }
  | { type: "task-start"; id: number; task: TaskName; model: string; source: ExpertSource }
  | { type: "task-end"; result: TaskResult }
  | { type: "answer" };
