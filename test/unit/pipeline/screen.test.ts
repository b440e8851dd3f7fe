import { describe, expect, it } from "vitest";
import { silentLogger } from "../../../src/log.js";
import { classifierScreen, type ImageScreen, withholdFlaggedImages } from "../../../src/pipeline/screen.js";
import type { TaskResult } from "../../../src/pipeline/types.js";

const image = (name: string, marker: number) => ({
  kind: "image" as const,
  mime: "image/png",
  name,
  bytes: new Uint8Array([marker]),
});

function results(): TaskResult[] {
  return [
    {
      id: 1,
      task: "text-to-image",
      status: "ok",
      ms: 1,
      attempts: [],
      output: image("1-text-to-image.png", 1),
    },
    {
      id: 2,
      task: "object-detection",
      status: "ok",
      ms: 1,
      attempts: [],
      output: {
        kind: "detections",
        detections: [{ label: "cat", score: 0.9, box: { xmin: 0, ymin: 0, xmax: 1, ymax: 1 } }],
        image: image("2-object-detection-annotated.png", 2),
      },
    },
    {
      id: 3,
      task: "text-to-image",
      status: "ok",
      ms: 1,
      attempts: [],
      output: image("3-text-to-image.png", 3),
    },
  ];
}

const signal = new AbortController().signal;

describe("withholding flagged images", () => {
  it("withholds what the check flags, keeps detections without their picture, and names each in a note", async () => {
    const screen: ImageScreen = async (bytes) =>
      bytes[0] === 3 ? { flagged: false } : { flagged: true, reason: "explicit content (Porn 97%)" };
    const checked = results();
    const notes = await withholdFlaggedImages(checked, screen, signal, silentLogger);
    expect(checked[0]?.output).toEqual({ kind: "text", text: "(image withheld by the safety check)" });
    expect(checked[1]?.output).toEqual({
      kind: "detections",
      detections: [{ label: "cat", score: 0.9, box: { xmin: 0, ymin: 0, xmax: 1, ymax: 1 } }],
    });
    expect(checked[2]?.output).toEqual(image("3-text-to-image.png", 3));
    expect(notes).toEqual([
      "The image 1-text-to-image.png (task 1) was withheld by the safety check: explicit content (Porn 97%).",
      "The image 2-object-detection-annotated.png (task 2) was withheld by the safety check: explicit content (Porn 97%).",
    ]);
  });

  it("withholds an image that cannot be checked", async () => {
    const checked = results().slice(0, 1);
    const notes = await withholdFlaggedImages(
      checked,
      async () => {
        throw new Error("decoder broke");
      },
      signal,
      silentLogger,
    );
    expect(checked[0]?.output?.kind).toBe("text");
    expect(notes[0]).toContain("it could not be checked");
  });
});

describe("the screen on the image safety classifier", () => {
  const signal = new AbortController().signal;

  it("withholds every image while the classifier cannot run here, saying why and how to enable it", async () => {
    let checks = 0;
    const screen = classifierScreen(
      {
        probe: async () => ({
          available: false,
          reason: "nsfwjs is not installed",
          howToAdd: "npm install nsfwjs",
        }),
        check: async () => {
          checks += 1;
          return { flagged: false, labels: [] };
        },
      },
      silentLogger,
    );
    const verdict = await screen(new Uint8Array([1]), signal);
    expect(verdict.flagged).toBe(true);
    expect(verdict.reason).toBe(
      "the check cannot run here (nsfwjs is not installed; to enable it: npm install nsfwjs; SAFETY_CHECK=false posts images unchecked)",
    );
    expect(checks).toBe(0);
  });

  it("asks the classifier when it can run", async () => {
    const screen = classifierScreen(
      {
        probe: async () => ({ available: true }),
        check: async (bytes) => ({ flagged: bytes[0] === 9, labels: [] }),
      },
      silentLogger,
    );
    expect((await screen(new Uint8Array([9]), signal)).flagged).toBe(true);
    expect((await screen(new Uint8Array([1]), signal)).flagged).toBe(false);
  });
});
