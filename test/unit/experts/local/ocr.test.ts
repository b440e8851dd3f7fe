import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answerFromDocument, createOcrRunners, matchLines } from "../../../../src/experts/local/ocr.js";
import type { Resource } from "../../../../src/tasks/index.js";
import { textImage } from "../../../support/images.js";

const [imageToText, documentQuestionAnswering] = createOcrRunners();
const signal = new AbortController().signal;

function image(bytes: Uint8Array, mime = "image/png"): Resource {
  return { kind: "image", mime, bytes, name: "page.png" };
}

const INVOICE = [
  "INVOICE 4471",
  "Date: 12 March 2026",
  "Customer: Ada Lovelace",
  "Total due: 349.50 EUR",
  "Payment within 30 days",
];

describe("local OCR (Tesseract)", () => {
  let hello: Uint8Array;
  let invoice: Resource;

  beforeAll(async () => {
    hello = await textImage(["HELLO WORLD 2026"], 96);
    invoice = image(await textImage(INVOICE, 40));
    // Starts the shared worker once, so each test measures its own page only.
    await imageToText.run({ image: image(hello) }, { signal });
  }, 60_000);

  afterAll(async () => {
    await imageToText.close?.();
    await documentQuestionAnswering.close?.();
  });

  it("is available, and image-to-text only as a fallback (it reads text, it does not caption)", async () => {
    expect(await imageToText.probe()).toMatchObject({ available: true });
    expect(imageToText.fallbackOnly).toBe(true);
    expect([imageToText.task, documentQuestionAnswering.task]).toEqual([
      "image-to-text",
      "document-question-answering",
    ]);
  });

  it("reads a line of text exactly", async () => {
    const result = await imageToText.run({ image: image(hello) }, { signal });
    expect(result).toEqual({ kind: "text", text: "HELLO WORLD 2026" });
  }, 60_000);

  it("answers a question about a document with the line that holds the answer", async () => {
    const page = invoice;
    const total = await documentQuestionAnswering.run(
      { image: page, text: { kind: "text", text: "What is the total due?" } },
      { signal },
    );
    expect(total).toEqual({ kind: "text", text: "Total due: 349.50 EUR" });
    const customer = await documentQuestionAnswering.run(
      { image: page, text: { kind: "text", text: "Who is the customer?" } },
      { signal },
    );
    expect(customer).toEqual({ kind: "text", text: "Customer: Ada Lovelace" });
  }, 60_000);

  it("says so when no line matches, and gives a short document whole", async () => {
    const page = invoice;
    const result = await documentQuestionAnswering.run(
      { image: page, text: { kind: "text", text: "What is the capital of France?" } },
      { signal },
    );
    expect(result.kind).toBe("text");
    const text = result.kind === "text" ? result.text : "";
    expect(text).toMatch(/^No line of the document matches the question/);
    expect(text).toContain("Customer: Ada Lovelace");
  }, 60_000);

  it("finds no text in a photo instead of reading its texture as letters", async () => {
    const dog = new Uint8Array(readFileSync("/usr/share/darknet/data/dog.jpg"));
    await expect(imageToText.run({ image: image(dog, "image/jpeg") }, { signal })).rejects.toMatchObject({
      reason: "failed",
      message: "no text found in the image",
    });
  }, 60_000);

  it("refuses a corrupt image as bad input", async () => {
    const page = await textImage(["HELLO"], 40);
    await expect(imageToText.run({ image: image(page.slice(0, 100)) }, { signal })).rejects.toMatchObject({
      name: "ExpertError",
      reason: "bad_input",
    });
  });

  it("restarts the worker after close()", async () => {
    await imageToText.close?.();
    const result = await imageToText.run({ image: image(await textImage(["AGAIN 42"], 96)) }, { signal });
    expect(result).toEqual({ kind: "text", text: "AGAIN 42" });
  }, 60_000);
});

describe("matchLines", () => {
  const lines = [
    "Invoice 4471",
    "Date: 12 March 2026",
    "Total due: 349.50 EUR",
    "Invoice total includes VAT",
  ];

  it("weighs rare words above words found on many lines", () => {
    expect(matchLines(lines, "What is the total due?")).toEqual(["Total due: 349.50 EUR"]);
  });

  it("matches a shared word start (dated / date)", () => {
    expect(matchLines(lines, "When was it dated?")).toEqual(["Date: 12 March 2026"]);
  });

  it("matches nothing for stop words only or unrelated words", () => {
    expect(matchLines(lines, "What is it?")).toBeUndefined();
    expect(matchLines(lines, "Where is Paris?")).toBeUndefined();
  });

  it("cuts a long document that matches nothing", () => {
    const long = [Array.from({ length: 200 }, (_, index) => `line ${index} lorem`)];
    const answer = answerFromDocument(long, "capital of France");
    expect(answer).toMatch(/^No line of the document matches the question\. It begins:\n/);
    expect(answer.length).toBeLessThan(700);
  });
});
