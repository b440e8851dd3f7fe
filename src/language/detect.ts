/**
 * The language of a text, offline: ELD (Efficient Language Detector) with its small n-gram
 * database, loaded on first use (packed to about 2 MB by eld-small.ts, in about 0.1 s). Chosen by
 * measurement on 535 short chat-style texts in 20 languages written for this purpose
 * (test/fixtures/language): 0.88 of all texts and 0.79 of the one-to-four-word ones right, English
 * told apart with precision 1.00 and recall 0.98, 0.08 ms a text; franc-min got 0.60, tinyld 0.88
 * (English recall 0.93), cld3 0.79. `npm run bench` measures it again.
 */
import { normalizeLanguage } from "./codes.js";
import { type LanguageDetector, loadSmallDetector } from "./eld-small.js";

let loading: Promise<LanguageDetector> | undefined;
let loaded: LanguageDetector | undefined;

function detector(): Promise<LanguageDetector> {
  // ELD's own module (the same database as one object literal, about 45 MB) if its files moved.
  loading ??= loadSmallDetector()
    .catch(() => import("eld/small").then((module) => module.eld))
    .then((ready) => {
      loaded = ready;
      return ready;
    });
  return loading;
}

/** Loads the detector (once), for `detectLoadedLanguage`; rejects as `detectLanguage` would. */
export async function loadLanguageDetector(): Promise<void> {
  await detector();
}

/** Fewer letters than this and no detector can tell ("ok", "lol"). */
const MIN_LETTERS = 3;
/** Enough of a long text to tell its language; detection time grows with the length. */
const MAX_CHARS = 2_000;

/**
 * The ISO 639-1 code of the language a text is written in, or undefined when the detector is not
 * sure (too short, mixed, no letters): callers then treat the language as unknown, not as English.
 *
 * @example
 * await detectLanguage("Guten Morgen, wie geht es dir heute?") // "de"
 * await detectLanguage("ok") // undefined
 */
export async function detectLanguage(text: string): Promise<string | undefined> {
  return detectWith(await detector(), text);
}

/**
 * `detectLanguage` for callers that cannot wait (the offline planner): undefined too while the
 * detector has not been loaded (`loadLanguageDetector`).
 */
export function detectLoadedLanguage(text: string): string | undefined {
  return loaded ? detectWith(loaded, text) : undefined;
}

function detectWith(detector: LanguageDetector, text: string): string | undefined {
  // Links, mentions and e-mail addresses are not words of any language.
  const words = text
    .slice(0, MAX_CHARS)
    .replace(/\bhttps?:\/\/\S+|<[@#!][^>]*>|\S+@\S+\.\S+/g, " ")
    .trim();
  if ((words.match(/\p{L}/gu) ?? []).length < MIN_LETTERS) return undefined;
  const result = detector.detect(words);
  if (!result.language || !result.isReliable()) return undefined;
  return normalizeLanguage(result.language);
}
