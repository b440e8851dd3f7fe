import { describe, expect, it } from "vitest";
import { wantedAspects } from "../../../src/tasks/index.js";

describe("what a request wants told apart", () => {
  it("reads the aspect every named label belongs to", () => {
    const aspects = (labels: string) => [...wantedAspects(labels)].sort();
    expect(aspects("positive, negative")).toEqual(["sentiment"]);
    expect(aspects("positive, negative, neutral")).toEqual(["sentiment"]);
    expect(aspects("good or bad")).toEqual(["sentiment"]);
    expect(aspects("angry")).toEqual(["emotion", "sentiment"]);
    expect(aspects("spam, not spam")).toEqual(["spam"]);
    expect(aspects("safe to share, not safe to share")).toEqual(["safety"]);
    expect(aspects("sfw / nsfw")).toEqual(["safety"]);
    expect(aspects("toxic vs. not toxic")).toEqual(["toxicity"]);
    expect(aspects("cat, dog")).toEqual([]);
    // A label no aspect knows leaves nothing that every label shares.
    expect(aspects("positive, funny")).toEqual([]);
  });
});
