/**
 * Where a task's input comes from, by its kind: an earlier task of this request, this message's
 * attachments, the thread's earlier results, or the request's own words. The rules are the same for
 * every intent; they look only at the kind an intent needs and at the words that point at something
 * ("it", "the transcript", "the second one", "the picture you made").
 */
import { type InputKind, kindFeeds, type TaskName, taskSpec } from "../../tasks/index.js";
import type { NamedInput } from "../types.js";
import { type Clause, withoutLiterals } from "./clauses.js";
import { languageMentions } from "./languages.js";
import { type OfflineIntent, PEOPLE, TEXT_BEARERS } from "./lexicon.js";
import { byOrdinal } from "./ordinals.js";
import { wordsAfter } from "./own-text.js";
import { readWords, type Word } from "./words.js";

/** An argument's value before tasks get their ids. */
export type Source =
  | { type: "step"; step: number }
  /** Each of these inputs: the task runs once for every one. */
  | { type: "each"; inputs: readonly NamedInput[] }
  | { type: "input"; name: string }
  | { type: "literal"; text: string }
  /** One of these earlier results, but the request does not say which: the planner asks. */
  | { type: "choice"; options: readonly NamedInput[] }
  /** Each of these texts the request quotes: the task runs once for every one. */
  | { type: "literals"; texts: readonly string[] };

export interface Step {
  intent: OfflineIntent;
  task: TaskName;
  args: Partial<Record<"text" | "image" | "audio" | "language" | "labels", Source>>;
}

export interface SourceContext {
  /** This message's attachments by the kind they are used as. */
  attachments: Readonly<Record<InputKind, readonly NamedInput[]>>;
  /** Earlier turns' inputs and results, newest first. */
  history: readonly NamedInput[];
  /** The bot's last answer in the thread, for "read your answer aloud". */
  lastAnswer: string | undefined;
  /** The steps planned so far for this request. */
  steps: readonly Step[];
  /** Every literal text of the request: one clause may quote what another points at. */
  literals: readonly string[];
  /** Attachments some clause of the request names ("the sign" for sign.jpg). */
  claimed: ReadonlySet<string>;
  /** The earlier result the user picked when asked which one they meant. */
  picked?: string;
}

const lemmasOf = (words: readonly Word[]) => words.map((word) => word.lemma);

/** "this review", "these notes": a demonstrative before a noun points at an attachment, not at a result. */
function demonstrative(words: readonly Word[]): boolean {
  return words.some(
    (word, index) =>
      /^(?:this|these)$/.test(word.lemma) && /^(?:NOUN|PROPN)$/.test(words[index + 1]?.pos ?? ""),
  );
}
const has = (words: readonly Word[], pattern: RegExp) => lemmasOf(words).some((lemma) => pattern.test(lemma));

/** Words that name what the bot made: "the picture you drew", "the result", "the audio you made". */
const MADE = /^(?:result|output|drawing|generated|made|drew|draw|create|created|generate)$/;
/** Words that point at something already there: an earlier output, an attachment, an earlier result. */
const POINTER = /^(?:it|its|this|these|that|those|them|they|one|same)$/;
/** Words that name a result: "the answer", "the list", "the transcript". */
const RESULT =
  /^(?:answer|result|results|output|list|transcript|transcription|translation|summary|caption|description|label|labels|verdict|reply|text)$/;

/** The task whose output an earlier step gave of this kind, nearest first. */
function nearestStep(context: SourceContext, fits: (task: TaskName) => boolean): number | undefined {
  for (let index = context.steps.length - 1; index >= 0; index--) {
    const step = context.steps[index];
    if (step && fits(step.task)) return index;
  }
  return undefined;
}

/** Words of file names that say nothing of what the file holds. */
const GENERIC_NAME =
  /^(?:img|image|photo|picture|pic|screenshot|screen|shot|voice|message|audio|recording|note|file|doc|document|untitled|copy|final|new|dsc|pxl|vid|video|clip|memo|at|and|the)$/;

/** The words of a file's name that say what it is: "sign.jpg" → sign, "invoice_march.png" → invoice, march. */
function nameWords(name: string): string[] {
  const base = name.replace(/\.[a-z0-9]+$/i, "").toLowerCase();
  return (base.match(/[a-z]{3,}/g) ?? []).filter((word) => !GENERIC_NAME.test(word));
}

/** An input the clause names: by its file name, or by a word of it ("the sign" for sign.jpg). */
export function byName(clause: Clause, inputs: readonly NamedInput[]): NamedInput | undefined {
  const text = clause.text.toLowerCase();
  const exact = inputs.find((input) => text.includes(input.name.toLowerCase()));
  if (exact) return exact;
  const lemmas = new Set(clause.words.map((word) => word.lemma));
  const named = inputs.filter((input) => nameWords(input.name).some((word) => lemmas.has(word)));
  return named.length === 1 ? named[0] : undefined;
}

/** Each of the inputs, but those another clause names, when some remain: "what is in this photo? what does the sign say?". */
function each(inputs: readonly NamedInput[], context: SourceContext): Source {
  const unclaimed = inputs.filter((input) => !context.claimed.has(input.name));
  return { type: "each", inputs: unclaimed.length > 0 ? unclaimed : inputs };
}

/**
 * A photo or recording: what an earlier step of this request made (when the clause points at it or
 * nothing is attached), this message's attachments (the one named, else each), or the thread's
 * newest of that kind.
 */
export function mediaSource(
  kind: "image" | "audio",
  clause: Clause,
  context: SourceContext,
): Source | undefined {
  const attached = context.attachments[kind];
  // A made picture or recording ("draw a cat, then detect the objects in it"); a photo with boxes
  // drawn on it only when nothing else is at hand ("now describe the result").
  const made = nearestStep(context, (task) => taskSpec(task).output === kind);
  const drawn = nearestStep(context, (task) => kind === "image" && taskSpec(task).drawsImage === true);
  if (made !== undefined && (attached.length === 0 || has(clause.words, MADE))) {
    return { type: "step", step: made };
  }
  if (drawn !== undefined && attached.length === 0 && has(clause.words, RESULT)) {
    return { type: "step", step: drawn };
  }
  if (attached.length > 0) {
    // "transcribe both" means every one, whatever else the clause counts ("the 2nd floor folks").
    const every = has(clause.words, /^(?:both|all|each|every)$/);
    const one = byName(clause, attached) ?? (every ? undefined : byOrdinal(clause.words, attached));
    if (one) return { type: "input", name: one.name };
    return every ? { type: "each", inputs: attached } : each(attached, context);
  }
  const earlier = context.history.filter(
    (input) => input.resource.kind === kind || (kind === "audio" && input.resource.kind === "video"),
  );
  return earlierOne(clause, earlier, context);
}

/** The turn an earlier input came from: "turn3-1-image-to-text.txt" → 3. */
export function turnOf(input: NamedInput): number {
  return Number(/^turn(\d+)-/.exec(input.name)?.[1] ?? 0);
}

const PLURAL = /^(?:both|all|each|them|these|those|every|everything)$/;

/**
 * One of the thread's earlier inputs (newest first): the one the clause names or counts ("the
 * second one"), the one the user picked when asked, all of the newest turn's when the clause says
 * "both" or "them"; when that turn left several and nothing says which, a choice to ask about.
 */
function earlierOne(
  clause: Clause,
  earlier: readonly NamedInput[],
  context: SourceContext,
): Source | undefined {
  const picked = earlier.find((input) => input.name === context.picked);
  if (picked) return { type: "input", name: picked.name };
  const inThreadOrder = [...earlier].reverse();
  const chosen = byName(clause, earlier) ?? byOrdinal(clause.words, inThreadOrder);
  if (chosen) return { type: "input", name: chosen.name };
  const newest = earlier[0];
  if (!newest) return undefined;
  const latest = inThreadOrder.filter((input) => turnOf(input) === turnOf(newest));
  // "sentiment on both calls" after two turns of one call each: the newest two, one per turn.
  if (latest.length < 2 && has(clause.words, /^both$/) && inThreadOrder.length >= 2)
    return { type: "each", inputs: inThreadOrder.slice(-2) };
  if (latest.length < 2) return { type: "input", name: newest.name };
  // "which one sounds happier?" compares them: each is classified.
  const compares = /\bwhich (?:one|of)\b/i.test(clause.text);
  return has(clause.words, PLURAL) || compares
    ? { type: "each", inputs: latest }
    : { type: "choice", options: latest };
}

/**
 * Whether a photo's text is what a text task means: the clause names a text bearer ("the sign", "this
 * email"), or (unless `named`) at least not a face.
 */
export function readsPhotoText(clause: Clause, named = false): boolean {
  const bearers = new RegExp(`^(?:${TEXT_BEARERS})s?$`);
  const people = new RegExp(`^(?:${PEOPLE})$`);
  return has(clause.words, bearers) || (!named && !has(clause.words, people));
}

/** Which earlier result the clause names ("the transcript" → speech recognition's). */
const RESULT_TASKS: ReadonlyArray<readonly [RegExp, TaskName]> = [
  [/^(?:transcript|transcription|recording)$/, "automatic-speech-recognition"],
  [/^(?:caption|description)$/, "image-to-text"],
  [/^(?:text|writing|sign|slide|screenshot)$/, "image-to-text"],
  [/^translation$/, "translation"],
  [/^summary$/, "summarization"],
  [/^(?:list|objects|detections|things)$/, "object-detection"],
  [/^total$/, "document-question-answering"],
];

/** "your answer", "what you said": the bot's own last answer. */
const THE_ANSWER = /^(?:answer|reply|response)$/;

/** An earlier result of the thread as text: the bot's answer when the clause says so, the result it names, else the newest. */
export function historyText(clause: Clause, context: SourceContext): Source | undefined {
  if (context.lastAnswer && has(clause.words, THE_ANSWER))
    return { type: "literal", text: context.lastAnswer };
  const feeds = context.history.filter((input) => kindFeeds(input.resource.kind, "text"));
  const named = RESULT_TASKS.find(([noun]) => has(clause.words, noun))?.[1];
  // A verdict ("negative") is no text to read out or classify again, unless the clause names it.
  const produced = feeds.filter((input) => /^turn\d+-\d+-/.test(input.name));
  const texts = produced.filter((input) => !/-(?:text|image|audio)-classification\./.test(input.name));
  const results = texts.length > 0 && named === undefined ? texts : produced;
  const ofNamed = named ? results.filter((input) => input.name.includes(`-${named}`)) : [];
  const found = earlierOne(
    clause,
    ofNamed.length > 0 ? ofNamed : results.length > 0 ? results : feeds,
    context,
  );
  if (found) return found;
  return context.lastAnswer ? { type: "literal", text: context.lastAnswer } : undefined;
}

/** Tasks whose output is new content a later ask means by "it"; a classification's labels are not. */
function makesContent(task: TaskName): boolean {
  const output = taskSpec(task).output;
  return output === "text" || output === "detections" || output === "json";
}

/**
 * A text: the clause's own (quoted, after a colon, or after its cue), an earlier step's output,
 * an attached text, the text of an attached photo or recording (a reading step goes first), or an
 * earlier result of the thread. Returns the source and, for a photo or recording, the medium whose
 * reading step to add.
 */
export function textSource(
  intent: OfflineIntent,
  clause: Clause,
  cueEnd: number,
  context: SourceContext,
  readable: (kind: "image" | "audio") => boolean,
): { source: Source; bridge?: "image" | "audio" } | undefined {
  // The cue's last words: "read it out", "say this sentence".
  const cueObject = clause.words.slice(Math.max(0, cueEnd - 3), Math.max(0, cueEnd));
  // "read it out pls hands full": the cue names its object ("it"); what follows is a remark.
  const objectNamed = cueObject.some((word) => /^(?:it|them|this|that|these|those)$/i.test(word.text));
  // "and say it out loud, mom wants to hear it from 'the robot'": "it" is what an earlier step found,
  // and the quote is part of the remark.
  const quoteIsRemark =
    context.steps.some((step) => makesContent(step.task)) &&
    cueObject.some((word) => /^(?:it|them)$/i.test(word.text));
  const [literal, ...more] = quoteIsRemark ? [] : clause.literals;
  if (literal !== undefined && more.length > 0)
    return { source: { type: "literals", texts: clause.literals } };
  if (literal) return { source: { type: "literal", text: literal } };
  if (intent.text === "clause") return { source: { type: "literal", text: withoutLiterals(clause.text) } };
  if ((intent.text === "after" || intent.text === "prompt") && cueEnd >= 0 && !objectNamed) {
    const own = wordsAfter(clause, cueEnd, intent.text === "prompt");
    // "translate good morning into German": the language is an argument of its own, not the text.
    const text = own?.replace(/\s+(?:in|into|to)\s+\p{L}+$/u, (tail) =>
      languageMentions(readWords(tail)).length > 0 ? "" : tail,
    );
    if (text) return { source: { type: "literal", text } };
  }
  const pointsAtResult = has(clause.words, RESULT);
  // "transcribe + sentiment + read the transcript out": the step whose result the clause names.
  const named = RESULT_TASKS.find(([noun]) => has(clause.words, noun))?.[1];
  const producer =
    (named === undefined ? undefined : nearestStep(context, (task) => task === named)) ??
    nearestStep(
      context,
      (task) => makesContent(task) || (pointsAtResult && taskSpec(task).output === "labels"),
    );
  const texts = context.attachments.text;
  if (producer !== undefined) {
    // "does it come across positive? and read it out": both asks are about the attached text; so is
    // "is this review positive?" after "what is in this photo?".
    const previous = context.steps[producer];
    const sameSubject =
      texts.length > 0 &&
      !pointsAtResult &&
      (previous?.args.text?.type === "each" || demonstrative(clause.words));
    if (!sameSubject) return { source: { type: "step", step: producer } };
  }
  if (texts.length > 0) {
    const one = byName(clause, texts) ?? byOrdinal(clause.words, texts);
    return { source: one ? { type: "input", name: one.name } : each(texts, context) };
  }
  // "read this out and tell me if it's positive: '…'": the quoted text is what "this" means; with
  // no photo or recording at hand, it is what any text ask means ("positive or negative? review
  // just came in: '…'").
  const quoted = context.literals[0];
  const nothingElse = context.attachments.image.length === 0 && context.attachments.audio.length === 0;
  if (quoted !== undefined && (has(clause.words, POINTER) || nothingElse))
    return { source: { type: "literal", text: quoted } };
  // The medium the clause names ("the text in this screenshot", "this voice note"), else a recording first.
  const namesImage = has(clause.words, /^(?:photo|picture|image|screenshot|sign|slide|poster|menu)s?$/);
  // "for the lads in the voice channel" names a place to listen, not a recording.
  // Nor does "turn this worksheet into audio", which names what to make.
  const namesAudio =
    has(clause.words, /^(?:recording|audio|voice|memo|clip|call|voicemail)s?$/) &&
    !/\bvoice\s+(?:channel|chat)\b/i.test(clause.text) &&
    !/\b(?:into|as)\s+(?:an?\s+)?(?:audio|voice|recording|voice\s*note)\b/i.test(clause.text);
  const order: Array<"image" | "audio"> = namesImage
    ? ["image", "audio"]
    : namesAudio
      ? ["audio"]
      : ["audio", "image"];
  for (const kind of order) {
    if (context.attachments[kind].length === 0 || !readable(kind)) continue;
    if (kind === "image" && !readsPhotoText(clause)) continue;
    return { source: each(context.attachments[kind], context), bridge: kind };
  }
  // "now read the whole letter aloud" after a question about it: its text, read from the earlier photo.
  const bearer = has(
    clause.words,
    /^(?:letter|sign|slide|receipt|document|page|menu|screenshot|poster|whiteboard|note|form|ticket|invoice|label)s?$/,
  );
  if (bearer && !namesAudio && readable("image")) {
    const photos = context.history.filter((input) => input.resource.kind === "image");
    const read = context.history.find((input) => /-\d+-image-to-text\./.test(input.name));
    const photo = byName(clause, photos) ?? photos[0];
    if (!read && photo) return { source: { type: "input", name: photo.name }, bridge: "image" };
  }
  const earlier = historyText(clause, context);
  return earlier ? { source: earlier } : undefined;
}
