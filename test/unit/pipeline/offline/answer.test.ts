import { describe, expect, it } from "vitest";
import { answerOffline } from "../../../../src/pipeline/offline/index.js";
import type { Plan, TaskResult } from "../../../../src/pipeline/types.js";
import type { Resource, TaskName } from "../../../../src/tasks/index.js";

const box = { xmin: 1, ymin: 2, xmax: 3, ymax: 4 };
const png = (name: string) => ({
  kind: "image" as const,
  mime: "image/png",
  bytes: new Uint8Array([1]),
  name,
});

function ok(id: number, task: TaskName, output: Resource, model = "local/model"): TaskResult {
  return { id, task, status: "ok", model, source: "local", ms: 10, attempts: [], output };
}

/** A result without the model that made it (a result from before models were recorded). */
function anonymous(id: number, task: TaskName, output: Resource): TaskResult {
  const { model: _model, ...rest } = ok(id, task, output);
  return rest;
}

const planOf = (...tasks: Array<[number, TaskName, string]>): Plan => ({
  tasks: tasks.map(([id, task, intent]) => ({ id, task, dep: [], args: {}, intent })),
});

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

  it("answers a count first: how many of what the request names", () => {
    const found = detections(1, [
      ["person", 0.8],
      ["horse", 0.9],
      ["person", 0.6],
    ]);
    expect(answerOffline([found], "how many people are in this photo?")).toMatch(
      /^There are 2 people\. I found 3 objects: /,
    );
    expect(answerOffline([found], "how many horses?")).toMatch(/^There is 1 horse\. /);
    expect(answerOffline([found], "how many dogs r there")).toMatch(/^I see no dogs\. I found 3 objects/);
    expect(answerOffline([detections(1, [])], "how many cats?")).toBe("I see no cats. I found no objects.");
  });

  it("says when nothing was found, without mentioning an image", () => {
    expect(answerOffline([detections(1, [])], "detect")).toBe("I found no objects.");
  });

  const stop = { kind: "text" as const, text: "STOP" };
  const reading = planOf([1, "image-to-text", "read-text"]);
  const captioning = planOf([1, "image-to-text", "describe-image"]);
  it.each([
    [
      "local OCR, asked to describe",
      ok(1, "image-to-text", stop, "local/tesseract-eng"),
      "describe this picture",
      undefined,
      "The text in the image reads: “STOP”.",
    ],
    [
      "local OCR, captioning intent",
      ok(1, "image-to-text", stop, "local/tesseract-eng"),
      "",
      captioning,
      "The text in the image reads: “STOP”.",
    ],
    [
      "hosted TrOCR",
      ok(1, "image-to-text", stop, "microsoft/trocr-base-printed"),
      "",
      undefined,
      "The text in the image reads: “STOP”.",
    ],
    [
      "a captioner, asked to read",
      ok(1, "image-to-text", stop, "Salesforce/blip-image-captioning-base"),
      "read the text on this sign",
      undefined,
      "The image shows “STOP”.",
    ],
    [
      "a captioner for read-text",
      ok(1, "image-to-text", stop, "Salesforce/blip-image-captioning-base"),
      "",
      reading,
      "The image shows “STOP”.",
    ],
    [
      "no model named, read-text intent",
      anonymous(1, "image-to-text", stop),
      "",
      reading,
      "The text in the image reads: “STOP”.",
    ],
    [
      "no model named, no intent",
      anonymous(1, "image-to-text", stop),
      "read the text",
      undefined,
      "The image shows “STOP”.",
    ],
  ] as const)("words image-to-text by what ran: %s", (_name, result, request, plan, expected) => {
    expect(answerOffline([result], request, plan)).toBe(expected);
  });

  it("puts a text of several lines on lines of its own", () => {
    const result = ok(
      1,
      "image-to-text",
      { kind: "text", text: "Line one\nLine two" },
      "local/tesseract-eng",
    );
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

  it("says when the local word list found no sentiment words", () => {
    const neutral: Resource = { kind: "labels", labels: [{ label: "neutral", score: 1 }] };
    expect(answerOffline([ok(1, "text-classification", neutral, "local/sentiment-afinn")], "")).toBe(
      "I found no words that carry a sentiment in the text, so I can't tell whether it is positive or negative.",
    );
    // A model that labels texts neutral means it.
    expect(answerOffline([ok(1, "text-classification", neutral, "cardiffnlp/twitter-roberta")], "")).toBe(
      "The text sounds neutral (1.00).",
    );
  });

  it("says a text whose sentiment words cancel out is as positive as negative", () => {
    const mixed: Resource = {
      kind: "labels",
      labels: [
        { label: "positive", score: 0.5 },
        { label: "negative", score: 0.5 },
      ],
    };
    expect(answerOffline([ok(1, "text-classification", mixed, "local/sentiment-afinn")], "")).toBe(
      "The text sounds as positive as negative (0.50 each).",
    );
  });

  it("answers a question about a document", () => {
    const result = ok(1, "document-question-answering", { kind: "text", text: "$12.50" });
    expect(answerOffline([result], "what is the total?")).toBe("The answer is “$12.50”.");
  });

  it("gives the document reader's own words when no line matches", () => {
    const text = "No line of the document matches the question. The document reads:\nMILK 1.20\nTOTAL 1.20";
    const result = ok(1, "document-question-answering", { kind: "text", text }, "local/tesseract-eng-lookup");
    expect(answerOffline([result], "who is the customer?")).toBe(text);
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
