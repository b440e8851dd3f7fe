import { languageName, normalizeLanguage, sameLanguage } from "../../language/index.js";
import type { AudioResource } from "../../tasks/index.js";
import { optionalText, requireText } from "../hosted/inputs.js";
import { ExpertError, outputFileName } from "../types.js";
import { findProgram, runProgram, stderrTail } from "./program.js";
import type { LocalAvailability, LocalRunner } from "./types.js";

export interface EspeakOptions {
  /** The program's name on PATH or its absolute path; defaults to `espeak-ng`. */
  program?: string;
  /** An espeak-ng voice, e.g. `en-us` or `fr`; espeak-ng's default (English) otherwise. */
  voice?: string;
  /** Longest text read aloud, in characters; defaults to 5000 (about six minutes of speech). */
  maxChars?: number;
  /** Defaults to 60 s. */
  timeoutMs?: number;
}

const TASK = "text-to-speech";
const DEFAULT_MAX_CHARS = 5000;
const MIME = "audio/wav";

function ascii(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.subarray(start, end)).toString("latin1");
}

/**
 * The WAV with its RIFF and data sizes set to what was written. espeak-ng writing to a pipe cannot
 * seek back to fill them in and leaves 0x7ffff000 there, which players read as a day-long file.
 */
export function fixStreamedWavSizes(bytes: Uint8Array): Uint8Array {
  if (bytes.byteLength < 12 || ascii(bytes, 0, 4) !== "RIFF" || ascii(bytes, 8, 12) !== "WAVE") {
    throw new ExpertError("failed", "espeak-ng did not write a WAV file");
  }
  const fixed = new Uint8Array(bytes);
  const view = new DataView(fixed.buffer, fixed.byteOffset, fixed.byteLength);
  view.setUint32(4, fixed.byteLength - 8, true);
  let offset = 12;
  while (offset + 8 <= fixed.byteLength) {
    const id = ascii(fixed, offset, offset + 4);
    if (id === "data") {
      const available = fixed.byteLength - offset - 8;
      if (available === 0) break;
      view.setUint32(offset + 4, available, true);
      return fixed;
    }
    // Chunks are padded to an even size.
    const size = view.getUint32(offset + 4, true);
    offset += 8 + size + (size % 2);
  }
  throw new ExpertError("failed", "espeak-ng wrote a WAV file without any sound");
}

/**
 * The voices of `espeak-ng --voices` by ISO 639-1 code: its "Language" column holds tags such as
 * "de", "fr-be", "fr-fr", "en-us", "cmn". A tag equal to the code wins ("pt" over "pt-br"), then the
 * language's home variant ("fr-fr" over "fr-be"), then the first listed.
 */
export function parseVoiceList(listing: string): Map<string, string> {
  const best = new Map<string, { tag: string; preference: number }>();
  for (const line of listing.split("\n").slice(1)) {
    const tag = line.trim().split(/\s+/)[1];
    if (!tag || !/^[A-Za-z0-9][A-Za-z0-9_+-]*$/.test(tag)) continue;
    const code = normalizeLanguage(tag);
    if (!code) continue;
    const lower = tag.toLowerCase();
    const preference = lower === code ? 0 : lower === `${code}-${code}` ? 1 : 2;
    const current = best.get(code);
    if (!current || preference < current.preference) best.set(code, { tag, preference });
  }
  return new Map([...best].map(([code, { tag }]) => [code, tag]));
}

/**
 * Text-to-speech with eSpeak NG, run as a separate program (it is GPL-3, so it is never linked).
 * The text goes in on stdin, never as an argument, so no text can be read as an option. A text in
 * another language is read with that language's voice (the `language` argument, planned or
 * detected by the executor); espeak-ng ships about a hundred.
 */
export function createEspeakRunner(options: EspeakOptions = {}): LocalRunner {
  const programName = options.program ?? "espeak-ng";
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const voice = options.voice;
  if (voice !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_+-]*$/.test(voice)) {
    throw new Error(`espeak-ng voice "${voice}" is not a voice name`);
  }
  let listing: Promise<Map<string, string>> | undefined;

  /** The installed voices, asked of the program once (an empty map when it cannot say). */
  function voices(path: string): Promise<Map<string, string>> {
    listing ??= runProgram(path, ["--voices"], { signal: AbortSignal.timeout(10_000) })
      .then((result) => (result.code === 0 ? parseVoiceList(result.stdout.toString("utf8")) : new Map()))
      .catch(() => new Map<string, string>());
    return listing;
  }

  /** The `-v` of a language: none for English (espeak-ng's default voice), the listed voice otherwise. */
  async function voiceFor(path: string, language: string | undefined): Promise<string | undefined> {
    if (language === undefined) return voice;
    if (sameLanguage(language, "en")) return voice;
    const installed = await voices(path);
    const found =
      installed.get(language) ?? [...installed].find(([code]) => sameLanguage(code, language))?.[1];
    if (!found) {
      throw new ExpertError("bad_input", `espeak-ng has no ${languageName(language)} voice`);
    }
    return found;
  }

  return {
    task: TASK,
    model: "local/espeak-ng",
    description: "eSpeak NG formant speech synthesizer, about a hundred languages (espeak-ng program)",
    competence: { maxChars },
    // Intelligible but robotic next to neural voices; instant, and it speaks far more languages.
    rank: { tier: 1, cost: "free", typicalMs: 100 },

    async probe(): Promise<LocalAvailability> {
      const path = await findProgram(programName);
      if (!path) {
        return {
          available: false,
          reason: "espeak-ng is not installed",
          howToAdd: "sudo apt-get install espeak-ng",
        };
      }
      const languages = [...(await voices(path)).keys()];
      return {
        available: true,
        detail: `${path}, ${languages.length} languages`,
        ...(languages.length > 0 ? { competence: { languages, maxChars } } : {}),
      };
    },

    async run(args, { signal }): Promise<AudioResource> {
      const text = requireText(TASK, args, "text");
      if (text.length > maxChars) {
        throw new ExpertError(
          "bad_input",
          `${TASK}: the text has ${text.length} characters; espeak-ng reads at most ${maxChars}`,
        );
      }
      const path = await findProgram(programName);
      if (!path) throw new ExpertError("failed", "espeak-ng is not installed");
      const planned = optionalText(args, "language");
      const chosen = await voiceFor(path, planned === undefined ? undefined : normalizeLanguage(planned));
      // --stdin reads the whole text at once (without it, stdin is spoken line by line); -b 1: UTF-8.
      const programArgs = ["--stdout", "--stdin", "-b", "1", ...(chosen ? ["-v", chosen] : [])];
      const result = await runProgram(path, programArgs, {
        input: Buffer.from(text, "utf8"),
        signal,
        ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      });
      if (result.code !== 0) {
        const tail = stderrTail(result.stderr);
        throw new ExpertError(
          "failed",
          `espeak-ng exited with code ${result.code}${tail ? `: ${tail}` : ""}`,
        );
      }
      const bytes = fixStreamedWavSizes(result.stdout);
      return { kind: "audio", mime: MIME, bytes, name: outputFileName(TASK, MIME) };
    },
  };
}
