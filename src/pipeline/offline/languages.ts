/**
 * The languages a request names: "this German voice note", "it's in Spanish", "translate it into
 * French", "auf Deutsch". A language after "into"/"to" is a translation's target; any other one is
 * the language of the speech or text the request brings.
 */
import { detectLoadedLanguage } from "../../language/detect.js";
import { normalizeLanguage } from "../../language/index.js";
import { taskSpec } from "../../tasks/index.js";
import type { Plan, PlannedTask } from "../types.js";
import type { Clause } from "./clauses.js";
import { plainSpelling, readWords, type Word } from "./words.js";

export interface LanguageMention {
  code: string;
  /** The word before it: "into", "to" and "in" name where a translation goes ("into French"). */
  after: string | undefined;
  /** The word before that: "it's in French", "a voicemail in French" say what the source is in. */
  subject: string | undefined;
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
    return code ? [{ code, after: words[index - 1]?.lemma, subject: words[index - 2]?.lemma }] : [];
  });
}

/** A mention that names where a text should go ("into French", "to English", "in German"). */
export function isTarget(mention: LanguageMention): boolean {
  if (mention.after === "in" && SOURCE_SUBJECT.test(mention.subject ?? "")) return false;
  return mention.after === "into" || mention.after === "to" || mention.after === "in";
}

/** What is "in French" as written or spoken, not to be turned into it: "it's", "a voicemail", "written". */
const SOURCE_SUBJECT =
  /^(?:be|voicemail|message|note|memo|recording|call|letter|sign|text|email|mail|document|write|written|speak|spoken|record|recorded)$/;

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

/**
 * The language a request asks its words to be spoken in, when that is not the language they are
 * written in: "how do you say 'where is the station' in Spanish", "read this note out in Spanish,
 * she doesn't speak much English". That is a translation first. The text's language is known when
 * the request names it as the source ("this German voice note", "it's in German") or a step that
 * read it was given it; otherwise it is taken as English, the language the offline planner reads.
 */
export function spokenInAnotherLanguage(
  plan: Plan,
  text: string,
  earlier: ReadonlySet<string>,
): string | undefined {
  const words = readWords(plainSpelling(text));
  const spoken = words.flatMap((word, index) => {
    const code = languageOfWord(word, words[index - 1], words[index + 1]);
    const before = words[index - 1]?.lemma;
    const describes = /^(?:be|write|record|speak|say)$/.test(words[index - 2]?.lemma ?? "");
    return code && before === "in" && !describes ? [code] : [];
  });
  const sources = languageMentions(words)
    .filter((mention) => mention.after !== "in")
    .map((mention) => mention.code);
  const byId = new Map(plan.tasks.map((task) => [task.id, task]));
  for (const task of plan.tasks) {
    if (task.task !== "text-to-speech") continue;
    const language = task.args.language?.type === "literal" ? task.args.language.text : undefined;
    if (!language || !spoken.includes(language)) continue;
    // An earlier turn's result may well be in that language already ("read it out, in German is fine").
    const source = task.args.text;
    if (source?.type === "input" && earlier.has(source.name)) continue;
    const fed = task.dep.some((dep) => {
      const from = byId.get(dep)?.args.language;
      return from?.type === "literal" && from.text === language;
    });
    // A quoted text already in that language is only spoken: "say 'Guten Morgen' in German".
    const quoted = source?.type === "literal" ? detectLoadedLanguage(source.text) : undefined;
    const written =
      quoted ?? sources.find((code) => code !== language) ?? (sources.includes(language) ? language : "en");
    if (!fed && written !== language) return language;
  }
  return undefined;
}
