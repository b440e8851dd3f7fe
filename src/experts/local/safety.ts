/**
 * A check on images the bot is about to post: nsfwjs (MobileNetV2, 224×224, five classes: Drawing,
 * Hentai, Neutral, Porn, Sexy) on the shared TensorFlow.js wasm backend. Weights ship in the package.
 */
import type * as Tensorflow from "@tensorflow/tfjs-core";
import type { Label, LabelsResource } from "../../tasks/index.js";
import { requireMedia } from "../hosted/inputs.js";
import {
  decodeRgb,
  loadTensorflow,
  resolvePackage,
  TENSORFLOW_PACKAGES,
  type TensorflowCore,
} from "./tfjs.js";
import type { LocalAvailability, LocalRunner } from "./types.js";

const PACKAGES = ["nsfwjs", "@tensorflow/tfjs", ...TENSORFLOW_PACKAGES] as const;
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

/** The slice of nsfwjs used here. */
interface NsfwModel {
  classify(
    image: Tensorflow.Tensor3D,
    topk?: number,
  ): Promise<Array<{ className: string; probability: number }>>;
  dispose(): void;
}

interface NsfwCore {
  load(handler: Tensorflow.io.IOHandler, options: { size: number }): Promise<NsfwModel>;
}

interface ModelDefinition {
  modelJson(): Promise<{ default: Tensorflow.io.ModelJSON }>;
  weightBundles: Array<() => Promise<{ default: string }>>;
}

function isNsfwCore(value: unknown): value is NsfwCore {
  return typeof value === "object" && value !== null && typeof Reflect.get(value, "load") === "function";
}

function isModelDefinition(value: unknown): value is ModelDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "modelJson") === "function" &&
    Array.isArray(Reflect.get(value, "weightBundles"))
  );
}

/**
 * The MobileNetV2 model from the package's own bundles (model JSON and base64 weights as modules),
 * handed to nsfwjs as an IO handler rather than by name, which would make nsfwjs log a notice to the
 * console on every load.
 */
async function loadModel(): Promise<{ model: NsfwModel; tf: TensorflowCore }> {
  const tf = await loadTensorflow();
  const core: unknown = await import("nsfwjs/core");
  const definitions: unknown = await import("nsfwjs/models/mobilenet_v2");
  const definition: unknown = Reflect.get(definitions as object, "MobileNetV2Model");
  if (!isNsfwCore(core) || !isModelDefinition(definition)) throw new Error("nsfwjs has an unexpected layout");
  const json = (await definition.modelJson()).default;
  const shards = await Promise.all(definition.weightBundles.map(async (bundle) => (await bundle()).default));
  const weights = Buffer.concat(shards.map((shard) => Buffer.from(shard, "base64")));
  const handler: Tensorflow.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
      weightData: new Uint8Array(weights).buffer,
    }),
  };
  return { model: await core.load(handler, { size: INPUT_SIZE }), tf };
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
      const { model, tf } = await loaded();
      signal.throwIfAborted();
      const input = tf.tensor3d(pixels.data, [pixels.height, pixels.width, 3], "int32");
      let predictions: Awaited<ReturnType<NsfwModel["classify"]>>;
      try {
        predictions = await model.classify(input, 5);
      } finally {
        input.dispose();
      }
      const labels = predictions
        .map(({ className, probability }) => ({ label: className, score: probability }))
        .sort((a, b) => b.score - a.score);
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

/** The classes nsfwjs answers with. */
const SAFETY_CLASSES = ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"] as const;

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
