/**
 * Finding the JSON in an LLM's answer. Models wrap it in code fences, put prose around it, cut it
 * off at the token limit or add trailing commas; a greedy regex gets each of these wrong, so the
 * answer is scanned for balanced brackets, string-aware, and each balanced span is tried in turn.
 */
import { shorten } from "../text.js";

export type JsonExtraction = { ok: true; value: unknown } | { ok: false; error: string };

/** Upper bound on spans tried: keeps a hostile answer full of brackets linear in practice. */
const MAX_ATTEMPTS = 64;

const FENCE = /```[a-zA-Z0-9_-]*[ \t]*\r?\n([\s\S]*?)```/g;

/**
 * The first JSON value in `raw` that `accept` takes; other JSON values on the way are skipped.
 * Fenced code blocks are tried before the surrounding text. `noun` names what is wanted in the error
 * sentence, which is written for the model to read back in a repair call.
 *
 * @example
 * extractJson('Sure! ```json\n[{"id": 1}]\n```', Array.isArray, "list of tasks")
 * // { ok: true, value: [{ id: 1 }] }
 * extractJson('{"answer": 42}', Array.isArray, "list of tasks")
 * // { ok: false, error: 'the answer holds an object with "answer", not a list of tasks' }
 */
export function extractJson(raw: string, accept: (value: unknown) => boolean, noun: string): JsonExtraction {
  const texts: string[] = [];
  for (const match of raw.matchAll(FENCE)) if (match[1] !== undefined) texts.push(match[1]);
  texts.push(raw);

  const failures: Failure[] = [];
  for (const text of texts) {
    const found = scan(text, accept);
    if (found.ok) return found;
    failures.push(found.failure);
  }
  return { ok: false, error: describeFailure(failures, noun) };
}

type Failure =
  | { kind: "none" }
  | { kind: "truncated" }
  | { kind: "syntax"; detail: string }
  | { kind: "not-accepted"; what: string };

type ScanResult = { ok: true; value: unknown } | { ok: false; failure: Failure };

/** How bad each failure is for the report: the most telling one wins. */
const FAILURE_RANK: Record<Failure["kind"], number> = { none: 0, "not-accepted": 1, syntax: 2, truncated: 3 };

function describeFailure(failures: Failure[], noun: string): string {
  let worst: Failure = { kind: "none" };
  for (const failure of failures) if (FAILURE_RANK[failure.kind] > FAILURE_RANK[worst.kind]) worst = failure;
  switch (worst.kind) {
    case "none":
      return `the answer contains no JSON; expected a JSON ${noun}`;
    case "truncated":
      return "the JSON in the answer is cut off before its end";
    case "syntax":
      return `the JSON in the answer is not valid (${worst.detail})`;
    case "not-accepted":
      return `the answer holds ${worst.what}, not a ${noun}`;
  }
}

function scan(text: string, accept: (value: unknown) => boolean): ScanResult {
  let failure: Failure = { kind: "none" };
  let position = 0;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const start = nextOpening(text, position);
    if (start < 0) break;
    const end = balancedEnd(text, start);
    if (end < 0) {
      // An unclosed span that starts like JSON is a cut-off answer: looking inside it would find
      // an inner `[]` or object and mistake a fragment for the whole value.
      if (looksLikeJsonStart(text, start)) return { ok: false, failure: { kind: "truncated" } };
      position = start + 1;
      continue;
    }
    const parsed = parseLenient(text.slice(start, end + 1));
    if (parsed.ok) {
      if (accept(parsed.value)) return { ok: true, value: parsed.value };
      if (FAILURE_RANK[failure.kind] < FAILURE_RANK["not-accepted"])
        failure = { kind: "not-accepted", what: describeValue(parsed.value) };
    } else if (FAILURE_RANK[failure.kind] < FAILURE_RANK.syntax) {
      failure = { kind: "syntax", detail: parsed.error };
    }
    // Skip the whole span: brackets inside prose like "[see below]" are not worth a second look.
    position = end + 1;
  }
  return { ok: false, failure };
}

function nextOpening(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "[" || c === "{") return i;
  }
  return -1;
}

/** Index of the bracket that closes the one at `start`, or -1; brackets inside strings do not count. */
function balancedEnd(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "[") stack.push("]");
    else if (c === "{") stack.push("}");
    else if (c === "]" || c === "}") {
      // A mismatched closer means this span is not JSON; end it here so parsing reports why.
      if (stack.pop() !== c) return i;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

function looksLikeJsonStart(text: string, start: number): boolean {
  const head = text.slice(start, start + 64);
  return /^\[\s*(?:[{["\d\]-]|$)/.test(head) || /^\{\s*(?:"|\}|$)/.test(head);
}

type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

function parseLenient(span: string): Parsed {
  try {
    return { ok: true, value: JSON.parse(span) };
  } catch (error) {
    // Trailing commas are the one JSON mistake models make often enough to forgive.
    const repaired = removeTrailingCommas(span);
    if (repaired !== span) {
      try {
        return { ok: true, value: JSON.parse(repaired) };
      } catch {
        // Report the original error below: it points at what the model actually wrote.
      }
    }
    return { ok: false, error: error instanceof Error ? shorten(error.message, 120) : "unparseable" };
  }
}

function removeTrailingCommas(span: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < span.length; i++) {
    const c = span[i] as string;
    if (inString) {
      out += c;
      if (c === "\\") {
        out += span[i + 1] ?? "";
        i++;
      } else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if (c === ",") {
      let j = i + 1;
      while (j < span.length && /\s/.test(span[j] as string)) j++;
      if (span[j] === "]" || span[j] === "}") continue;
    }
    out += c;
  }
  return out;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") {
    const keys = Object.keys(value).slice(0, 3);
    return keys.length === 0 ? "an empty object" : `an object with ${keys.map((k) => `"${k}"`).join(", ")}`;
  }
  return `a ${typeof value}`;
}
