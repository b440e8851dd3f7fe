/**
 * The words after a cue as a text of the user's own, to pass on ("say good night", "draw a red
 * bicycle"), told apart from words that point at something ("read it out", "read the list back")
 * or that are a remark ("read it aloud, i left my glasses at home").
 */
import { type Clause, withoutLiterals } from "./clauses.js";

/** Words that soften or order a request: not part of a text to speak or classify. */
const FILLER_START =
  /^(?:[\s:,-]+|(?:of|about|me|us|for me|please|the words?|the sentence|the phrase|out|aloud|back)\b)+/i;
const FILLER_END =
  /(?:[\s.?!,;:]+|\b(?:please|first|for me|now|then|again|too|aloud|out loud|as audio|lol|lmao|thanks|thank you|thx)\b)+$/i;
const POINTING_PHRASE =
  /^(?:it|this|that|these|those|them|(?:the|this|that|these|those|my|your|his|her|their|our)(?:\s+\S+){1,3}|what (?:it|you|he|she|they) \S+(?:\s+\S+)?)$/i;

/**
 * Words that begin a remark or a question rather than a text to pass on: "read it aloud, i left my
 * glasses at home", "tell me out loud what is in this photo".
 */
const NOT_A_TEXT =
  /^(?:so|because|cause|since|while|when|as|if|whether|or|and|but|what|which|who|where|how|why|in|on|at|from|for|with|to|into|my|i|we|he|she|they|it|its|it's|there|here|this|that|these|those|please|thanks|lol|lmao|the|a|an|both|all|each|some|any|his|her|our|their|your|every|everything|anything|whatever|message|note|memo|mail)\b/i;

const MADE_MEDIUM = /^(?:audio|recording|mp3|sound|narration|podcast|voiceover|version)$/;

/** How to read, not what: "read it aloud start to finish", "read them back one after the other". */
const MANNER =
  /^(?:start to finish|from start to finish|one after (?:the )?other|one by one|word for word|slowly|clearly|in order|at normal speed|in full|in one go)\b/i;

/**
 * The words after a cue, up to the next punctuation, as a text of the user's own ("say good night");
 * a `prompt` ("draw a red bicycle") may be any noun phrase.
 */
export function wordsAfter(clause: Clause, wordIndex: number, prompt = false): string | undefined {
  // "want an audio version for the owners": a cue that ends on what to make is followed by a remark.
  if (!prompt && MADE_MEDIUM.test(clause.words[wordIndex - 1]?.lemma ?? "")) return undefined;
  const following = clause.words.slice(wordIndex);
  // "read the words back slowly", "read out the due date": how to say, or what to find, not what to say.
  if (!prompt && /^(?:ADV|PRON|ADP|SCONJ|DET|AUX|PART)$/.test(following[0]?.pos ?? "")) return undefined;
  const stop = following.findIndex((word) => word.pos === "PUNCT" && word.text !== "'");
  const words = (stop < 0 ? following : following.slice(0, stop)).map((word) => word.text);
  const raw = words
    .join(" ")
    .replace(/\s+([,.!?;:'])/g, "$1")
    .replace(/\s*'\s*/g, "'");
  const cleaned = withoutLiterals(raw)
    .replace(/\bliteral\b/g, "")
    .replace(FILLER_START, "")
    .replace(FILLER_END, "")
    .trim();
  const pointing =
    POINTING_PHRASE.test(cleaned) || (!prompt && (NOT_A_TEXT.test(cleaned) || MANNER.test(cleaned)));
  if (cleaned === "" || pointing || cleaned.split(/\s+/).length < 2) {
    return undefined;
  }
  return cleaned;
}
