/**
 * What each clause asks: its best intent when it stands out, a reader and what reads its output
 * ("read this sign aloud"), a question when two readings that can run here are close, or nothing.
 */
import type { Clause } from "./clauses.js";
import type { PlanningContext } from "./context.js";
import { intentById } from "./intent-table.js";
import { type IntentScore, mediumOf, scoreIntents } from "./intents.js";
import type { OfflineIntent } from "./lexicon.js";
import { intentServable } from "./messages.js";
import { readsPhotoText } from "./sources.js";
import { readWords } from "./words.js";

/** A clause's best intent plans at this score; below, only a clear lone candidate or a question. */
export const PLAN_AT = 2.5;
/** Evidence of an ask at all: below this a clause names none. */
export const WEAK = 1.5;
/** Two readings this close are asked about rather than guessed. */
export const CLOSE = 1;

/** A clause and what it asks: intents (a reader and what reads its output), a question between two, or nothing. */
export type Reading =
  /** `shared`: a fragment that asks what the next clause asks ("total and date on this receipt?"). */
  | { type: "intent"; clause: Clause; scores: IntentScore[]; shared?: boolean }
  | { type: "ambiguous"; clause: Clause; first: IntentScore; second: IntentScore }
  | { type: "none"; clause: Clause; evidence: boolean };

/**
 * Each clause's reading. A clause that names no ask ("the bikes" of "count the cars and the bikes")
 * is read together with the one before it.
 */
export function readClauses(clauses: readonly Clause[], context: PlanningContext): Reading[] {
  const readings: Reading[] = [];
  for (const clause of clauses) {
    const follows = readings.some((earlier) => earlier.type === "intent");
    const reading = readClause(clause, context, [], follows);
    const previous = readings.at(-1);
    if (reading.type === "none" && !reading.evidence && previous && !clause.question) {
      const joined: Clause = {
        text: `${previous.clause.text} and ${clause.text}`,
        words: [...previous.clause.words, ...readWords("and"), ...clause.words],
        literals: [...previous.clause.literals, ...clause.literals],
        question: previous.clause.question,
      };
      readings[readings.length - 1] = readClause(joined, context, [], readings.length > 1);
      continue;
    }
    readings.push(reading);
  }
  return shareAsks(readings, context);
}

/**
 * "total and date on this receipt?": a fragment that only hints at what the next clause asks asks
 * the same of its own subject.
 */
function shareAsks(readings: Reading[], context: PlanningContext): Reading[] {
  for (let index = readings.length - 2; index >= 0; index--) {
    const fragment = readings[index];
    const next = readings[index + 1];
    if (
      fragment?.type !== "none" ||
      !fragment.evidence ||
      next?.type !== "intent" ||
      next.scores.length !== 1
    )
      continue;
    const asked = next.scores[0]?.intent;
    const same = scoreIntents(fragment.clause, context.scoring).find(
      (score) => score.intent === asked && !score.negated,
    );
    if (same) readings[index] = { type: "intent", clause: fragment.clause, scores: [same], shared: true };
  }
  return readings;
}

/** Intents that read a photo or a recording into text, which a text intent of the same clause reads on. */
const READERS = new Set(["read-text", "transcribe", "detect-objects", "document-question", "describe-image"]);

/** Words that point at what an earlier ask of the request gave: "read the list out", "read it to me". */
const EARLIER_RESULT = /^(?:list|result|results|answer|output)$/;
const EARLIER_PRONOUN = /^(?:it|them|that|those)$/;

/**
 * One clause's reading; `follows`: an earlier clause of the request asks something, whose result
 * "it" or "the list" may mean.
 */
function readClause(
  clause: Clause,
  context: PlanningContext,
  excluded: readonly string[] = [],
  follows = false,
): Reading {
  const runs = (score: IntentScore) => intentServable(score.intent, context.servable);
  const named = (score: IntentScore) => score.strongest >= PLAN_AT;
  const reads = (score: IntentScore) => READERS.has(score.intent.id);
  const scores = scoreIntents(clause, context.scoring).filter(
    (score) => !score.negated && !excluded.includes(score.intent.id),
  );
  const [top, next] = scores;
  if (!top || top.score < WEAK) return { type: "none", clause, evidence: (top?.score ?? 0) > 0 };

  // "what's the tone of this scanned letter", "read out what the sign says": an ask on a text,
  // named outright, of a photo or recording attached here: the best reader of it goes first.
  const consumer = scores.find((score) => named(score) && onText(score) && score.score >= PLAN_AT);
  const readers = scores
    .filter((score) => reads(score) && attachedFor(score.intent, context) && score.score >= WEAK)
    .sort((a, b) => b.strongest - a.strongest || b.score - a.score);
  // A document question reads for another ask when the clause names what to find ("read me the
  // total"); else a clause that names a text ("does the email in this screenshot sound angry", "read
  // me what's on this menu") reads the text of the photo.
  const first = readers[0];
  const readText = intentById("read-text");
  const reader =
    first &&
    readText &&
    attachedFor(readText, context) &&
    !(first.intent.id === "document-question" && named(first)) &&
    readsPhotoText(clause, true)
      ? (readers.find((score) => score.intent === readText) ?? { ...first, intent: readText })
      : first;
  const onEarlier =
    follows &&
    (clause.words.some((word) => EARLIER_RESULT.test(word.lemma)) ||
      (!readsPhotoText(clause, true) && clause.words.some((word) => EARLIER_PRONOUN.test(word.lemma))));
  if (consumer && reader && !onEarlier && (reader === top || named(reader) || readsPhotoText(clause, true))) {
    return { type: "intent", clause, scores: [reader, consumer] };
  }

  const close =
    next !== undefined && next.score >= WEAK && top.score - next.score <= CLOSE && differ(top, next);
  let best = top;
  // A rival whose photo or recording is nowhere is no reading of this request ("read this txt file").
  if (close && !inputAtHand(next.intent, context))
    return readClause(clause, context, [...excluded, next.intent.id], follows);
  // Of two close readings, one that can run here beats one that cannot, unless the other is named
  // more strongly ("write a reply saying sorry" is writing, which cannot run, not reading aloud).
  if (close && runs(top) !== runs(next) && !(runs(next) && top.strongest > next.strongest))
    best = runs(top) ? top : next;
  // Two readings that can both run and that no cue tells apart ("read this" with a screenshot: its
  // text, or its text read aloud?) are asked about; never two that cannot run here.
  else if (close && runs(top)) return { type: "ambiguous", clause, first: top, second: next };
  // A weak reading plans only when it stands alone and what it reads is at hand ("read it" with a photo).
  if (
    best.score < PLAN_AT &&
    ((next && best.score - next.score < CLOSE) || !inputAtHand(best.intent, context))
  ) {
    return { type: "none", clause, evidence: true };
  }
  return { type: "intent", clause, scores: [best] };
}

/** An intent that works on a text (reads it aloud, classifies it), not on a photo or recording. */
function onText(score: IntentScore): boolean {
  return mediumOf(score.intent) === "text" && score.intent.task !== undefined;
}

/** Whether the photo or recording an intent reads is attached or in the thread. */
function inputAtHand(intent: OfflineIntent, context: PlanningContext): boolean {
  const medium = mediumOf(intent);
  return medium === "text" || context.scoring.attached.has(medium) || context.scoring.earlier.has(medium);
}

/** Whether the photo or recording a reader reads is attached to this message: a reader joins a clause only then. */
function attachedFor(intent: OfflineIntent, context: PlanningContext): boolean {
  const medium = mediumOf(intent);
  return medium !== "text" && context.scoring.attached.has(medium);
}

/** Two readings that would run different tasks, not one reading said two ways. */
function differ(a: IntentScore, b: IntentScore): boolean {
  return a.intent.task !== b.intent.task || a.intent.id !== b.intent.id;
}
