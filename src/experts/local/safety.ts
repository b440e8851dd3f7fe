/**
 * A check on images the bot is about to post: nsfwjs (MobileNetV2, 224×224, five classes: Drawing,
 * Hentai, Neutral, Porn, Sexy) on the shared TensorFlow.js wasm backend. Weights ship in the package.
 */
import { readFile } from "node:fs/promises";
import type * as Tensorflow from "@tensorflow/tfjs-core";
import type { Label, LabelsResource } from "../../tasks/index.js";
import { requireMedia } from "../hosted/inputs.js";
import { compileKerasMobileNet, type KerasMobileNet } from "./keras-mobilenet.js";
import {
  decodeRgb,
  loadTensorflow,
  type RgbPixels,
  resolvePackage,
  TENSORFLOW_PACKAGES,
  type TensorflowCore,
} from "./tfjs.js";
import type { LocalAvailability, LocalRunner } from "./types.js";

const PACKAGES = ["nsfwjs", ...TENSORFLOW_PACKAGES] as const;
/** nsfwjs's MobileNetV2 definition: the model JSON bundle's loader, and the folder of its weight shards. */
const MODEL_ENTRY = "nsfwjs/models/mobilenet_v2";
// The packages are optional dependencies pinned by the lockfile: reinstall them, do not add new ones.
const HOW_TO_ADD = `npm ci --include=optional (it installs ${PACKAGES.join(", ")})`;

/** The model's input side; nsfwjs squashes the whole picture to this square, so sharp does the same. */
const INPUT_SIZE = 224;

/**
 * The model often splits explicit images between its two explicit classes (photographic Porn and
 * drawn Hentai), so neither need win for the image to be explicit: together at or above this they flag it.
 */
export const EXPLICIT_COMBINED_THRESHOLD = 0.5;
/**
 * "Sexy" covers swimwear, gym and beach photos, which MobileNetV2 rates 0.5–0.7 as a matter of
 * course; only a confident, winning Sexy is withheld, so ordinary holiday pictures still get posted.
 */
export const SEXY_THRESHOLD = 0.85;

/** The classes nsfwjs answers with, in the order of the model's outputs (nsfwjs's NSFW_CLASSES). */
const SAFETY_CLASSES = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"] as const;

export interface ImageSafetyVerdict {
  flagged: boolean;
  /** All five classes, best first. */
  labels: Label[];
  /** Why the image was flagged, for the log (absent when it was not). */
  reason?: string;
}

export interface ImageSafetyClassifier {
  /** Whether the classifier can run here: the packages resolve (nothing is loaded). */
  probe(): Promise<LocalAvailability>;
  /** Classifies one image; throws ExpertError `bad_input` for bytes that are not a usable image. */
  check(bytes: Uint8Array, options: { signal: AbortSignal }): Promise<ImageSafetyVerdict>;
  /** Disposes the model; a later check loads it again. */
  close(): Promise<void>;
}

export interface ImageSafetyOptions {
  /** Largest input accepted, in pixels (width × height). Defaults to render's limit (50 MP). */
  maxPixels?: number;
}

function scoreOf(labels: readonly Label[], name: string): number {
  return labels.find((label) => label.label === name)?.score ?? 0;
}

/**
 * The decision on nsfwjs's labels: flagged when Porn or Hentai wins, when the two together reach
 * EXPLICIT_COMBINED_THRESHOLD, or when Sexy wins at SEXY_THRESHOLD or above.
 */
export function decideImageSafety(labels: readonly Label[]): { flagged: boolean; reason?: string } {
  const top = [...labels].sort((a, b) => b.score - a.score)[0];
  if (!top) return { flagged: false };
  const porn = scoreOf(labels, "Porn");
  const hentai = scoreOf(labels, "Hentai");
  const percent = (score: number): string => `${Math.round(score * 100)}%`;
  if (top.label === "Porn" || top.label === "Hentai") {
    return { flagged: true, reason: `explicit content (${top.label} ${percent(top.score)})` };
  }
  if (porn + hentai >= EXPLICIT_COMBINED_THRESHOLD) {
    return {
      flagged: true,
      reason: `explicit content (Porn ${percent(porn)} + Hentai ${percent(hentai)})`,
    };
  }
  if (top.label === "Sexy" && top.score >= SEXY_THRESHOLD) {
    return { flagged: true, reason: `suggestive content (Sexy ${percent(top.score)})` };
  }
  return { flagged: false };
}

/** What the classifier holds once loaded. */
interface LoadedModel {
  tf: TensorflowCore;
  model: KerasMobileNet;
}

interface ModelDefinition {
  modelJson(): Promise<{ default: Tensorflow.io.ModelJSON }>;
}

function isModelDefinition(value: unknown): value is ModelDefinition {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "modelJson") === "function";
}

/** The one string literal of a weight shard's browserify bundle: `….exports="<base64>"`. */
const SHARD_BASE64 = /\.exports="([A-Za-z0-9+/]+={0,2})"/g;

/**
 * One weight shard of nsfwjs's model, read from its bundle as text. Imported as a module, the 3.5 MB
 * bundle stayed in the process three times over (its source, twice, and its string), and Node's
 * scan of it for export names grew cjs-module-lexer's wasm memory by 14 MB for good.
 */
async function readShard(modelFolder: URL, name: string): Promise<Buffer> {
  const text = await readFile(new URL(`${name}.min.js`, modelFolder), "utf8");
  const literals = [...text.matchAll(SHARD_BASE64)];
  const base64 = literals.length === 1 ? literals[0]?.[1] : undefined;
  if (base64 === undefined) throw new Error(`nsfwjs's weight shard ${name} has an unexpected layout`);
  return Buffer.from(base64, "base64");
}

/**
 * nsfwjs's MobileNetV2 from the package's own files (the model JSON bundle, imported; the base64
 * weight shards, read as text), compiled onto TensorFlow.js core ops by keras-mobilenet.ts.
 * `nsfwjs/core` is not used: it imports the whole `@tensorflow/tfjs` (layers, converter, data, the
 * CPU and WebGL backends, every gradient), which held about 40 MB more in the bot's process for
 * nothing this check runs.
 */
async function loadModel(): Promise<LoadedModel> {
  const tf = await loadTensorflow();
  const definitions: unknown = await import(MODEL_ENTRY);
  const definition: unknown = Reflect.get(definitions as object, "MobileNetV2Model");
  if (!isModelDefinition(definition)) throw new Error("nsfwjs has an unexpected layout");
  const json = (await definition.modelJson()).default;
  // The shards sit beside the model JSON bundle, as nsfwjs's own loaders import them.
  const modelFolder = new URL("../../models/mobilenet_v2/", import.meta.resolve(MODEL_ENTRY));
  const names = json.weightsManifest.flatMap((group) => group.paths);
  const weights = Buffer.concat(await Promise.all(names.map((name) => readShard(modelFolder, name))));
  // compileKerasMobileNet checks the bytes against the manifest.
  const specs = json.weightsManifest.flatMap((group) => group.weights);
  const model = compileKerasMobileNet(tf, json.modelTopology, specs, weights);
  return { tf, model };
}

/**
 * The five scores of one image, in SAFETY_CLASSES order, as nsfwjs's `classify` computes them: the
 * bytes as floats divided by 255, one batch of one, the model's softmax. Every tensor made on the
 * way is disposed before this returns.
 */
async function classify({ tf, model }: LoadedModel, pixels: RgbPixels): Promise<Float32Array> {
  const output = tf.tidy(() => {
    const input = tf.tensor4d(pixels.data, [1, pixels.height, pixels.width, 3], "int32");
    return model.predict(tf.div<Tensorflow.Tensor4D>(tf.cast(input, "float32"), tf.scalar(255)));
  });
  try {
    const scores = await output.data();
    if (!(scores instanceof Float32Array) || scores.length !== SAFETY_CLASSES.length) {
      throw new Error(`the safety model answered ${scores.length} scores, not ${SAFETY_CLASSES.length}`);
    }
    return scores;
  } finally {
    output.dispose();
  }
}

/** The image safety check: loads nsfwjs on the first check and keeps it warm until `close()`. */
export function createImageSafetyClassifier(options: ImageSafetyOptions = {}): ImageSafetyClassifier {
  const imageOptions = options.maxPixels === undefined ? {} : { maxPixels: options.maxPixels };
  let loading: ReturnType<typeof loadModel> | undefined;

  function loaded(): ReturnType<typeof loadModel> {
    loading ??= loadModel().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  }

  return {
    async probe(): Promise<LocalAvailability> {
      const missing = PACKAGES.filter((name) => resolvePackage(name) === undefined);
      if (missing.length === 0) return { available: true, detail: "nsfwjs MobileNetV2, wasm backend" };
      return { available: false, reason: `${missing.join(", ")} not installed`, howToAdd: HOW_TO_ADD };
    },

    async check(bytes, { signal }): Promise<ImageSafetyVerdict> {
      const pixels = await decodeRgb(
        bytes,
        { width: INPUT_SIZE, height: INPUT_SIZE, fit: "fill" },
        imageOptions,
      );
      const model = await loaded();
      signal.throwIfAborted();
      const scores = await classify(model, pixels);
      const labels = SAFETY_CLASSES.map((label, index) => ({ label, score: scores[index] ?? 0 })).sort(
        (a, b) => b.score - a.score,
      );
      return { labels, ...decideImageSafety(labels) };
    },

    async close(): Promise<void> {
      const current = loading;
      loading = undefined;
      const running = await current?.catch(() => undefined);
      running?.model.dispose();
    },
  };
}

/**
 * The safety classifier as an image-classification expert, for requests about whether an image is
 * fit to share ("is this safe for work?"): its five classes with a plain verdict, decided as the
 * outgoing screen decides. It shares the classifier (and its loaded model) with the screen.
 */
export function createSafetyClassificationRunner(classifier: ImageSafetyClassifier): LocalRunner {
  const task = "image-classification";
  return {
    task,
    model: "local/nsfwjs-mobilenet-v2",
    description: "tells whether an image is safe to share (nsfwjs: Drawing, Hentai, Neutral, Porn, Sexy)",
    competence: { labelSpace: { aspect: "safety", labels: SAFETY_CLASSES } },
    // Hosted image classifiers label ImageNet objects; for this question it is the one that answers.
    rank: { tier: 2, cost: "free", typicalMs: 150 },
    probe: () => classifier.probe(),
    async run(args, { signal }): Promise<LabelsResource> {
      const image = requireMedia(task, args, "image", "image");
      const verdict = await classifier.check(image.bytes, { signal });
      return {
        kind: "labels",
        labels: verdict.labels,
        verdict: verdict.flagged ? `not safe to share: ${verdict.reason ?? "flagged"}` : "safe to share",
      };
    },
  };
}
