/**
 * nsfwjs's MobileNetV2 (a Keras functional model: its layer graph as JSON and its weights) run on
 * TensorFlow.js core ops, with each batch normalization folded into the convolution before it and
 * each ReLU6 after that fused into the same kernel.
 *
 * Why not `@tensorflow/tfjs-layers`: it runs every convolution as four kernels (convolution, batch
 * norm, ReLU, clip), each writing a full-size tensor into the wasm heap, and the heap keeps its
 * high-water mark for good: 69 MB after a few images there, 41 MB here. One fused kernel per
 * convolution also makes a check faster (68 → 34 ms median on darknet's photos, decoding included),
 * and the layers library itself is not loaded. Folding rounds differently: the five scores move by
 * less than 1e-6 (8e-7 at most on darknet's photos). The zero padding before a strided convolution
 * becomes that convolution's own padding, so the padded copy of its input is never made.
 *
 * Only the layers this model uses are understood; any other layer, or a setting other than the
 * model's, is refused when the model loads rather than run wrongly.
 */
import type * as Tensorflow from "@tensorflow/tfjs-core";
import { z } from "zod";
import type { TensorflowCore } from "./tfjs.js";

const pair = z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]);

const layerSchema = z.object({
  name: z.string().min(1),
  class_name: z.string(),
  config: z.record(z.string(), z.unknown()),
  // Keras 2: one node per call of the layer, each a list of [layer name, node index, tensor index, kwargs].
  inbound_nodes: z.array(z.array(z.tuple([z.string(), z.number(), z.number()]).rest(z.unknown()))),
});

const topologySchema = z.object({
  model_config: z.object({
    class_name: z.literal("Model"),
    config: z.object({
      layers: z.array(layerSchema).min(1),
      input_layers: z.tuple([z.tuple([z.string(), z.literal(0), z.literal(0)])]),
      output_layers: z.tuple([z.tuple([z.string(), z.literal(0), z.literal(0)])]),
    }),
  }),
});

type KerasLayer = z.infer<typeof layerSchema>;

const convolutionConfig = z.object({
  strides: pair,
  padding: z.enum(["same", "valid"]),
  data_format: z.literal("channels_last"),
  dilation_rate: z.tuple([z.literal(1), z.literal(1)]),
  activation: z.literal("linear"),
  use_bias: z.boolean(),
});
const batchNormConfig = z.object({
  axis: z.union([z.literal(-1), z.literal(3)]),
  epsilon: z.number().positive(),
});
const relu6Config = z.object({
  max_value: z.literal(6),
  negative_slope: z.literal(0),
  threshold: z.literal(0),
});
const paddingConfig = z.object({ padding: z.tuple([pair, pair]), data_format: z.literal("channels_last") });
const poolConfig = z.object({
  pool_size: pair,
  strides: pair,
  padding: z.enum(["same", "valid"]),
  data_format: z.literal("channels_last"),
});
const denseConfig = z.object({
  activation: z.enum(["linear", "relu", "softmax"]),
  use_bias: z.literal(true),
});

type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** One kernel of the compiled model: what it reads, the name it writes, and how. */
interface Step {
  output: string;
  inputs: string[];
  run(inputs: Tensorflow.Tensor[]): Tensorflow.Tensor;
}

/** The compiled model: `predict` takes a [1, 224, 224, 3] float batch and answers the class scores. */
export interface KerasMobileNet {
  predict(input: Tensorflow.Tensor4D): Tensorflow.Tensor;
  dispose(): void;
}

class UnsupportedModelError extends Error {
  constructor(layer: string, reason: string) {
    super(`the safety model cannot be run here: layer ${layer} ${reason}`);
    this.name = "UnsupportedModelError";
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, layer: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new UnsupportedModelError(layer, `has settings not understood here (${parsed.error.message})`);
  return parsed.data;
}

function inputsOf(layer: KerasLayer): string[] {
  if (layer.inbound_nodes.length > 1) throw new UnsupportedModelError(layer.name, "is called more than once");
  return (layer.inbound_nodes[0] ?? []).map(([name]) => name);
}

/** Bytes per stored value, by the dtype a weight is stored in (quantized or not). */
const STORED_BYTES = { float32: 4, uint8: 1, uint16: 2 } as const;

interface WeightEntry {
  spec: Tensorflow.io.WeightsManifestEntry;
  stored: keyof typeof STORED_BYTES;
  offset: number;
  size: number;
}

/**
 * The weights by name, each read as a fresh Float32Array and dequantized as TensorFlow.js's
 * `io.decodeWeights` does (`value × scale + min` for uint8 and uint16). No tensor is made of the
 * stored values, and nothing is copied but the values themselves: only the folded weights go into
 * the wasm heap, and the transient arrays of a load are a third of what decoding to tensors,
 * reading them back and copying them to fold made (they stayed in the process's malloc heap).
 */
function weightReader(specs: Tensorflow.io.WeightsManifestEntry[], data: Uint8Array) {
  const entries = new Map<string, WeightEntry>();
  let offset = 0;
  for (const spec of specs) {
    const stored = spec.quantization?.dtype ?? spec.dtype;
    if (spec.dtype !== "float32" || (stored !== "float32" && stored !== "uint8" && stored !== "uint16")) {
      throw new UnsupportedModelError(spec.name, `has a weight stored as ${stored} for ${spec.dtype}`);
    }
    const size = spec.shape.reduce((product, dimension) => product * dimension, 1);
    entries.set(spec.name, { spec, stored, offset, size });
    offset += size * STORED_BYTES[stored];
  }
  if (offset !== data.byteLength) {
    throw new UnsupportedModelError(
      "weights",
      `hold ${data.byteLength} bytes where the manifest lists ${offset}`,
    );
  }
  const entry = (name: string): WeightEntry => {
    const found = entries.get(name);
    if (!found) throw new UnsupportedModelError(name, "has no weights");
    return found;
  };
  return {
    shape: (name: string): number[] => entry(name).spec.shape,
    read(name: string): Float32Array {
      const { spec, stored, offset: start, size } = entry(name);
      const view = new DataView(data.buffer, data.byteOffset + start, size * STORED_BYTES[stored]);
      const values = new Float32Array(size);
      if (stored === "float32") {
        for (let index = 0; index < size; index++) values[index] = view.getFloat32(index * 4, true);
        return values;
      }
      const { min, scale } = spec.quantization ?? {};
      if (min === undefined || scale === undefined) {
        throw new UnsupportedModelError(name, "is quantized without min and scale");
      }
      for (let index = 0; index < size; index++) {
        const quantized = stored === "uint16" ? view.getUint16(index * 2, true) : view.getUint8(index);
        values[index] = quantized * scale + min;
      }
      return values;
    },
  };
}

/**
 * Compiles the model: weights dequantized as TensorFlow.js does, batch norms folded into
 * the convolutions' kernels and biases, ReLU6 fused, Dropout dropped (it is the identity at inference).
 */
export function compileKerasMobileNet(
  tf: TensorflowCore,
  modelTopology: unknown,
  weightSpecs: Tensorflow.io.WeightsManifestEntry[],
  weightData: Uint8Array,
): KerasMobileNet {
  const topology = topologySchema.parse(modelTopology).model_config.config;
  const consumers = new Map<string, KerasLayer[]>();
  for (const layer of topology.layers) {
    for (const input of inputsOf(layer)) consumers.set(input, [...(consumers.get(input) ?? []), layer]);
  }
  /** The layer that alone reads `name`'s output, if it is of `className`. */
  const soleConsumer = (name: string, className: string): KerasLayer | undefined => {
    const readers = consumers.get(name) ?? [];
    return readers.length === 1 && readers[0]?.class_name === className ? readers[0] : undefined;
  };

  const weights = weightReader(weightSpecs, weightData);
  const values = (layer: string, name: string): Float32Array => weights.read(`${layer}/${name}`);
  const kept: Tensorflow.Tensor[] = [];
  const keep = <T extends Tensorflow.Tensor>(tensor: T): T => {
    kept.push(tensor);
    return tensor;
  };

  const steps: Step[] = [];
  // Dropout layers pass their input on; a folded layer's output is its convolution's.
  const renamed = new Map<string, string>();
  const source = (name: string): string => renamed.get(name) ?? name;
  const folded = new Set<string>();
  // A convolution's explicit padding, from the ZeroPadding2D before it.
  const paddedBy = new Map<string, ExplicitPadding>();
  const inputName = topology.input_layers[0][0];

  try {
    for (const layer of topology.layers) {
      if (folded.has(layer.name)) continue;
      const inputs = inputsOf(layer).map(source);
      switch (layer.class_name) {
        case "InputLayer":
          if (layer.name !== inputName) throw new UnsupportedModelError(layer.name, "is a second input");
          break;
        case "Conv2D":
        case "DepthwiseConv2D": {
          const config = parse(convolutionConfig, layer.config, layer.name);
          const depthwise = layer.class_name === "DepthwiseConv2D";
          const kernelName = depthwise ? "depthwise_kernel" : "kernel";
          const shape = weights.shape(`${layer.name}/${kernelName}`);
          if (shape.length !== 4) throw new UnsupportedModelError(layer.name, "has a kernel that is not 4-D");
          const [height, width, inChannels, last] = shape as [number, number, number, number];
          // [h, w, in, out]; depthwise [h, w, in, multiplier], output channel = in × multiplier + m.
          const outChannels = depthwise ? inChannels * last : last;
          // Fresh arrays, folded in place, then copied once into the wasm heap.
          const kernel = values(layer.name, kernelName);
          const bias = config.use_bias ? values(layer.name, "bias") : new Float32Array(outChannels);
          let output = layer.name;
          let activation: "linear" | "relu6" = "linear";
          const norm = soleConsumer(layer.name, "BatchNormalization");
          if (norm) {
            const { epsilon } = parse(batchNormConfig, norm.config, norm.name);
            const gamma = values(norm.name, "gamma");
            const beta = values(norm.name, "beta");
            const mean = values(norm.name, "moving_mean");
            const variance = values(norm.name, "moving_variance");
            const scale = Array.from(
              gamma,
              (g, channel) => g / Math.sqrt((variance[channel] ?? 0) + epsilon),
            );
            for (let index = 0; index < kernel.length; index++) {
              kernel[index] = (kernel[index] ?? 0) * (scale[index % outChannels] ?? 0);
            }
            for (let channel = 0; channel < outChannels; channel++) {
              const channelScale = scale[channel] ?? 0;
              bias[channel] =
                (beta[channel] ?? 0) + ((bias[channel] ?? 0) - (mean[channel] ?? 0)) * channelScale;
            }
            folded.add(norm.name);
            output = norm.name;
            const relu = soleConsumer(norm.name, "ReLU");
            if (relu) {
              parse(relu6Config, relu.config, relu.name);
              folded.add(relu.name);
              output = relu.name;
              activation = "relu6";
            }
          }
          const filter = keep(tf.tensor4d(kernel, [height, width, inChannels, last]));
          const biasTensor = keep(tf.tensor1d(bias));
          const convolution = {
            filter,
            strides: config.strides,
            pad: paddedBy.get(layer.name) ?? config.padding,
            bias: biasTensor,
            activation,
          };
          steps.push({
            output,
            inputs,
            run: ([x]) =>
              depthwise
                ? tf.fused.depthwiseConv2d({
                    x: x as Tensorflow.Tensor4D,
                    ...convolution,
                    // tfjs-core 4.22 types this `pad` without explicit padding, which the op hands to
                    // computeConv2DInfo as the unfused depthwiseConv2d does (typed with it); the test
                    // compares with tf.pad and depthwiseConv2d.
                    pad: convolution.pad as "valid",
                  })
                : tf.fused.conv2d({ x: x as Tensorflow.Tensor4D, ...convolution }),
          });
          break;
        }
        case "ReLU":
          parse(relu6Config, layer.config, layer.name);
          steps.push({ output: layer.name, inputs, run: ([x]) => tf.relu6(x as Tensorflow.Tensor) });
          break;
        case "ZeroPadding2D": {
          const { padding } = parse(paddingConfig, layer.config, layer.name);
          const explicit: ExplicitPadding = [[0, 0], padding[0], padding[1], [0, 0]];
          // Padding for a convolution without its own is the convolution's: the padded copy of a
          // 112×112×96 tensor is not made (the largest tensor of the model, alive with its source).
          const next = soleConsumer(layer.name, "DepthwiseConv2D") ?? soleConsumer(layer.name, "Conv2D");
          if (next && parse(convolutionConfig, next.config, next.name).padding === "valid") {
            paddedBy.set(next.name, explicit);
            renamed.set(layer.name, inputs[0] ?? "");
            break;
          }
          steps.push({
            output: layer.name,
            inputs,
            run: ([x]) => tf.pad(x as Tensorflow.Tensor, explicit),
          });
          break;
        }
        case "Add":
          if (inputs.length !== 2) throw new UnsupportedModelError(layer.name, "adds other than two tensors");
          steps.push({
            output: layer.name,
            inputs,
            run: ([a, b]) => tf.add(a as Tensorflow.Tensor, b as Tensorflow.Tensor),
          });
          break;
        case "AveragePooling2D": {
          const config = parse(poolConfig, layer.config, layer.name);
          steps.push({
            output: layer.name,
            inputs,
            run: ([x]) =>
              tf.avgPool(x as Tensorflow.Tensor4D, config.pool_size, config.strides, config.padding),
          });
          break;
        }
        case "Flatten":
          steps.push({
            output: layer.name,
            inputs,
            run: ([x]) => tf.reshape(x as Tensorflow.Tensor, [(x as Tensorflow.Tensor).shape[0] ?? 1, -1]),
          });
          break;
        case "Dropout":
          renamed.set(layer.name, inputs[0] ?? "");
          break;
        case "Dense": {
          const { activation } = parse(denseConfig, layer.config, layer.name);
          const [rows, columns] = weights.shape(`${layer.name}/kernel`);
          if (rows === undefined || columns === undefined) {
            throw new UnsupportedModelError(layer.name, "has a kernel that is not 2-D");
          }
          const matrix = {
            b: keep(tf.tensor2d(values(layer.name, "kernel"), [rows, columns])),
            bias: keep(tf.tensor1d(values(layer.name, "bias"))),
          };
          steps.push({
            output: layer.name,
            inputs,
            run: ([x]) =>
              activation === "softmax"
                ? tf.tidy(() => tf.softmax(tf.fused.matMul({ a: x as Tensorflow.Tensor2D, ...matrix })))
                : tf.fused.matMul({ a: x as Tensorflow.Tensor2D, ...matrix, activation }),
          });
          break;
        }
        case "BatchNormalization":
          throw new UnsupportedModelError(layer.name, "is a batch normalization that follows no convolution");
        default:
          throw new UnsupportedModelError(layer.name, `is a ${layer.class_name}`);
      }
    }
  } catch (error) {
    for (const tensor of kept) tensor.dispose();
    throw error;
  }

  const outputName = source(topology.output_layers[0][0]);
  // The layers are listed in an order where each comes after what it reads; checked, not assumed.
  const made = new Set([inputName]);
  const reads = new Map<string, number>();
  for (const step of steps) {
    for (const input of step.inputs) {
      if (!made.has(input)) {
        for (const tensor of kept) tensor.dispose();
        throw new UnsupportedModelError(step.output, `reads ${input} before it is made`);
      }
      reads.set(input, (reads.get(input) ?? 0) + 1);
    }
    made.add(step.output);
  }
  if (!made.has(outputName)) {
    for (const tensor of kept) tensor.dispose();
    throw new UnsupportedModelError(outputName, "is the output but is never made");
  }

  return {
    predict(input) {
      // Each intermediate is disposed as soon as its last reader has run, so only a few are alive at once.
      const live = new Map<string, Tensorflow.Tensor>([[inputName, input]]);
      const left = new Map(reads);
      try {
        for (const step of steps) {
          const tensors = step.inputs.map((name) => {
            const tensor = live.get(name);
            if (!tensor) throw new Error(`the safety model lost ${name}`);
            return tensor;
          });
          live.set(step.output, step.run(tensors));
          for (const name of step.inputs) {
            const remaining = (left.get(name) ?? 1) - 1;
            left.set(name, remaining);
            if (remaining === 0 && name !== inputName) {
              live.get(name)?.dispose();
              live.delete(name);
            }
          }
        }
        const output = live.get(outputName);
        if (!output) throw new Error("the safety model made no output");
        live.delete(outputName);
        return output;
      } finally {
        live.delete(inputName);
        for (const tensor of live.values()) tensor.dispose();
      }
    },
    dispose() {
      for (const tensor of kept) tensor.dispose();
    },
  };
}
