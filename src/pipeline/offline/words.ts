/**
 * The words of a request as the offline planner reads them: chat spelling made plain ("u", "pls",
 * "whats"), then wink-nlp's English model for lemmas ("reading" → "read"), parts of speech and the
 * scope of negations ("don't read it aloud": read, it, aloud are negated). wink-nlp was chosen over
 * compromise by measurement on the 124 requests of the development set: 0.69 ms a request against
 * 3.2 ms, lemmas as good, and contractions ("dont", "can't") split into "do not". The model loads
 * once (about 0.6 s, 17 MB); `loadWords` starts it early so that no request waits.
 */
import { loadLanguageDetector } from "../../language/detect.js";

/** One word (or punctuation mark) of a text. */
export interface Word {
  /** As written, after chat spelling was made plain. */
  text: string;
  /** Its lemma in lower case: "transcribing" → "transcribe", "pics" → "picture". */
  lemma: string;
  /** Universal part of speech (VERB, NOUN, PUNCT, ...). */
  pos: string;
  /** Inside the scope of a negation ("read" in "don't read it"). */
  negated: boolean;
}

interface WinkDocument {
  tokens(): {
    each(callback: (token: { out(property: unknown): unknown }) => void): void;
  };
}

interface Reader {
  readDoc(text: string): WinkDocument;
  its: { value: unknown; lemma: unknown; pos: unknown; negationFlag: unknown };
}

let reader: Reader | undefined;
let loading: Promise<Reader> | undefined;

/** Loads the English model (once); call early, so that the first request does not wait for it. */
export function loadWords(): Promise<void> {
  loading ??= (async () => {
    const [{ default: winkNlp }, { default: model }] = await Promise.all([
      import("wink-nlp"),
      import("wink-eng-lite-web-model"),
      // The language a quoted text is written in ("say 'Guten Morgen' in German" is no translation).
      loadLanguageDetector().catch(() => undefined),
    ]);
    const loaded = winkNlp(model, ["sbd", "negation", "pos"]) as unknown as Reader;
    reader = loaded;
    return loaded;
  })();
  return loading.then(() => undefined);
}

/**
 * Chat spellings and abbreviations as the words they stand for. Only whole words are replaced, so
 * "ur" in "your" or "r" in "row" is never touched.
 */
const CHAT_WORDS: ReadonlyMap<string, string> = new Map([
  ["u", "you"],
  ["ya", "you"],
  ["ur", "your"],
  ["r", "are"],
  ["pls", "please"],
  ["plz", "please"],
  ["pleeease", "please"],
  ["thx", "thanks"],
  ["ty", "thanks"],
  ["rn", "right now"],
  ["tho", "though"],
  ["abt", "about"],
  ["bc", "because"],
  ["cuz", "because"],
  ["msg", "message"],
  ["msgs", "messages"],
  ["pic", "picture"],
  ["pics", "pictures"],
  ["pix", "pictures"],
  ["img", "image"],
  ["imgs", "images"],
  ["vid", "video"],
  ["vids", "videos"],
  ["vm", "voice message"],
  ["vn", "voice note"],
  ["voicenote", "voice note"],
  ["voicenotes", "voice notes"],
  ["voicemail", "voice message"],
  ["screenie", "screenshot"],
  ["screencap", "screenshot"],
  // Typing in a hurry: swapped letters of the words that carry an ask.
  ["hwo", "how"],
  ["waht", "what"],
  ["whta", "what"],
  ["thsi", "this"],
  ["tihs", "this"],
  ["yuo", "you"],
  ["teh", "the"],
  ["trasncribe", "transcribe"],
  ["transcibe", "transcribe"],
  ["raed", "read"],
  ["ss", "screenshot"],
  ["txt", "text"],
  ["wat", "what"],
  ["wut", "what"],
  ["whats", "what is"],
  ["wats", "what is"],
  ["hows", "how is"],
  ["wheres", "where is"],
  ["whos", "who is"],
  ["thats", "that is"],
  ["theres", "there is"],
  ["theyre", "they are"],
  ["youre", "you are"],
  ["im", "i am"],
  ["ive", "i have"],
  ["cant", "can not"],
  ["dont", "do not"],
  ["doesnt", "does not"],
  ["didnt", "did not"],
  ["wont", "will not"],
  ["isnt", "is not"],
  ["gonna", "going to"],
  ["wanna", "want to"],
  ["gotta", "have to"],
  ["lemme", "let me"],
  ["gimme", "give me"],
  ["idk", "i do not know"],
  ["asap", "soon"],
  ["&", "and"],
  ["+", "and"],
  ["w/", "with"],
  ["w/o", "without"],
]);

/** The text with chat spellings replaced and curly quotes made straight. */
export function plainSpelling(text: string): string {
  return (
    text
      .replace(/[‘’`´]/g, "'")
      .replace(/[“”]/g, '"')
      // "invoice no. and amount due", "order no 4411": a number, not a refusal or a sentence end.
      .replace(
        /\b(invoice|order|ticket|account|reference|ref|receipt|booking|seat|gate|platform|flight|phone|tracking) no\.?(?=\s|$)/gi,
        "$1 number",
      )
      // A channel ("ok for #general?") is where something is posted.
      .replace(/(^|\s)#([a-z][\w-]*)/gi, "$1the $2 channel")
      // Whole words only, never the parts of a file name ("notes.txt").
      .replace(
        /(^|[\s(,!?;:])([a-z&+]+\/?[a-z]*)(?=$|[\s),!?;:]|\.(?:\s|$))/gi,
        (match, before: string, word: string) => {
          const plain = CHAT_WORDS.get(word.toLowerCase());
          return plain ? `${before}${plain}` : match;
        },
      )
  );
}

/**
 * The words of a text. Call `loadWords` first and await it; without the model (it failed to load)
 * the words are split on spaces with themselves as lemmas, which the planner still reads.
 */
export function readWords(text: string): Word[] {
  if (!reader) return fallbackWords(text);
  const { its } = reader;
  const words: Word[] = [];
  reader
    .readDoc(text)
    .tokens()
    .each((token) => {
      words.push({
        text: String(token.out(its.value)),
        lemma: String(token.out(its.lemma)).toLowerCase(),
        pos: String(token.out(its.pos)),
        negated: token.out(its.negationFlag) === true,
      });
    });
  return words;
}

function fallbackWords(text: string): Word[] {
  return (text.match(/[\p{L}\p{N}']+|[^\s\p{L}\p{N}]/gu) ?? []).map((word) => ({
    text: word,
    lemma: word.toLowerCase(),
    pos: /^[\p{L}\p{N}']+$/u.test(word) ? "X" : "PUNCT",
    negated: false,
  }));
}
