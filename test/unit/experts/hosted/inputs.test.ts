import { describe, expect, it } from "vitest";
import {
  mediaTypeOf,
  parseCsv,
  requireMedia,
  tableToColumns,
} from "../../../../src/experts/hosted/inputs.js";
import { ExpertError, outputFileName } from "../../../../src/experts/types.js";
import { pngImage } from "./fixtures.js";

describe("CSV for tabular-classification", () => {
  it("reads a header and rows into hf-inference's column form", () => {
    const table = parseCsv("fixed acidity,alcohol,label\n7.4,9.4,\n7.8, 9.8 ,x\n");
    expect(table.columns).toEqual(["fixed acidity", "alcohol", "label"]);
    expect(tableToColumns(table)).toEqual({
      "fixed acidity": ["7.4", "7.8"],
      alcohol: ["9.4", "9.8"],
      label: ["", "x"],
    });
  });

  it("handles quotes, escaped quotes, CRLF, semicolons and short rows", () => {
    expect(tableToColumns(parseCsv('name,comment\r\n"Smith, J.","said ""hi"""\r\nDoe\r\n'))).toEqual({
      name: ["Smith, J.", "Doe"],
      comment: ['said "hi"', ""],
    });
    expect(tableToColumns(parseCsv("a;b\n1;2"))).toEqual({ a: ["1"], b: ["2"] });
  });

  it("keeps hostile column names as plain columns", () => {
    const columns = tableToColumns(parseCsv("__proto__,constructor\n1,2"));
    expect(Object.keys(columns)).toEqual(["__proto__", "constructor"]);
    expect(Object.getPrototypeOf(columns)).toBe(Object.prototype);
    expect(JSON.stringify(columns)).toBe('{"__proto__":["1"],"constructor":["2"]}');
  });

  it("refuses what is not a table", () => {
    for (const bad of ["", "just,a,header", "a,a\n1,2", "a,b\n1,2,3"]) {
      expect(() => parseCsv(bad), bad).toThrow(ExpertError);
    }
  });
});

describe("media helpers", () => {
  it("names files after the task and the media type, and says when a file is a drawing on the input", () => {
    expect(outputFileName("object-detection", "image/png")).toBe("object-detection.png");
    expect(outputFileName("object-detection", "image/jpeg", true)).toBe("object-detection-annotated.jpg");
    expect(outputFileName("text-to-speech", "audio/flac")).toBe("text-to-speech.flac");
    expect(outputFileName("text-to-video", "video/mp4")).toBe("text-to-video.mp4");
  });

  it("trusts the bytes over a generic or missing type", async () => {
    const png = (await pngImage()).bytes;
    expect(mediaTypeOf(png, "application/octet-stream", "image/jpeg")).toBe("image/png");
    expect(mediaTypeOf(png, undefined, "image/jpeg")).toBe("image/png");
    expect(mediaTypeOf(png, "image/png; charset=binary", "image/jpeg")).toBe("image/png");
    expect(mediaTypeOf(new Uint8Array([1, 2, 3]), undefined, "audio/wav")).toBe("audio/wav");
  });

  it("labels an image by its bytes, not by the name it came with", async () => {
    const image = { ...(await pngImage()), mime: "image/jpeg" };
    expect(requireMedia("image-classification", { image }, "image", "image").mime).toBe("image/png");
  });
});
