import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import Keyv from "keyv";
import sharp from "sharp";
import type { Expert, ExpertBackend } from "../src/experts/types.js";
import type { LlmClient } from "../src/llm/types.js";
import { createModelCatalog } from "../src/models/index.js";
import {
  createPipeline,
  DEFAULT_SETTINGS,
  type NamedInput,
  type PipelineDependencies,
  type PipelineSettings,
} from "../src/pipeline/index.js";
import { type Resource, TASKS, type TaskName } from "../src/tasks/index.js";
import type { BenchPlan } from "./plans.js";

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  target: string;
  detail?: string;
}

/**
 * A 640×480 JPEG with a photo's entropy (a flat colour under noise) that decodes: what the image
 * validation reads and the detection, segmentation and depth experts draw on. Made once.
 */
export const BENCH_PHOTO = new Uint8Array(
  await sharp({
    create: {
      width: 640,
      height: 480,
      channels: 3,
      background: "#4a7",
      noise: { type: "gaussian", mean: 128, sigma: 20 },
    },
  })
    .jpeg({ quality: 80 })
    .toBuffer(),
);

/** A 512×512 PNG, as a text-to-image model returns: what an instant image output carries. */
const INSTANT_IMAGE = new Uint8Array(
  await sharp({ create: { width: 512, height: 512, channels: 3, background: "#6a8caf" } })
    .png()
    .toBuffer(),
);

/** Inputs named as the bench plans use them: BENCH_PHOTO for images; audio only needs its magic number. */
export function benchInputs(plan: BenchPlan): NamedInput[] {
  return plan.attachments.map(({ name, kind }) => ({
    name,
    origin: "attachment",
    resource:
      kind === "image"
        ? { kind: "image", mime: "image/jpeg", bytes: BENCH_PHOTO, name }
        : {
            kind: "audio",
            mime: "audio/wav",
            bytes: new Uint8Array([0x52, 0x49, 0x46, 0x46, 1, 2, 3]),
            name,
          },
  }));
}

/**
 * A plausible output of each kind, returned at once: the overhead bench measures everything else.
 * Images are real (the safety screen decodes them), and detections carry their annotated picture as
 * the hosted and local detection experts do.
 */
function instantOutput(task: TaskName): Resource {
  const image = { kind: "image", mime: "image/png", bytes: INSTANT_IMAGE, name: "out.png" } as const;
  switch (TASKS.get(task)?.output) {
    case "labels":
      return { kind: "labels", labels: [{ label: "positive", score: 0.9 }] };
    case "detections":
      return {
        kind: "detections",
        detections: [{ label: "dog", score: 0.9, box: { xmin: 1, ymin: 1, xmax: 9, ymax: 9 } }],
        image,
      };
    case "image":
      return image;
    case "audio":
      return { kind: "audio", mime: "audio/wav", bytes: new Uint8Array(64), name: "out.wav" };
    case "video":
      return { kind: "video", mime: "video/mp4", bytes: new Uint8Array(64), name: "out.mp4" };
    case "json":
      return { kind: "json", value: { score: 1 }, text: "score 1" };
    default:
      return { kind: "text", text: `result of ${task}` };
  }
}

export const instantBackend: ExpertBackend = {
  source: "hosted",
  supports: () => true,
  expert(task, model): Expert {
    return { task, model, source: "hosted", run: async () => instantOutput(task) };
  },
};

export function benchPipeline(
  llm: LlmClient,
  backend: ExpertBackend,
  settings: Partial<PipelineSettings> = {},
  checks: Pick<PipelineDependencies, "validateImage" | "screenImage" | "telemetry"> = {},
) {
  const catalog = createModelCatalog({
    hubEndpoint: "http://127.0.0.1:9",
    cache: new Keyv(),
    ttlMs: 60_000,
    timeoutMs: 1000,
    live: false,
  });
  return createPipeline({
    llm,
    catalog,
    backends: { hosted: backend },
    settings: { ...DEFAULT_SETTINGS, ...settings },
    ...checks,
  });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The kernel's high-water mark of this process's resident set (VmHWM), in bytes: no sample can miss it. */
export async function peakRss(): Promise<number> {
  const status = await readFile("/proc/self/status", "utf8");
  const kilobytes = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kilobytes === undefined) throw new Error("no VmHWM in /proc/self/status");
  return Number(kilobytes) * 1024;
}

/**
 * Runs a bench module in a fresh process of its own (the module under tsx's loader, with `childEnv`
 * set so that it measures and prints its figures as the last line of JSON): in `npm run bench` the
 * benches before it leave this process's RSS at several hundred MB, which would say nothing.
 */
export async function benchInChild(
  modulePath: string,
  childEnv: string,
  name: string,
  extraEnv: Record<string, string> = {},
): Promise<BenchFigure[]> {
  const child = spawn(process.execPath, ["--import", "tsx", modulePath], {
    env: { ...process.env, ...extraEnv, [childEnv]: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  if (code !== 0) {
    const reason = /^(?:\w*Error): (.*)$/m.exec(stderr)?.[1] ?? stderr.trim().split("\n").at(-1);
    throw new Error(`the ${name} process exited with ${code}: ${reason ?? "no output"}`);
  }
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "[]") as BenchFigure[];
}
