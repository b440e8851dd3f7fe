import { describe, expect, it } from "vitest";
import { splitMarkdown } from "../../../../adapters/shared/split-markdown.js";

describe("splitting Markdown into chat messages", () => {
  it("keeps each piece within the limit and every code fence closed", () => {
    const code = `\`\`\`py\n${Array.from({ length: 80 }, (_, i) => `print(${i})`).join("\n")}\n\`\`\``;
    const pieces = splitMarkdown(`Intro paragraph.\n\n${code}\n\nOutro.`, 300);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(300);
      expect((piece.match(/```/g) ?? []).length % 2).toBe(0);
    }
    expect(pieces.join("\n")).toContain("print(79)");
  });
});
