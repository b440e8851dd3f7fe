/**
 * Which intent a clause asks for: every cue of the lexicon is matched on the clause's lemmas, their
 * weights add up per intent, and what the request has at hand adjusts them (a photo attached makes
 * photo intents likelier, a document noun a document question). Cues inside a negation ("don't read
 * it aloud") count against their intent instead.
 */
import { type InputKind, type TaskName, taskSpec } from "../../tasks/index.js";
import type { Clause } from "./clauses.js";
import { OFFLINE_INTENTS } from "./intent-table.js";
import { DOCUMENTS, type OfflineIntent } from "./lexicon.js";
import type { Word } from "./words.js";

/** A cue that is about a negation itself ("can not hear") is not undone by it. */
const NAMES_NEGATION = /\b(?:not|cannot|never|no)\b/;

/** Words after which a negation is what to check, not what not to do ("check it isn't too negative"). */
const CHECKS = /^(?:check|ensure|verify|sure|whether|if|confirm)$/;

/** "no idea what this says", "i can't read the timetable": the user's own not knowing or not managing. */
const INABILITY = /\b(?:no idea|not sure|do not know|dunno|can not (?:read|see|hear|understand|make out))\b/;

/**
 * Whether a word before `index` asks to check something that the negation after it is part of, or
 * says what the user cannot do (the ask is for the bot to do it).
 */
function checksNegation(words: readonly Word[], index: number): boolean {
  const before = words.slice(0, index);
  return (
    before.some((word) => CHECKS.test(word.lemma) && !word.negated) ||
    INABILITY.test(before.map((word) => word.lemma).join(" "))
  );
}

/** How many words a "*" may skip. */
const GAP = 3;

/** A cue compiled: each element a set of words, or a gap. */
type Pattern = ReadonlyArray<ReadonlySet<string> | "gap">;

const compiled = new Map<string, Pattern>();

function compile(source: string): Pattern {
  let pattern = compiled.get(source);
  if (!pattern) {
    pattern = source
      .split(/\s+/)
      .map((element) => (element === "*" ? ("gap" as const) : new Set(element.split("|"))));
    compiled.set(source, pattern);
  }
  return pattern;
}

/**
 * The forms a word is matched by: its lemma, its text, and its lemma without a plural ending, so
 * that "screenshots" (which the model leaves as it is) matches the cue word "screenshot".
 */
function formsOf(word: Word): string[] {
  const text = word.text.toLowerCase();
  const forms = [word.lemma, text];
  if (word.lemma.endsWith("es")) forms.push(word.lemma.slice(0, -2));
  if (word.lemma.endsWith("s")) forms.push(word.lemma.slice(0, -1));
  // "Reading it aloud" tagged as a noun keeps its -ing: "read", and "transcribe" for "transcribing".
  if (text.endsWith("ing") && text.length > 5) forms.push(text.slice(0, -3), `${text.slice(0, -3)}e`);
  return forms;
}

/** The words of a clause as the matcher reads them, computed once per word list. */
interface Prepared {
  /** Indexes of the words that are not punctuation. */
  indexes: number[];
  forms: string[][];
  /** Every form of every word: a cue whose first element has none of them cannot match. */
  all: ReadonlySet<string>;
}

const prepared = new WeakMap<readonly Word[], Prepared>();

function prepare(words: readonly Word[]): Prepared {
  let found = prepared.get(words);
  if (!found) {
    const forms = words.map(formsOf);
    found = {
      indexes: words.flatMap((word, index) => (word.pos === "PUNCT" ? [] : [index])),
      forms,
      all: new Set(forms.flat()),
    };
    prepared.set(words, found);
  }
  return found;
}

export interface CueMatch {
  /** Index of the first and one past the last word matched. */
  start: number;
  end: number;
  /** A word matched is inside a negation ("read" in "don't read it"). */
  negated: boolean;
}

/** The first match of a pattern in the words (punctuation skipped), or undefined. */
export function matchCue(source: string, words: readonly Word[]): CueMatch | undefined {
  const pattern = compile(source);
  const { indexes, forms, all } = prepare(words);
  const head = pattern[0];
  if (head !== "gap" && head !== undefined && ![...head].some((word) => all.has(word))) return undefined;
  const matches = (index: number, element: ReadonlySet<string>) =>
    (forms[index] ?? []).some((form) => element.has(form));
  const attempt = (element: number, position: number, first: number): CueMatch | undefined => {
    if (element === pattern.length) {
      const end = (indexes[position - 1] ?? indexes.length) + 1;
      // "I cannot hear": the scope of a negation covers "hear" but not "I".
      const negated =
        !NAMES_NEGATION.test(source) &&
        words.slice(first, end).some((word) => word.negated && word.pos !== "PART") &&
        !checksNegation(words, first);
      return { start: first, end, negated };
    }
    const current = pattern[element];
    if (current === "gap") {
      for (let skip = 0; skip <= GAP && position + skip <= indexes.length; skip++) {
        const found = attempt(element + 1, position + skip, first);
        if (found) return found;
      }
      return undefined;
    }
    const index = indexes[position];
    if (index === undefined || !current || !matches(index, current)) return undefined;
    return attempt(element + 1, position + 1, element === 0 ? index : first);
  };
  for (let position = 0; position < indexes.length; position++) {
    const found = attempt(0, position, indexes[position] ?? 0);
    if (found) return found;
  }
  return undefined;
}

/** What the request has at hand, as the scores see it. */
export interface IntentContext {
  /** Kinds attached to this message (video counts as audio where an expert reads it). */
  attached: ReadonlySet<InputKind>;
  /** Kinds available from earlier turns. */
  earlier: ReadonlySet<InputKind>;
  /** An attached photo's file name says it is a document ("receipt.jpg", "invoice_march.png"). */
  documentFiles: boolean;
  /** Readers whose text an earlier turn gave already (a photo's text, a recording's transcript). */
  readEarlier?: ReadonlySet<TaskName>;
}

export interface IntentScore {
  intent: OfflineIntent;
  score: number;
  /** The weight of its strongest cue: 2.5 and more name the intent, less only hints at it. */
  strongest: number;
  /** Where its strongest cue ends, for the words after it ("say good night"). */
  end: number;
  /** Its cues were inside a negation: the clause asks not to do it. */
  negated: boolean;
}

/** The medium an intent works on: the photo or recording of its task, or a text. */
export function mediumOf(intent: OfflineIntent): InputKind {
  if (!intent.task) return "text";
  const args = taskSpec(intent.task).args;
  return args.image ? "image" : args.audio ? "audio" : "text";
}

const IMAGE_WORDS =
  /^(?:photo|picture|image|screenshot|shot|snapshot|scan|selfie|meme|pfp|wallpaper|slide|sign|poster|menu|whiteboard|board|handout|label)s?$/;
const AUDIO_WORDS = /^(?:recording|audio|voice|memo|clip|call|podcast|lecture|voicemail|message)s?$/;
const DOCUMENT_WORDS = new RegExp(`^(?:${DOCUMENTS})s?$`);

/** How many of the clause's words name each medium. */
function mediaNamed(words: readonly Word[]): { image: boolean; audio: boolean; document: boolean } {
  const lemmas = words.map((word) => word.lemma);
  return {
    image: lemmas.some((lemma) => IMAGE_WORDS.test(lemma)),
    audio: lemmas.some((lemma) => AUDIO_WORDS.test(lemma)),
    document: lemmas.some((lemma) => DOCUMENT_WORDS.test(lemma)),
  };
}

/** A bonus for an intent whose medium is at hand or named, a penalty when it is nowhere. */
function contextWeight(intent: OfflineIntent, clause: Clause, context: IntentContext): number {
  const medium = mediumOf(intent);
  const named = mediaNamed(clause.words);
  let weight = 0;
  if (medium === "image") {
    if (context.attached.has("image")) weight += 1;
    if (named.image) weight += 1;
    if (!context.attached.has("image") && !context.earlier.has("image") && !named.image) weight -= 1.5;
    if (named.audio && !named.image) weight -= 2.5;
  } else if (medium === "audio") {
    if (context.attached.has("audio")) weight += 1;
    if (named.audio) weight += 1;
    if (!context.attached.has("audio") && !context.earlier.has("audio") && !named.audio) weight -= 1.5;
    if (named.image && !named.audio) weight -= 2.5;
  } else if (context.attached.has("text") || clause.literals.length > 0) {
    weight += 0.5;
  }
  if (intent.id === "document-question" && (named.document || context.documentFiles)) weight += 1;
  // "read the slide text out" after the slide was read: the text is there, reading it again is no ask.
  const rereads = intent.id === "read-text" || intent.id === "transcribe";
  const earlierOnly = !context.attached.has(medium) && context.earlier.has(medium);
  if (rereads && intent.task && earlierOnly && context.readEarlier?.has(intent.task)) {
    weight -= 2;
  }
  return weight;
}

/**
 * Every intent with evidence in the clause, best first. A negative cue ("what does she say" for
 * reading aloud) cancels the positive cues inside the words it matched ("say"), not the others
 * ("read out what the sign says" still reads aloud).
 */
export function scoreIntents(clause: Clause, context: IntentContext): IntentScore[] {
  const scores: IntentScore[] = [];
  for (const intent of OFFLINE_INTENTS) {
    const positive: Array<{ match: CueMatch; weight: number }> = [];
    const cancelled: CueMatch[] = [];
    for (const [pattern, weight] of intent.cues) {
      const match = matchCue(pattern, clause.words);
      if (!match) continue;
      if (weight < 0) cancelled.push(match);
      else positive.push({ match, weight });
    }
    const kept = positive.filter(
      ({ match }) => !cancelled.some((span) => match.start >= span.start && match.end <= span.end),
    );
    let score = 0;
    let against = 0;
    let end = -1;
    let strongest = 0;
    for (const { match, weight } of kept) {
      if (match.negated) {
        against += weight;
        continue;
      }
      score += weight;
      if (weight > strongest || (weight === strongest && match.end > end)) {
        strongest = weight;
        end = match.end;
      }
    }
    if (score === 0 && against === 0) continue;
    // A statement is no question about a document; a fragment without a verb ("amount due pls") is one.
    const statement = !clause.question && clause.words.some((word) => word.pos === "VERB");
    if (intent.id === "document-question" && statement) score -= 2;
    const negated = against > 0 && against > score;
    scores.push({
      intent,
      score: negated ? 0 : score + contextWeight(intent, clause, context),
      strongest,
      end,
      negated,
    });
  }
  return scores.sort((a, b) => b.score - a.score);
}

/**
 * Whether words name an ask that takes a text ("say", "is it positive"): what follows its colon is
 * that text ("say: hello"), where after "before i put this on the website:" the asks go on.
 */
export function namesATextAsk(words: readonly Word[]): boolean {
  return OFFLINE_INTENTS.some(
    (intent) =>
      mediumOf(intent) === "text" &&
      intent.cues.some(([pattern, weight]) => weight >= 2 && matchCue(pattern, words) !== undefined),
  );
}

/** Whether words name any ask at all: the default for bare attachments and the follow-ups use it. */
export function namesAnAsk(words: readonly Word[]): boolean {
  return OFFLINE_INTENTS.some((intent) =>
    intent.cues.some(([pattern, weight]) => weight >= 2 && matchCue(pattern, words) !== undefined),
  );
}
