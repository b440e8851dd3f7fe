/**
 * Object detection on this machine: Human's CenterNet (MobileNetV3 backbone, the 80 COCO classes) on
 * TensorFlow.js with the wasm backend. Weights ship in `@vladmandic/human/models`; nothing is fetched.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { drawDetections } from "../../render/index.js";
import type { Detection, Resource } from "../../tasks/index.js";
import { imageResource, requireMedia } from "../hosted/inputs.js";
import { type ExpertArgs, ExpertError, type ExpertRunOptions } from "../types.js";
import {
  asBadInput,
  decodeRgb,
  diskModelUrl,
  loadTensorflow,
  resolvePackage,
  type TensorflowCore,
  wasmFolder,
} from "./tfjs.js";
import type { LocalAvailability, LocalRunner } from "./types.js";

const require = createRequire(import.meta.url);

const TASK = "object-detection";
const MODEL = "local/human-centernet";
const PACKAGES = [
  "@vladmandic/human",
  "@tensorflow/tfjs-core",
  "@tensorflow/tfjs-converter",
  "@tensorflow/tfjs-backend-wasm",
] as const;
// The packages are optional dependencies pinned by the lockfile: reinstall them, do not add new ones.
const HOW_TO_ADD = `npm ci --include=optional (it installs ${PACKAGES.join(", ")})`;

/**
 * CenterNet's scores run low next to DETR's: on darknet's dog.jpg the dog scores 0.42 and the
 * bicycle 0.48, while its false boxes (a "parking meter") sit around 0.2–0.3. 0.3 keeps the real
 * objects of the test photos and drops most of the noise.
 */
const DEFAULT_MIN_SCORE = 0.3;
/** Human's own default: a photo with more objects than this is a crowd, and the drawing gets unreadable. */
const DEFAULT_MAX_DETECTIONS = 20;
/**
 * The model sees 512×512; decoding a 48-megapixel photo into a tensor would take half a gigabyte for
 * nothing, so the image is first reduced to fit this square (boxes come back normalized, so they are
 * scaled to the original size afterwards).
 */
const DETECTION_SIDE = 1024;

export interface HumanDetectionOptions {
  /** Detections below this score are dropped. Defaults to 0.3. */
  minScore?: number;
  /** At most this many boxes, the best ones. Defaults to 20. */
  maxDetections?: number;
  /** Largest input accepted, in pixels (width × height). Defaults to render's limit (50 MP). */
  maxPixels?: number;
}

/** The slice of Human's API used here (its own typings need DOM types this project does not load). */
interface HumanObject {
  label: string;
  score: number;
  /** [x, y, width, height], normalized to 0..1 of the input. */
  boxRaw: [number, number, number, number];
}

interface HumanResult {
  object: HumanObject[];
  error: string | null;
}

interface HumanInstance {
  load(): Promise<void>;
  detect(input: unknown): Promise<HumanResult>;
}

type HumanConstructor = new (config: Record<string, unknown>) => HumanInstance;

function isHumanModule(value: unknown): value is { Human: HumanConstructor } {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "Human") === "function";
}

/**
 * Human's folder, found through its main entry. Its `exports` map is not a valid subpath map (keys
 * without "./"), so Node answers only the bare name, which is the tfjs-node build that cannot load
 * here: the wasm build has to be required by file path.
 */
function humanFolder(): string | undefined {
  const main = resolvePackage("@vladmandic/human");
  return main === undefined ? undefined : path.dirname(path.dirname(main));
}

interface Loaded {
  human: HumanInstance;
  tf: TensorflowCore;
}

function humanConfig(folder: string, minScore: number, maxDetections: number): Record<string, unknown> {
  return {
    backend: "wasm",
    wasmPath: wasmFolder(),
    modelBasePath: diskModelUrl(path.join(folder, "models")),
    debug: false,
    // Human reuses the previous result when two inputs look alike (it is made for video frames).
    cacheSensitivity: 0,
    skipAllowed: false,
    warmup: "none",
    // Human works on the tensor as given; sharp has already oriented and sized it.
    filter: { enabled: false },
    face: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    gesture: { enabled: false },
    segmentation: { enabled: false },
    object: {
      enabled: true,
      modelPath: "centernet.json",
      minConfidence: minScore,
      maxDetected: maxDetections,
      skipFrames: 0,
      skipTime: 0,
    },
  };
}

async function loadHuman(minScore: number, maxDetections: number): Promise<Loaded> {
  const folder = humanFolder();
  if (folder === undefined) throw new ExpertError("failed", `${MODEL} is not installed: ${HOW_TO_ADD}`);
  const tf = await loadTensorflow();
  const module: unknown = require(path.join(folder, "dist", "human.node-wasm.js"));
  if (!isHumanModule(module)) throw new ExpertError("failed", "@vladmandic/human has no Human class");
  const human = new module.Human(humanConfig(folder, minScore, maxDetections));
  await human.load();
  return { human, tf };
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}

/**
 * Human's objects as Hugging Face shapes them: pixel corners in the original image (the model may
 * put a box a little past the edge, so corners are clamped), best first.
 */
export function toDetections(
  objects: readonly HumanObject[],
  width: number,
  height: number,
  minScore: number,
): Detection[] {
  return objects
    .filter((object) => Number.isFinite(object.score) && object.score >= minScore)
    .map(({ label, score, boxRaw: [x, y, w, h] }) => ({
      label,
      score,
      box: {
        xmin: Math.round(clamp(x, 0, 1) * width),
        ymin: Math.round(clamp(y, 0, 1) * height),
        xmax: Math.round(clamp(x + w, 0, 1) * width),
        ymax: Math.round(clamp(y + h, 0, 1) * height),
      },
    }))
    .sort((a, b) => b.score - a.score);
}

/**
 * The local object detector. Loads on the first run (once, however many runs start together) and
 * stays warm; runs one image at a time, since the wasm backend computes on this thread anyway.
 */
export function createHumanDetectionRunner(options: HumanDetectionOptions = {}): LocalRunner {
  const minScore = options.minScore ?? DEFAULT_MIN_SCORE;
  const maxDetections = options.maxDetections ?? DEFAULT_MAX_DETECTIONS;
  const imageOptions = options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels };
  let loading: Promise<Loaded> | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  function loaded(): Promise<Loaded> {
    loading ??= loadHuman(minScore, maxDetections).catch((error: unknown) => {
      loading = undefined;
      throw error instanceof ExpertError
        ? error
        : new ExpertError("failed", `${MODEL} failed to load: ${String(error)}`, { cause: error });
    });
    return loading;
  }

  async function detect(bytes: Uint8Array, signal: AbortSignal): Promise<Detection[]> {
    const pixels = await decodeRgb(
      bytes,
      { width: DETECTION_SIDE, height: DETECTION_SIDE, fit: "inside" },
      imageOptions,
    );
    const { human, tf } = await loaded();
    signal.throwIfAborted();
    const input = tf.tensor3d(pixels.data, [pixels.height, pixels.width, 3], "int32");
    let result: HumanResult;
    try {
      result = await human.detect(input);
    } finally {
      input.dispose();
    }
    if (result.error) throw new ExpertError("failed", `${MODEL}: ${result.error}`);
    return toDetections(result.object, pixels.original.width, pixels.original.height, minScore);
  }

  return {
    task: TASK,
    model: MODEL,
    description: "COCO object detector, 80 classes (Human CenterNet, TensorFlow.js wasm)",
    // Same 80 classes as DETR, but misses small and crowded objects that DETR finds.
    rank: { tier: 2, cost: "free", typicalMs: 300 },

    async probe(): Promise<LocalAvailability> {
      const missing = PACKAGES.filter((name) => resolvePackage(name) === undefined);
      if (missing.length > 0) {
        return { available: false, reason: `${missing.join(", ")} not installed`, howToAdd: HOW_TO_ADD };
      }
      const folder = humanFolder();
      const model = folder === undefined ? undefined : path.join(folder, "models", "centernet.json");
      if (model === undefined || !existsSync(model)) {
        return { available: false, reason: "Human's centernet model is missing", howToAdd: HOW_TO_ADD };
      }
      return { available: true, detail: "CenterNet weights from @vladmandic/human, wasm backend" };
    },

    async run(args: ExpertArgs, runOptions: ExpertRunOptions): Promise<Resource> {
      const image = requireMedia(TASK, args, "image", "image");
      runOptions.signal.throwIfAborted();
      const turn = queue.then(() => detect(image.bytes, runOptions.signal));
      queue = turn.catch(() => undefined);
      const detections = await turn;
      let drawn: Awaited<ReturnType<typeof drawDetections>>;
      try {
        drawn = await drawDetections(image.bytes, detections, imageOptions);
      } catch (error) {
        throw asBadInput(error);
      }
      return { kind: "detections", detections, image: imageResource(TASK, drawn.bytes, drawn.mime, true) };
    },

    async close(): Promise<void> {
      // Human keeps its loaded models in module scope and hands them to the next instance, so they are
      // not disposed here: disposing would leave that cache holding dead tensors.
      loading = undefined;
    },
  };
}
