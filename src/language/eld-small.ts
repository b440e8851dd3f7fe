/**
 * ELD's small n-gram database, held compactly. ELD ships it as one JavaScript object literal
 * (81,206 n-grams, each an object of language index → score): imported as a module, it holds about
 * 45 MB of V8 heap and takes the process about 140 MB higher while V8 compiles the literal, which was
 * the largest single part of the bot's peak memory. Here the same file is read as text and its
 * entries are packed into one string and a few typed arrays (about 2 MB); ELD's own detector reads them
 * through a Proxy that builds an n-gram's small object when the detector looks it up, so detection,
 * scores and reliability are ELD's, unchanged (test/unit/language/eld-small.test.ts compares every
 * entry with the module's).
 */
import { readFile } from "node:fs/promises";

/** The part of ELD's detector used here. */
export interface LanguageDetector {
  detect(text: string): { language: string; isReliable(): boolean };
}

/** ELD's database as its detector takes it: `ngrams[ngram]` is `{ [languageIndex]: score }`. */
export interface NgramsData {
  type: string;
  languages: Record<number, string>;
  isSubset: boolean;
  ngrams: Record<string, Record<number, number> | undefined>;
}

/**
 * The packed database: the n-grams sorted and joined in one string (the n-th runs from `starts[n]`
 * to `starts[n + 1]`), each with where its (language, score) pairs start in `pairs` and how many.
 * One string and four typed arrays instead of a Map of 81,206 keys: about 2 MB instead of 6.
 */
export interface PackedNgrams {
  type: string;
  languages: Record<number, string>;
  /** How many n-grams. */
  size: number;
  keys: string;
  starts: Uint32Array;
  /** Per n-gram: offset × PAIRS_PER_OFFSET + number of pairs. */
  entries: Uint32Array;
  /** language index, score, language index, score, ... */
  pairs: Uint16Array;
}

/** ELD has 60 languages, so an n-gram never has 64 pairs. */
const PAIRS_PER_OFFSET = 64;

class FormatError extends Error {
  constructor(at: number, expected: string) {
    super(`ELD's n-gram file is not in the expected format at character ${at}: expected ${expected}`);
    this.name = "FormatError";
  }
}

/** The value of `name:'…'` at the top of the file. */
function quotedField(source: string, name: string, end: number): string {
  const match = new RegExp(`[{,]${name}:'([^'\\\\]*)'`).exec(source.slice(0, end));
  if (!match?.[1]) throw new FormatError(0, `a ${name} field`);
  return match[1];
}

/**
 * Reads `ngrams/small.js` as text: `export const ngramsData = {type:'S60',languages:{0:'am',…},
 * isSubset:false,ngrams:{'ngram':{11:50,37:12},bare:{0:176},…}}`. A key is a single-quoted string
 * (with `\'` and `\\` escapes) or a bare identifier; the scores are integers.
 */
export function packNgrams(source: string): PackedNgrams {
  const start = source.indexOf("ngrams:{");
  if (start < 0) throw new FormatError(0, "ngrams:{");
  const header = source.slice(0, start);
  const type = quotedField(source, "type", start);
  const languagesText = /languages:\{([^}]*)\}/.exec(header)?.[1];
  if (languagesText === undefined) throw new FormatError(0, "a languages object");
  const languages: Record<number, string> = {};
  for (const [, index, code] of languagesText.matchAll(/(\d+):'([a-z-]+)'/g)) {
    languages[Number(index)] = code ?? "";
  }

  const index = new Map<string, number>();
  const pairs: number[] = [];
  const integer = (from: number, to: number): number => {
    const text = source.slice(from, to);
    if (!/^\d+$/.test(text)) throw new FormatError(from, "an integer");
    return Number(text);
  };
  let at = start + "ngrams:{".length;
  while (source[at] !== "}") {
    let key: string;
    if (source[at] === "'") {
      let end = at + 1;
      let escaped = false;
      while (source[end] !== "'") {
        if (end >= source.length) throw new FormatError(at, "a closing quote");
        if (source[end] === "\\") {
          escaped = true;
          end += 1;
        }
        end += 1;
      }
      const raw = source.slice(at + 1, end);
      key = escaped ? raw.replace(/\\(.)/g, "$1") : raw;
      at = end + 1;
    } else {
      const end = source.indexOf(":", at);
      if (end < 0) throw new FormatError(at, "a key");
      key = source.slice(at, end);
      if (!/^[^\s'"{},:\\]+$/.test(key)) throw new FormatError(at, "a bare key");
      at = end;
    }
    if (source[at] !== ":" || source[at + 1] !== "{") throw new FormatError(at, ":{");
    at += 2;
    const offset = pairs.length / 2;
    for (;;) {
      const colon = source.indexOf(":", at);
      let end = colon + 1;
      while (end < source.length && source[end] !== "," && source[end] !== "}") end += 1;
      const language = integer(at, colon);
      const score = integer(colon + 1, end);
      if (languages[language] === undefined || score > 0xffff)
        throw new FormatError(at, "a language and a score");
      pairs.push(language, score);
      at = end + 1;
      if (source[end] === "}") break;
    }
    const count = pairs.length / 2 - offset;
    if (index.has(key) || count >= PAIRS_PER_OFFSET) throw new FormatError(at, "one entry per n-gram");
    index.set(key, offset * PAIRS_PER_OFFSET + count);
    if (source[at] === ",") at += 1;
    else if (source[at] !== "}") throw new FormatError(at, ", or }");
  }
  if (index.size === 0) throw new FormatError(at, "n-grams");
  // Sorted by UTF-16 code units, the order `findNgram` compares in.
  const sorted = [...index.keys()].sort();
  const starts = new Uint32Array(sorted.length + 1);
  const entries = new Uint32Array(sorted.length);
  sorted.forEach((key, position) => {
    starts[position + 1] = (starts[position] ?? 0) + key.length;
    entries[position] = index.get(key) ?? 0;
  });
  return {
    type,
    languages,
    size: sorted.length,
    keys: sorted.join(""),
    starts,
    entries,
    pairs: Uint16Array.from(pairs),
  };
}

/** The position of `key` among the packed n-grams (binary search), or -1. */
export function findNgram(packed: PackedNgrams, key: string): number {
  const { keys, starts } = packed;
  let low = 0;
  let high = packed.size - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const start = starts[middle] ?? 0;
    const length = (starts[middle + 1] ?? 0) - start;
    let order = 0;
    for (let at = 0; order === 0 && at < length && at < key.length; at++) {
      order = keys.charCodeAt(start + at) - key.charCodeAt(at);
    }
    if (order === 0) order = length - key.length;
    if (order === 0) return middle;
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

/** The packed database in the shape ELD's detector reads, each n-gram's object built on lookup. */
export function ngramsData(packed: PackedNgrams): NgramsData {
  const { entries, pairs } = packed;
  const ngrams = new Proxy({} as NgramsData["ngrams"], {
    get(_target, key) {
      if (typeof key !== "string") return undefined;
      const position = findNgram(packed, key);
      if (position < 0) return undefined;
      const entry = entries[position] ?? 0;
      const offset = Math.floor(entry / PAIRS_PER_OFFSET) * 2;
      const end = offset + (entry % PAIRS_PER_OFFSET) * 2;
      const scores: Record<number, number> = {};
      for (let at = offset; at < end; at += 2) scores[pairs[at] ?? 0] = pairs[at + 1] ?? 0;
      return scores;
    },
    has: (_target, key) => typeof key === "string" && findNgram(packed, key) >= 0,
  });
  return { type: packed.type, languages: packed.languages, isSubset: false, ngrams };
}

interface EldInternals {
  createEld(): { instance: LanguageDetector; loadData(data: NgramsData): string };
}

function isEldInternals(value: unknown): value is EldInternals {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "createEld") === "function";
}

/**
 * ELD's detector over the packed small database. Its files are reached by path from the package's
 * entry (`eld` exports only whole detectors, each with its database imported as a module); a layout
 * that is not the expected one throws, and `detectLanguage` then imports `eld/small` as it is.
 */
export async function loadSmallDetector(): Promise<LanguageDetector> {
  const entry = import.meta.resolve("eld");
  const [internals, source] = await Promise.all([
    import(new URL("../languageDetector.js", entry).href) as Promise<unknown>,
    readFile(new URL("../ngrams/small.js", entry), "utf8"),
  ]);
  if (!isEldInternals(internals)) throw new Error("eld has an unexpected layout");
  const { instance, loadData } = internals.createEld();
  if (!loadData(ngramsData(packNgrams(source)))) throw new Error("eld did not take the packed database");
  return instance;
}
