import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  createEspeakRunner,
  fixStreamedWavSizes,
  parseVoiceList,
} from "../../../../src/experts/local/tts.js";
import { ExpertError } from "../../../../src/experts/types.js";
import type { Resource } from "../../../../src/tasks/index.js";
import { childCommands } from "../../../support/processes.js";

const never = new AbortController().signal;
const SENTENCE = "The quick brown fox jumps over the lazy dog today.";

interface WavInfo {
  sampleRate: number;
  channels: number;
  byteRate: number;
  dataBytes: number;
  seconds: number;
}

/** Reads a WAV header by its chunks, as a player would: the duration comes from the declared sizes. */
function readWav(bytes: Uint8Array): WavInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (start: number) => Buffer.from(bytes.subarray(start, start + 4)).toString("latin1");
  expect(text(0)).toBe("RIFF");
  expect(text(8)).toBe("WAVE");
  expect(view.getUint32(4, true)).toBe(bytes.byteLength - 8);
  let format: Omit<WavInfo, "dataBytes" | "seconds"> | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.byteLength) {
    const size = view.getUint32(offset + 4, true);
    if (text(offset) === "fmt ") {
      format = {
        channels: view.getUint16(offset + 10, true),
        sampleRate: view.getUint32(offset + 12, true),
        byteRate: view.getUint32(offset + 16, true),
      };
    } else if (text(offset) === "data") {
      if (!format) throw new Error("data chunk before fmt chunk");
      return { ...format, dataBytes: size, seconds: size / format.byteRate };
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error("no data chunk");
}

function audioOf(resource: Resource): Uint8Array {
  if (resource.kind !== "audio") throw new Error(`expected audio, got ${resource.kind}`);
  return resource.bytes;
}

describe("espeak-ng text-to-speech", () => {
  it("is available where espeak-ng is installed, with the languages of its voices", async () => {
    const availability = await createEspeakRunner().probe();
    expect(availability).toMatchObject({
      available: true,
      detail: expect.stringMatching(/espeak-ng, \d+ languages$/),
    });
    const languages = availability.available ? (availability.competence?.languages ?? []) : [];
    expect(languages.length).toBeGreaterThan(80);
    expect(languages).toEqual(expect.arrayContaining(["en", "de", "fr", "es", "zh", "ja", "ar", "hi"]));
  });

  it("reads a German text with the German voice, exactly as espeak-ng -v de does", async () => {
    const text = "Guten Morgen, wie geht es dir heute?";
    const runner = createEspeakRunner();
    const german = audioOf(
      await runner.run(
        { text: { kind: "text", text }, language: { kind: "text", text: "German" } },
        { signal: never },
      ),
    );
    const direct = spawnSync("espeak-ng", ["--stdout", "--stdin", "-b", "1", "-v", "de"], { input: text });
    expect(Buffer.from(german.subarray(44)).equals(direct.stdout.subarray(44))).toBe(true);
    const english = audioOf(await runner.run({ text: { kind: "text", text } }, { signal: never }));
    expect(Buffer.from(english.subarray(44)).equals(direct.stdout.subarray(44))).toBe(false);
  });

  it("refuses a language it has no voice for, saying which", async () => {
    await expect(
      createEspeakRunner().run(
        { text: { kind: "text", text: "hello" }, language: { kind: "text", text: "yo" } },
        { signal: never },
      ),
    ).rejects.toMatchObject({ reason: "bad_input", message: "espeak-ng has no Yoruba voice" });
  });

  it("maps espeak-ng's voice list to one voice per language", () => {
    const listing = [
      "Pty Language       Age/Gender VoiceName          File                 Other Languages",
      " 5  de              --/M      German             gmw/de",
      " 5  en-gb           --/M      English_(Great_Britain) gmw/en",
      " 2  en-us           --/M      English_(America)  gmw/en-US            (en 3)",
      " 5  fr-be           --/M      French_(Belgium)   roa/fr-BE",
      " 5  fr-fr           --/M      French_(France)    roa/fr",
      " 5  pt              --/M      Portuguese_(Portugal) roa/pt",
      " 5  pt-br           --/M      Portuguese_(Brazil) roa/pt-BR",
      " 5  cmn             --/M      Chinese_(Mandarin) sit/cmn",
    ].join("\n");
    expect(Object.fromEntries(parseVoiceList(listing))).toEqual({
      de: "de",
      en: "en-gb",
      fr: "fr-fr",
      pt: "pt",
      zh: "cmn",
    });
  });

  it("says how to add it where it is not installed", async () => {
    const runner = createEspeakRunner({ program: "/nonexistent/espeak-ng" });
    expect(await runner.probe()).toEqual({
      available: false,
      reason: "espeak-ng is not installed",
      howToAdd: "sudo apt-get install espeak-ng",
    });
    await expect(
      runner.run({ text: { kind: "text", text: "hello" } }, { signal: never }),
    ).rejects.toMatchObject({
      reason: "failed",
    });
  });

  it("reads a sentence into a WAV of a plausible length", { timeout: 30_000 }, async () => {
    const runner = createEspeakRunner();
    expect(runner).toMatchObject({ task: "text-to-speech", model: "local/espeak-ng" });
    const resource = await runner.run({ text: { kind: "text", text: SENTENCE } }, { signal: never });
    expect(resource).toMatchObject({ kind: "audio", mime: "audio/wav", name: "text-to-speech.wav" });
    const wav = readWav(audioOf(resource));
    expect(wav.channels).toBe(1);
    expect(wav.sampleRate).toBe(22_050);
    // Ten words at espeak-ng's 175 words a minute: about 3.5 s.
    expect(wav.seconds).toBeGreaterThan(0.5);
    expect(wav.seconds).toBeLessThan(10);
    // The header now tells the real size, not the placeholder of a streamed file.
    expect(wav.dataBytes).toBe(audioOf(resource).byteLength - 44);
  });

  it("speaks longer for a longer text, in another voice", { timeout: 30_000 }, async () => {
    const runner = createEspeakRunner({ voice: "en-us" });
    const short = await runner.run({ text: { kind: "text", text: "Hello." } }, { signal: never });
    const long = await runner.run(
      { text: { kind: "text", text: `${SENTENCE} ${SENTENCE} ${SENTENCE}` } },
      { signal: never },
    );
    expect(readWav(audioOf(long)).seconds).toBeGreaterThan(3 * readWav(audioOf(short)).seconds);
  });

  it("never reads the text as options", { timeout: 30_000 }, async () => {
    const directory = await mkdtemp(join(tmpdir(), "tts-test-"));
    try {
      const target = join(directory, "written.wav");
      const resource = await createEspeakRunner().run(
        { text: { kind: "text", text: `-w ${target} --version` } },
        { signal: never },
      );
      expect(readWav(audioOf(resource)).seconds).toBeGreaterThan(0.5);
      expect(existsSync(target)).toBe(false);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("refuses a missing, empty or too long text", async () => {
    const runner = createEspeakRunner({ maxChars: 100 });
    for (const args of [{}, { text: { kind: "text" as const, text: "  \n " } }]) {
      const run = runner.run(args, { signal: never });
      await expect(run).rejects.toBeInstanceOf(ExpertError);
      await expect(run).rejects.toMatchObject({ reason: "bad_input" });
    }
    await expect(
      runner.run({ text: { kind: "text", text: "a".repeat(101) } }, { signal: never }),
    ).rejects.toMatchObject({
      reason: "bad_input",
      message: "text-to-speech: the text has 101 characters; espeak-ng reads at most 100",
    });
  });

  it("refuses texts over 5000 characters by default", async () => {
    const run = createEspeakRunner().run(
      { text: { kind: "text", text: "word ".repeat(1001) } },
      { signal: never },
    );
    await expect(run).rejects.toMatchObject({ reason: "bad_input" });
  });

  it("rejects a voice name that could be an option", () => {
    expect(() => createEspeakRunner({ voice: "--stdout" })).toThrow(/not a voice name/);
  });

  it("stops when the request is cancelled, leaving no process", { timeout: 30_000 }, async () => {
    const controller = new AbortController();
    const reason = new Error("cancelled");
    controller.abort(reason);
    const runner = createEspeakRunner();
    await expect(
      runner.run({ text: { kind: "text", text: SENTENCE } }, { signal: controller.signal }),
    ).rejects.toBe(reason);
    // Cancelled while it is starting: the run must still end with the reason and no espeak-ng left.
    const late = new AbortController();
    const run = runner.run({ text: { kind: "text", text: "word ".repeat(900) } }, { signal: late.signal });
    late.abort(reason);
    await expect(run).rejects.toBe(reason);
    expect(childCommands()).not.toContain("espeak-ng");
  });
});

describe("fixStreamedWavSizes", () => {
  it("refuses what is not a WAV, or a WAV without samples", () => {
    expect(() => fixStreamedWavSizes(new Uint8Array(100))).toThrow("espeak-ng did not write a WAV file");
    const header = Buffer.alloc(44);
    header.write("RIFF", 0, "latin1");
    header.write("WAVE", 8, "latin1");
    header.write("fmt ", 12, "latin1");
    header.writeUInt32LE(16, 16);
    header.write("data", 36, "latin1");
    header.writeUInt32LE(0x7ffff000, 40);
    expect(() => fixStreamedWavSizes(header)).toThrow("espeak-ng wrote a WAV file without any sound");
  });
});
