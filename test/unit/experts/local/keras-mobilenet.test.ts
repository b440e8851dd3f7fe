import type * as Tensorflow from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { compileKerasMobileNet } from "../../../../src/experts/local/keras-mobilenet.js";
import { loadTensorflow, type TensorflowCore } from "../../../../src/experts/local/tfjs.js";

let tf: TensorflowCore;

beforeAll(async () => {
  tf = await loadTensorflow();
});

/** Deterministic weights: a small linear congruential sequence in [-1, 1). */
function sequence(length: number, seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length }, () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 30 - 1;
  });
}

interface LayerSpec {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inputs: string[];
}

const conv = { data_format: "channels_last", dilation_rate: [1, 1], activation: "linear" };
const batchNorm = (name: string, input: string): LayerSpec => ({
  name,
  class_name: "BatchNormalization",
  config: { axis: -1, epsilon: 0.001 },
  inputs: [input],
});
const relu6 = (name: string, input: string): LayerSpec => ({
  name,
  class_name: "ReLU",
  config: { max_value: 6, negative_slope: 0, threshold: 0 },
  inputs: [input],
});
const LAYERS: LayerSpec[] = [
  { name: "input", class_name: "InputLayer", config: { batch_input_shape: [null, 6, 6, 2] }, inputs: [] },
  {
    name: "stem",
    class_name: "Conv2D",
    config: { ...conv, filters: 3, kernel_size: [3, 3], strides: [1, 1], padding: "same", use_bias: false },
    inputs: ["input"],
  },
  batchNorm("stem_bn", "stem"),
  relu6("stem_relu", "stem_bn"),
  {
    name: "pad",
    class_name: "ZeroPadding2D",
    config: {
      padding: [
        [0, 1],
        [0, 1],
      ],
      data_format: "channels_last",
    },
    inputs: ["stem_relu"],
  },
  {
    name: "depthwise",
    class_name: "DepthwiseConv2D",
    config: {
      ...conv,
      kernel_size: [3, 3],
      strides: [2, 2],
      padding: "valid",
      use_bias: false,
      depth_multiplier: 2,
    },
    inputs: ["pad"],
  },
  batchNorm("depthwise_bn", "depthwise"),
  relu6("depthwise_relu", "depthwise_bn"),
  {
    name: "project",
    class_name: "Conv2D",
    config: { ...conv, filters: 6, kernel_size: [1, 1], strides: [1, 1], padding: "same", use_bias: true },
    inputs: ["depthwise_relu"],
  },
  batchNorm("project_bn", "project"),
  { name: "add", class_name: "Add", config: {}, inputs: ["depthwise_relu", "project_bn"] },
  {
    name: "pool",
    class_name: "AveragePooling2D",
    config: { pool_size: [3, 3], strides: [3, 3], padding: "valid", data_format: "channels_last" },
    inputs: ["add"],
  },
  { name: "flatten", class_name: "Flatten", config: { data_format: "channels_last" }, inputs: ["pool"] },
  {
    name: "hidden",
    class_name: "Dense",
    config: { units: 4, activation: "relu", use_bias: true },
    inputs: ["flatten"],
  },
  { name: "dropout", class_name: "Dropout", config: { rate: 0.5 }, inputs: ["hidden"] },
  {
    name: "scores",
    class_name: "Dense",
    config: { units: 3, activation: "softmax", use_bias: true },
    inputs: ["dropout"],
  },
];

const SHAPES: Record<string, number[]> = {
  "stem/kernel": [3, 3, 2, 3],
  "depthwise/depthwise_kernel": [3, 3, 3, 2],
  "project/kernel": [1, 1, 6, 6],
  "project/bias": [6],
  "hidden/kernel": [6, 4],
  "hidden/bias": [4],
  "scores/kernel": [4, 3],
  "scores/bias": [3],
};
for (const [norm, channels] of [
  ["stem_bn", 3],
  ["depthwise_bn", 6],
  ["project_bn", 6],
] as const) {
  for (const parameter of ["gamma", "beta", "moving_mean", "moving_variance"])
    SHAPES[`${norm}/${parameter}`] = [channels];
}

/** Stored as nsfwjs stores its weights: quantized to uint8 (value × scale + min), or to uint16. */
const QUANTIZED: Record<string, { dtype: "uint8" | "uint16"; min: number; scale: number }> = {
  "stem/kernel": { dtype: "uint8", min: -0.9, scale: 0.007 },
  "depthwise/depthwise_kernel": { dtype: "uint16", min: -1.1, scale: 0.00004 },
};

/**
 * The weights as a manifest and one buffer, and the float values the model should compute with
 * (for a quantized weight, its values dequantized).
 */
function weightsOf(): {
  specs: Tensorflow.io.WeightsManifestEntry[];
  data: Uint8Array;
  values: Map<string, Float32Array>;
} {
  const values = new Map<string, Float32Array>();
  const chunks: Uint8Array[] = [];
  const specs: Tensorflow.io.WeightsManifestEntry[] = [];
  let seed = 7;
  for (const [name, shape] of Object.entries(SHAPES)) {
    const raw = sequence(
      shape.reduce((a, b) => a * b, 1),
      seed++,
    );
    const quantization = QUANTIZED[name];
    if (quantization) {
      const top = quantization.dtype === "uint8" ? 255 : 65535;
      const stored = Array.from(raw, (value) => Math.round(((value + 1) / 2) * top));
      const array = quantization.dtype === "uint8" ? Uint8Array.from(stored) : Uint16Array.from(stored);
      chunks.push(new Uint8Array(array.buffer));
      values.set(
        name,
        Float32Array.from(stored, (q) => q * quantization.scale + quantization.min),
      );
      specs.push({ name, shape, dtype: "float32", quantization });
    } else {
      // A variance must be positive.
      const floats = name.endsWith("moving_variance") ? raw.map((value) => value + 1.5) : raw;
      chunks.push(new Uint8Array(floats.buffer));
      values.set(name, floats);
      specs.push({ name, shape, dtype: "float32" });
    }
  }
  // One byte of padding in front, as a shard's bytes may sit at any offset of a Buffer.
  const data = new Uint8Array(1 + chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 1;
  for (const chunk of chunks) {
    data.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { specs, data: data.subarray(1), values };
}

function topologyOf(layers: LayerSpec[]): unknown {
  return {
    model_config: {
      class_name: "Model",
      config: {
        layers: layers.map(({ name, class_name, config, inputs }) => ({
          name,
          class_name,
          config: { name, ...config },
          inbound_nodes: inputs.length === 0 ? [] : [inputs.map((input) => [input, 0, 0, {}])],
        })),
        input_layers: [["input", 0, 0]],
        output_layers: [["scores", 0, 0]],
      },
    },
  };
}

/** The same model, layer by layer as Keras defines it (batch norm, then min(max(x, 0), 6)), unfolded. */
function reference(input: Tensorflow.Tensor4D, values: Map<string, Float32Array>): Float32Array {
  return tf.tidy(() => {
    const weight = (name: string) => tf.tensor(values.get(name) ?? [], SHAPES[name]);
    const norm = (x: Tensorflow.Tensor4D, name: string) =>
      tf.batchNorm(
        x,
        weight(`${name}/moving_mean`) as Tensorflow.Tensor1D,
        weight(`${name}/moving_variance`) as Tensorflow.Tensor1D,
        weight(`${name}/beta`) as Tensorflow.Tensor1D,
        weight(`${name}/gamma`) as Tensorflow.Tensor1D,
        0.001,
      );
    const relu6 = (x: Tensorflow.Tensor4D) => tf.clipByValue(tf.relu(x), 0, 6);
    const stem = relu6(
      norm(tf.conv2d(input, weight("stem/kernel") as Tensorflow.Tensor4D, 1, "same"), "stem_bn"),
    );
    const padded = tf.pad(stem, [
      [0, 0],
      [0, 1],
      [0, 1],
      [0, 0],
    ]);
    const depthwise = relu6(
      norm(
        tf.depthwiseConv2d(padded, weight("depthwise/depthwise_kernel") as Tensorflow.Tensor4D, 2, "valid"),
        "depthwise_bn",
      ),
    );
    const project = norm(
      tf.add(
        tf.conv2d(depthwise, weight("project/kernel") as Tensorflow.Tensor4D, 1, "same"),
        weight("project/bias"),
      ),
      "project_bn",
    );
    const pooled = tf.avgPool(tf.add(depthwise, project) as Tensorflow.Tensor4D, 3, 3, "valid");
    const flat = tf.reshape(pooled, [1, -1]) as Tensorflow.Tensor2D;
    const hidden = tf.relu(
      tf.add(tf.matMul(flat, weight("hidden/kernel") as Tensorflow.Tensor2D), weight("hidden/bias")),
    );
    const scores = tf.softmax(
      tf.add(
        tf.matMul(hidden as Tensorflow.Tensor2D, weight("scores/kernel") as Tensorflow.Tensor2D),
        weight("scores/bias"),
      ),
    );
    return scores.dataSync() as Float32Array;
  });
}

describe("a Keras MobileNet on TensorFlow.js core ops, batch norms folded", () => {
  it("computes what the unfolded layers compute, and leaves no tensor behind", () => {
    const { specs, data, values } = weightsOf();
    const before = tf.memory().numTensors;
    const model = compileKerasMobileNet(tf, topologyOf(LAYERS), specs, data);
    for (const seed of [1, 2, 3]) {
      const input = tf.tensor4d(
        sequence(72, seed).map((value) => value * 3),
        [1, 6, 6, 2],
      );
      const output = model.predict(input);
      const got = output.dataSync();
      const want = reference(input, values);
      output.dispose();
      input.dispose();
      expect(got.length).toBe(3);
      for (let index = 0; index < 3; index++) expect(got[index]).toBeCloseTo(want[index] ?? Number.NaN, 5);
      // Not a degenerate case: the scores differ from one another and from one input to the next.
      expect(new Set(Array.from(got, (score) => score.toFixed(4))).size).toBe(3);
    }
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses a layer or a setting it does not understand when the model loads, keeping nothing", () => {
    const { specs, data } = weightsOf();
    const before = tf.memory().numTensors;
    const withLayer = (index: number, change: Partial<LayerSpec>) =>
      LAYERS.map((layer, at) =>
        at === index ? { ...layer, ...change, config: { ...layer.config, ...change.config } } : layer,
      );
    expect(() =>
      compileKerasMobileNet(tf, topologyOf(withLayer(12, { class_name: "GlobalMaxPooling2D" })), specs, data),
    ).toThrow(/layer flatten is a GlobalMaxPooling2D/);
    expect(() =>
      compileKerasMobileNet(tf, topologyOf(withLayer(3, { config: { max_value: 4 } })), specs, data),
    ).toThrow(/layer stem_relu has settings not understood here/);
    expect(() =>
      compileKerasMobileNet(tf, topologyOf(withLayer(1, { config: { dilation_rate: [2, 2] } })), specs, data),
    ).toThrow(/layer stem has settings not understood here/);
    expect(() => compileKerasMobileNet(tf, topologyOf(LAYERS), specs, data.subarray(1))).toThrow(
      /hold \d+ bytes where the manifest lists \d+/,
    );
    expect(tf.memory().numTensors).toBe(before);
  });
});
