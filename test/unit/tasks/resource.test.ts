import { describe, expect, it } from "vitest";
import { resourceAs, resourceToText } from "../../../src/tasks/resource.js";

describe("resources as text", () => {
  it("renders detections and labels compactly, and never as an empty text", () => {
    expect(
      resourceToText({
        kind: "detections",
        detections: [{ label: "dog", score: 0.912, box: { xmin: 0, ymin: 0, xmax: 1, ymax: 1 } }],
      }),
    ).toBe("dog 0.91");
    // "read it aloud" after a detection that found nothing still has something to say.
    expect(resourceAs({ kind: "detections", detections: [] }, "text")).toEqual({
      kind: "text",
      text: "no objects found",
    });
    expect(resourceToText({ kind: "labels", labels: [] })).toBe("no labels");
  });
});
