/**
 * What an expert can do beyond its task's name, and how it ranks against the others of its task.
 * Selection and execution consult both: a candidate that cannot do the request (German speech for
 * an English-only recognizer, spam labels for a sentiment word list) is never tried, and hybrid mode
 * tries the strongest competent candidate first.
 */
import { languageList, languageName, normalizeLanguage, sameLanguage } from "../language/index.js";
import { ASPECT_PHRASES, type LabelAspect, type TaskName, taskSpec, wantedAspects } from "../tasks/index.js";

/** What an expert declares it can do. An absent field means no limit is known. */
export interface Competence {
  /**
   * ISO 639-1 codes of the languages it understands (speech, text, text in images) or speaks.
   * Absent: any language, or none is declared.
   */
  languages?: readonly string[];
  /** For classifiers: what its labels tell apart, and the labels. */
  labelSpace?: { aspect: LabelAspect; labels: readonly string[] };
  /** Longest text it takes, in characters. */
  maxChars?: number;
  /**
   * Media types it reads ("audio/wav"), or whole families ("audio/"). Absent: whatever its task takes.
   */
  media?: readonly string[];
}

/**
 * How an expert ranks among the candidates of its task, as explicit data (README lists it):
 * hybrid mode tries a higher tier first, and a local expert first among equals.
 */
export interface ExpertRank {
  /** 3: state of the art (Whisper, DETR, fine-tuned classifiers); 2: good; 1: basic (word lists, formant speech, PocketSphinx). */
  tier: 1 | 2 | 3;
  /** What one call costs the operator: nothing (this machine, their own server), or metered by a provider. */
  cost: "free" | "metered";
  /** A typical call, in milliseconds, for README and the selection prompt. */
  typicalMs: number;
}

/** What a request asks of a task, beyond its task name: the facts competence is judged on. */
export interface TaskNeed {
  /** ISO 639-1 code of the speech or text the task works on, when known (planned, or detected). */
  language?: string;
  /** The labels the request wants told apart, as written in the plan's `labels` argument. */
  labels?: string;
  /** Length of the text argument, in characters. */
  chars?: number;
  /** Media type of the image or recording the task works on ("audio/mp4"). */
  media?: string;
}

/** How many languages are named in a reason before it only says which one is missing. */
const LISTED_LANGUAGES = 3;

/**
 * Why an expert cannot do what the task asks ("English only"), or undefined when it can or when
 * nothing it declares rules it out.
 *
 * @example
 * judgeCompetence("automatic-speech-recognition", { languages: ["en"] }, { language: "de" })
 * // "English only"
 */
export function judgeCompetence(
  task: TaskName,
  competence: Competence | undefined,
  need: TaskNeed,
): string | undefined {
  if (!competence) return undefined;
  const { languages, labelSpace, maxChars, media } = competence;
  if (need.language && languages && !languages.some((code) => sameLanguage(code, need.language ?? ""))) {
    return languages.length <= LISTED_LANGUAGES
      ? `${languageList(languages)} only`
      : `no ${languageName(need.language)}`;
  }
  if (labelSpace) {
    const wanted = need.labels ? wantedAspects(need.labels) : undefined;
    const fits = wanted ? wanted.has(labelSpace.aspect) : taskSpec(task).defaultAspect === labelSpace.aspect;
    if (!fits) {
      const listed = labelSpace.labels.length > 0 ? ` (${labelSpace.labels.join(", ")})` : "";
      return `only tells ${ASPECT_PHRASES[labelSpace.aspect]}${listed}`;
    }
  }
  if (need.chars !== undefined && maxChars !== undefined && need.chars > maxChars) {
    return `at most ${maxChars.toLocaleString("en-US")} characters`;
  }
  if (need.media && media && !readsMedia(media, need.media)) return `cannot read ${need.media}`;
  return undefined;
}

/** Whether a media type is among those listed: exactly, or by its family ("audio/"). */
function readsMedia(listed: readonly string[], type: string): boolean {
  const bare = type.split(";")[0]?.trim().toLowerCase() ?? "";
  return listed.some((entry) => (entry.endsWith("/") ? bare.startsWith(entry) : bare === entry));
}

/** Dataset and topic tags of the Hub that say what a classifier's labels are. */
const ASPECT_TAGS: ReadonlyArray<[RegExp, LabelAspect]> = [
  [
    /^(?:sentiment|sentiment-analysis|dataset:(?:sst2|sst-2|glue|imdb|amazon_polarity|yelp_polarity|tweet_eval|financial_phrasebank))$/,
    "sentiment",
  ],
  [/^(?:emotion|emotions|dataset:(?:go_emotions|dair-ai\/emotion|emotion))$/, "emotion"],
  [/^(?:nsfw|nsfw-detection|safety)$/, "safety"],
  [/^(?:toxic|toxicity|hate-speech|dataset:jigsaw_toxicity_pred)$/, "toxicity"],
  [/^(?:spam|spam-detection)$/, "spam"],
  [/^(?:language-identification|language-detection)$/, "language"],
  [/^(?:imagenet|imagenet-1k|imagenet-22k|dataset:(?:imagenet-1k|imagenet-21k|imagenet-22k))$/, "objects"],
];

/**
 * The competence a Hub model declares through its tags: its languages (two-letter tags, unless it
 * is tagged multilingual) for tasks where the language matters, and for classifiers the aspect its
 * labels cover when a tag says it. Models that declare nothing are assumed able.
 */
export function competenceFromTags(task: TaskName, tags: readonly string[]): Competence | undefined {
  const spec = taskSpec(task);
  const competence: Competence = {};
  if (spec.languageOf && !tags.includes("multilingual")) {
    const languages = [
      ...new Set(tags.filter((tag) => /^[a-z]{2}$/.test(tag)).flatMap((tag) => normalizeLanguage(tag) ?? [])),
    ];
    if (languages.length > 0) competence.languages = languages;
  }
  if (spec.defaultAspect !== undefined || spec.args.labels) {
    const aspect = ASPECT_TAGS.find(([pattern]) => tags.some((tag) => pattern.test(tag)))?.[1];
    if (aspect) competence.labelSpace = { aspect, labels: [] };
  }
  return Object.keys(competence).length > 0 ? competence : undefined;
}

/**
 * A competence in a few words, for `models`, `doctor` and the selection prompt:
 * "English only; labels: positive, negative, neutral", "96 languages; at most 5,000 characters".
 */
export function describeCompetence(competence: Competence | undefined): string {
  if (!competence) return "";
  const parts: string[] = [];
  const { languages, labelSpace, maxChars, media } = competence;
  if (languages) {
    parts.push(
      languages.length <= LISTED_LANGUAGES
        ? `${languageList(languages)} only`
        : `${languages.length} languages`,
    );
  }
  if (labelSpace) {
    parts.push(
      labelSpace.labels.length > 0
        ? `labels: ${labelSpace.labels.join(", ")}`
        : `tells ${ASPECT_PHRASES[labelSpace.aspect]}`,
    );
  }
  if (maxChars !== undefined) parts.push(`at most ${maxChars.toLocaleString("en-US")} characters`);
  if (media) {
    const families = media.filter((entry) => entry.endsWith("/"));
    parts.push(
      families.length === media.length
        ? `reads any ${families.map((family) => family.slice(0, -1)).join(" or ")} format`
        : `reads ${media
            .map((type) => type.replace(/^\w+\/(?:x-)?/, "").toUpperCase())
            .filter((name, index, all) => all.indexOf(name) === index)
            .join(", ")}`,
    );
  }
  return parts.join("; ");
}
