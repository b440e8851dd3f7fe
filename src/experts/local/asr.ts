import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { TextResource } from "../../tasks/index.js";
import { extensionOf } from "../../tasks/media-type.js";
import { requireMedia } from "../hosted/inputs.js";
import { ExpertError } from "../types.js";
import { findProgram, runProgram, stderrTail } from "./program.js";
import type { LocalAvailability, LocalRunner } from "./types.js";

export interface PocketsphinxOptions {
  /** `pocketsphinx_continuous` by name on PATH or by absolute path. */
  pocketsphinx?: string;
  /** `sox` by name on PATH or by absolute path. */
  sox?: string;
  /** `ffmpeg` by name on PATH or by absolute path; "" never uses it. */
  ffmpeg?: string;
  /** The directory of Debian's pocketsphinx-en-us: `en-us/` (acoustic model), `en-us.lm.bin`, `cmudict-en-us.dict`. */
  modelDirectory?: string;
  /** Where the converted audio is written (and removed afterwards); defaults to os.tmpdir(). */
  temporaryDirectory?: string;
  /** For each of the conversion and the recognition; defaults to 120 s. */
  timeoutMs?: number;
}

const TASK = "automatic-speech-recognition";
const DEFAULT_MODEL_DIRECTORY = "/usr/share/pocketsphinx/model/en-us";
const HOW_TO_ADD =
  "sudo apt-get install pocketsphinx pocketsphinx-en-us sox (and ffmpeg for OGG Opus voice messages, M4A, WebM and video)";
const DEFAULT_TIMEOUT_MS = 120_000;
/** Extensions sox knows; with one of them, sox is told the type instead of guessing it. */
const SOX_EXTENSIONS = new Set(["wav", "flac", "ogg", "mp3"]);
/**
 * What sox reads here: WAV, FLAC, OGG Vorbis, MP3 (with libsox-fmt-mp3). Discord's voice messages
 * (OGG Opus), phone memos (M4A), WebM and MP4 clips need ffmpeg.
 */
const SOX_MEDIA = [
  "audio/wav",
  "audio/x-wav",
  "audio/wave",
  "audio/vnd.wave",
  "audio/flac",
  "audio/x-flac",
  "audio/ogg",
  "audio/vorbis",
  "audio/mpeg",
  "audio/mp3",
];

interface ModelFiles {
  acousticModel: string;
  languageModel: string;
  dictionary: string;
}

function modelFiles(directory: string): ModelFiles {
  return {
    acousticModel: join(directory, "en-us"),
    languageModel: join(directory, "en-us.lm.bin"),
    dictionary: join(directory, "cmudict-en-us.dict"),
  };
}

interface Programs {
  pocketsphinx?: string;
  sox?: string;
  ffmpeg?: string;
  missing: string[];
}

/**
 * Speech recognition with CMU PocketSphinx (US English) run as programs: ffmpeg (or, without it,
 * sox) turns the recording into the 16 kHz mono 16-bit samples the acoustic model was trained on,
 * then pocketsphinx_continuous decodes them. Small and offline; far less accurate than Whisper.
 */
export function createPocketsphinxRunner(options: PocketsphinxOptions = {}): LocalRunner {
  const pocketsphinxName = options.pocketsphinx ?? "pocketsphinx_continuous";
  const soxName = options.sox ?? "sox";
  const ffmpegName = options.ffmpeg ?? "ffmpeg";
  const files = modelFiles(options.modelDirectory ?? DEFAULT_MODEL_DIRECTORY);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function programs(): Promise<Programs> {
    const [pocketsphinx, sox, ffmpeg] = await Promise.all([
      findProgram(pocketsphinxName),
      findProgram(soxName),
      findProgram(ffmpegName),
    ]);
    const missing = [
      ...(pocketsphinx ? [] : [pocketsphinxName]),
      // One decoder is enough: ffmpeg reads everything sox does.
      ...(sox || ffmpeg ? [] : [soxName]),
      ...Object.values(files).filter((path) => !existsSync(path)),
    ];
    return {
      ...(pocketsphinx ? { pocketsphinx } : {}),
      ...(sox ? { sox } : {}),
      ...(ffmpeg ? { ffmpeg } : {}),
      missing,
    };
  }

  /** The recording as headerless 16 kHz mono samples in `samples`, or a bad_input error saying why not. */
  async function decode(
    found: Programs,
    audio: { mime: string },
    input: string,
    samples: string,
    signal: AbortSignal,
  ): Promise<void> {
    // Headerless samples: pocketsphinx_continuous checks a .wav header for an exact 44-byte layout.
    const conversion = found.ffmpeg
      ? await runProgram(
          found.ffmpeg,
          ["-nostdin", "-v", "error", "-i", input, "-vn", "-ac", "1", "-ar", "16000", "-f", "s16le", samples],
          { signal, timeoutMs },
        )
      : await runProgram(
          found.sox ?? soxName,
          [
            "-V1",
            input,
            "-t",
            "raw",
            "-r",
            "16000",
            "-c",
            "1",
            "-b",
            "16",
            "-e",
            "signed-integer",
            "-L",
            samples,
          ],
          { signal, timeoutMs },
        );
    if (conversion.code === 0) return;
    const why = stderrTail(
      conversion.stderr.replaceAll(input, basename(input)).replace(/^\S*sox FAIL \w+: /gm, ""),
    );
    // The user reads this: the kind of file and what to install, not the decoder's own words (in the log).
    const hint = found.ffmpeg
      ? ""
      : audio.mime === "audio/mpeg"
        ? " (MP3 needs the libsox-fmt-mp3 package here)"
        : " (ffmpeg reads more formats: sudo apt-get install ffmpeg)";
    throw new ExpertError("bad_input", `the recording (${audio.mime}) could not be read${hint}`, {
      cause: new Error(why),
    });
  }

  return {
    task: TASK,
    model: "local/pocketsphinx-en-us",
    description: "CMU PocketSphinx US English speech recognizer (pocketsphinx with ffmpeg or sox)",
    competence: { languages: ["en"], media: SOX_MEDIA },
    // Far behind Whisper on anything but clear read speech; starts per request (~0.7 s).
    rank: { tier: 1, cost: "free", typicalMs: 1_000 },

    async probe(): Promise<LocalAvailability> {
      const { pocketsphinx, ffmpeg, missing } = await programs();
      if (missing.length > 0) {
        return { available: false, reason: `missing ${missing.join(", ")}`, howToAdd: HOW_TO_ADD };
      }
      return {
        available: true,
        detail: `${pocketsphinx ?? pocketsphinxName}, decoding with ${ffmpeg ? "ffmpeg" : "sox"}`,
        // With ffmpeg every audio and video container; with sox alone, its formats.
        competence: { languages: ["en"], media: ffmpeg ? ["audio/", "video/"] : SOX_MEDIA },
      };
    },

    async run(args, { signal }): Promise<TextResource> {
      const audio = requireMedia(TASK, args, "audio", "audio");
      const found = await programs();
      const { pocketsphinx, missing } = found;
      if (!pocketsphinx || missing.length > 0) {
        throw new ExpertError("failed", `pocketsphinx cannot run: missing ${missing.join(", ")}`);
      }
      const directory = await mkdtemp(join(options.temporaryDirectory ?? tmpdir(), "hugginggpt-asr-"));
      try {
        const extension = extensionOf(audio.mime);
        const input = join(directory, SOX_EXTENSIONS.has(extension) ? `input.${extension}` : "input");
        const samples = join(directory, "samples.raw");
        await writeFile(input, audio.bytes);
        await decode(found, audio, input, samples, signal);

        const recognition = await runProgram(
          pocketsphinx,
          [
            "-infile",
            samples,
            "-hmm",
            files.acousticModel,
            "-lm",
            files.languageModel,
            "-dict",
            files.dictionary,
            "-logfn",
            "/dev/null",
          ],
          { signal, timeoutMs },
        );
        if (recognition.code !== 0) {
          const tail = stderrTail(recognition.stderr);
          throw new ExpertError(
            "failed",
            `pocketsphinx_continuous exited with code ${recognition.code}${tail ? `: ${tail}` : ""}`,
          );
        }
        // One line per utterance the voice activity detector found.
        const text = recognition.stdout
          .toString("utf8")
          .split("\n")
          .map((line) => line.trim())
          .filter((line) => line !== "")
          .join(" ");
        // Failed rather than an empty transcript, so that the executor tries another model.
        if (text === "") throw new ExpertError("failed", "pocketsphinx recognised no speech");
        return { kind: "text", text };
      } finally {
        await rm(directory, { recursive: true, force: true });
      }
    },
  };
}
