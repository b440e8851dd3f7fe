import type { TaskName } from "../tasks/index.js";
import type { Competence, ExpertRank } from "./competence.js";

/** What the selection prompt and the `models` command show about one model. */
export interface ModelInfo {
  id: string;
  task: TaskName;
  downloads: number;
  likes: number;
  tags: readonly string[];
  /** One line in plain words: what the model does well. */
  description: string;
  /** Inference providers that serve it, as the Hub reports them ("hf-inference", ...). Empty for built-ins. */
  providers: readonly string[];
  /** What it can do beyond its task (languages, label space, input limits); absent: nothing declared. */
  competence?: Competence;
  /** Its ranking data; absent: a hosted-class model (tier 3), costed by where it runs. */
  rank?: ExpertRank;
  /** The planner's intents it is made for ("read-text"): for a task planned with one, it goes first. */
  intents?: readonly string[];
}

/** Where a listing came from: the live Hub, or the built-in list because the Hub could not be reached. */
export type CatalogOrigin = "hub" | "builtin";

export interface ModelListing {
  task: TaskName;
  models: ModelInfo[];
  origin: CatalogOrigin;
  /** Why the built-in list was used, for the summary ("the Hub could not be reached: ..."). */
  note?: string;
}

export interface ModelCatalog {
  /** Models for a task, most downloaded first, at most `limit`. Never throws for an unreachable Hub. */
  list(task: TaskName, options: { limit: number; signal?: AbortSignal }): Promise<ModelListing>;
}
