import {
  type ArgName,
  type InputKind,
  kindFeeds,
  type TaskName,
  taskFeeds,
  taskSpec,
} from "../../tasks/index.js";
import { shorten } from "../../text.js";
import { argValueText } from "../arg-value.js";
import { parsePlanFor } from "../plan-parse.js";
import { PLAN_LIMITS } from "../plan-schema.js";
import type { ArgValue, ConversationTurn, NamedInput, Plan, PlannedTask } from "../types.js";

/**
 * The planner used when no LLM is configured: phrases in the request pick tasks from a table, the
 * attachments and the thread's earlier results fill their arguments. It plans only what `servable`
 * allows and otherwise says, in a friendly message, what it can do and how to add an LLM.
 */

export interface OfflinePlanRequest {
  text: string;
  inputs: NamedInput[];
  history?: ConversationTurn[];
}

/**
 * Whether some expert (local, or hosted in hybrid mode) can run this task now; with `fully`, one that
 * serves the whole task, not only a part of it (OCR reads text in images but does not caption photos).
 */
/**
 * Whether some expert here can run a task: with `fully`, one made for the whole task (not OCR for
 * captioning); with `labels`, one that can tell those labels apart.
 */
export type Servable = (task: TaskName, fully?: boolean, labels?: string) => boolean;

export interface OfflinePlanOptions {
  servable: Servable;
  /**
   * What to say after "cannot run here" for a task no expert serves: how to make it servable in this
   * setup ("Set HF_TOKEN …"), or why it cannot be ("INFERENCE_MODE=local …"). Default: the HF_TOKEN hint.
   */
  unservableHint?: string;
  /** Most tasks a plan may have; PLAN_LIMITS.maxTasks by default. */
  maxTasks?: number;
}

export type OfflinePlanOutcome = { ok: true; plan: Plan } | { ok: false; message: string };

/** One thing the offline planner understands, as phrases that name it. */
export interface OfflineIntent {
  /** Stable name, for tests and help texts. */
  id: string;
  task: TaskName;
  /** What it does, in a few words, for help texts ("find objects in a photo"). */
  summary: string;
  /**
   * What it does as the subject of a sentence, for messages: "Describing an image (captioning) cannot
   * run here". The summary is an instruction ("describe an image in a sentence") and reads badly there.
   */
  title: string;
  /** A request that picks it, for help texts. */
  example: string;
  /** Phrases that name the intent outright: without a fitting input, the user is told what to attach. */
  phrases: readonly RegExp[];
  /** Phrases that mean this intent only when its input is there ("what does it say" with an image). */
  hints?: readonly RegExp[];
  /**
   * Words that mean this intent only when this message has an attachment of the intent's input kind
   * ("how much did I pay" with a photo of a receipt). They stand for the whole clause: they win over
   * hints anywhere in it, not over phrases.
   */
  withAttachment?: readonly RegExp[];
  /** The intent planned instead when this one cannot run here, for matches of `withAttachment`. */
  fallback?: string;
  /**
   * Where a literal text argument comes from when none is quoted or given after a colon: the words
   * after the phrase ("say hello there"), or the whole clause (a question about a document, a prompt).
   */
  text?: "after" | "clause";
  /** The text is a prompt of the user's own: earlier results feed it only when referred to ("draw it"). */
  prompt?: boolean;
  /** Needs an expert for the whole task (captioning), not one that serves a part of it (OCR). */
  fully?: boolean;
  /** What the task is to tell apart, given as its `labels` argument ("safe to share, not safe to share"). */
  labels?: string;
}

const DOCUMENT_NOUNS = "receipt|invoice|bill|form|document|statement|ticket|contract|letter|pdf|scan|payslip";

/**
 * The intents, most specific first: when phrases of two intents overlap, the longer phrase wins and
 * then the earlier row. Every phrase is matched case-insensitively on one clause of the request.
 */
export const OFFLINE_INTENTS: readonly OfflineIntent[] = [
  {
    id: "read-text",
    task: "image-to-text",
    summary: "read the text in an image (OCR)",
    title: "Reading the text in an image (OCR)",
    example: "read the text in this screenshot",
    phrases: [
      /\bocr\b/i,
      /\bread (?:out )?(?:the |all the |all )?(?:text|words|writing)\b/i,
      /\bread (?:this|that|the) (?:sign|label|screenshot|page|note|menu|poster|scan|receipt|image|picture|photo)\b/i,
      /\btranscribe (?:this |that |the )?(?:image|screenshot|sign|picture|photo|page|scan|text in)\b/i,
      /\bextract (?:the |all )?(?:text|words)\b/i,
      /\bwhat(?:'s| is| was) written\b/i,
      /\bwhat (?:text|words)\b/i,
    ],
    hints: [/\bwhat does (?:it|(?:this|that|the)(?: \w+)?) say\b/i, /\btranscribe\b/i],
  },
  {
    id: "document-question",
    task: "document-question-answering",
    summary: "answer a question about a receipt, invoice or form",
    title: "Answering questions about a document",
    example: "what is the total on this receipt?",
    phrases: [
      new RegExp(
        `\\b(?:what|which|who|when|where|how much|how many|is|are|does|do)\\b[^?]*\\b(?:${DOCUMENT_NOUNS})s?\\b`,
        "i",
      ),
      new RegExp(`\\b(?:${DOCUMENT_NOUNS})s?\\b[^?]*\\?`, "i"),
    ],
    // A question about money, dates or parties with a photo attached is about the paper in it
    // ("how much did I pay for milk?"); "how many dogs" stays a count of objects.
    withAttachment: [
      /\bhow much\b/i,
      /\b(?:total|subtotal|sum|amount|price|prices|cost|costs|paid|pay|spent|spend|charged?|tax|vat|tip|discount|balance|due|fees?)\b/i,
      /\b(?:what|which) (?:date|day|time)\b/i,
      /\bdated?\b/i,
      /\bwhen\b(?![^?]*\b(?:taken|shot|photographed|filmed)\b)/i,
      /\bwho (?:is|was|are|were) the (?:customer|buyer|seller|vendor|merchant|payee|payer|recipient|sender|client|cashier)\b/i,
      /\b(?:customer|vendor|merchant|cashier)\b/i,
    ],
    fallback: "read-text",
    text: "clause",
  },
  {
    id: "describe-image",
    task: "image-to-text",
    summary: "describe an image in a sentence",
    title: "Describing an image (captioning)",
    example: "describe this picture",
    fully: true,
    phrases: [
      /\b(?:add|give|write|make|suggest|generate) (?:me )?an? caption\b/i,
      /\bcaption (?:this|that|the|it|these|my)\b/i,
      /\bdescribe (?:this|the|that|these|my) (?:image|photo|picture|pic|scene|screenshot)s?\b/i,
      /\bwhat does (?:this|the|that) (?:image|photo|picture|pic) show\b/i,
    ],
    hints: [/\bdescribe\b/i],
  },
  {
    id: "detect-objects",
    task: "object-detection",
    summary: "find and count the objects in a photo",
    title: "Finding objects in a photo (object detection)",
    example: "what is in this photo?",
    phrases: [
      /\bwhat(?:'s| is| are)? in (?:this|the|these|that|my|those) (?:photo|picture|image|pic|shot|scene|snapshot)s?\b/i,
      /\bwhat (?:do|can) you see\b/i,
      /\bdetect\b/i,
      /\b(?:find|list|identify|locate|spot|label) (?:the |all |any )?(?:objects|things|items)\b/i,
      /\bobject detection\b/i,
    ],
    hints: [
      /\bcount (?:the |all |how many )?\w+/i,
      /\bhow many\b/i,
      /\b(?:are|is) there (?:any|an?|some)\b/i,
      /\bwhat(?:'s| is) (?:this|that|it)\b/i,
      /\bfind (?:the |all |any )?\w+/i,
    ],
  },
  {
    id: "check-safety",
    task: "image-classification",
    summary: "tell whether a photo is safe to share",
    title: "Telling whether an image is safe to share",
    example: "is this photo safe for work?",
    labels: "safe to share, not safe to share",
    phrases: [
      /\b(?:safe|ok|okay|fine|alright|appropriate|suitable) (?:for|to) (?:work|share|post|send|show|use)\b/i,
      /\b(?:safe|ok|okay|fine|appropriate) (?:for|in) (?:the )?(?:office|school|kids|children|everyone|#[\w-]+)\b/i,
      /\b(?:n?sfw)\b/i,
      /\b(?:explicit|inappropriate|nudity|nude|porn\w*)\b/i,
      /\bsafe to (?:share|post)\b/i,
    ],
  },
  {
    id: "classify-image",
    task: "image-classification",
    summary: "say what kind of thing a photo shows",
    title: "Telling what kind of thing a photo shows (image classification)",
    example: "what kind of animal is this?",
    phrases: [/\bclassify (?:this|the|that|my) (?:image|photo|picture|pic)\b/i, /\bimage classification\b/i],
    hints: [/\bwhat (?:kind|type|breed|species|sort) of\b/i, /\bwhat (?:animal|plant|bird|dog|cat) is\b/i],
  },
  {
    id: "image-question",
    task: "visual-question-answering",
    summary: "answer a question about a photo",
    title: "Answering questions about a photo",
    example: "what colour is the car?",
    phrases: [],
    hints: [
      /\bwhat colou?r\b/i,
      /\bwhere (?:is|are) the\b/i,
      /\bwhat is (?:he|she|the \w+) (?:doing|holding|wearing)\b/i,
    ],
    text: "clause",
  },
  {
    id: "transcribe",
    task: "automatic-speech-recognition",
    summary: "transcribe a recording or voice note",
    title: "Transcribing a recording (speech recognition)",
    example: "transcribe this voice note",
    phrases: [
      /\btranscribe\b/i,
      /\b(?:transcript|transcription) (?:of|for)\b/i,
      /\bspeech[- ]to[- ]text\b/i,
      /\bwhat(?:'s| is| was) said\b/i,
      /\bwhat (?:does|did) (?:he|she|they|it|(?:this|that|the)(?: \w+)?) say\b/i,
      /\bwhat(?:'s| is) in (?:this|the|that|my) (?:recording|audio|voice (?:note|message)|clip)\b/i,
      /\blisten to\b/i,
    ],
  },
  {
    id: "sound",
    task: "audio-classification",
    summary: "say what a recording contains",
    title: "Telling what a recording contains (audio classification)",
    example: "what sound is this?",
    phrases: [
      /\bclassify (?:this|the|that|my) (?:sound|audio|recording|clip)\b/i,
      /\bwhat (?:sound|noise)\b/i,
    ],
  },
  {
    id: "sentiment",
    task: "text-classification",
    summary: "tell whether a text sounds positive or negative",
    title: "Telling whether a text sounds positive or negative",
    example: "is 'I love this phone' positive?",
    phrases: [
      /\bsentiment(?: of)?\b/i,
      /\bpositive or negative\b/i,
      /\bis (?:this|it|that|the \w+) (?:positive|negative|neutral|friendly|rude|angry|happy|sad|polite|mean)\b/i,
      /\bhow does (?:this|it|that|the \w+) sound\b/i,
      /\b(?:classify|analy[sz]e|what(?:'s| is)) the (?:tone|mood|sentiment)(?: of)?\b/i,
      /\b(?:tone|mood) of\b/i,
    ],
    hints: [/\b(?:positive|negative|neutral)\b/i, /\btone\b/i],
    text: "after",
  },
  {
    id: "entities",
    task: "token-classification",
    summary: "find the names of people, places and organisations in a text",
    title: "Finding names in a text (named entities)",
    example: "find the names in: Ada met Alan in London",
    phrases: [/\bnamed entit(?:y|ies)\b/i, /\b(?:find|extract|list) (?:the )?(?:names|entities)(?: in)?\b/i],
    text: "after",
  },
  {
    id: "translate",
    task: "translation",
    summary: "translate a text",
    title: "Translating a text",
    example: "translate good morning into German",
    phrases: [/\btranslate\b/i],
    text: "after",
  },
  {
    id: "summarize",
    task: "summarization",
    summary: "summarize a long text",
    title: "Summarizing a text",
    example: "summarize this article",
    phrases: [/\bsummari[sz]e\b/i, /\bsummary of\b/i, /\btl;?dr\b/i],
    text: "after",
  },
  {
    id: "speak",
    task: "text-to-speech",
    summary: "read a text aloud",
    title: "Reading a text aloud (text-to-speech)",
    example: "say: good morning",
    phrases: [
      /\baloud\b/i,
      /\bout loud\b/i,
      /\bread (?:it |this |that |them )?(?:back|out)\b/i,
      /\bread (?:it|this|that|them) to me\b/i,
      /\bsay\b/i,
      /\bspeak\b/i,
      /\bpronounce\b/i,
      /\bas (?:audio|speech|a voice (?:note|message)|an audio file)\b/i,
      /\b(?:turn|make|convert) (?:it|this|that|them|the \w+) (?:into|to) (?:audio|speech|a voice (?:note|message))\b/i,
      /\btext[- ]to[- ]speech\b/i,
      /\btts\b/i,
    ],
    text: "after",
  },
  {
    id: "draw",
    task: "text-to-image",
    summary: "generate an image from a description",
    title: "Generating an image from a description",
    example: "draw a lighthouse at sunset",
    phrases: [
      /\b(?:draw|paint|sketch)\b/i,
      /\b(?:generate|create|make|render) (?:me )?(?:an? )?(?:image|picture|photo|painting|drawing|illustration)(?: of)?\b/i,
    ],
    text: "after",
    prompt: true,
  },
  {
    id: "segment",
    task: "image-segmentation",
    summary: "split a photo into labelled regions",
    title: "Splitting a photo into regions (segmentation)",
    example: "segment this image",
    phrases: [/\bsegment(?:ation)?\b/i],
  },
  {
    id: "depth",
    task: "depth-estimation",
    summary: "estimate the depth of a photo",
    title: "Estimating the depth of a photo",
    example: "make a depth map of this photo",
    phrases: [/\bdepth\b/i],
  },
  {
    id: "write",
    task: "text-generation",
    summary: "write a text from a prompt",
    title: "Writing a text from a prompt (text generation)",
    example: "write a haiku about autumn",
    phrases: [/\bwrite\b/i, /\bcompose\b/i, /\btell me a (?:joke|story)\b/i, /\bpoem\b/i],
    text: "clause",
    prompt: true,
  },
];

/** What to run on an attachment nobody asked anything about, by preference. */
const DEFAULT_TASKS: Readonly<Record<"image" | "audio", readonly TaskName[]>> = {
  image: ["object-detection", "image-to-text", "image-classification"],
  audio: ["automatic-speech-recognition", "audio-classification"],
};

/** The intent a default task stands for; image-to-text has none: it may caption or read. */
const DEFAULT_INTENTS: Partial<Record<TaskName, string>> = {
  "object-detection": "detect-objects",
  "image-classification": "classify-image",
  "visual-question-answering": "image-question",
  "automatic-speech-recognition": "transcribe",
  "audio-classification": "sound",
};

/**
 * Tasks that turn a medium into text, when a text task is asked about a photo or a recording, and
 * the intent they serve there (the text of a screenshot, not a caption of it).
 */
const TO_TEXT: Readonly<Record<"image" | "audio", { task: TaskName; intent: string }>> = {
  image: { task: "image-to-text", intent: "read-text" },
  audio: { task: "automatic-speech-recognition", intent: "transcribe" },
};

export const LLM_HINT =
  "To handle any request, set OPENAI_API_KEY, or OPENAI_BASE_URL and LLM_MODEL for a local server such as Ollama.";

/**
 * Plans a request without an LLM, by the rules of OFFLINE_INTENTS. The plan passes the same checks
 * as an LLM's (`parsePlanFor`: argument kinds, references, limits).
 *
 * @example
 * planOffline({ text: "what is in this photo? read the answer aloud", inputs: [photo] }, { servable })
 * // { ok: true, plan: { tasks: [
 * //   { id: 1, task: "object-detection", dep: [], args: { image: { type: "input", name: "photo.jpg" } },
 * //     intent: "detect-objects" },
 * //   { id: 2, task: "text-to-speech", dep: [1], args: { text: { type: "ref", task: 1 } }, intent: "speak" } ] } }
 */
export function planOffline(request: OfflinePlanRequest, options: OfflinePlanOptions): OfflinePlanOutcome {
  const repeated = repeatedRequest(request);
  if (repeated) return planOffline(repeated, options);

  const context = createContext(request, options);
  const clauses = splitClauses(request.text);
  const outcome = planClauses(clauses, context);
  if (!outcome.ok) return { ok: false, message: failureMessage(outcome.reason, options) };
  return checkPlan(materialize(context.steps, context), request.inputs, options);
}

/** The help text: what can run without an LLM now, with an example each, and how to add one. */
export function describeOfflineAbilities(servable: Servable): string {
  const usable = OFFLINE_INTENTS.filter((intent) => servable(intent.task, intent.fully, intent.labels));
  if (usable.length === 0) return `No model can run here without a language model right now.\n${LLM_HINT}`;
  const lines = usable.map((intent) => `- ${intent.summary}: "${intent.example}"`);
  return `Without a language model I can:\n${lines.join("\n")}\n${LLM_HINT}`;
}

// ─── Requests that repeat an earlier one ────────────────────────────────────────────────────────

const SAME_AGAIN =
  /\b(?:(?:do|try) (?:the same|that|it)(?: thing)?(?: again)?(?: (?:for|with|on|to) (?:this|these|that|it|them|the \w+)(?: one)?)?|same (?:thing )?(?:for|with|on|to) (?:this|these|that|it|them)|again (?:with|for|on) (?:this|these|that|it))\b/i;

/** "do the same for this one": the newest earlier request that was not itself a repeat, on today's inputs. */
function repeatedRequest(request: OfflinePlanRequest): OfflinePlanRequest | undefined {
  if (!SAME_AGAIN.test(request.text)) return undefined;
  const history = request.history ?? [];
  for (let index = history.length - 1; index >= 0; index--) {
    const turn = history[index] as ConversationTurn;
    if (SAME_AGAIN.test(turn.user) || turn.user.trim() === "") continue;
    return { text: turn.user, inputs: request.inputs, history: history.slice(0, index) };
  }
  return undefined;
}

// ─── Clauses and the literal texts in them ──────────────────────────────────────────────────────

interface Clause {
  /** The clause with each literal replaced by a placeholder, so that its words pick no intent. */
  text: string;
  literals: string[];
  question: boolean;
}

const PLACEHOLDER = /⟦(\d+)⟧/g;
const QUOTED = /"([^"]+)"|“([^”]+)”|(?<=^|[\s(:])'([^']+)'(?=$|[\s.,!?;:)])/g;
const CLAUSE_BREAK =
  /(?<=[.?!;])\s+|\n+|\s*,?\s+(?:and\s+then|then|after\s+that|afterwards|and\s+also|and|but|so|also)\s+|\s*,\s*(?=(?:and\s+)?then\b)/i;
const QUESTION_START =
  /^(?:what|which|who|whom|whose|where|when|why|how|is|are|was|were|do|does|did|can|could|will|would|should|has|have)\b/i;
const FIRST = /\b(?:first|before that|beforehand)\b/i;

/**
 * The request cut at sentence ends and order words ("then", "and then", "after that"), with quoted
 * texts and the text after a colon that follows an intent ("say: hello") kept aside as literals.
 * A clause that says "first" moves to the front: "read it aloud, but translate it first".
 */
function splitClauses(text: string): Clause[] {
  const literals: string[] = [];
  const keep = (literal: string): string => {
    literals.push(literal.trim());
    return ` ⟦${literals.length - 1}⟧ `;
  };
  const normalized = text.replace(/[‘’]/g, "'");
  let marked = normalized.replace(QUOTED, (_match, a?: string, b?: string, c?: string) =>
    keep(a ?? b ?? c ?? ""),
  );
  marked = markColonLiteral(marked, keep);

  const clauses = marked
    .split(CLAUSE_BREAK)
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part): Clause => {
      const own = [...part.matchAll(PLACEHOLDER)].map((match) => literals[Number(match[1])] ?? "");
      return {
        text: part,
        literals: own.filter((literal) => literal.length > 0),
        question: part.endsWith("?") || QUESTION_START.test(part),
      };
    });
  const first = clauses.filter((clause, index) => index > 0 && FIRST.test(clause.text));
  return [...first, ...clauses.filter((clause) => !first.includes(clause))];
}

/** "say: hello there. Bye" keeps everything after the colon as the text to speak. */
function markColonLiteral(text: string, keep: (literal: string) => string): string {
  const colon = /:(?!\/\/)/.exec(text);
  if (!colon) return text;
  const before = text.slice(0, colon.index);
  const after = text.slice(colon.index + 1).trim();
  if (after === "" || !OFFLINE_INTENTS.some((intent) => anyMatch(intent, before))) return text;
  return `${before}${keep(after)}`;
}

function anyMatch(intent: OfflineIntent, text: string): boolean {
  return [...intent.phrases, ...(intent.hints ?? [])].some((phrase) => phrase.test(text));
}

// ─── Matching intents ───────────────────────────────────────────────────────────────────────────

interface Match {
  intent: OfflineIntent;
  start: number;
  end: number;
  /** A phrase that names the intent outright; a hint or a `withAttachment` word is not. */
  strong: boolean;
  /** A `withAttachment` word: it stands for the whole clause. */
  attached: boolean;
  order: number;
}

/** Overlapping matches of one place in a clause, best first: only one of them becomes a task. */
interface MatchGroup {
  clause: Clause;
  start: number;
  end: number;
  candidates: Match[];
  /** Where the next group of the clause starts: the words after a phrase stop there. */
  nextStart: number;
}

function findGroups(clause: Clause, context: PlanningContext): MatchGroup[] {
  const matches: Match[] = [];
  OFFLINE_INTENTS.forEach((intent, order) => {
    const add = (phrases: readonly RegExp[], strong: boolean) => {
      for (const phrase of phrases) {
        const found = phrase.exec(clause.text);
        if (found)
          matches.push({
            intent,
            start: found.index,
            end: found.index + found[0].length,
            strong,
            attached: false,
            order,
          });
      }
    };
    add(intent.phrases, true);
    add(intent.hints ?? [], false);
    const kind = mediaKind(intent.task);
    const attached = intent.withAttachment?.some((phrase) => phrase.test(clause.text));
    if (attached && kind && context.attachments[kind].length > 0)
      matches.push({ intent, start: 0, end: clause.text.length, strong: false, attached: true, order });
  });
  matches.sort((a, b) => a.start - b.start || b.end - a.end);

  const groups: MatchGroup[] = [];
  for (const match of matches) {
    const last = groups[groups.length - 1];
    if (last && match.start < last.end) {
      last.candidates.push(match);
      last.end = Math.max(last.end, match.end);
    } else {
      groups.push({ clause, start: match.start, end: match.end, candidates: [match], nextStart: 0 });
    }
  }
  groups.forEach((group, index) => {
    // A `withAttachment` word spans its clause: it goes after the phrases and before the hints.
    const tiered = group.candidates.some((candidate) => candidate.attached);
    const tier = (match: Match) => (match.strong ? 2 : match.attached ? 1 : 0);
    group.candidates.sort(
      (a, b) =>
        (tiered ? tier(b) - tier(a) : 0) ||
        b.end - b.start - (a.end - a.start) ||
        Number(b.strong) - Number(a.strong) ||
        a.order - b.order,
    );
    group.nextStart = groups[index + 1]?.start ?? clause.text.length;
  });
  return groups;
}

// ─── Planning state ─────────────────────────────────────────────────────────────────────────────

/** Where an argument's value comes from, before tasks get their ids. */
type Source =
  | { type: "step"; step: number }
  /** Every attachment of this kind: the task runs once for each. */
  | { type: "each"; kind: InputKind }
  | { type: "input"; name: string }
  | { type: "literal"; text: string };

interface Step {
  task: TaskName;
  args: Partial<Record<ArgName, Source>>;
  /** The id of the intent the step serves, carried to the planned task. */
  intent?: string;
}

interface PlanningContext {
  attachments: Readonly<Record<InputKind, readonly NamedInput[]>>;
  /** Earlier turns' inputs, newest first. */
  history: readonly NamedInput[];
  lastAnswer: string | undefined;
  servable: Servable;
  steps: Step[];
}

function createContext(request: OfflinePlanRequest, options: OfflinePlanOptions): PlanningContext {
  const attached = request.inputs.filter((input) => input.origin === "attachment");
  const ofKind = (kind: InputKind) => attached.filter((input) => attachmentKind(input) === kind);
  const turns = request.history ?? [];
  const answer = turns[turns.length - 1]?.answer.trim();
  return {
    attachments: { image: ofKind("image"), audio: ofKind("audio"), text: ofKind("text") },
    history: request.inputs.filter((input) => input.origin === "history").reverse(),
    lastAnswer: answer === undefined || answer === "" ? undefined : answer,
    servable: options.servable,
    steps: [],
  };
}

/** A video attachment is a voice note in a video container as far as the tasks here go. */
function attachmentKind(input: NamedInput): InputKind | undefined {
  const kind = input.resource.kind;
  if (kind === "image" || kind === "audio" || kind === "text") return kind;
  return kind === "video" ? "audio" : undefined;
}

type Failure =
  | { type: "unknown"; text: string }
  | { type: "unservable"; task: TaskName; intent?: OfflineIntent }
  | { type: "missing"; task: TaskName; kind: InputKind }
  | { type: "invalid"; error: string };

type Outcome = { ok: true } | { ok: false; reason: Failure };

function planClauses(clauses: readonly Clause[], context: PlanningContext): Outcome {
  for (const clause of clauses) {
    for (const group of findGroups(clause, context)) {
      const outcome = planGroup(group, context);
      if (!outcome.ok) return outcome;
    }
  }
  if (context.steps.length > 0) return { ok: true };
  return planDefaults(clauses, context);
}

/** The first candidate that can run, else the reason the best named one cannot; hints alone are dropped. */
function planGroup(group: MatchGroup, context: PlanningContext): Outcome {
  let refusal: { reason: Failure; length: number } | undefined;
  for (const candidate of preferAttachments(group, context)) {
    const length = candidate.end - candidate.start;
    // A shorter phrase inside a refused one is a word of it ("say" in "what does she say"); a word
    // that stands for the clause does not overrule a phrase that was refused.
    if (refusal && (length < refusal.length || candidate.attached)) break;
    const intent = runnableIntent(candidate, context);
    const resolved = resolveStep(intent, group, context);
    if (resolved.ok && context.servable(intent.task, intent.fully, intent.labels)) {
      commit(resolved.steps, context);
      return { ok: true };
    }
    if (!candidate.strong || refusal) continue;
    const reason: Failure = resolved.ok ? { type: "unservable", task: intent.task, intent } : resolved.reason;
    refusal = { reason, length };
  }
  return refusal ? { ok: false, reason: refusal.reason } : { ok: true };
}

/** A `withAttachment` match whose intent cannot run here stands for its fallback ("read-text"). */
function runnableIntent(candidate: Match, context: PlanningContext): OfflineIntent {
  const { intent } = candidate;
  if (!candidate.attached || !intent.fallback || context.servable(intent.task, intent.fully, intent.labels))
    return intent;
  return OFFLINE_INTENTS.find((other) => other.id === intent.fallback) ?? intent;
}

/** The words that point back at an earlier turn ("the recording you made", "read that aloud"). */
const POINTS_BACK =
  /\b(?:the (?:answer|result)s?|your (?:answer|reply)|(?:you|i) (?:made|sent|generated|created|recorded|said|wrote|drew|read|found)|earlier|previous(?:ly)?|before|last (?:one|time|turn))\b|\b(?:that|those)(?=\s*(?:$|[.?!,;:]|(?:please|again|aloud|out|back|for|to|into|in|too|now|and|one|instead)\b))/i;

/** Nouns that name a medium: with none of that kind attached, they mean an earlier one. */
const MEDIUM_NOUNS: Readonly<Record<"image" | "audio", RegExp>> = {
  image: /\b(?:image|photo|picture|pic|screenshot|drawing)s?\b/i,
  audio: /\b(?:recording|audio|voice (?:note|message|memo)|clip|speech)s?\b/i,
};

/**
 * A new attachment wins over earlier results: when some candidate of the group takes its photo or
 * recording from this message (or from a step of this request), candidates that would take theirs
 * from earlier turns are dropped ("what does this sign say" with a photo is not a transcript of the
 * recording the bot made before), and the fitting ones may refuse as phrases do. Unless the clause
 * points back: "the recording you made", "that", a medium that is not attached.
 */
function preferAttachments(group: MatchGroup, context: PlanningContext): Match[] {
  const clause = group.clause.text;
  const fresh = (kind: "image" | "audio") =>
    context.attachments[kind].length > 0 ||
    nearestStep(context, (task) => taskSpec(task).output === kind) !== undefined;
  const pointsBack =
    POINTS_BACK.test(clause) ||
    (["image", "audio"] as const).some((kind) => !fresh(kind) && MEDIUM_NOUNS[kind].test(clause));
  if (pointsBack) return group.candidates;
  const fits = (match: Match) => {
    const kind = mediaKind(match.intent.task);
    return kind !== undefined && fresh(kind);
  };
  const stale = (match: Match) => mediaKind(match.intent.task) !== undefined && !fits(match);
  if (!group.candidates.some(fits) || !group.candidates.some(stale)) return group.candidates;
  return group.candidates
    .filter((match) => !stale(match))
    .map((match) => (fits(match) ? { ...match, strong: true } : match));
}

/** The photo or recording a task works on, if its main input is one. */
function mediaKind(task: TaskName): "image" | "audio" | undefined {
  const args = taskSpec(task).args;
  return args.image ? "image" : args.audio ? "audio" : undefined;
}

/** Attachments nobody asked about get the first servable default task of their kind. */
function planDefaults(clauses: readonly Clause[], context: PlanningContext): Outcome {
  const question = clauses.find((clause) => clause.question && clause.literals.length === 0);
  for (const kind of ["image", "audio"] as const) {
    if (context.attachments[kind].length === 0) continue;
    const ask = question && kind === "image" && context.servable("visual-question-answering");
    const tasks: readonly TaskName[] = ask ? ["visual-question-answering"] : DEFAULT_TASKS[kind];
    const task = tasks.find((name) => context.servable(name));
    if (!task) return { ok: false, reason: { type: "unservable", task: tasks[0] as TaskName } };
    const args: Step["args"] = { [kind]: { type: "each", kind } };
    if (ask && question) args.text = { type: "literal", text: stripPlaceholders(question.text) };
    const intent = DEFAULT_INTENTS[task];
    context.steps.push({ task, args, ...(intent ? { intent } : {}) });
  }
  if (context.steps.length > 0) return { ok: true };
  const text = clauses.map((clause) => clause.text).join(" ");
  return { ok: false, reason: { type: "unknown", text: stripPlaceholders(text) } };
}

/** Steps to add: the task, after any step that turns a photo or recording into its text. */
type Resolution = { ok: true; steps: Step[] } | { ok: false; reason: Failure };

function commit(steps: readonly Step[], context: PlanningContext): void {
  const offset = context.steps.length;
  for (const step of steps) {
    // Steps of one resolution refer to each other by their position in it.
    const args: Step["args"] = {};
    for (const [name, source] of Object.entries(step.args) as Array<[ArgName, Source]>) {
      args[name] =
        source.type === "step" && source.step < 0 ? { type: "step", step: offset - source.step - 1 } : source;
    }
    context.steps.push({ ...step, args });
  }
}

// ─── Arguments ──────────────────────────────────────────────────────────────────────────────────

const REFERENCE =
  /\b(?:it|its|this|these|that|those|them|they|the (?:answer|result|results|text|caption|transcript|translation|summary|description|labels|objects|same)|your (?:answer|reply))\b/i;
const CHAINED =
  /\b(?:it|its|them|they|the (?:answer|result|results|text|caption|transcript|translation|summary|description|labels|objects))\b/i;
const EARLIER =
  /\b(?:that|those|the (?:answer|result|same)|your (?:answer|reply)|what you (?:said|wrote|found|answered)|earlier|before|previous|last)\b/i;
const THE_ANSWER = /\b(?:the answer|your (?:answer|reply)|what you (?:said|wrote|answered))\b/i;

/** Nouns that name an earlier result by the task that made it ("read that caption aloud"). */
const RESULT_NOUNS: ReadonlyArray<readonly [RegExp, TaskName]> = [
  [/\b(?:caption|description)\b/i, "image-to-text"],
  [/\btranscri(?:pt|ption)\b/i, "automatic-speech-recognition"],
  [/\btranslation\b/i, "translation"],
  [/\bsummary\b/i, "summarization"],
  [/\b(?:objects|detections)\b/i, "object-detection"],
];

function resolveStep(intent: OfflineIntent, group: MatchGroup, context: PlanningContext): Resolution {
  const spec = taskSpec(intent.task);
  const steps: Step[] = [];
  const args: Step["args"] = {};
  const main: InputKind = mediaKind(intent.task) ?? "text";
  const mainSource =
    main === "text" ? textSource(intent, group, context, steps) : mediaSource(main, group.clause, context);
  if (!mainSource) return { ok: false, reason: { type: "missing", task: intent.task, kind: main } };
  args[main] = mainSource;

  if (main !== "text" && spec.args.text) {
    const question = explicitText(intent, group);
    if (question) args.text = { type: "literal", text: question };
    else if (spec.args.text.required)
      return { ok: false, reason: { type: "missing", task: intent.task, kind: "text" } };
  }
  if (spec.args.language) {
    const language = languageOf(group.clause.text);
    if (language) args.language = { type: "literal", text: language.code };
  }
  if (intent.labels) args.labels = { type: "literal", text: intent.labels };
  steps.push({ task: intent.task, args, intent: intent.id });
  return { ok: true, steps };
}

/** A text the request gives itself: quoted, after a colon, after the phrase, or the clause. */
function explicitText(intent: OfflineIntent, group: MatchGroup): string | undefined {
  const literal = group.clause.literals[0];
  if (literal) return literal;
  if (intent.text === "clause") return stripPlaceholders(group.clause.text);
  if (intent.text === "after") {
    const end = Math.max(...group.candidates.filter((c) => c.intent === intent).map((c) => c.end));
    const after = group.clause.text.slice(end, group.nextStart);
    // "translate good morning into German": the language is an argument of its own, not the text.
    const words = taskSpec(intent.task).args.language ? (languageOf(after)?.rest ?? after) : after;
    const rest = cleanSubject(words);
    if (rest) return rest;
    if (intent.prompt && !REFERENCE.test(group.clause.text)) return stripPlaceholders(group.clause.text);
  }
  return undefined;
}

/**
 * Where a text argument comes from, most explicit first: the request's own words, the output of an
 * earlier task of this request, an earlier answer referred to ("read that aloud"), an attached text,
 * the text of an attached photo or recording (a step is added that reads it), the thread.
 */
function textSource(
  intent: OfflineIntent,
  group: MatchGroup,
  context: PlanningContext,
  bridge: Step[],
): Source | undefined {
  const own = explicitText(intent, group);
  if (own) return { type: "literal", text: own };
  const clause = group.clause.text;
  // "this review" with a review attached means the attachment; "it" or "the answer" means the last step.
  const referred = CHAINED.test(clause);

  const producer = nearestStep(context, (task) => taskFeeds(taskSpec(task), "text"));
  if (producer !== undefined && (referred || context.attachments.text.length === 0))
    return { type: "step", step: producer };
  if (EARLIER.test(clause)) {
    const earlier = historyText(clause, context);
    if (earlier) return earlier;
  }
  if (context.attachments.text.length > 0) return { type: "each", kind: "text" };
  for (const kind of ["audio", "image"] as const) {
    const reader = TO_TEXT[kind];
    if (context.attachments[kind].length === 0 || !context.servable(reader.task)) continue;
    bridge.push({ task: reader.task, args: { [kind]: { type: "each", kind } }, intent: reader.intent });
    return { type: "step", step: -1 };
  }
  return historyText(clause, context);
}

/** An earlier result of the thread as text: the one the clause names, the newest, or the last answer. */
function historyText(clause: string, context: PlanningContext): Source | undefined {
  const answer: Source | undefined = context.lastAnswer
    ? { type: "literal", text: context.lastAnswer }
    : undefined;
  if (THE_ANSWER.test(clause) && answer) return answer;
  const named = RESULT_NOUNS.find(([noun]) => noun.test(clause))?.[1];
  const feedsText = context.history.filter((input) => kindFeeds(input.resource.kind, "text"));
  const chosen = (named && feedsText.find((input) => input.name.includes(named))) ?? feedsText[0];
  return chosen ? { type: "input", name: chosen.name } : answer;
}

/**
 * An image or a recording: what an earlier task of this request made, this message's attachments
 * (each one), or the newest earlier one of the thread.
 */
function mediaSource(kind: "image" | "audio", clause: Clause, context: PlanningContext): Source | undefined {
  const producer = nearestStep(context, (task) => taskSpec(task).output === kind);
  if (producer !== undefined) return { type: "step", step: producer };
  if (context.attachments[kind].length > 0) return { type: "each", kind };
  const fitting = context.history.filter((input) => kindFeeds(input.resource.kind, kind));
  const named = RESULT_NOUNS.find(([noun]) => noun.test(clause.text))?.[1];
  const exact = fitting.find((input) => input.resource.kind === kind || input.resource.kind === "video");
  const chosen = (named && fitting.find((input) => input.name.includes(named))) ?? exact ?? fitting[0];
  return chosen ? { type: "input", name: chosen.name } : undefined;
}

function nearestStep(context: PlanningContext, fits: (task: TaskName) => boolean): number | undefined {
  for (let index = context.steps.length - 1; index >= 0; index--) {
    if (fits((context.steps[index] as Step).task)) return index;
  }
  return undefined;
}

/** Words that only soften or order a request: they are not part of a text to speak or translate. */
const FILLER_START =
  /^(?:[\s:,-]+|(?:of|about|me|us|for me|please|the words?|the sentence|the phrase|out|aloud)\b)+/i;
const FILLER_END =
  /(?:[\s.?!,;:]+|\b(?:please|first|for me|now|then|again|too|aloud|out loud|as audio)\b)+$/i;

/** The words after a phrase as a literal text, unless they only point at something ("it", "this review"). */
function cleanSubject(raw: string): string | undefined {
  const words = stripPlaceholders(raw).replace(FILLER_START, "").replace(FILLER_END, "").trim();
  if (words === "" || isReference(words)) return undefined;
  return words;
}

const POINTER =
  /^(?:it|this|that|these|those|them|(?:the|this|that|these|those|my|your|his|her|their|our)(?:\s+\S+){1,2}|what (?:it|you|he|she|they) \S+(?:\s+\S+)?)$/i;

function isReference(words: string): boolean {
  return POINTER.test(words);
}

function stripPlaceholders(text: string): string {
  return text.replace(PLACEHOLDER, " ").replace(/\s+/g, " ").trim();
}

/** ISO 639-1 codes of the languages people name most. */
const LANGUAGES: ReadonlyMap<string, string> = new Map([
  ["english", "en"],
  ["german", "de"],
  ["french", "fr"],
  ["spanish", "es"],
  ["italian", "it"],
  ["portuguese", "pt"],
  ["dutch", "nl"],
  ["swedish", "sv"],
  ["danish", "da"],
  ["norwegian", "no"],
  ["finnish", "fi"],
  ["polish", "pl"],
  ["czech", "cs"],
  ["russian", "ru"],
  ["ukrainian", "uk"],
  ["greek", "el"],
  ["turkish", "tr"],
  ["arabic", "ar"],
  ["hebrew", "he"],
  ["hindi", "hi"],
  ["chinese", "zh"],
  ["japanese", "ja"],
  ["korean", "ko"],
  ["vietnamese", "vi"],
  ["indonesian", "id"],
  ["romanian", "ro"],
  ["hungarian", "hu"],
]);

const LANGUAGE_PHRASE = /\s*\b(?:in|into|to)\s+([a-z]+)\b/gi;

/** The target language a clause names ("into German"), and the clause without those words. */
function languageOf(text: string): { code: string; rest: string } | undefined {
  for (const match of text.matchAll(LANGUAGE_PHRASE)) {
    const code = LANGUAGES.get((match[1] ?? "").toLowerCase());
    if (code) return { code, rest: text.slice(0, match.index) + text.slice(match.index + match[0].length) };
  }
  return undefined;
}

// ─── The plan ───────────────────────────────────────────────────────────────────────────────────

/**
 * Steps to tasks with ids. A step on "each" attachment runs once per attachment, and a step fed by
 * such a step runs once per run of it; a task equal to an earlier one is not planned twice.
 */
function materialize(steps: readonly Step[], context: PlanningContext): Plan {
  const tasks: PlannedTask[] = [];
  const idsOfStep: number[][] = [];
  for (const step of steps) {
    const runs = Math.max(1, ...Object.values(step.args).map((source) => runsOf(source, idsOfStep, context)));
    const ids: number[] = [];
    for (let run = 0; run < runs; run++) {
      const args: PlannedTask["args"] = {};
      for (const [name, source] of Object.entries(step.args) as Array<[ArgName, Source]>) {
        args[name] = argValue(source, run, idsOfStep, context);
      }
      // Reading a sign and captioning it are two tasks, though both are image-to-text on one photo.
      const same = tasks.find(
        (task) => task.task === step.task && task.intent === step.intent && sameArgs(task.args, args),
      );
      if (same) {
        ids.push(same.id);
        continue;
      }
      const id = tasks.length + 1;
      const dep = [
        ...new Set(Object.values(args).flatMap((value) => (value?.type === "ref" ? [value.task] : []))),
      ];
      tasks.push({
        id,
        task: step.task,
        dep: dep.sort((a, b) => a - b),
        args,
        ...(step.intent ? { intent: step.intent } : {}),
      });
      ids.push(id);
    }
    idsOfStep.push(ids);
  }
  return { tasks };
}

function runsOf(source: Source, idsOfStep: readonly number[][], context: PlanningContext): number {
  if (source.type === "each") return context.attachments[source.kind].length;
  if (source.type === "step") return idsOfStep[source.step]?.length ?? 1;
  return 1;
}

function argValue(
  source: Source,
  run: number,
  idsOfStep: readonly number[][],
  context: PlanningContext,
): ArgValue {
  switch (source.type) {
    case "literal":
      return { type: "literal", text: source.text };
    case "input":
      return { type: "input", name: source.name };
    case "each": {
      const inputs = context.attachments[source.kind];
      return { type: "input", name: (inputs[run] ?? (inputs[0] as NamedInput)).name };
    }
    case "step": {
      const ids = idsOfStep[source.step] ?? [];
      return { type: "ref", task: ids[run] ?? (ids[0] as number) };
    }
  }
}

function sameArgs(a: PlannedTask["args"], b: PlannedTask["args"]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A literal stands in as plain words: the check is of kinds and references, not of what is said. */
const LITERAL_STAND_IN = "(literal text)";

/**
 * The plan through the LLM plan's own checks, so both planners promise the executor the same. The
 * plan returned is the checked one (its `dep` recomputed from the references), with the literal
 * texts the check saw as stand-ins and the intents, which the check does not know, put back.
 */
function checkPlan(
  plan: Plan,
  inputs: readonly NamedInput[],
  options: OfflinePlanOptions,
): OfflinePlanOutcome {
  const maxTasks = options.maxTasks ?? PLAN_LIMITS.maxTasks;
  const tooLong = plan.tasks.some((task) =>
    Object.values(task.args).some(
      (value) => value?.type === "literal" && value.text.length > PLAN_LIMITS.maxArgChars,
    ),
  );
  if (tooLong)
    return {
      ok: false,
      message: failureMessage(
        { type: "invalid", error: `a text is longer than ${PLAN_LIMITS.maxArgChars} characters` },
        options,
      ),
    };
  const raw = plan.tasks.map((task) => ({
    id: task.id,
    task: task.task,
    args: Object.fromEntries(Object.entries(task.args).map(([name, value]) => [name, serialize(value)])),
  }));
  const checked = parsePlanFor(
    JSON.stringify(raw),
    inputs.map((input) => ({ name: input.name, kind: input.resource.kind })),
    { maxTasks },
  );
  if (!checked.ok)
    return {
      ok: false,
      message: failureMessage({ type: "invalid", error: checked.error }, options),
    };
  const byId = new Map(plan.tasks.map((task) => [task.id, task]));
  const tasks = checked.plan.tasks.map((task): PlannedTask => {
    const own = byId.get(task.id);
    const args: PlannedTask["args"] = {};
    for (const [name, value] of Object.entries(task.args) as Array<[ArgName, ArgValue]>) {
      const original = own?.args[name];
      args[name] = value.type === "literal" && original?.type === "literal" ? original : value;
    }
    return { ...task, args, ...(own?.intent ? { intent: own.intent } : {}) };
  });
  return { ok: true, plan: { tasks } };
}

function serialize(value: ArgValue | undefined): string | null {
  if (!value) return null;
  return value.type === "literal" ? LITERAL_STAND_IN : argValueText(value);
}

// ─── Messages ───────────────────────────────────────────────────────────────────────────────────

const KIND_WORDS: Readonly<Record<InputKind, string>> = {
  image: "an image: attach one",
  audio: "a recording: attach one",
  text: 'a text: put it in quotes or after a colon, as in say: "good morning"',
};

function failureMessage(reason: Failure, options: OfflinePlanOptions): string {
  const hint = options.unservableHint ?? HF_TOKEN_HINT;
  return `${reasonSentence(reason, hint)}\n\n${describeOfflineAbilities(options.servable)}`;
}

const HF_TOKEN_HINT = "Set HF_TOKEN to use Hugging Face's models for it.";

function reasonSentence(reason: Failure, unservableHint: string): string {
  switch (reason.type) {
    case "unknown":
      return reason.text === ""
        ? "Send me a request, a photo or a recording."
        : `I can't tell which task "${shorten(reason.text, 80)}" needs without a language model.`;
    case "unservable":
      return `${reason.intent?.title ?? taskTitle(reason.task)} cannot run here: no expert on this machine does it.${unservableHint ? ` ${unservableHint}` : ""}`;
    case "missing":
      return `${taskTitle(reason.task)} needs ${KIND_WORDS[reason.kind]}.`;
    case "invalid":
      return `I couldn't build a plan I can run: ${reason.error}.`;
  }
}

/** "Object Detection" → "Object detection", for the start of a sentence. */
export function taskTitle(task: TaskName): string {
  const title = taskSpec(task).title;
  return title.charAt(0) + title.slice(1).toLowerCase();
}
