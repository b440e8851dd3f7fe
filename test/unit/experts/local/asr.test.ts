import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createPocketsphinxRunner } from "../../../../src/experts/local/asr.js";
import { findProgram, runProgram } from "../../../../src/experts/local/program.js";
import type { ExpertArgs } from "../../../../src/experts/types.js";
import { ExpertError } from "../../../../src/experts/types.js";
import type { Resource } from "../../../../src/tasks/index.js";
import { wavFromSamples } from "../../../fakes/hf-server.js";
import { childCommands } from "../../../support/processes.js";

/** Recordings of Debian's pocketsphinx-testdata, with the transcripts pocketsphinx's own tests use. */
const DATA = "/usr/share/pocketsphinx/test/data";
const GO_FORWARD = "go forward ten meters";

const never = new AbortController().signal;

/** Word error rate: word-level edit distance over the reference length, case and punctuation ignored. */
function wordErrorRate(reference: string, hypothesis: string): number {
  const words = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}'\s]/gu, " ")
      .split(/\s+/)
      .filter((word) => word !== "");
  const ref = words(reference);
  const hyp = words(hypothesis);
  let previous = Array.from({ length: hyp.length + 1 }, (_, index) => index);
  for (let i = 1; i <= ref.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= hyp.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (ref[i - 1] === hyp[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1));
    }
    previous = current;
  }
  return (previous[hyp.length] ?? 0) / Math.max(ref.length, 1);
}

/** A WAV around headerless 16 kHz mono 16-bit little-endian samples, as pocketsphinx's .raw files are. */
function wavOfRaw(samples: Uint8Array, sampleRate = 16_000): Uint8Array {
  // Copied first: an Int16Array needs an even offset, which a pooled Buffer does not promise.
  return new Uint8Array(wavFromSamples(new Int16Array(new Uint8Array(samples).buffer), sampleRate));
}

function audioArgs(bytes: Uint8Array, mime = "audio/wav", name = "speech.wav"): ExpertArgs {
  return { audio: { kind: "audio", mime, bytes, name } };
}

function textOf(resource: Resource): string {
  if (resource.kind !== "text") throw new Error(`expected text, got ${resource.kind}`);
  return resource.text;
}

/** Converts a test recording with sox, the way a user's phone or browser might have recorded it. */
async function convert(
  input: Uint8Array,
  directory: string,
  name: string,
  output: string[],
): Promise<Uint8Array> {
  const sox = await findProgram("sox");
  if (!sox) throw new Error("sox is not installed");
  const source = join(directory, "source.wav");
  const target = join(directory, name);
  await writeFile(source, input);
  const result = await runProgram(sox, [source, ...output, target], { signal: never });
  expect(result).toMatchObject({ code: 0, stderr: "" });
  return new Uint8Array(await readFile(target));
}

let temporaryDirectory: string;
let workDirectory: string;
beforeEach(async () => {
  temporaryDirectory = await mkdtemp(join(tmpdir(), "asr-test-temp-"));
  workDirectory = await mkdtemp(join(tmpdir(), "asr-test-work-"));
});
afterEach(async () => {
  await rm(temporaryDirectory, { recursive: true, force: true });
  await rm(workDirectory, { recursive: true, force: true });
});

describe("pocketsphinx speech recognition", () => {
  it("is available where pocketsphinx, its English model and sox are installed", async () => {
    const runner = createPocketsphinxRunner();
    expect(runner).toMatchObject({ task: "automatic-speech-recognition", model: "local/pocketsphinx-en-us" });
    expect(await runner.probe()).toMatchObject({ available: true });
  });

  it("says what is missing and how to add it", async () => {
    const runner = createPocketsphinxRunner({
      sox: "/nonexistent/sox",
      ffmpeg: "/nonexistent/ffmpeg",
      modelDirectory: "/nonexistent/en-us",
    });
    const availability = await runner.probe();
    expect(availability).toMatchObject({
      available: false,
      howToAdd:
        "sudo apt-get install pocketsphinx pocketsphinx-en-us sox (and ffmpeg for OGG Opus voice messages, M4A, WebM and video)",
    });
    expect(availability.available === false && availability.reason).toMatch(/^missing \/nonexistent\/sox, /);
  });

  it("transcribes a recording of real speech", { timeout: 30_000 }, async () => {
    const wav = wavOfRaw(await readFile(join(DATA, "goforward.raw")));
    const runner = createPocketsphinxRunner({ temporaryDirectory });
    const text = textOf(await runner.run(audioArgs(wav), { signal: never }));
    expect(wordErrorRate(GO_FORWARD, text)).toBeLessThan(0.2);
    expect(await readdir(temporaryDirectory)).toEqual([]);
  });

  it("converts other rates, channels and formats first", { timeout: 30_000 }, async () => {
    const wav = wavOfRaw(await readFile(join(DATA, "goforward.raw")));
    const runner = createPocketsphinxRunner({ temporaryDirectory });
    const flac = await convert(wav, workDirectory, "speech.flac", ["-r", "44100", "-c", "2"]);
    const ogg = await convert(wav, workDirectory, "speech.ogg", ["-r", "48000"]);
    // A voice note as phones send it (sox reads and writes MP3 with Debian's libsox-fmt-mp3).
    const mp3 = await convert(wav, workDirectory, "speech.mp3", ["-r", "44100"]);
    for (const [bytes, mime] of [
      [flac, "audio/flac"],
      [ogg, "audio/ogg"],
      [mp3, "audio/mpeg"],
    ] as const) {
      // The declared type is a generic one: the runner goes by the bytes.
      const text = textOf(
        await runner.run(audioArgs(bytes, "application/octet-stream", "x"), { signal: never }),
      );
      expect(wordErrorRate(GO_FORWARD, text), `${mime}: ${text}`).toBeLessThan(0.2);
    }
    expect(await readdir(temporaryDirectory)).toEqual([]);
  });

  it("reads Discord's OGG Opus voice messages, phone memos (M4A) and video clips with ffmpeg, and says so in its competence", {
    timeout: 60_000,
  }, async () => {
    const wav = wavOfRaw(await readFile(join(DATA, "goforward.raw")));
    const runner = createPocketsphinxRunner({ temporaryDirectory });
    expect(await runner.probe()).toMatchObject({
      available: true,
      detail: expect.stringContaining("decoding with ffmpeg"),
      competence: { languages: ["en"], media: ["audio/", "video/"] },
    });
    const encode = async (name: string, args: string[]): Promise<Uint8Array> => {
      const ffmpeg = await findProgram("ffmpeg");
      if (!ffmpeg) throw new Error("ffmpeg is not installed");
      const source = join(workDirectory, "source.wav");
      await writeFile(source, wav);
      const target = join(workDirectory, name);
      const result = await runProgram(
        ffmpeg,
        ["-nostdin", "-v", "error", "-y", "-i", source, ...args, target],
        {
          signal: never,
        },
      );
      expect(result).toMatchObject({ code: 0 });
      return new Uint8Array(await readFile(target));
    };
    const opus = await encode("voice-message.ogg", ["-c:a", "libopus", "-ar", "48000"]);
    const m4a = await encode("memo.m4a", ["-c:a", "aac"]);
    // A clip with a picture track too, as Slack and phones record them.
    const mp4 = await encode("clip.mp4", [
      "-f",
      "lavfi",
      "-i",
      "color=c=black:s=64x48:d=3",
      "-shortest",
      "-c:v",
      "mpeg4",
      "-c:a",
      "aac",
    ]);
    for (const [bytes, mime] of [
      [opus, "audio/ogg"],
      [m4a, "audio/mp4"],
      [mp4, "video/mp4"],
    ] as const) {
      const text = textOf(await runner.run(audioArgs(bytes, mime, "x"), { signal: never }));
      expect(wordErrorRate(GO_FORWARD, text), `${mime}: ${text}`).toBeLessThan(0.2);
    }
    // Without ffmpeg: sox's formats only, and a clear word on what to install for the rest.
    const soxOnly = createPocketsphinxRunner({ temporaryDirectory, ffmpeg: "" });
    expect(await soxOnly.probe()).toMatchObject({
      available: true,
      competence: { media: expect.arrayContaining(["audio/wav", "audio/ogg", "audio/mpeg"]) },
    });
    await expect(
      soxOnly.run(audioArgs(opus, "audio/ogg", "voice-message.ogg"), { signal: never }),
    ).rejects.toMatchObject({
      reason: "bad_input",
      message:
        "the recording (audio/ogg) could not be read (ffmpeg reads more formats: sudo apt-get install ffmpeg)",
    });
    expect(await readdir(temporaryDirectory)).toEqual([]);
  });

  it("joins the utterances of a longer recording", { timeout: 60_000 }, async () => {
    // Five LibriVox sentences read one after the other (about 25 s): harder than a command.
    const transcripts = (await readFile(join(DATA, "librivox", "transcription"), "utf8"))
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => line.replace(/<\/?s>|\(.*\)/g, "").trim());
    const files = (await readdir(join(DATA, "librivox"))).filter((file) => file.endsWith(".wav")).sort();
    expect(files).toHaveLength(5);
    const sox = await findProgram("sox");
    const joined = join(workDirectory, "librivox.wav");
    const concatenation = await runProgram(
      sox ?? "sox",
      [...files.map((file) => join(DATA, "librivox", file)), joined],
      {
        signal: never,
      },
    );
    expect(concatenation.code).toBe(0);
    const text = textOf(
      await createPocketsphinxRunner({ temporaryDirectory }).run(audioArgs(await readFile(joined)), {
        signal: never,
      }),
    );
    // "mister" is written "mr" in the dictionary: the same word. Measured here: 0.30 (0.0 for the command).
    const reference = transcripts.join(" ").replace(/\bmister\b/g, "mr");
    expect(wordErrorRate(reference, text)).toBeLessThan(0.35);
  });

  it("refuses bytes that are not audio, with a clear message", { timeout: 30_000 }, async () => {
    const runner = createPocketsphinxRunner({ temporaryDirectory });
    const run = runner.run(audioArgs(randomBytes(4096), "audio/wav", "x.wav"), { signal: never });
    await expect(run).rejects.toBeInstanceOf(ExpertError);
    await expect(run).rejects.toMatchObject({
      reason: "bad_input",
      message: "the recording (audio/wav) could not be read",
    });
    await expect(run).rejects.not.toMatchObject({ message: expect.stringContaining(temporaryDirectory) });
    // A broken MP3 (an ID3 tag, then nothing): refused as such, with or without sox's MP3 package.
    const mp3 = new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 0, ...new Array<number>(2000).fill(0)]);
    await expect(runner.run(audioArgs(mp3, "audio/mpeg", "x.mp3"), { signal: never })).rejects.toMatchObject({
      reason: "bad_input",
      message: expect.stringContaining("audio/mpeg"),
    });
    expect(await readdir(temporaryDirectory)).toEqual([]);
  });

  it("refuses a missing or empty audio argument", async () => {
    const runner = createPocketsphinxRunner({ temporaryDirectory });
    await expect(runner.run({}, { signal: never })).rejects.toMatchObject({ reason: "bad_input" });
    await expect(runner.run(audioArgs(new Uint8Array()), { signal: never })).rejects.toMatchObject({
      reason: "bad_input",
    });
  });

  it("fails, so that another model is tried, when it hears no speech", { timeout: 30_000 }, async () => {
    const silence = wavOfRaw(new Uint8Array(2 * 16_000 * 2));
    const run = createPocketsphinxRunner({ temporaryDirectory }).run(audioArgs(silence), { signal: never });
    await expect(run).rejects.toMatchObject({
      reason: "failed",
      message: "pocketsphinx recognised no speech",
    });
    expect(await readdir(temporaryDirectory)).toEqual([]);
  });

  it("stops when cancelled, leaving no process and no file", { timeout: 30_000 }, async () => {
    const wav = wavOfRaw(await readFile(join(DATA, "goforward.raw")));
    const runner = createPocketsphinxRunner({ temporaryDirectory });
    const controller = new AbortController();
    const reason = new Error("cancelled");
    const run = runner.run(audioArgs(wav), { signal: controller.signal }).catch((error: unknown) => error);
    // Cancelled while sox or pocketsphinx runs.
    for (let attempt = 0; attempt < 2000 && childCommands().length === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    controller.abort(reason);
    expect(await run).toBe(reason);
    expect(childCommands()).toEqual([]);
    expect(await readdir(temporaryDirectory)).toEqual([]);
  });
});
