/**
 * Ordinal words that pick one of several files: "the second one", "the other pic", "the last
 * recording"; told apart from the same words as a time ("the last 3 nights", "first thing").
 */
import type { NamedInput } from "../types.js";
import type { Word } from "./words.js";

const FIRST = /^(?:first|1st|former)$/;
const SECOND = /^(?:second|2nd|latter|other)$/;
const LAST = /^(?:last|newest|latest)$/;

/** Words after an ordinal that make it a time, not a pick: "the last 3 nights", "first thing". */
const NOT_A_PICK = /^(?:night|day|week|month|year|time|thing|minute|hour|weekend)s?$/;

/** Whether the clause counts with one of these words ("the second one"), not a time ("last week"). */
function counts(words: readonly Word[], ordinal: RegExp): boolean {
  return words.some((word, index) => {
    if (!ordinal.test(word.lemma)) return false;
    const next = words[index + 1];
    const after = next?.pos === "NUM" ? words[index + 2] : next;
    return !NOT_A_PICK.test(after?.lemma ?? "");
  });
}

/** One input of a list picked by an ordinal word of the clause, or undefined when none is named. */
export function byOrdinal(words: readonly Word[], inputs: readonly NamedInput[]): NamedInput | undefined {
  if (inputs.length < 2) return undefined;
  if (counts(words, FIRST)) return inputs[0];
  if (counts(words, SECOND)) return inputs[1];
  if (counts(words, LAST)) return inputs.at(-1);
  return undefined;
}
