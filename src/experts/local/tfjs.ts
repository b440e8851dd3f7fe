/**
 * One TensorFlow.js for the whole process, on the WebAssembly backend, shared by Human (object
 * detection) and the image safety check (nsfwjs's model on core ops, keras-mobilenet.ts).
 *
 * Why it works with one copy: every path into TensorFlow.js lands on the same CommonJS files.
 * `@tensorflow/tfjs-core` has no `exports` map, so `require()` (and an ESM `import()`) gets its
 * `main` (`dist/tf-core.node.js`), which is also what Human's `dist/human.node-wasm.js` `require()`s.
 * One module instance means one engine, one backend registry and one `Tensor` class, so the wasm
 * backend set here serves both.
 * `@tensorflow/tfjs-node` (native) cannot be installed here, which is why the backend is wasm and why
 * models are read from disk by the router below instead of a `file://` fetch.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import type * as WasmBackend from "@tensorflow/tfjs-backend-wasm";
import type * as Tensorflow from "@tensorflow/tfjs-core";
import sharp from "sharp";
import { isBotError } from "../../errors.js";
import { decodeError, type ImageInfo, readHeader } from "../../render/image.js";
import { ExpertError } from "../types.js";

export type TensorflowCore = typeof Tensorflow;

const require = createRequire(import.meta.url);

/** The packages every TensorFlow.js runner here needs, whatever model it then loads. */
export const TENSORFLOW_PACKAGES = ["@tensorflow/tfjs-core", "@tensorflow/tfjs-backend-wasm"] as const;

/**
 * A model URL prefix only the router below answers. Not `file://`: tfjs-node registers a router for
 * that scheme, and two routers matching one URL make tfjs refuse to load the model.
 */
const DISK_SCHEME = "localdisk://";

/** The file a package name resolves to, without loading it; undefined when it is not installed. */
export function resolvePackage(name: string): string | undefined {
  try {
    return require.resolve(name);
  } catch {
    return undefined;
  }
}

/** The packages of the list that do not resolve from here (so `probe()` can say which ones are missing). */
export function missingPackages(names: readonly string[]): string[] {
  return names.filter((name) => resolvePackage(name) === undefined);
}

/** A URL for a model.json on disk that TensorFlow.js loads through `loadTensorflow`'s router. */
export function diskModelUrl(file: string): string {
  return `${DISK_SCHEME}${path.resolve(file)}`;
}

interface WeightsGroup {
  paths: string[];
  weights: Tensorflow.io.WeightsManifestEntry[];
}

function isWeightsManifest(value: unknown): value is WeightsGroup[] {
  return (
    Array.isArray(value) &&
    value.every(
      (group: unknown) =>
        typeof group === "object" &&
        group !== null &&
        Array.isArray((group as { paths?: unknown }).paths) &&
        Array.isArray((group as { weights?: unknown }).weights),
    )
  );
}

/** Reads a converted model (model.json and its weight shards) from disk, as an HTTP load would. */
async function loadFromDisk(file: string): Promise<Tensorflow.io.ModelArtifacts> {
  const parsed: unknown = JSON.parse(await readFile(file, "utf8"));
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${file} is not a model.json`);
  const json = parsed as Partial<Tensorflow.io.ModelJSON> & { weightsManifest?: unknown };
  if (json.modelTopology === undefined || !isWeightsManifest(json.weightsManifest)) {
    throw new Error(`${file} has no model topology or weights manifest`);
  }
  const folder = path.dirname(file);
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const shard of group.paths) shards.push(await readFile(path.join(folder, shard)));
  }
  const weights = Buffer.concat(shards);
  const artifacts: Tensorflow.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
    // A copy that owns its ArrayBuffer: a Buffer may be a view into Node's shared pool.
    weightData: new Uint8Array(weights).buffer,
  };
  if (json.format !== undefined) artifacts.format = json.format;
  if (json.generatedBy !== undefined) artifacts.generatedBy = json.generatedBy;
  if (json.convertedBy !== undefined) artifacts.convertedBy = json.convertedBy;
  if (json.signature !== undefined) artifacts.signature = json.signature;
  if (json.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = json.userDefinedMetadata;
  return artifacts;
}

/** Typed by tfjs as always returning a handler, but a router answers null for URLs that are not its own. */
const diskRouter = ((url: string | string[]): Tensorflow.io.IOHandler | null => {
  if (typeof url !== "string" || !url.startsWith(DISK_SCHEME)) return null;
  const file = url.slice(DISK_SCHEME.length);
  return { load: () => loadFromDisk(file) };
}) as Parameters<typeof Tensorflow.io.registerLoadRouter>[0];

/** The folder holding the backend's .wasm binaries, with a trailing separator as tfjs wants a prefix. */
export function wasmFolder(): string {
  const main = resolvePackage("@tensorflow/tfjs-backend-wasm");
  if (main === undefined) throw new Error("@tensorflow/tfjs-backend-wasm is not installed");
  return `${path.dirname(main)}${path.sep}`;
}

let ready: Promise<TensorflowCore> | undefined;

async function start(): Promise<TensorflowCore> {
  // `require`, not `import()`: both packages are CommonJS, and an ESM import of a CommonJS file makes
  // Node scan its source for export names with cjs-module-lexer, whose wasm memory grows to the
  // largest source it scans (tfjs-core's is 1.2 MB) and never shrinks, while the module keeps a
  // second copy of its source. Human's bundle `require()`s the same file: still one instance.
  const tf = require("@tensorflow/tfjs-core") as TensorflowCore;
  const wasm = require("@tensorflow/tfjs-backend-wasm") as typeof WasmBackend;
  // Without a path the backend looks for its binaries next to the caller's script, not in its package.
  wasm.setWasmPaths(wasmFolder());
  if (!(await tf.setBackend("wasm"))) throw new Error("the TensorFlow.js wasm backend failed to start");
  await tf.ready();
  tf.io.registerLoadRouter(diskRouter);
  return tf;
}

/**
 * TensorFlow.js with the wasm backend selected and the disk router registered, started once however
 * many runners ask at the same time. A failed start is forgotten, so the next call tries again.
 */
export function loadTensorflow(): Promise<TensorflowCore> {
  ready ??= start().catch((error: unknown) => {
    ready = undefined;
    throw error;
  });
  return ready;
}

/** Pixels ready for a tensor: 8-bit RGB rows, upright, alpha flattened onto white. */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
  /** The size of the image as displayed (after EXIF orientation), before any resizing. */
  original: { width: number; height: number };
}

/**
 * Decodes an image for a vision model, as `render/` decodes it for drawing (same pixel limit, EXIF
 * orientation applied), so boxes found on these pixels line up with the drawing. Unusable bytes
 * (empty, not an image, truncated, too many pixels) throw ExpertError `bad_input`.
 */
export async function decodeRgb(
  bytes: Uint8Array,
  resize: { width: number; height: number; fit: "inside" | "fill" },
  options: { maxPixels?: number } = {},
): Promise<RgbPixels> {
  let info: ImageInfo;
  let maxPixels: number;
  try {
    ({ info, maxPixels } = await readHeader(bytes, options));
  } catch (error) {
    throw asBadInput(error);
  }
  try {
    const { data, info: raw } = await sharp(bytes, {
      limitInputPixels: maxPixels,
      failOn: "truncated",
      autoOrient: true,
    })
      .resize(resize.width, resize.height, {
        fit: resize.fit,
        withoutEnlargement: resize.fit === "inside",
      })
      .flatten({ background: "#ffffff" })
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (raw.channels !== 3) throw new Error(`unexpected ${raw.channels} channels after flattening`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: raw.width,
      height: raw.height,
      original: { width: info.width, height: info.height },
    };
  } catch (error) {
    throw asBadInput(decodeError(error, undefined, info.format));
  }
}

/** A BotError about the input becomes the expert error the executor understands: bad input. */
export function asBadInput(error: unknown): unknown {
  if (isBotError(error) && (error.code === "input_invalid" || error.code === "input_too_large")) {
    return new ExpertError("bad_input", error.message, { cause: error });
  }
  return error;
}
