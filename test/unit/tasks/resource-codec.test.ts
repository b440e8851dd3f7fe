import { describe, expect, it } from "vitest";
import { decodeResource, encodeResource } from "../../../src/tasks/resource-codec.js";

describe("resources as JSON", () => {
  it("round-trips bytes given as Uint8Array and as Buffer (what sharp returns)", () => {
    for (const bytes of [new Uint8Array([0, 1, 2, 255]), Buffer.from([0, 1, 2, 255])]) {
      const decoded = decodeResource(
        encodeResource({ kind: "image", mime: "image/png", bytes, name: "a.png" }),
      );
      expect(decoded.kind).toBe("image");
      expect(decoded.kind === "image" && decoded.bytes).toBeInstanceOf(Uint8Array);
      expect(decoded.kind === "image" && [...decoded.bytes]).toEqual([0, 1, 2, 255]);
    }
  });

  it("round-trips an annotated image nested in detections", () => {
    const resource = {
      kind: "detections" as const,
      detections: [{ label: "dog", score: 0.9, box: { xmin: 1, ymin: 2, xmax: 3, ymax: 4 } }],
      image: { kind: "image" as const, mime: "image/jpeg", bytes: Buffer.from("jpeg"), name: "x.jpg" },
    };
    const decoded = decodeResource(encodeResource(resource));
    expect(decoded).toEqual({
      ...resource,
      image: { ...resource.image, bytes: new Uint8Array(Buffer.from("jpeg")) },
    });
  });
});
