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
  /** The directory of Debian's pocketsphinx-en-us: `en-us/` (acoustic model), `en-us.lm.bin`, `cmudict-en-us.dict`. */
  modelDirectory?: string;
  /** Where the converted audio is written (and removed afterwards); defaults to os.tmpdir(). */
  temporaryDirectory?: string;
  /** For each of the conversion and the recognition; defaults to 120 s. */
  timeoutMs?: number;
}

const TASK = "automatic-speech-recognition";
const DEFAULT_MODEL_DIRECTORY = "/usr/share/pocketsphinx/model/en-us";
const HOW_TO_ADD = "sudo apt-get install pocketsphinx pocketsphinx-en-us sox";
const DEFAULT_TIMEOUT_MS = 120_000;
/** Extensions sox knows; with one of them, sox is told the type instead of guessing it. */
const SOX_EXTENSIONS = new Set(["wav", "flac", "ogg", "mp3"]);

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

/**
 * Speech recognition with CMU PocketSphinx (US English) run as programs: sox turns any audio it can
 * read into the 16 kHz mono 16-bit samples the acoustic model was trained on, then
 * pocketsphinx_continuous decodes them. Small and offline; far less accurate than Whisper.
 */
export function createPocketsphinxRunner(options: PocketsphinxOptions = {}): LocalRunner {
  const pocketsphinxName = options.pocketsphinx ?? "pocketsphinx_continuous";
  const soxName = options.sox ?? "sox";
  const files = modelFiles(options.modelDirectory ?? DEFAULT_MODEL_DIRECTORY);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function programs(): Promise<{ pocketsphinx?: string; sox?: string; missing: string[] }> {
    const [pocketsphinx, sox] = await Promise.all([findProgram(pocketsphinxName), findProgram(soxName)]);
    const missing = [
      ...(pocketsphinx ? [] : [pocketsphinxName]),
      ...(sox ? [] : [soxName]),
      ...Object.values(files).filter((path) => !existsSync(path)),
    ];
    return { ...(pocketsphinx ? { pocketsphinx } : {}), ...(sox ? { sox } : {}), missing };
  }

  return {
    task: TASK,
    model: "local/pocketsphinx-en-us",
    description: "CMU PocketSphinx US English speech recognizer (pocketsphinx and sox programs)",
    competence: { languages: ["en"] },
    // Far behind Whisper on anything but clear read speech; starts per request (~0.7 s).
    rank: { tier: 1, cost: "free", typicalMs: 1_000 },

    async probe(): Promise<LocalAvailability> {
      const { pocketsphinx, missing } = await programs();
      if (missing.length > 0) {
        return { available: false, reason: `missing ${missing.join(", ")}`, howToAdd: HOW_TO_ADD };
      }
      return { available: true, ...(pocketsphinx ? { detail: pocketsphinx } : {}) };
    },

    async run(args, { signal }): Promise<TextResource> {
      const audio = requireMedia(TASK, args, "audio", "audio");
      const { pocketsphinx, sox, missing } = await programs();
      if (!pocketsphinx || !sox || missing.length > 0) {
        throw new ExpertError("failed", `pocketsphinx cannot run: missing ${missing.join(", ")}`);
      }
      const directory = await mkdtemp(join(options.temporaryDirectory ?? tmpdir(), "hugginggpt-asr-"));
      try {
        const extension = extensionOf(audio.mime);
        const input = join(directory, SOX_EXTENSIONS.has(extension) ? `input.${extension}` : "input");
        const samples = join(directory, "samples.raw");
        await writeFile(input, audio.bytes);

        // Headerless samples: pocketsphinx_continuous checks a .wav header for an exact 44-byte layout.
        const conversion = await runProgram(
          sox,
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
        if (conversion.code !== 0) {
          const why = stderrTail(
            conversion.stderr.replaceAll(input, basename(input)).replace(/^\S*sox FAIL \w+: /gm, ""),
          );
          // The user reads this: the kind of file and what to install, not sox's own words (in the log).
          const hint = audio.mime === "audio/mpeg" ? " (MP3 needs the libsox-fmt-mp3 package here)" : "";
          throw new ExpertError("bad_input", `the recording (${audio.mime}) could not be read${hint}`, {
            cause: new Error(why),
          });
        }

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
