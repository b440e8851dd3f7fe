/**
 * A request cut into clauses, each an ask of its own: at sentence ends and at the words that join
 * asks ("and", "then", "and also", "after that", "plus"), with "after you X", "before you X, Y" and
 * "X first" put in the order they run. Quoted texts, and the text after a colon that follows an ask ("say: hello"), are kept
 * aside as literals: arguments to pass on, never words to read as instructions.
 */
import { plainSpelling, readWords, type Word } from "./words.js";

export interface Clause {
  /** The clause as written (chat spelling made plain), each literal replaced by a placeholder. */
  text: string;
  /** Its words, placeholders included (as the word "literal"). */
  words: Word[];
  /** The literal texts it holds, in order. */
  literals: string[];
  /** Asked as a question ("what is…", "…?"): a question about a document is a document question. */
  question: boolean;
}

const PLACEHOLDER = /⟦(\d+)⟧/g;
const QUOTED = /"([^"]+)"|(?<=^|[\s(:])'([^']+)'(?=$|[\s.,!?;:)])/g;
/** Where asks are joined: sentence ends, lines, and the words that join asks. */
const BREAK =
  /(?<=[.?!;])\s+|\n+|\s*(?:→|->|=>)\s*|\s*,?\s+(?:and\s+then|and\s+also|and\s+after\s+that|then|after\s+that|afterwards|also|and|plus|but|as\s+well\s+as)\s+|\s*,\s*(?=(?:and\s+)?(?:then|also|just|only|not|do\s+not)\b)/i;
export const QUESTION_START =
  /^(?:what|which|who|whom|whose|where|when|why|how|is|are|was|were|do|does|did|can|could|will|would|should|has|have|any)\b/i;
/** A clause that must run before the one written ahead of it. */
const GOES_FIRST = /\b(?:first|before that|beforehand)\b|^(?:after|once)\b/i;
/** "read it aloud after you transcribe it": the clause after "after" runs first. */
const AFTER = /\s+(?:after|once)\s+(?=(?:you|u|i|we|it'?s?|transcrib|translat|read|detect|count|find)\w*)/i;

/**
 * "…so I can paste it into my translator app": what the user will do with the result is no ask of
 * the bot's. The words stay in the request (its languages are read from the whole text).
 */
const PURPOSE =
  /(?:^|\s*,?\s+)so\s+(?:that\s+)?(?:i|we|u|you|they|he|she|my\s+\w+)\s+(?:can|could|will|may|might|would|'ll)\b.*$/i;

/** The literal placeholder as a word the NLP model reads as a noun. */
const LITERAL_WORD = " literal ";

/**
 * The request's clauses. `hasAsk` tells whether words name an ask that takes a text, for the colon
 * rule: "is this review good or bad: the pizza was cold" keeps the review as a literal.
 */
export function splitClauses(request: string, hasAsk: (text: string) => boolean): Clause[] {
  const literals: string[] = [];
  const keep = (literal: string): string => {
    literals.push(literal.trim());
    return ` ⟦${literals.length - 1}⟧ `;
  };
  let marked = plainSpelling(request).replace(QUOTED, (_match, a?: string, b?: string) => keep(a ?? b ?? ""));
  marked = markColonLiteral(marked, keep, hasAsk);

  const parts = marked
    .split(BREAK)
    .map((part) => part.trim())
    .filter((part) => part.length > 0 && /[\p{L}\p{N}⟦]/u.test(part));
  const ordered = orderParts(parts)
    .map((part) =>
      part
        // …keeping a quoted text in it: "so i can hear how it sounds: '…'" still passes the text on.
        .replace(PURPOSE, (purpose) => (purpose.match(/⟦\d+⟧/g) ?? []).join(" "))
        // "…in this photo? and book a table": the joining word after a sentence's end.
        .replace(/^(?:and|also|then|plus)\s+/i, "")
        .trim(),
    )
    .filter((part) => /[\p{L}\p{N}⟦]/u.test(part));
  return ordered.map((part): Clause => {
    const own = [...part.matchAll(PLACEHOLDER)].map((match) => literals[Number(match[1])] ?? "");
    return {
      text: part,
      words: readWords(part.replace(PLACEHOLDER, LITERAL_WORD)),
      literals: own.filter((literal) => literal.length > 0),
      question: part.endsWith("?") || QUESTION_START.test(part),
    };
  });
}

/** "before you read it out, check it": the ask after the comma goes first. */
const BEFORE_YOU = /^before\s+(?:you|u|i|we)\s+([^,]+),\s*(.+)$/i;

/** "read it aloud after you transcribe it" → transcribe, then read; "X. Y first" → Y, then X. */
function orderParts(parts: readonly string[]): string[] {
  const split = parts.flatMap((part) => {
    const before = BEFORE_YOU.exec(part);
    if (before?.[1] && before[2]) return [before[2], before[1]];
    const after = AFTER.exec(part);
    if (!after || after.index === 0) return [part];
    return [part.slice(after.index + after[0].length), part.slice(0, after.index)];
  });
  const first = split.filter((part, index) => index > 0 && GOES_FIRST.test(part));
  return [...first, ...split.filter((part) => !first.includes(part))];
}

/** "say: hello there. Bye" keeps everything after the colon as the text to speak. */
function markColonLiteral(
  text: string,
  keep: (literal: string) => string,
  hasAsk: (text: string) => boolean,
): string {
  // Not the colon of a link nor of a time ("before the 2:00 call").
  const colon = /(?<!\d):(?!\/\/)|:(?!\d|\/\/)/.exec(text);
  if (!colon) return text;
  const before = text.slice(0, colon.index);
  const after = text.slice(colon.index + 1).trim();
  // "two things: …", "quick q: …" announce the asks that follow; they are no text.
  const announces = /\b(?:things?|questions?|qs?|asks?|requests?|favou?rs?)\s*$/i.test(before);
  if (after === "" || /⟦\d+⟧/.test(after) || announces || !hasAsk(before)) return text;
  return `${before}${keep(after)}`;
}

/** The clause's text with placeholders removed. */
export function withoutLiterals(text: string): string {
  return text.replace(PLACEHOLDER, " ").replace(/\s+/g, " ").trim();
}
