/**
 * What the offline planner understands: intents, each a task with what it is for, and the cues that
 * point to it with how strongly. A cue is a pattern over the lemmas of a clause ("read * aloud":
 * "read", up to three words, "aloud"; "photo|picture": either word), so "reading it out loud",
 * "read the list aloud" and "can u read this out" need no rule of their own. The scores add up; the
 * planner takes a clause's best intent when it scores high enough and asks when two are close.
 */
import type { TaskName } from "../../tasks/index.js";

/** A pattern over lemmas and its weight: about 4 names the intent outright, 1 only hints at it. */
export type Cue = readonly [pattern: string, weight: number];

export interface OfflineIntent {
  /** Stable name, carried to the planned task (experts made for it go first) and used in tests. */
  id: string;
  /** The task it runs; none for what no task does (solving an equation, composing music). */
  task?: TaskName;
  /** What it does, as an instruction, for the list of what runs offline ("find objects in a photo"). */
  summary: string;
  /** What it does as the subject of a sentence: "Describing an image (captioning) cannot run here". */
  title: string;
  /** What the user gets, for a clarifying question: "the objects in the photo". */
  offer: string;
  /** A request that picks it, for help texts. */
  example: string;
  cues: readonly Cue[];
  /**
   * Where a literal text comes from when the clause quotes none: the words after the cue when they
   * are words to pass on ("say good night", not "read out the due date"), a prompt after the cue
   * taken as it is ("draw a red bicycle"), or the whole clause (a question about a document).
   */
  text?: "after" | "prompt" | "clause";
  /** The `labels` it asks of its task ("safe to share, not safe to share"). */
  labels?: string;
  /** Needs an expert for the whole task (captioning), not one that serves a part of it (OCR). */
  fully?: boolean;
  /** The intent planned instead when this one cannot run here ("read-text" for document questions). */
  fallback?: string;
}

/** Nouns of things that carry text: a text task on such a photo reads it first. */
export const TEXT_BEARERS =
  "text|word|writing|message|email|mail|review|tweet|post|comment|caption|chat|dm|reply|note|notes|sign|label|menu|poster|slide|page|screenshot|letter|document|receipt|invoice|flyer|handout|whiteboard|board|sticker|card|banner|headline|article|essay|quote|subtitle|title|paragraph|notice|newsletter|homework|worksheet|schedule|timetable|announcement|form|ticket";

/** Nouns of a photo of people: "is this guy happy?" is about a face, not about a text. */
export const PEOPLE =
  "guy|girl|man|woman|kid|child|baby|boy|person|people|he|she|they|face|dude|lady|family|crowd";

export const DOCUMENTS =
  "receipt|invoice|bill|form|document|statement|ticket|contract|letter|pdf|payslip|boarding|quotation|booking|reservation|confirmation|itinerary|prescription|agreement|lease|tenancy|report|certificate|policy|estimate|permit|licence|license|application|scoresheet|timesheet|paperwork|fine|logbook";

export const IMAGE_NOUNS =
  "photo|picture|image|screenshot|shot|snapshot|scan|selfie|meme|drawing|pfp|wallpaper";
export const AUDIO_NOUNS = "recording|audio|voice|note|memo|message|clip|call|podcast|track|speech|lecture";
export const DOC_FACTS =
  "total|subtotal|sum|amount|price|cost|tax|vat|tip|discount|balance|due|fee|charge|pay|paid|spend|spent|owe|date|deadline|gate|seat|flight|number|address|name|issuer|vendor|merchant|customer|account|reference|time|start|open|expire|expiry|valid|quantity|item|platform|terminal|district|hours|opening|closing|phone|website|tracking|dose|dosage|rent|deposit|salary|wage|score|result|referee|allergy|allergies|policy|signed|signature|venue|room|location|owner|landlord|tenant|term|notice|period|reference|id|code|version|grade|vin|serial|registration|mileage|plate";

/** What to run on an attachment nobody asked anything about, by preference. */
export const DEFAULT_INTENTS: Readonly<Record<"image" | "audio", readonly string[]>> = {
  image: ["detect-objects", "read-text"],
  audio: ["transcribe"],
};

/** The intent of the task that turns a photo or a recording into its text, for a text task asked of one. */
export const TO_TEXT: Readonly<Record<"image" | "audio", string>> = {
  image: "read-text",
  audio: "transcribe",
};
