/**
 * When two readings of a request are close, the planner asks instead of guessing: one short
 * question that offers both ("Do you want the text in it, or it read aloud?"). The next message in
 * the thread answers it: the request is planned again with the reading the answer picks.
 */
import { shorten } from "../../text.js";
import type { NamedInput } from "../types.js";
import { splitClauses } from "./clauses.js";
import { createContext, type OfflinePlanOptions, type OfflinePlanRequest } from "./context.js";
import { intentById } from "./intent-table.js";
import { matchCue, namesATextAsk } from "./intents.js";
import { DEFAULT_INTENTS, type OfflineIntent } from "./lexicon.js";
import { intentServable } from "./messages.js";
import { readClauses } from "./readings.js";
import { plainSpelling, readWords } from "./words.js";

/**
 * "check this pls" with a photo: an ask that names no task, of something attached. Which of the
 * photo's two first readings is meant is asked, not guessed (a bare photo gets the first).
 */
const VAGUE_ASK =
  /^(?:(?:can|could|would) (?:you|u|someone) )?(?:please )?(?:check|look at|have a look at|take a look at|analy[sz]e|thoughts on|what about|help with)(?: out)? (?:this|these|it|that|them)(?: one| ones| pic| photo| picture| image)?(?: (?:please|pls|plz|for me|thanks|thx))*[.!?]*$/i;

/** The two readings a vague ask of attached photos offers, when both can run here. */
export function vagueReadings(
  text: string,
  attached: Readonly<Record<"image" | "audio" | "text", readonly unknown[]>>,
  runs: (intent: OfflineIntent) => boolean,
): readonly [OfflineIntent, OfflineIntent] | undefined {
  if (!VAGUE_ASK.test(plainSpelling(text).trim())) return undefined;
  if (attached.image.length === 0 || attached.audio.length > 0 || attached.text.length > 0) return undefined;
  const [first, second] = DEFAULT_INTENTS.image.flatMap((id) => intentById(id) ?? []);
  return first && second && runs(first) && runs(second) ? [first, second] : undefined;
}

/** The question that offers two readings. */
export function clarifyingQuestion(first: OfflineIntent, second: OfflineIntent): string {
  return `Do you want ${first.offer}, or ${second.offer}?`;
}

const FIRST = /^(?:first|1|one|former|a|the first one|option 1|1st)$/;
const SECOND = /^(?:second|2|two|latter|b|the second one|option 2|2nd|other|the other one)$/;
const BOTH = /\b(?:both|either|all|each)\b/;

/**
 * The reading an answer picks: by order ("the first", "2"), by the words of a reading's offer ("the
 * text"), or by its cues ("read it out"); both when it says so; undefined when it picks none.
 */
export function pickReading(
  answer: string,
  readings: readonly [OfflineIntent, OfflineIntent],
): OfflineIntent[] | undefined {
  const plain = plainSpelling(answer)
    .toLowerCase()
    .replace(/[.!?,]+$/g, "")
    .replace(/^(?:the|just|only|um|uh|ok|okay|yes|yeah|yep)\s+/g, "")
    .trim();
  if (BOTH.test(plain)) return [...readings];
  if (FIRST.test(plain)) return [readings[0]];
  if (SECOND.test(plain)) return [readings[1]];
  const words = readWords(plainSpelling(answer));
  const scores = readings.map((intent) => {
    const offered = intent.offer
      .split(/\s+/)
      .filter((word) => word.length > 3 && !["whether", "about", "what"].includes(word))
      .filter((word) =>
        words.some((candidate) => candidate.lemma === word || candidate.text.toLowerCase() === word),
      ).length;
    const cued = intent.cues.reduce(
      (sum, [pattern, weight]) => (weight > 0 && matchCue(pattern, words) ? sum + weight : sum),
      0,
    );
    return offered * 2 + cued;
  });
  const [a = 0, b = 0] = scores;
  if (a === b) return undefined;
  return [a > b ? readings[0] : readings[1]];
}

/** "Which one do you mean: “STOP” or “EXIT”?": earlier results shown by their text or file name. */
export function whichOne(options: readonly NamedInput[]): string {
  const shown = options.map((input) =>
    input.resource.kind === "text"
      ? `“${shorten(input.resource.text.replace(/\s+/g, " "), 40)}”`
      : input.name.replace(/^turn\d+-(?:\d+-)?/, ""),
  );
  const listed =
    shown.length <= 2 ? shown.join(" or ") : `${shown.slice(0, -1).join(", ")} or ${shown.at(-1)}`;
  return `Which one do you mean: ${listed}?`;
}

/** The earlier result a reply to "Which one do you mean" picks: by its order, its name or its words. */
function pickOption(reply: string, options: readonly NamedInput[]): NamedInput | undefined {
  const words = readWords(plainSpelling(reply)).map((word) => word.lemma);
  const ordinals = [/^(?:first|1|1st|former)$/, /^(?:second|2|2nd|latter|other)$/, /^(?:third|3|3rd)$/];
  for (const [index, ordinal] of ordinals.entries()) {
    if (words.some((word) => ordinal.test(word))) return options[index];
  }
  if (words.some((word) => /^(?:last|latest)$/.test(word))) return options.at(-1);
  const matching = options.filter((input) => {
    const own = input.resource.kind === "text" ? input.resource.text : input.name;
    const ownWords = new Set(
      (own.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []).filter((word) => !/^turn\d/.test(word)),
    );
    return words.some((word) => ownWords.has(word));
  });
  return matching.length === 1 ? matching[0] : undefined;
}

/**
 * The plan of an earlier request this message answers a clarifying question about: when the last
 * answer in the thread is the question this planner asks for that request, and this message picks
 * one of its readings or one of the earlier results it offered. The earlier request's files are the
 * thread's now (`turnN-…`).
 */
export function answeredQuestion<Outcome extends { ok: boolean; message?: string }>(
  request: OfflinePlanRequest,
  options: OfflinePlanOptions,
  replan: (
    request: OfflinePlanRequest,
    forced: ReadonlyMap<number, readonly OfflineIntent[]>,
    picked?: string,
  ) => Outcome,
): Outcome | undefined {
  const history = request.history ?? [];
  const turn = history.at(-1);
  if (!turn) return undefined;
  const asked = turn.answer.trim();
  if (/^Which one do you mean: .+\?$/.test(asked)) {
    const earlier: OfflinePlanRequest = {
      text: turn.user,
      inputs: request.inputs,
      history: history.slice(0, -1),
    };
    const again = replan(earlier, new Map());
    if (again.ok || again.message !== asked) return undefined;
    const offered = request.inputs.filter((input) =>
      asked.includes(whichOne([input]).slice("Which one do you mean: ".length, -1)),
    );
    const picked = pickOption(request.text, offered);
    return picked ? replan(earlier, new Map(), picked.name) : undefined;
  }
  if (!/^Do you want .+\?$/.test(asked)) return undefined;
  const earlierFiles = new Set(turn.resources);
  const inputs = request.inputs.map(
    (input): NamedInput => (earlierFiles.has(input.name) ? { ...input, origin: "attachment" } : input),
  );
  const earlier: OfflinePlanRequest = { text: turn.user, inputs, history: history.slice(0, -1) };
  const clauses = splitClauses(turn.user, (text) => namesATextAsk(readWords(plainSpelling(text))));
  const context = createContext(earlier, options, clauses);
  const vague = vagueReadings(turn.user, context.attachments, (intent) =>
    intentServable(intent, options.servable),
  );
  if (vague && clarifyingQuestion(...vague) === asked) {
    const picked = pickReading(request.text, vague);
    return picked ? replan(earlier, new Map([[0, picked]])) : undefined;
  }
  const readings = readClauses(clauses, context);
  const index = readings.findIndex((reading) => reading.type === "ambiguous");
  const reading = readings[index];
  if (reading?.type !== "ambiguous") return undefined;
  const pair = [reading.first.intent, reading.second.intent] as const;
  if (clarifyingQuestion(...pair) !== asked) return undefined;
  const picked = pickReading(request.text, pair);
  if (!picked) return undefined;
  return replan(earlier, new Map([[index, picked]]));
}
