import { describe, expect, it } from "vitest";
import { resolveTaskName, TASK_NAMES, TASKS } from "../../../src/tasks/index.js";
import { kindFeeds, resourceAs } from "../../../src/tasks/resource.js";

describe("the task registry", () => {
  it("holds the 24 HuggingGPT tasks, each with inputs and an output", () => {
    expect(TASK_NAMES).toHaveLength(24);
    for (const name of TASK_NAMES) {
      const spec = TASKS.get(name);
      expect(spec?.name).toBe(name);
      expect(Object.values(spec?.args ?? {}).some((arg) => arg?.required)).toBe(true);
    }
  });

  it("accepts kebab-case names, TaskBench titles and aliases", () => {
    expect(resolveTaskName("object-detection")).toBe("object-detection");
    expect(resolveTaskName("Image Classification")).toBe("image-classification");
    expect(resolveTaskName("Automatic Speech Recognition")).toBe("automatic-speech-recognition");
    expect(resolveTaskName("Text-to-Image")).toBe("text-to-image");
    expect(resolveTaskName("asr")).toBe("automatic-speech-recognition");
    expect(resolveTaskName("tts")).toBe("text-to-speech");
    expect(resolveTaskName("image_captioning")).toBe("image-to-text");
    expect(resolveTaskName("VQA")).toBe("visual-question-answering");
  });

  it("never resolves prototype names", () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty", ""]) {
      expect(resolveTaskName(name)).toBeUndefined();
    }
  });

  it("feeds detections to text as labels with scores and to images as the annotated image", () => {
    const annotated = {
      kind: "image" as const,
      mime: "image/png",
      bytes: new Uint8Array([1]),
      name: "a.png",
    };
    const detections = {
      kind: "detections" as const,
      detections: [
        { label: "giraffe", score: 0.981, box: { xmin: 0, ymin: 0, xmax: 1, ymax: 1 } },
        { label: "zebra", score: 0.95, box: { xmin: 0, ymin: 0, xmax: 1, ymax: 1 } },
      ],
      image: annotated,
    };
    expect(resourceAs(detections, "text")).toEqual({ kind: "text", text: "giraffe 0.98, zebra 0.95" });
    expect(resourceAs(detections, "image")).toBe(annotated);
    expect(resourceAs(detections, "audio")).toBeUndefined();
  });

  it("lets text feed only text, and audio only audio", () => {
    expect(kindFeeds("text", "text")).toBe(true);
    expect(kindFeeds("text", "audio")).toBe(false);
    expect(kindFeeds("audio", "text")).toBe(false);
    expect(kindFeeds("image", "image")).toBe(true);
    expect(kindFeeds("labels", "text")).toBe(true);
    expect(resourceAs({ kind: "text", text: "hi" }, "audio")).toBeUndefined();
  });

  it("lets a video container feed an audio argument (voice notes in WebM or MP4)", () => {
    const voice = {
      kind: "video" as const,
      mime: "video/webm",
      bytes: new Uint8Array([1]),
      name: "voice.webm",
    };
    expect(resourceAs(voice, "audio")).toMatchObject({
      kind: "audio",
      mime: "audio/webm",
      name: "voice.webm",
    });
    expect(kindFeeds("video", "audio")).toBe(true);
  });
});
