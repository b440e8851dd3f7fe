/**
 * The languages a request names: "this German voice note", "it's in Spanish", "translate it into
 * French", "auf Deutsch". A language after "into"/"to" is a translation's target; any other one is
 * the language of the speech or text the request brings.
 */
import { normalizeLanguage } from "../../language/index.js";
import { taskSpec } from "../../tasks/index.js";
import type { Plan, PlannedTask } from "../types.js";
import type { Clause } from "./clauses.js";
import { plainSpelling, readWords, type Word } from "./words.js";

export interface LanguageMention {
  code: string;
  /** The word before it: "into", "to" and "in" name where a translation goes ("into French"). */
  after: string | undefined;
}

/** Names of languages in their own language, as people write them in a request. */
const ENDONYMS: ReadonlyMap<string, string> = new Map([
  ["deutsch", "de"],
  ["français", "fr"],
  ["francais", "fr"],
  ["español", "es"],
  ["espanol", "es"],
  ["italiano", "it"],
  ["português", "pt"],
  ["portugues", "pt"],
  ["nederlands", "nl"],
  ["polski", "pl"],
  ["svenska", "sv"],
  ["türkçe", "tr"],
]);

/** Words that are language names in English only when they name a language: not "polish the text". */
const AMBIGUOUS = new Set(["polish", "chinese", "turkish"]);

/** Nouns after a language name that make it one: "Polish text", "Turkish voice note". */
const LANGUAGE_CONTEXT =
  /^(?:text|voice|note|message|speech|recording|sign|menu|letter|language|audio|subtitle|translation|version)s?$/;

/** The language a word names ("german", "Deutsch"), or undefined. */
function languageOfWord(word: Word, before: Word | undefined, after: Word | undefined): string | undefined {
  const lower = word.text.toLowerCase();
  const own = ENDONYMS.get(lower);
  if (own) return own;
  if (!/^[a-z]{4,}$/.test(lower)) return undefined;
  // "polish the text" is a verb: an ambiguous name counts when it is capitalized or clearly a language.
  if (
    AMBIGUOUS.has(lower) &&
    word.text === lower &&
    !/^(?:in|into|to|from)$/.test(before?.lemma ?? "") &&
    !LANGUAGE_CONTEXT.test(after?.lemma ?? "")
  ) {
    return undefined;
  }
  return normalizeLanguage(lower);
}

/** Every language the words name, each with the word before it. */
export function languageMentions(words: readonly Word[]): LanguageMention[] {
  return words.flatMap((word, index) => {
    const code = languageOfWord(word, words[index - 1], words[index + 1]);
    return code ? [{ code, after: words[index - 1]?.lemma }] : [];
  });
}

/** A mention that names where a text should go ("into French", "to English", "in German"). */
export function isTarget(mention: LanguageMention): boolean {
  return mention.after === "into" || mention.after === "to" || mention.after === "in";
}

/**
 * The languages the request names, on the tasks they concern: a translation's target from its own
 * clause ("into French"); for the others the language the request says its speech or text is in,
 * on the first task that reads it and on the tasks that read that task's output.
 */
export function withLanguages(plan: Plan, text: string, clauses: readonly Clause[]): Plan {
  const mentions = languageMentions(readWords(plainSpelling(text)));
  const source = mentions.find((mention) => !isTarget(mention) || !/translat/i.test(text))?.code;
  const translations = plan.tasks.filter((task) => task.task === "translation");
  const targets = clauses.flatMap((clause) =>
    languageMentions(clause.words)
      .filter(isTarget)
      .map((mention) => mention.code),
  );
  const languageOf = new Map<number, string>();
  const tasks = plan.tasks.map((task): PlannedTask => {
    const spec = taskSpec(task.task);
    const args = { ...task.args };
    if (task.task === "translation") {
      const target = targets[translations.indexOf(task)] ?? targets[0];
      if (target) args.language = { type: "literal", text: target };
      if (target) languageOf.set(task.id, target);
    } else if (spec.languageOf) {
      const fed = task.dep.map((dep) => languageOf.get(dep)).find((code) => code !== undefined);
      const own = spec.languageOf !== "text" || task.dep.length === 0 ? source : undefined;
      const language = fed ?? (languageOf.size === 0 ? own : undefined);
      if (language && !(language === "en" && !fed && own === undefined)) {
        args.language = { type: "literal", text: language };
        languageOf.set(task.id, language);
      }
    }
    return { ...task, args };
  });
  return { tasks };
}
