/**
 * Reading text in images on this machine: Tesseract (tesseract.js, WebAssembly) with the English
 * model of `@tesseract.js-data/eng`. One worker serves both runners; it starts on the first run and
 * stays warm until `close()`.
 */
import { createRequire } from "node:module";
import sharp from "sharp";
import { isBotError } from "../../errors.js";
import { decodeError, type ImageInfo, readHeader } from "../../render/image.js";
import type { Resource } from "../../tasks/index.js";
import { requireMedia, requireText } from "../hosted/inputs.js";
import { type ExpertArgs, ExpertError, type ExpertRunOptions } from "../types.js";
import type { LocalAvailability, LocalRunner } from "./types.js";

const require = createRequire(import.meta.url);

const PACKAGES = ["tesseract.js", "@tesseract.js-data/eng"] as const;
// The packages are optional dependencies pinned by the lockfile: reinstall them, do not add new ones.
const HOW_TO_ADD = `npm ci --include=optional (it installs ${PACKAGES.join(", ")})`;

/**
 * Tesseract reads texture in any photo as letters ("GHEE ge =) » oy" in darknet's dog.jpg, lines at
 * confidence 10–56) while printed text comes out at 90+. Lines under this are dropped, so a photo
 * without text gives "no text found" instead of noise.
 */
const DEFAULT_MIN_LINE_CONFIDENCE = 60;
/**
 * An A4 page scanned at 300 dpi is 2480×3508; a larger image is reduced to fit this square, since
 * recognition time grows with the pixels while text that size is readable at this scale.
 */
const MAX_SIDE = 4000;
/**
 * The resolution Tesseract is told when the file gives none: without one it assumes 70 dpi and logs
 * a warning for every page; 300 is the resolution its models are trained for.
 */
const DEFAULT_DPI = 300;
/** When no line matches the question, a document up to this many characters is given in full. */
const WHOLE_TEXT_LIMIT = 600;
/** At most this many lines answer a question: more is the document, not an answer. */
const MAX_ANSWER_LINES = 3;

export interface OcrOptions {
  /** Lines Tesseract is less sure of (0–100) are dropped. Defaults to 60. */
  minLineConfidence?: number;
  /** Largest input accepted, in pixels (width × height). Defaults to render's limit (50 MP). */
  maxPixels?: number;
}

/** The slice of tesseract.js used here, typed for what is read (its own typings are loose). */
interface OcrLine {
  text: string;
  confidence: number;
}

interface OcrPage {
  blocks: Array<{ paragraphs: Array<{ lines: OcrLine[] }> }> | null;
}

interface OcrWorker {
  recognize(
    image: Buffer,
    options: Record<string, never>,
    output: { text: boolean; blocks: boolean },
  ): Promise<{ data: OcrPage }>;
  terminate(): Promise<unknown>;
}

interface TesseractModule {
  createWorker(
    language: string,
    engine: number,
    options: { langPath: string; gzip: boolean; cacheMethod: string },
  ): Promise<OcrWorker>;
}

function isTesseractModule(value: unknown): value is TesseractModule {
  return (
    typeof value === "object" && value !== null && typeof Reflect.get(value, "createWorker") === "function"
  );
}

function languageData(): { langPath: string; gzip: boolean } {
  const data: unknown = require("@tesseract.js-data/eng");
  const langPath = typeof data === "object" && data !== null ? Reflect.get(data, "langPath") : undefined;
  if (typeof langPath !== "string") throw new Error("@tesseract.js-data/eng gives no langPath");
  return { langPath, gzip: Reflect.get(data as object, "gzip") !== false };
}

/** Paragraphs of kept lines: what the image says, without the lines Tesseract only guessed. */
export type OcrText = string[][];

/** The text of a page, paragraphs separated by a blank line. */
export function pageText(paragraphs: OcrText): string {
  return paragraphs.map((lines) => lines.join("\n")).join("\n\n");
}

function keptParagraphs(page: OcrPage, minConfidence: number): OcrText {
  const paragraphs: OcrText = [];
  for (const block of page.blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      const lines = paragraph.lines
        .filter((line) => line.confidence >= minConfidence)
        .map((line) => line.text.replace(/\s+/g, " ").trim())
        // A lone character is what a confident Tesseract makes of an edge in a photo.
        .filter((text) => (text.match(/[\p{L}\p{N}]/gu) ?? []).length >= 2);
      if (lines.length > 0) paragraphs.push(lines);
    }
  }
  return paragraphs;
}

/** Grey, upright, alpha on white, PNG with a resolution: the input Tesseract reads best. */
async function prepare(bytes: Uint8Array, maxPixels: number | undefined): Promise<Buffer> {
  let info: ImageInfo;
  let limit: number;
  try {
    ({ info, maxPixels: limit } = await readHeader(bytes, maxPixels === undefined ? {} : { maxPixels }));
  } catch (error) {
    throw asBadInput(error);
  }
  try {
    const { density } = await sharp(bytes, { limitInputPixels: limit }).metadata();
    return await sharp(bytes, { limitInputPixels: limit, failOn: "truncated", autoOrient: true })
      .resize(MAX_SIDE, MAX_SIDE, { fit: "inside", withoutEnlargement: true })
      .flatten({ background: "#ffffff" })
      .greyscale()
      .withMetadata({ density: density !== undefined && density >= 70 ? density : DEFAULT_DPI })
      .png()
      .toBuffer();
  } catch (error) {
    throw asBadInput(decodeError(error, undefined, info.format));
  }
}

function asBadInput(error: unknown): unknown {
  if (isBotError(error) && (error.code === "input_invalid" || error.code === "input_too_large")) {
    return new ExpertError("bad_input", error.message, { cause: error });
  }
  return error;
}

/** The promise, or the signal's reason as soon as it aborts (the worker finishes its page regardless). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

const STOP_WORDS = new Set(
  (
    "a about above after again all also am an and any are as at be been before being below between both " +
    "but by can could did do does doing down during each few for from further had has have having he her " +
    "here hers him his how i if in into is it its itself just me more most my no nor not of off on once " +
    "only or other our ours out over own please same she should so some such tell than that the their " +
    "theirs them then there these they this those through to too under until up very was we were what " +
    "when where which while who whom whose why will with would you your yours document say says said " +
    "show give find read written write mentioned listed"
  ).split(" "),
);

/** Lower-case words of letters and digits, decimals kept whole ("349.50"). */
function words(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}]+(?:[.,][\p{N}]+)*/gu) ?? [];
}

function contentWords(question: string): string[] {
  return [...new Set(words(question).filter((word) => !STOP_WORDS.has(word)))];
}

/** "date" matches "dated", "payment" matches "payments": a shared start of four letters or more. */
function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  return short.length >= 4 && long.startsWith(short);
}

/**
 * The lines that answer a question by their words: each content word of the question (stop words
 * dropped) that a line contains adds 1 / (number of lines containing it), so a word found everywhere
 * counts for little. The best-scoring lines come back in document order, at most three; `undefined`
 * when no line shares a content word with the question.
 */
export function matchLines(lines: readonly string[], question: string): string[] | undefined {
  const wanted = contentWords(question);
  if (wanted.length === 0) return undefined;
  const lineWords = lines.map((line) => words(line));
  const found = wanted.map((word) =>
    lineWords.map((candidates) => candidates.some((w) => sameWord(word, w))),
  );
  const scores = lines.map((_, index) =>
    found.reduce((sum, inLines) => {
      const count = inLines.filter(Boolean).length;
      return inLines[index] ? sum + 1 / count : sum;
    }, 0),
  );
  const best = Math.max(0, ...scores);
  if (best === 0) return undefined;
  return lines.filter((_, index) => scores[index] === best).slice(0, MAX_ANSWER_LINES);
}

/** The answer text: the matching lines, or a plain statement that none matched (with the text if short). */
export function answerFromDocument(paragraphs: OcrText, question: string): string {
  const lines = paragraphs.flat();
  const matched = matchLines(lines, question);
  if (matched) return matched.join("\n");
  const text = pageText(paragraphs);
  if (text.length <= WHOLE_TEXT_LIMIT) {
    return `No line of the document matches the question. The document reads:\n${text}`;
  }
  return `No line of the document matches the question. It begins:\n${text.slice(0, WHOLE_TEXT_LIMIT).trimEnd()}…`;
}

/**
 * The two OCR runners over one Tesseract worker: `image-to-text` (only as a fallback: it reads the
 * text in an image, it does not caption a photo) and `document-question-answering` by line lookup,
 * without an LLM. `close()` on either terminates the shared worker; a later run starts a new one.
 *
 * @example
 * const [imageToText, documentQuestionAnswering] = createOcrRunners();
 */
export function createOcrRunners(
  options: OcrOptions = {},
): [imageToText: LocalRunner, documentQuestionAnswering: LocalRunner] {
  const minConfidence = options.minLineConfidence ?? DEFAULT_MIN_LINE_CONFIDENCE;
  let starting: Promise<OcrWorker> | undefined;

  async function start(): Promise<OcrWorker> {
    const module: unknown = await import("tesseract.js");
    const tesseract = isTesseractModule(module) ? module : Reflect.get(module as object, "default");
    if (!isTesseractModule(tesseract)) throw new Error("tesseract.js has no createWorker");
    // cacheMethod "none": the language data is read from the package, and nothing is written to the
    // working directory (the default caches the model there).
    return tesseract.createWorker("eng", 1, { ...languageData(), cacheMethod: "none" });
  }

  function worker(): Promise<OcrWorker> {
    starting ??= start().catch((error: unknown) => {
      starting = undefined;
      throw new ExpertError("failed", `Tesseract failed to start: ${String(error)}`, { cause: error });
    });
    return starting;
  }

  async function read(args: ExpertArgs, task: LocalRunner["task"], signal: AbortSignal): Promise<OcrText> {
    const image = requireMedia(task, args, "image", "image");
    const png = await prepare(image.bytes, options.maxPixels);
    const ocr = await abortable(worker(), signal);
    const { data } = await abortable(ocr.recognize(png, {}, { text: true, blocks: true }), signal);
    const paragraphs = keptParagraphs(data, minConfidence);
    if (paragraphs.length === 0) throw new ExpertError("failed", "no text found in the image");
    return paragraphs;
  }

  async function probe(): Promise<LocalAvailability> {
    const missing = PACKAGES.filter((name) => {
      try {
        require.resolve(name);
        return false;
      } catch {
        return true;
      }
    });
    if (missing.length > 0) {
      return { available: false, reason: `${missing.join(", ")} not installed`, howToAdd: HOW_TO_ADD };
    }
    return { available: true, detail: "Tesseract (English) from the installed packages" };
  }

  async function close(): Promise<void> {
    const current = starting;
    starting = undefined;
    // A worker that failed to start has nothing to terminate (its run already reported the failure).
    const running = await current?.catch(() => undefined);
    await running?.terminate();
  }

  const imageToText: LocalRunner = {
    task: "image-to-text",
    model: "local/tesseract-eng",
    description: "reads printed English text in an image (Tesseract OCR)",
    competence: { languages: ["en"] },
    // Reads print well; it does not describe a photo, hence a fallback for captioning (fallbackOnly).
    rank: { tier: 2, cost: "free", typicalMs: 1_000 },
    fallbackOnly: true,
    intents: ["read-text"],
    probe,
    async run(args: ExpertArgs, runOptions: ExpertRunOptions): Promise<Resource> {
      const paragraphs = await read(args, "image-to-text", runOptions.signal);
      return { kind: "text", text: pageText(paragraphs) };
    },
    close,
  };

  const documentQuestionAnswering: LocalRunner = {
    task: "document-question-answering",
    model: "local/tesseract-eng-lookup",
    description: "answers with the lines of a document that match the question (Tesseract OCR, no LLM)",
    competence: { languages: ["en"] },
    // Word lookup, not understanding: hosted document models (LayoutLM, Donut) answer far better.
    rank: { tier: 1, cost: "free", typicalMs: 1_500 },
    probe,
    async run(args: ExpertArgs, runOptions: ExpertRunOptions): Promise<Resource> {
      const question = requireText("document-question-answering", args, "text");
      const paragraphs = await read(args, "document-question-answering", runOptions.signal);
      return { kind: "text", text: answerFromDocument(paragraphs, question) };
    },
    close,
  };

  return [imageToText, documentQuestionAnswering];
}
