import { readFileSync } from "node:fs";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHumanDetectionRunner, toDetections } from "../../../../src/experts/local/detection.js";
import { ExpertError } from "../../../../src/experts/types.js";
import type { DetectionsResource, Resource } from "../../../../src/tasks/index.js";

// Real photos from Debian's darknet package; a missing file fails the test (readFileSync throws).
const DATA = "/usr/share/darknet/data";
const dog = new Uint8Array(readFileSync(`${DATA}/dog.jpg`));
const horses = new Uint8Array(readFileSync(`${DATA}/horses.jpg`));

const runner = createHumanDetectionRunner();
const signal = new AbortController().signal;

function image(bytes: Uint8Array, name = "photo.jpg"): { image: Resource } {
  return { image: { kind: "image", mime: "image/jpeg", bytes, name } };
}

async function detect(bytes: Uint8Array): Promise<DetectionsResource> {
  const result = await runner.run(image(bytes), { signal });
  if (result.kind !== "detections") throw new Error(`expected detections, got ${result.kind}`);
  return result;
}

describe("local object detection (Human CenterNet)", () => {
  let dogResult: DetectionsResource;

  beforeAll(async () => {
    dogResult = await detect(dog);
  }, 60_000);

  afterAll(async () => {
    await runner.close?.();
  });

  it("is available: the packages and the model file are installed", async () => {
    expect(await runner.probe()).toMatchObject({ available: true });
  });

  it("finds the dog of dog.jpg in the lower left of the 768×576 photo", () => {
    const found = dogResult.detections.find((detection) => detection.label === "dog");
    expect(found).toBeDefined();
    const box = found!.box;
    const centreX = (box.xmin + box.xmax) / 2;
    const centreY = (box.ymin + box.ymax) / 2;
    expect(centreX).toBeLessThan(768 / 2);
    expect(centreY).toBeGreaterThan(576 / 2);
    expect(box.xmin).toBeGreaterThanOrEqual(0);
    expect(box.ymax).toBeLessThanOrEqual(576);
    expect(dogResult.detections.map((d) => d.label)).toContain("bicycle");
  });

  it("sorts by score and drops detections under the minimum score", () => {
    const scores = dogResult.detections.map((d) => d.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(Math.min(...scores)).toBeGreaterThanOrEqual(0.3);
  });

  it("returns the annotated photo as a decodable image of the same size", async () => {
    expect(dogResult.image?.name).toBe("object-detection-annotated.jpg");
    expect(dogResult.image?.mime).toBe("image/jpeg");
    const meta = await sharp(dogResult.image!.bytes).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(["jpeg", 768, 576]);
    expect(Buffer.compare(Buffer.from(dogResult.image!.bytes), Buffer.from(dog))).not.toBe(0);
  });

  it("gives a fresh result for the next photo, not Human's cached one", async () => {
    const result = await detect(horses);
    const labels = result.detections.map((d) => d.label);
    expect(labels).toContain("horse");
    expect(labels).not.toContain("dog");
  }, 60_000);

  it("runs two photos started together, each with its own result", async () => {
    const [first, second] = await Promise.all([detect(horses), detect(dog)]);
    expect(first.detections.map((d) => d.label)).toContain("horse");
    expect(second.detections.map((d) => d.label)).toContain("dog");
  }, 60_000);

  it("maps boxes to pixels of the displayed (EXIF-rotated) image", async () => {
    // The same photo stored sideways with an orientation tag: displayed it is 576×768.
    const rotated = new Uint8Array(await sharp(dog).rotate(-90).withMetadata({ orientation: 6 }).toBuffer());
    const result = await detect(rotated);
    const meta = await sharp(result.image!.bytes).autoOrient().metadata();
    expect([meta.width, meta.height]).toEqual([768, 576]);
    const found = result.detections.find((detection) => detection.label === "dog");
    expect(found).toBeDefined();
    expect((found!.box.xmin + found!.box.xmax) / 2).toBeLessThan(768 / 2);
  }, 60_000);

  it("stops before working when the request is already cancelled", async () => {
    await expect(runner.run(image(dog), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("refuses a corrupt image as bad input", async () => {
    const corrupt = dog.slice(0, 2000);
    await expect(runner.run(image(corrupt), { signal })).rejects.toMatchObject({
      name: "ExpertError",
      reason: "bad_input",
    });
    const text = new TextEncoder().encode("not an image at all");
    await expect(runner.run(image(text), { signal })).rejects.toBeInstanceOf(ExpertError);
  });
});

describe("toDetections", () => {
  it("scales normalized boxes to pixels, clamps them to the image and filters by score", () => {
    const detections = toDetections(
      [
        { label: "cat", score: 0.2, boxRaw: [0.1, 0.1, 0.2, 0.2] },
        { label: "dog", score: 0.5, boxRaw: [-0.01, 0.5, 0.25, 0.6] },
        { label: "car", score: 0.9, boxRaw: [0.5, 0, 0.5, 0.25] },
      ],
      800,
      400,
      0.3,
    );
    expect(detections).toEqual([
      { label: "car", score: 0.9, box: { xmin: 400, ymin: 0, xmax: 800, ymax: 100 } },
      { label: "dog", score: 0.5, box: { xmin: 0, ymin: 200, xmax: 192, ymax: 400 } },
    ]);
  });
});
