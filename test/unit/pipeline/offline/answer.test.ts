import { describe, expect, it } from "vitest";
import { answerOffline } from "../../../../src/pipeline/offline/index.js";
import type { TaskResult } from "../../../../src/pipeline/types.js";
import type { Resource, TaskName } from "../../../../src/tasks/index.js";

const box = { xmin: 1, ymin: 2, xmax: 3, ymax: 4 };
const png = (name: string) => ({
  kind: "image" as const,
  mime: "image/png",
  bytes: new Uint8Array([1]),
  name,
});

function ok(id: number, task: TaskName, output: Resource): TaskResult {
  return { id, task, status: "ok", model: "local/model", source: "local", ms: 10, attempts: [], output };
}

const detections = (id: number, labels: Array<[string, number]>): TaskResult =>
  ok(id, "object-detection", {
    kind: "detections",
    detections: labels.map(([label, score]) => ({ label, score, box })),
    image: png(`${id}-object-detection-annotated.png`),
  });

describe("answerOffline", () => {
  it("lists detections with two-decimal scores and mentions the annotated image", () => {
    const answer = answerOffline(
      [
        detections(1, [
          ["dog", 0.912],
          ["bicycle", 0.47],
          ["car", 0.5549],
        ]),
      ],
      "what is in this photo?",
    );
    expect(answer).toBe(
      "I found 3 objects: dog (0.91), bicycle (0.47), car (0.55). The annotated image is attached.",
    );
  });

  it("groups a label found several times, best scores first", () => {
    const answer = answerOffline(
      [
        detections(1, [
          ["horse", 0.88],
          ["person", 0.7],
          ["horse", 0.93],
        ]),
      ],
      "count the horses",
    );
    expect(answer).toContain("I found 3 objects: horse ×2 (0.93, 0.88), person (0.70).");
  });

  it("says when nothing was found", () => {
    expect(answerOffline([detections(1, [])], "detect")).toBe(
      "I found no objects. The annotated image is attached.",
    );
  });

  it("quotes the text of an image when the request asked to read it", () => {
    const result = ok(1, "image-to-text", { kind: "text", text: "STOP" });
    expect(answerOffline([result], "read the text on this sign")).toBe(
      "The text in the image reads: “STOP”.",
    );
    expect(answerOffline([result], "describe this picture")).toBe("The image shows “STOP”.");
  });

  it("puts a text of several lines on lines of its own", () => {
    const result = ok(1, "image-to-text", { kind: "text", text: "Line one\nLine two" });
    expect(answerOffline([result], "ocr")).toBe("The text in the image reads:\nLine one\nLine two");
  });

  it("gives the transcript", () => {
    const result = ok(1, "automatic-speech-recognition", { kind: "text", text: " hello world " });
    expect(answerOffline([result], "transcribe")).toBe("Transcript: “hello world”.");
    expect(answerOffline([ok(1, "automatic-speech-recognition", { kind: "text", text: "" })], "")).toBe(
      "I heard no speech in the recording.",
    );
  });

  it("names the speech file", () => {
    const result = ok(1, "text-to-speech", {
      kind: "audio",
      mime: "audio/wav",
      bytes: new Uint8Array([1]),
      name: "text-to-speech.wav",
    });
    expect(answerOffline([result], "say hi")).toBe("Here is the speech (text-to-speech.wav).");
  });

  it("gives the sentiment by its best label", () => {
    const result = ok(1, "text-classification", {
      kind: "labels",
      labels: [
        { label: "NEGATIVE", score: 0.13 },
        { label: "POSITIVE", score: 0.871 },
      ],
    });
    expect(answerOffline([result], "is this positive?")).toBe("The text sounds positive (0.87).");
  });

  it("answers a question about a document", () => {
    const result = ok(1, "document-question-answering", { kind: "text", text: "$12.50" });
    expect(answerOffline([result], "what is the total?")).toBe("The answer is “$12.50”.");
  });

  it("says why a task failed, without a stack trace", () => {
    const failed: TaskResult = {
      id: 1,
      task: "object-detection",
      status: "failed",
      ms: 5,
      attempts: [],
      error: "the model could not be loaded.\n    at load (/app/src/experts/local/human.ts:10:5)\n    at run",
    };
    const answer = answerOffline([failed], "detect");
    expect(answer).toBe("Object detection failed: the model could not be loaded.");
    expect(answer).not.toContain("human.ts");
  });

  it("says a task was skipped", () => {
    const skipped: TaskResult = {
      id: 2,
      task: "text-to-speech",
      status: "skipped",
      ms: 0,
      attempts: [],
      error: "task 1 failed",
    };
    expect(answerOffline([skipped], "")).toBe("Text-to-speech was skipped: task 1 failed.");
  });

  it("tells a chain step by step, in order, each once", () => {
    const speech = ok(2, "text-to-speech", {
      kind: "audio",
      mime: "audio/wav",
      bytes: new Uint8Array([1]),
      name: "2-text-to-speech.wav",
    });
    const answer = answerOffline(
      [speech, detections(1, [["cat", 0.9]])],
      "what is in this photo? read it aloud",
    );
    expect(answer).toBe(
      "I found 1 object: cat (0.90). The annotated image is attached.\nHere is the speech (2-text-to-speech.wav).",
    );
  });

  it("tells runs of the same task apart", () => {
    const answer = answerOffline(
      [detections(1, [["cat", 0.9]]), detections(2, [["dog", 0.8]])],
      "what is in these?",
    );
    expect(answer).toBe(
      "Task 1 (object detection): I found 1 object: cat (0.90). The annotated image is attached.\n" +
        "Task 2 (object detection): I found 1 object: dog (0.80). The annotated image is attached.",
    );
  });

  it("has an answer for no results", () => {
    expect(answerOffline([], "hi")).toBe("I had nothing to run for this request.");
  });

  it("reads other tasks through their output", () => {
    expect(answerOffline([ok(1, "translation", { kind: "text", text: "Guten Morgen" })], "")).toBe(
      "Translation: “Guten Morgen”.",
    );
    expect(answerOffline([ok(1, "text-to-image", png("1-text-to-image.png"))], "")).toBe(
      "Here is the image (1-text-to-image.png).",
    );
    expect(
      answerOffline(
        [ok(1, "image-classification", { kind: "labels", labels: [{ label: "tabby", score: 0.8 }] })],
        "",
      ),
    ).toBe("The image looks like: tabby (0.80).");
  });
});
