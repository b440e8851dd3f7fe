import { describe, expect, it } from "vitest";
import { createSentimentRunner, sentimentLabels } from "../../../../src/experts/local/sentiment.js";
import type { Label } from "../../../../src/tasks/index.js";

const runner = createSentimentRunner();
const signal = new AbortController().signal;

async function classify(text: string): Promise<Label[]> {
  const result = await runner.run({ text: { kind: "text", text } }, { signal });
  if (result.kind !== "labels") throw new Error(`expected labels, got ${result.kind}`);
  return result.labels;
}

describe("local sentiment (AFINN)", () => {
  it("is available", async () => {
    expect(await runner.probe()).toEqual({ available: true, detail: expect.any(String) });
  });

  it("calls a clearly positive sentence positive, confidently", async () => {
    const labels = await classify("I absolutely love this wonderful film, the acting is brilliant!");
    expect(labels[0]?.label).toBe("positive");
    expect(labels[0]?.score).toBeGreaterThan(0.9);
    expect(labels.map((l) => l.label)).toEqual(["positive", "negative"]);
    expect((labels[0]?.score ?? 0) + (labels[1]?.score ?? 0)).toBeCloseTo(1, 10);
  });

  it("calls a clearly negative sentence negative", async () => {
    const labels = await classify("This was a terrible, awful experience and the staff were rude.");
    expect(labels[0]?.label).toBe("negative");
    expect(labels[0]?.score).toBeGreaterThan(0.9);
  });

  it("follows negation", async () => {
    const labels = await classify("The service was not good.");
    expect(labels[0]?.label).toBe("negative");
  });

  it("calls a sentence without sentiment words neutral", async () => {
    expect(await classify("The train leaves at nine from platform four.")).toEqual([
      { label: "neutral", score: 1 },
    ]);
  });

  it("calls a sentence whose words cancel out mixed, not neutral", async () => {
    expect(await classify("I love it and I hate it")).toEqual([
      { label: "positive", score: 0.5 },
      { label: "negative", score: 0.5 },
    ]);
  });

  it("refuses a missing text as bad input", async () => {
    await expect(runner.run({}, { signal })).rejects.toMatchObject({ reason: "bad_input" });
  });
});

describe("sentimentLabels", () => {
  it("is less sure when sentiment words are few among many words", () => {
    const mild = sentimentLabels({ score: 3, comparative: 0.25 });
    const strong = sentimentLabels({ score: 11, comparative: 1.1 });
    expect(mild[0]?.score).toBeCloseTo(0.731, 3);
    expect(strong[0]?.score).toBeGreaterThan(mild[0]?.score ?? 1);
  });

  it.each([
    ["no sentiment words", { score: 0, comparative: 0, words: [] }, [{ label: "neutral", score: 1 }]],
    ["no word list, score 0", { score: 0, comparative: 0 }, [{ label: "neutral", score: 1 }]],
    [
      "words that cancel out",
      { score: 0, comparative: 0, words: ["good", "bad"] },
      [
        { label: "positive", score: 0.5 },
        { label: "negative", score: 0.5 },
      ],
    ],
    [
      "an impossible comparative",
      { score: 2, comparative: Number.NaN, words: ["good"] },
      [{ label: "neutral", score: 1 }],
    ],
  ])("labels %s", (_name, analysis, labels) => {
    expect(sentimentLabels(analysis)).toEqual(labels);
  });
});
