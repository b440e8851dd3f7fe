/**
 * Which clauses of a request ask something and which only remark beside an ask. A remark that only
 * hints at an ask ("need a headcount for the field trip form") runs alone or not at all; a short hint
 * ("speech pls") is an ask of its own.
 */
import type { Reading } from "./readings.js";
import { PLAN_AT, WEAK } from "./readings.js";

type IntentReading = Extract<Reading, { type: "intent" }>;

/** A clause that says what something is or where, or what the user cannot: "it's on the invoice", "can't read the top bit". */
const DESCRIPTION =
  /^(?:(?:it|this|that|these|those|they|one|the\s+\w+|my\s+\w+)(?:\s+(?:is|are|was|were)|'s|'re)|(?:i\s+)?(?:can't|cant|can not|cannot)\s+(?:read|see|hear|make out))\b/i;

/** A clause that only hints: it is run when no other clause asks clearly. */
function hints(reading: IntentReading): boolean {
  const { clause, scores } = reading;
  // A description with no strong cue ("it's somewhere on the invoice", "the scan is a bit wonky").
  const describes =
    !clause.question && DESCRIPTION.test(clause.text) && scores.every((score) => score.strongest < 4);
  // A statement whose cues only hint ("someone sent it in a group chat"): a sentence with a subject,
  // not an imperative ("listen to this"), a fragment ("total and date") or a question ("what does it say").
  const remark =
    !clause.question &&
    /^(?:PRON|NOUN|PROPN|DET)$/.test(clause.words[0]?.pos ?? "") &&
    clause.words.some((word) => word.pos === "VERB") &&
    !clause.words.some((word) => /^(?:what|which|who|how|where|when|why)$/.test(word.lemma)) &&
    scores.every((score) => score.strongest < PLAN_AT);
  const faint =
    scores.every((score) => score.score < PLAN_AT || score.strongest <= WEAK) &&
    (clause.words.filter((word) => /^(?:NOUN|VERB|ADJ|PROPN)$/.test(word.pos)).length >= 3 ||
      // a cue that hardly names anything ("they would say that") is no ask of its own either
      scores.every((score) => score.strongest < 1));
  return describes || remark || faint;
}

/**
 * Whether the clause's intents are planned: not when it only hints beside a clear ask, nor when it
 * repeats, faintly, what a clear ask says ("how much did we pay? receipt attached").
 */
export function asks(reading: Reading, readings: readonly Reading[]): reading is IntentReading {
  if (reading.type !== "intent") return false;
  const clearOthers = readings.filter(
    (other): other is IntentReading =>
      other !== reading && other.type === "intent" && other.scores.some((score) => score.score >= PLAN_AT),
  );
  const repeats =
    !reading.shared &&
    reading.scores.every((score) => score.score < PLAN_AT) &&
    clearOthers.some((other) =>
      other.scores.some((score) => reading.scores.some((mine) => mine.intent === score.intent)),
    );
  return !repeats && !(hints(reading) && clearOthers.length > 0);
}
