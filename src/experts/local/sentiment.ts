/**
 * Sentiment on this machine: the `sentiment` package, a word list (AFINN-165, English) with
 * negation ("not good"). Instant and tiny, and no model: it reads the words, not the meaning, so
 * irony and domain language escape it.
 */
import { createRequire } from "node:module";
import type { Label, Resource } from "../../tasks/index.js";
import { requireText } from "../hosted/inputs.js";
import type { ExpertArgs, ExpertRunOptions } from "../types.js";
import type { LocalAvailability, LocalRunner } from "./types.js";

const require = createRequire(import.meta.url);

/**
 * How steeply the comparative score (AFINN points per word, -5..5) turns into a probability:
 * p(positive) = 1 / (1 + e^(-k × comparative)). With k = 4 one mild word in a twelve-word sentence
 * ("good", +3, comparative 0.25) gives 0.73; "The food was good" (0.75) gives 0.95; a sentence of
 * strong words (comparative above 1) gives more than 0.98. Mixed sentences land near 0.5, as they should.
 */
const STEEPNESS = 4;

interface Analysis {
  score: number;
  comparative: number;
  /** The words of the list found in the text; without it, a score of 0 stands for none. */
  words?: readonly string[];
}

interface Analyzer {
  analyze(text: string): Analysis;
}

type AnalyzerConstructor = new () => Analyzer;

/**
 * Labels for an analysis. `neutral` alone (score 1) means exactly this: no word of the text is on the
 * list, so the list cannot tell (the offline answer says so in words, not as "neutral (1.00)").
 * Otherwise `positive` and `negative`, whose scores sum to 1, the larger first; words that cancel
 * out give 0.5 each, a mixed text rather than one without sentiment.
 */
export function sentimentLabels(analysis: Analysis): Label[] {
  const none = analysis.words ? analysis.words.length === 0 : analysis.score === 0;
  if (none || !Number.isFinite(analysis.comparative)) return [{ label: "neutral", score: 1 }];
  const positive = 1 / (1 + Math.exp(-STEEPNESS * analysis.comparative));
  const labels: Label[] = [
    { label: "positive", score: positive },
    { label: "negative", score: 1 - positive },
  ];
  return labels.sort((a, b) => b.score - a.score);
}

/** The local text-classification runner (English sentiment); loads its word list on the first run. */
export function createSentimentRunner(): LocalRunner {
  let analyzer: Analyzer | undefined;

  async function load(): Promise<Analyzer> {
    if (!analyzer) {
      const module: unknown = await import("sentiment");
      const create: unknown = Reflect.get(module as object, "default") ?? module;
      if (typeof create !== "function") throw new Error("sentiment exports no analyzer");
      analyzer = new (create as AnalyzerConstructor)();
    }
    return analyzer;
  }

  return {
    task: "text-classification",
    model: "local/sentiment-afinn",
    description: "English sentiment: positive, negative or neutral (AFINN-165 word list)",
    competence: {
      languages: ["en"],
      labelSpace: { aspect: "sentiment", labels: ["positive", "negative", "neutral"] },
    },
    // It counts words: irony, domain language and anything but English escape it.
    rank: { tier: 1, cost: "free", typicalMs: 1 },

    async probe(): Promise<LocalAvailability> {
      try {
        require.resolve("sentiment");
        return { available: true, detail: "AFINN-165 word list from the sentiment package" };
      } catch {
        return {
          available: false,
          reason: "sentiment not installed",
          howToAdd: "npm ci --include=optional (it installs sentiment)",
        };
      }
    },

    async run(args: ExpertArgs, options: ExpertRunOptions): Promise<Resource> {
      const text = requireText("text-classification", args, "text");
      const sentiment = await load();
      options.signal.throwIfAborted();
      return { kind: "labels", labels: sentimentLabels(sentiment.analyze(text)) };
    },
  };
}
