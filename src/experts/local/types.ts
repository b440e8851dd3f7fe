import type { Competence, ExpertRank } from "../../models/competence.js";
import type { Resource, TaskName } from "../../tasks/index.js";
import type { ExpertArgs, ExpertRunOptions } from "../types.js";

/** Whether a local runner can work on this machine, and if not, why and how to add it. */
export type LocalAvailability =
  | {
      available: true;
      detail?: string;
      /** What it can do as found here (espeak-ng's installed voices), in place of the runner's own. */
      competence?: Competence;
    }
  | { available: false; reason: string; howToAdd: string };

/**
 * One local expert: a model that runs on this machine (weights shipped in an npm package, or a
 * program found on PATH). Runners load lazily on their first `run` and stay warm afterwards.
 */
export interface LocalRunner {
  readonly task: TaskName;
  /** The model id shown in summaries, e.g. "local/human-centernet". */
  readonly model: string;
  /** What it is, in a few words, for `models` and `doctor` ("COCO object detector (Human, TensorFlow.js)"). */
  readonly description: string;
  /** What it can do beyond its task: languages, label space, input limits (README lists them). */
  readonly competence?: Competence;
  /** How it ranks against the hosted models of its task: hybrid mode orders candidates by it. */
  readonly rank: ExpertRank;
  /**
   * In hybrid mode, whether hosted models come first and this runner only after them: for runners that
   * serve a task only in part (OCR stands in for image captioning only when the image is text).
   */
  readonly fallbackOnly?: boolean;
  /**
   * The planner's intents it is made for ("read-text"): for a task planned with one of them it comes
   * first, before the models that serve the task in general.
   */
  readonly intents?: readonly string[];
  /** Whether it can run here: cheap (a module resolves, a program is on PATH), never throws. */
  probe(): Promise<LocalAvailability>;
  /** Throws ExpertError (bad_input for unusable input, failed otherwise). */
  run(args: ExpertArgs, options: ExpertRunOptions): Promise<Resource>;
  /** Releases what it holds (workers, models). */
  close?(): Promise<void>;
}
