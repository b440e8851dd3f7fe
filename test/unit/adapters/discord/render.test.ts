import { describe, expect, it } from "vitest";
import {
  composeMessages,
  DISCORD_LIMITS,
  type Embed,
  fitFiles,
  splitMessage,
  summaryEmbeds,
} from "../../../../adapters/discord/render.js";
import type { ReplyFile } from "../../../../src/core/types.js";
import { summaryOf, summaryRow } from "../../../support/summary.js";

/** Every fence line of a message, to check that each message opens and closes its blocks. */
function fencesBalanced(message: string): boolean {
  const fences = message.split("\n").filter((line) => /^\s*```/.test(line));
  return fences.length % 2 === 0;
}

function embedTotal(embeds: Embed[]): number {
  return embeds.reduce(
    (sum, embed) =>
      sum +
      (embed.title?.length ?? 0) +
      (embed.description?.length ?? 0) +
      (embed.footer?.text.length ?? 0) +
      (embed.fields ?? []).reduce((inner, field) => inner + field.name.length + field.value.length, 0),
    0,
  );
}

describe("splitMessage", () => {
  it("keeps a short answer in one message", () => {
    expect(splitMessage("Hello there.")).toEqual(["Hello there."]);
  });

  it("splits at paragraph boundaries first", () => {
    const first = "a".repeat(1500);
    const second = "b".repeat(1500);
    expect(splitMessage(`${first}\n\n${second}`)).toEqual([first, second]);
  });

  it("splits a long paragraph at lines, then words, and never exceeds the limit", () => {
    const lines = Array.from({ length: 100 }, (_, index) => `line ${index} ${"x".repeat(40)}`).join("\n");
    const pieces = splitMessage(lines);
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(2000);
    expect(pieces.join("\n")).toBe(lines);
    const words = Array.from({ length: 800 }, () => "word").join(" ");
    const wordPieces = splitMessage(words);
    for (const piece of wordPieces) expect(piece.length).toBeLessThanOrEqual(2000);
    expect(wordPieces.join(" ")).toBe(words);
  });

  it("cuts a single enormous word", () => {
    const pieces = splitMessage("z".repeat(4500));
    expect(pieces.map((piece) => piece.length)).toEqual([2000, 2000, 500]);
  });

  it("never splits inside a code fence: closes and reopens it with its language", () => {
    const code = Array.from({ length: 200 }, (_, index) => `const value${index} = ${index};`).join("\n");
    const text = `Here is the code:\n\n\`\`\`ts\n${code}\n\`\`\`\n\nThat is all.`;
    const pieces = splitMessage(text);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(2000);
      expect(fencesBalanced(piece)).toBe(true);
    }
    const reopened = pieces.filter((piece) => piece.startsWith("```ts\n"));
    expect(reopened.length).toBeGreaterThan(1);
    expect(pieces.at(-1)).toContain("That is all.");
    // Every code line survives.
    const joined = pieces.join("\n");
    for (let index = 0; index < 200; index++) expect(joined).toContain(`const value${index} = ${index};`);
  });

  it("keeps a small code block whole and moves it to the next message instead of cutting it", () => {
    const prose = "p".repeat(1990);
    const block = "```py\nprint('hi')\n```";
    const pieces = splitMessage(`${prose}\n\n${block}`);
    expect(pieces).toEqual([prose, block]);
  });

  it("closes an unclosed fence", () => {
    const pieces = splitMessage("```js\nlet a = 1;");
    expect(pieces).toEqual(["```js\nlet a = 1;\n```"]);
  });

  it("keeps blank lines inside code blocks", () => {
    expect(splitMessage("```\na\n\nb\n```")).toEqual(["```\na\n\nb\n```"]);
  });
});

describe("summaryEmbeds", () => {
  it("shows task, model, where it ran, time and status", () => {
    const [embed] = summaryEmbeds(
      summaryOf([
        summaryRow(1),
        summaryRow(2, { task: "image-to-text", source: "local", status: "failed", error: "timed out" }),
      ]),
      { imageName: "boxes.png" },
    );
    expect(embed?.fields?.[0]).toEqual({
      name: "1. object-detection",
      value: "`facebook/detr-resnet-50` · hosted (Hugging Face) · 1.2 s · ✅ ok",
    });
    expect(embed?.fields?.[1]?.value).toContain("local");
    expect(embed?.fields?.[1]?.value).toContain("failed");
    expect(embed?.fields?.[1]?.value).toContain("timed out");
    expect(embed?.description).toContain("gpt-4o-mini");
    expect(embed?.description).toContain("4.3 s");
    expect(embed?.image).toEqual({ url: "attachment://boxes.png" });
  });

  it("puts at most 25 fields in an embed and stays within 6000 characters and 10 embeds", () => {
    const long = "e".repeat(900);
    const rows = Array.from({ length: 60 }, (_, index) =>
      summaryRow(index + 1, { status: "failed", error: long }),
    );
    const embeds = summaryEmbeds(summaryOf(rows, ["n".repeat(5000)]));
    expect(embeds.length).toBeLessThanOrEqual(10);
    for (const embed of embeds) {
      expect(embed.fields?.length ?? 0).toBeLessThanOrEqual(25);
      expect(embed.description?.length ?? 0).toBeLessThanOrEqual(4096);
      for (const field of embed.fields ?? []) expect(field.value.length).toBeLessThanOrEqual(1024);
    }
    expect(embedTotal(embeds)).toBeLessThanOrEqual(6000);
    expect(embeds.at(-1)?.footer?.text).toMatch(/more tasks not shown/);
  });

  it("spreads many short tasks over several embeds", () => {
    const rows = Array.from({ length: 30 }, (_, index) => summaryRow(index + 1));
    const embeds = summaryEmbeds(summaryOf(rows));
    expect(embeds).toHaveLength(2);
    expect(embeds[0]?.fields).toHaveLength(25);
    expect(embeds[1]?.fields).toHaveLength(5);
    expect(embedTotal(embeds)).toBeLessThanOrEqual(DISCORD_LIMITS.embedsTotal);
  });
});

function file(name: string, mime: string, size: number): ReplyFile {
  return { name, mime, bytes: new Uint8Array(size) };
}

describe("fitFiles", () => {
  it("keeps files that fit, shrinks images and leaves out what cannot fit, saying what and why", async () => {
    const result = await fitFiles(
      [
        file("small.png", "image/png", 100),
        file("big.png", "image/png", 5000),
        file("huge.png", "image/png", 9000),
        file("speech.wav", "audio/wav", 3 * 1024 * 1024),
      ],
      1024 * 1024,
      async (bytes) =>
        bytes.byteLength === 5000 ? { bytes: new Uint8Array(10), mime: "image/jpeg" } : undefined,
    );
    // The limit is 1 MB here, so only speech.wav is over it; pretend the images are over a smaller one.
    expect(result.files.map((entry) => entry.name)).toEqual(["small.png", "big.png", "huge.png"]);
    expect(result.notes).toEqual([
      "speech.wav (3 MB) was left out: it is over this channel's upload limit of 1 MB.",
    ]);
    const tight = await fitFiles(
      [file("big.png", "image/png", 5000), file("huge.png", "image/png", 9000)],
      1000,
      async (bytes) =>
        bytes.byteLength === 5000 ? { bytes: new Uint8Array(10), mime: "image/jpeg" } : undefined,
    );
    expect(tight.files).toEqual([{ name: "big.jpg", mime: "image/jpeg", bytes: new Uint8Array(10) }]);
    expect(tight.notes).toHaveLength(1);
    expect(tight.notes[0]).toMatch(/^huge\.png \(8\.8 KB\) was left out: even downscaled/);
  });

  it("treats an image the fitter cannot read as left out", async () => {
    const result = await fitFiles([file("broken.png", "image/png", 50)], 10, async () => {
      throw new Error("bad image");
    });
    expect(result.files).toEqual([]);
    expect(result.notes[0]).toContain("broken.png");
  });
});

describe("composeMessages", () => {
  it("puts the embeds and files on the last text message and the notes in the text", () => {
    const text = `${"a".repeat(1500)}\n\n${"b".repeat(1500)}`;
    const messages = composeMessages(text, [file("boxes.png", "image/png", 10)], summaryOf([summaryRow(1)]), [
      "speech.wav was left out.",
    ]);
    expect(messages).toHaveLength(2);
    expect(messages[0]?.embeds).toEqual([]);
    expect(messages[1]?.content).toContain("Note: speech.wav was left out.");
    expect(messages[1]?.embeds[0]?.image).toEqual({ url: "attachment://boxes.png" });
    expect(messages[1]?.files.map((entry) => entry.name)).toEqual(["boxes.png"]);
  });

  it("shows the annotated detection image in the embed rather than another image", () => {
    const files = [
      file("1-text-to-image.png", "image/png", 10),
      file("2-object-detection-annotated.png", "image/png", 10),
    ];
    const messages = composeMessages("Done.", files, summaryOf([summaryRow(1), summaryRow(2)]));
    expect(messages.at(-1)?.embeds[0]?.image).toEqual({
      url: "attachment://2-object-detection-annotated.png",
    });
  });

  it("sends more than ten files in further messages, the embedded image with the embed", () => {
    const files = [
      ...Array.from({ length: 11 }, (_, index) => file(`audio${index}.wav`, "audio/wav", 10)),
      file("picture.png", "image/png", 10),
    ];
    const messages = composeMessages("Done.", files, summaryOf([summaryRow(1)]));
    expect(messages).toHaveLength(2);
    expect(messages[0]?.files).toHaveLength(10);
    expect(messages[0]?.files[0]?.name).toBe("picture.png");
    expect(messages[1]?.files).toHaveLength(2);
    expect(messages[1]?.content).toBe("");
  });

  it("returns nothing for an empty reply", () => {
    expect(composeMessages("  ", [], undefined)).toEqual([]);
  });
});
