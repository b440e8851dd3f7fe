import { pathToFileURL } from "node:url";
import sharp from "sharp";
import { drawDetections } from "../src/render/index.js";
import type { Detection } from "../src/tasks/resource.js";

const WIDTH = 4000;
const HEIGHT = 3000;
const LABELS = ["person", "car", "dog", "traffic light", "bicycle", "potted plant", "umbrella", "bus"];

/**
 * A 12-megapixel JPEG that costs what a photo costs to decode and encode: pure noise would
 * overstate the entropy coding (a 10 MB file), a flat colour would understate it, so the picture
 * is gradients under moderate noise, which lands near a phone photo's 3-4 MB.
 */
async function photo(): Promise<Buffer> {
  const noise = await sharp({
    create: {
      width: WIDTH,
      height: HEIGHT,
      channels: 3,
      background: "#000000",
      noise: { type: "gaussian", mean: 128, sigma: 24 },
    },
  })
    .raw()
    .toBuffer();
  for (let y = 0; y < HEIGHT; y++) {
    for (let x = 0; x < WIDTH; x++) {
      const i = (y * WIDTH + x) * 3;
      noise[i] = (noise[i]! >> 1) + Math.round((y / HEIGHT) * 110);
      noise[i + 1] = (noise[i + 1]! >> 1) + Math.round((x / WIDTH) * 110);
    }
  }
  return sharp(noise, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/** 50 boxes of assorted sizes spread over the picture, some running off its edges. */
function detections(): Detection[] {
  return Array.from({ length: 50 }, (_, i) => {
    const w = 300 + ((i * 137) % 1500);
    const h = 250 + ((i * 89) % 1200);
    const xmin = ((i * 331) % (WIDTH + 200)) - 100;
    const ymin = ((i * 257) % (HEIGHT + 100)) - 50;
    return {
      label: LABELS[i % LABELS.length]!,
      score: 0.5 + ((i * 7) % 50) / 100,
      box: { xmin, ymin, xmax: xmin + w, ymax: ymin + h },
    };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median wall time to decode a 12 MP JPEG, draw 50 labelled boxes and encode it, after a warm-up. */
export async function benchRender(
  runs = 5,
): Promise<{ name: string; value: number; unit: string; target: string; detail?: string }[]> {
  const input = await photo();
  const boxes = detections();
  await drawDetections(input, boxes);
  const times: number[] = [];
  let outputBytes = 0;
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    const out = await drawDetections(input, boxes);
    times.push(performance.now() - started);
    outputBytes = out.bytes.byteLength;
  }
  const mb = (n: number) => (n / 1_048_576).toFixed(1);
  return [
    {
      name: "Draw 50 detections on a 12-megapixel JPEG and encode it",
      value: Math.round(median(times)),
      unit: "ms (median)",
      target: "< 300 ms",
      detail: `drawDetections as the experts call it (on a render worker thread); ${runs} runs, min ${Math.round(Math.min(...times))} ms, max ${Math.round(Math.max(...times))} ms; ${mb(input.byteLength)} MB in, ${mb(outputBytes)} MB out; sharp concurrency ${sharp.concurrency()}`,
    },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const figure of await benchRender()) console.log(figure);
}
