import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import sharp from "sharp";
import { loadConfig } from "../src/config/index.js";
import { createHumanDetectionRunner } from "../src/experts/local/detection.js";
import { createApp } from "../src/main.js";
import type { NamedInput, PipelineResult } from "../src/pipeline/index.js";
import { inputFromFile } from "../src/pipeline/inputs.js";
import { createStorage } from "../src/storage/index.js";
import type { TaskName } from "../src/tasks/index.js";
import { wavFromSamples } from "../test/fakes/hf-server.js";
import { textImage } from "../test/support/images.js";
import { type BenchFigure, benchInChild, median, peakRss } from "./harness.js";

/** Where Debian's darknet package puts its sample photos (`dpkg -L darknet`). */
const PHOTOS_DIR = "/usr/share/darknet/data";
const GOFORWARD = "/usr/share/pocketsphinx/test/data/goforward.raw";
/** Detection runs per photo, after the one that loads the model. */
const DETECTION_ROUNDS = 2;
const MB = 1024 * 1024;
/** Set in the child process that measures for `benchLocalExperts`. */
const CHILD_ENV = "BENCH_LOCAL_EXPERTS_CHILD";
const REQUEST = "what is in this photo? read it aloud";

const seconds = (ms: number) => Number((ms / 1000).toFixed(3));
const fixed = (value: number) => value.toFixed(2);

/** Every photo darknet ships, none left out: the JPEGs of its data folder (its labels/ are glyphs). */
async function darknetPhotos(): Promise<Map<string, Uint8Array>> {
  const names = (await readdir(PHOTOS_DIR)).filter((name) => /\.jpe?g$/i.test(name)).sort();
  if (names.length === 0) throw new Error(`no photos in ${PHOTOS_DIR}: is the darknet package installed?`);
  const photos = new Map<string, Uint8Array>();
  for (const name of names) photos.set(name, new Uint8Array(await readFile(join(PHOTOS_DIR, name))));
  return photos;
}

/** A WAV around headerless 16 kHz mono 16-bit little-endian samples, as pocketsphinx's .raw files are. */
function wavOfRaw(samples: Uint8Array, sampleRate = 16_000): Uint8Array {
  // Copied first: an Int16Array needs an even offset, which a pooled Buffer does not promise.
  return new Uint8Array(wavFromSamples(new Int16Array(new Uint8Array(samples).buffer), sampleRate));
}

/** Throws unless the request ran exactly these tasks, each on this machine and successfully. */
function expectLocal(result: PipelineResult, tasks: readonly TaskName[], what: string): void {
  const ran = result.results.map((task) => `${task.task}:${task.source ?? "-"}:${task.status}`);
  const wanted = tasks.map((task) => `${task}:local:ok`);
  if (JSON.stringify(ran) !== JSON.stringify(wanted)) {
    throw new Error(`${what}: ran ${ran.join(", ") || "nothing"} (${result.answer.slice(0, 120)})`);
  }
}

/**
 * The three figures of the embedded default, in this process (a fresh one: see benchLocalExperts):
 * detection on every darknet photo with Human warm, the end-to-end request with no keys in a warm app
 * on every darknet photo, and the peak RSS once every local expert has run.
 */
export async function measureLocalExperts(): Promise<BenchFigure[]> {
  const baselineRss = process.memoryUsage().rss;
  const signal = new AbortController().signal;
  const photos = await darknetPhotos();
  const names = [...photos.keys()];
  const bytesOf = (name: string) => photos.get(name) as Uint8Array;
  const asImage = (name: string, bytes = bytesOf(name)) =>
    ({ kind: "image", mime: "image/jpeg", bytes, name }) as const;
  // The warm-ups run on dog.jpg mirrored: a picture like the others, whose bytes none of the timed
  // runs send, so every photo is timed and none is answered from the results cache.
  const warmName = "dog-mirrored.jpg";
  const warmBytes = new Uint8Array(
    await sharp(bytesOf(names.includes("dog.jpg") ? "dog.jpg" : names[0]!))
      .flop()
      .jpeg()
      .toBuffer(),
  );

  // 1. Detection, warm: the runner as the pipeline calls it (decode, detect, draw the annotated image).
  const detector = createHumanDetectionRunner();
  const loadStarted = performance.now();
  await detector.run({ image: asImage(warmName, warmBytes) }, { signal });
  const loadMs = performance.now() - loadStarted;
  const detectionMs: number[] = [];
  let objects = 0;
  for (let round = 0; round < DETECTION_ROUNDS; round++) {
    for (const name of names) {
      const started = performance.now();
      const output = await detector.run({ image: asImage(name) }, { signal });
      detectionMs.push(performance.now() - started);
      if (output.kind === "detections") objects += output.detections.length;
    }
  }
  await detector.close?.();

  // 2. End to end with no keys: the offline planner, Human, espeak-ng and the safety check on the
  // annotated image, in one warm app, once on every photo. The results cache is keyed by task, model
  // and input bytes; a cached result would be counted, and fails the bench.
  const dataDir = await mkdtemp(join(tmpdir(), "bench-local-experts-"));
  const env = { LOG_LEVEL: "silent", DATA_DIR: dataDir };
  const config = loadConfig(env);
  const app = createApp(config, { env, storage: createStorage() });
  const maxBytes = config.MAX_FILE_MB * MB;
  const fileInput = (name: string, bytes: Uint8Array): NamedInput => inputFromFile(name, bytes, { maxBytes });
  try {
    if (app.llm || app.backends.hosted) throw new Error("the app has an LLM or hosted models configured");
    const safety = (await app.safety?.probe())?.available === true ? "ran" : "cannot run here";
    const warmStarted = performance.now();
    const warm = await app.pipeline.run({ text: REQUEST, inputs: [fileInput(warmName, warmBytes)] });
    const warmMs = performance.now() - warmStarted;
    expectLocal(warm, ["object-detection", "text-to-speech"], "the warm-up request");
    if (warm.summary.planner !== "offline rules") throw new Error(`planned by ${warm.summary.planner}`);

    const endToEndMs: number[] = [];
    let cached = 0;
    for (const name of names) {
      const inputs = [fileInput(name, bytesOf(name))];
      const started = performance.now();
      const result = await app.pipeline.run({ text: REQUEST, inputs });
      endToEndMs.push(performance.now() - started);
      expectLocal(result, ["object-detection", "text-to-speech"], `the request on ${name}`);
      cached += result.results.filter((task) => task.cached).length;
    }
    if (cached > 0) throw new Error(`${cached} results came from the cache`);

    // 3. Every local expert once more: OCR on a generated text image, document QA on a generated
    // receipt, sentiment, TTS, ASR on pocketsphinx's recording (detection and the safety check ran above).
    const others: Array<{ text: string; inputs: NamedInput[]; tasks: TaskName[] }> = [
      {
        text: "read the text in this image",
        inputs: [fileInput("sign.png", await textImage(["OPEN DAILY 9 TO 5"]))],
        tasks: ["image-to-text"],
      },
      {
        text: "what is the total on this receipt?",
        inputs: [
          fileInput("receipt.png", await textImage(["CORNER SHOP", "Milk 1.20", "Bread 2.10", "Total 3.30"])),
        ],
        tasks: ["document-question-answering"],
      },
      { text: 'is "I love this phone" positive?', inputs: [], tasks: ["text-classification"] },
      { text: "say: good morning, everyone", inputs: [], tasks: ["text-to-speech"] },
      {
        text: "transcribe this",
        inputs: [fileInput("goforward.wav", wavOfRaw(new Uint8Array(await readFile(GOFORWARD))))],
        tasks: ["automatic-speech-recognition"],
      },
    ];
    for (const request of others) {
      expectLocal(await app.pipeline.run(request), request.tasks, `"${request.text}"`);
    }
    const endRss = process.memoryUsage().rss;
    const highWater = await peakRss();
    const list = names.join(", ");

    return [
      {
        name: "Local object detection per photo (Human CenterNet, warm)",
        value: seconds(median(detectionMs)),
        unit: "s (median)",
        target: "< 0.4",
        detail: `${detectionMs.length} runs, ${DETECTION_ROUNDS} on each of darknet's ${names.length} photos (${list}) after one load (${seconds(loadMs)} s); decode, detect and draw the annotated image; min ${seconds(Math.min(...detectionMs))} s, max ${seconds(Math.max(...detectionMs))} s; ${objects} objects found`,
      },
      {
        name: `End-to-end "${REQUEST}" with no keys (warm app)`,
        value: seconds(median(endToEndMs)),
        unit: "s (median)",
        target: "< 1.5",
        detail: `app.pipeline.run in one createApp with no OPENAI_API_KEY or HF_TOKEN: offline plan, local detection, espeak-ng, safety check of the annotated image (${safety}); warm-up on dog.jpg mirrored (${seconds(warmMs)} s), then one run on each of darknet's ${names.length} photos (${list}), so the results cache never answers (${cached} cached); min ${seconds(Math.min(...endToEndMs))} s, max ${seconds(Math.max(...endToEndMs))} s`,
      },
      {
        name: "Peak RSS with all local experts loaded",
        value: Math.round(highWater / MB),
        unit: "MB (VmHWM)",
        target: "< 1024",
        detail: `the kernel's high-water mark of the bench's own process (/proc/self/status VmHWM) after all the runs above and one request each of OCR, document QA, sentiment, TTS and ASR (the safety classifier ${safety === "ran" ? "included" : "not loaded: it cannot run here"}); ${fixed(baselineRss / MB)} MB at start, ${fixed(endRss / MB)} MB at the end; espeak-ng, sox and pocketsphinx run as programs and are not counted`,
      },
    ];
  } finally {
    await app.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * Runs measureLocalExperts in a fresh process of its own (this file, under tsx's loader): in
 * `npm run bench` the benches before it leave this process's RSS at several hundred MB, which would
 * say nothing about the local experts.
 */
export function benchLocalExperts(): Promise<BenchFigure[]> {
  return benchInChild(fileURLToPath(import.meta.url), CHILD_ENV, "local-experts");
}

if (process.env[CHILD_ENV] === "1") {
  // The figures as one JSON line for the parent; a failed check exits non-zero with its message.
  process.stdout.write(`${JSON.stringify(await measureLocalExperts())}\n`);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  // `tsx bench/local-experts.ts`: the same measurement, in this (fresh) process.
  for (const figure of await measureLocalExperts()) console.log(figure);
}
