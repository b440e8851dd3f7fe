import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { BotError, isBotError } from "../../../src/errors.js";
import { renderDepth as renderDepthHere } from "../../../src/render/depth.js";
import { drawDetections as drawDetectionsHere } from "../../../src/render/detections.js";
import {
  closeRenderPool,
  drawDetections,
  drawMasks,
  prepareImage,
  renderDepth,
} from "../../../src/render/index.js";
import { drawMasks as drawMasksHere } from "../../../src/render/masks.js";
import { RenderPool } from "../../../src/render/pool.js";
import type { Detection } from "../../../src/tasks/resource.js";
import { bombPng, flatJpeg, flatPng, noisy } from "./fixtures.js";

const RENDER_INDEX = fileURLToPath(new URL("../../../src/render/index.ts", import.meta.url));

const detections: Detection[] = [
  { label: "dog", score: 0.98, box: { xmin: 20, ymin: 30, xmax: 200, ymax: 220 } },
  { label: "traffic light", score: 0.61, box: { xmin: 150, ymin: -10, xmax: 330, ymax: 90 } },
];

async function maskPng(width: number, height: number, left: number): Promise<Uint8Array> {
  const { default: sharp } = await import("sharp");
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) pixels.fill(255, y * width + left, (y + 1) * width);
  return sharp(pixels, { raw: { width, height, channels: 1 } })
    .png()
    .toBuffer();
}

/** Polls until `check` holds; fails after `limitMs` (a bound on a hang, not a timing assertion). */
async function eventually(check: () => boolean, limitMs = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > limitMs) throw new Error("the condition did not hold in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("the render worker pool", () => {
  const pools: RenderPool[] = [];
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
    await closeRenderPool();
  });

  it("draws on a worker exactly what the same function draws on this thread", async () => {
    const photo = await noisy(320, 240).jpeg({ quality: 80 }).toBuffer();
    const segments = [
      { label: "sky", score: 0.9, mask: await maskPng(320, 240, 0) },
      { label: "tree", score: 0.8, mask: await maskPng(160, 120, 100) },
    ];
    const depth = {
      values: [
        [1, 2, 3],
        [4, Number.NaN, 6],
      ] as number[][],
    };
    const png = await flatPng(64, 48);
    const pairs: Array<
      [Promise<{ bytes: Uint8Array; mime: string }>, Promise<{ bytes: Uint8Array; mime: string }>]
    > = [
      [drawDetections(photo, detections), drawDetectionsHere(photo, detections)],
      [drawDetections(png, detections), drawDetectionsHere(png, detections)],
      [drawDetections(prepareImage(photo), detections), drawDetectionsHere(photo, detections)],
      [drawMasks(photo, segments), drawMasksHere(photo, segments)],
      [drawMasks(prepareImage(photo), segments), drawMasksHere(photo, segments)],
      [renderDepth(depth), renderDepthHere(depth)],
    ];
    for (const [pooled, here] of pairs) {
      const [a, b] = await Promise.all([pooled, here]);
      expect(a.mime).toBe(b.mime);
      expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(true);
    }
  });

  it("draws a prepared photo again from its file once its pixels have gone to a drawing", async () => {
    const photo = await noisy(120, 90).jpeg({ quality: 80 }).toBuffer();
    const prepared = prepareImage(photo);
    const first = await drawDetections(prepared, detections);
    const second = await drawDetections(prepared, detections);
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    expect(
      Buffer.from(first.bytes).equals(Buffer.from((await drawDetectionsHere(photo, detections)).bytes)),
    ).toBe(true);
  });

  it("reports a prepared photo that cannot be decoded when it is drawn on, and not before", async () => {
    const whole = await noisy(64, 64).jpeg().toBuffer();
    const truncated = prepareImage(whole.subarray(0, whole.byteLength / 2), { name: "half.jpg" });
    // Never drawn on (the model failed, say): its decoding error must not surface as unhandled.
    prepareImage(new Uint8Array([1, 2, 3]));
    const damaged = await drawMasks(truncated, []).catch((error: unknown) => error);
    expect(isBotError(damaged) && damaged.code).toBe("input_invalid");
    expect(isBotError(damaged) && damaged.userMessage).toBe(
      "half.jpg is not a readable image (the file is truncated or damaged).",
    );
  });

  it("rejects as the function would: a BotError with its code and message, a RangeError as such", async () => {
    const bomb = await drawDetections(bombPng(100_000, 100_000), [], { name: "bomb.png" }).catch(
      (error: unknown) => error,
    );
    expect(bomb).toBeInstanceOf(BotError);
    expect(isBotError(bomb) && bomb.code).toBe("input_too_large");
    expect(isBotError(bomb) && bomb.userMessage).toContain("bomb.png is too large");

    const whole = await noisy(64, 64).jpeg().toBuffer();
    const truncated = whole.subarray(0, whole.byteLength / 2);
    const damaged = await drawMasks(truncated, []).catch((error: unknown) => error);
    expect(isBotError(damaged) && damaged.code).toBe("input_invalid");
    expect(isBotError(damaged) && damaged.userMessage).toContain("truncated or damaged");

    const limit = await drawDetections(await flatPng(8, 8), [], { maxPixels: -1 }).catch(
      (error: unknown) => error,
    );
    expect(limit).toBeInstanceOf(RangeError);
    expect((limit as Error).message).toContain("maxPixels must be a positive number");

    const flat = await renderDepth({ values: [] }).catch((error: unknown) => error);
    expect(isBotError(flat) && flat.userMessage).toBe("The depth map could not be drawn (it has no values).");
  });

  it("spreads parallel jobs over at most `size` workers, stops idle ones, and refuses work once closed", async () => {
    const pool = new RenderPool({ size: 2, idleMs: 50 });
    pools.push(pool);
    const photo = await flatJpeg(200, 150);
    const drawn = await Promise.all(
      Array.from({ length: 5 }, () => pool.run("drawDetections", photo, detections, {})),
    );
    expect(drawn.every((image) => image.mime === "image/jpeg")).toBe(true);
    expect(pool.workers).toBeGreaterThan(0);
    expect(pool.workers).toBeLessThanOrEqual(2);
    await eventually(() => pool.workers === 0);

    await pool.run("renderDepth", { values: [[1, 2]] }, {});
    expect(pool.workers).toBe(1);
    await pool.close();
    expect(pool.workers).toBe(0);
    await expect(pool.run("renderDepth", { values: [[1, 2]] }, {})).rejects.toThrow("closed");
  });

  it("rejects the jobs in flight when it is closed under them", async () => {
    const pool = new RenderPool({ size: 1 });
    pools.push(pool);
    const photo = await noisy(1600, 1200).jpeg().toBuffer();
    const pending = pool.run("drawDetections", photo, detections, {}).catch((error: unknown) => error);
    await pool.close();
    expect(await pending).toBeInstanceOf(Error);
  });

  it("starts again after closeRenderPool", async () => {
    await drawDetections(await flatPng(32, 32), []);
    await closeRenderPool();
    const again = await drawDetections(await flatPng(32, 32), []);
    expect(again.mime).toBe("image/png");
  });

  it("lets a process that drew exit on its own, without closing the pool", async () => {
    // A fresh node that draws through the shared pool and then has nothing left to do.
    const script = `
      const { drawDetections } = await import(${JSON.stringify(RENDER_INDEX)});
      const sharp = (await import("sharp")).default;
      const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: "#888" } }).png().toBuffer();
      const out = await drawDetections(png, [{ label: "dog", score: 0.9, box: { xmin: 1, ymin: 1, xmax: 30, ymax: 30 } }]);
      console.log(out.mime, out.bytes.byteLength > 0);
    `;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../../../", import.meta.url)),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    // A pool that held the process open would leave it running: kill it then, and fail.
    const hung = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once("close", (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    clearTimeout(hung);
    expect({ code, signal, output: output.trim() }).toEqual({
      code: 0,
      signal: null,
      output: "image/png true",
    });
  });
});
