/**
 * The local expert backend: models that run on this machine, with weights shipped in npm packages
 * (optionalDependencies, loaded on first use) or programs found on PATH. It knows at start which of
 * them can run here, and why the others cannot and how to add them (for `doctor` and `models`).
 */
import type { Competence, ExpertRank } from "../../models/competence.js";
import type { ModelInfo } from "../../models/types.js";
import type { TaskName } from "../../tasks/index.js";
import type { Expert, ExpertBackend } from "../types.js";
import { createPocketsphinxRunner } from "./asr.js";
import { createHumanDetectionRunner } from "./detection.js";
import { createOcrRunners } from "./ocr.js";
import { createSafetyClassificationRunner, type ImageSafetyClassifier } from "./safety.js";
import { createSentimentRunner } from "./sentiment.js";
import { createEspeakRunner } from "./tts.js";
import type { LocalAvailability, LocalRunner } from "./types.js";

export {
  createImageSafetyClassifier,
  createSafetyClassificationRunner,
  type ImageSafetyClassifier,
} from "./safety.js";
export type { LocalAvailability, LocalRunner } from "./types.js";

/** One runner and whether it can run here. */
export interface LocalExpertStatus {
  task: TaskName;
  model: string;
  description: string;
  fallbackOnly: boolean;
  availability: LocalAvailability;
  /** What it can do as found here (espeak-ng's installed voices), else what it declares. */
  competence?: Competence;
  rank: ExpertRank;
}

export interface LocalBackend extends ExpertBackend {
  readonly source: "local";
  /** Probes every runner (once; later calls share the first). */
  ready(): Promise<void>;
  /** Every runner with its availability (after `ready`). */
  status(): Promise<LocalExpertStatus[]>;
  /** Stops what the runners keep warm (workers, models). */
  close(): Promise<void>;
}

/**
 * The local experts this bot ships: detection, OCR (image-to-text, document QA), sentiment, TTS,
 * ASR, and image safety classification on `safety` (the classifier that also screens outgoing
 * images, so that both share one loaded model).
 */
export function defaultLocalRunners(options: { safety?: ImageSafetyClassifier } = {}): LocalRunner[] {
  return [
    createHumanDetectionRunner(),
    ...createOcrRunners(),
    createSentimentRunner(),
    createEspeakRunner(),
    createPocketsphinxRunner(),
    ...(options.safety ? [createSafetyClassificationRunner(options.safety)] : []),
  ];
}

/** What a runner can do here: what its probe found, else what it declares. */
function competenceOf(
  runner: LocalRunner,
  availability: LocalAvailability | undefined,
): Competence | undefined {
  return (availability?.available ? availability.competence : undefined) ?? runner.competence;
}

/**
 * A backend over local runners. Until `ready()` has run it serves nothing: the pipeline awaits it
 * before choosing models, so a request never sees a half-probed list.
 */
export function createLocalBackend(runners: readonly LocalRunner[]): LocalBackend {
  let probed: Promise<LocalExpertStatus[]> | undefined;
  let available: LocalRunner[] = [];
  const found = new Map<LocalRunner, LocalAvailability>();

  const modelInfo = (runner: LocalRunner): ModelInfo => {
    const competence = competenceOf(runner, found.get(runner));
    return {
      id: runner.model,
      task: runner.task,
      downloads: 0,
      likes: 0,
      tags: ["local"],
      description: runner.description,
      providers: [],
      ...(competence ? { competence } : {}),
      rank: runner.rank,
      ...(runner.intents ? { intents: runner.intents } : {}),
    };
  };

  function probeAll(): Promise<LocalExpertStatus[]> {
    probed ??= Promise.all(
      runners.map(async (runner) => {
        const availability = await runner.probe().catch(
          (error: unknown): LocalAvailability => ({
            available: false,
            reason: `the check failed: ${String(error)}`,
            howToAdd: "see the log",
          }),
        );
        found.set(runner, availability);
        const competence = competenceOf(runner, availability);
        return {
          task: runner.task,
          model: runner.model,
          description: runner.description,
          fallbackOnly: runner.fallbackOnly === true,
          availability,
          ...(competence ? { competence } : {}),
          rank: runner.rank,
        };
      }),
    ).then((statuses) => {
      available = runners.filter((_, index) => statuses[index]?.availability.available === true);
      return statuses;
    });
    return probed;
  }

  const madeFor = (runner: LocalRunner, intent: string | undefined) =>
    intent !== undefined && runner.intents?.includes(intent) === true;
  /** The runners of a task tried first: the ones made for the intent, then the general ones. */
  const firstRunners = (task: TaskName, intent: string | undefined) => {
    const serving = available.filter(
      (runner) => runner.task === task && (runner.fallbackOnly !== true || madeFor(runner, intent)),
    );
    return [
      ...serving.filter((runner) => madeFor(runner, intent)),
      ...serving.filter((runner) => !madeFor(runner, intent)),
    ];
  };

  return {
    source: "local",
    async ready() {
      await probeAll();
    },
    status: probeAll,
    supports: (task) => available.some((runner) => runner.task === task),
    models: (task, intent) => firstRunners(task, intent).map(modelInfo),
    fallbackModels: (task, intent) =>
      available
        .filter((runner) => runner.task === task && runner.fallbackOnly === true && !madeFor(runner, intent))
        .map(modelInfo),
    expert(task, model): Expert | undefined {
      const runner = available.find((candidate) => candidate.task === task && candidate.model === model);
      if (!runner) return undefined;
      return {
        task,
        model,
        source: "local",
        run: (args, options) => runner.run(args, options),
      };
    },
    async close() {
      await Promise.all(runners.map((runner) => runner.close?.()));
    },
  };
}
