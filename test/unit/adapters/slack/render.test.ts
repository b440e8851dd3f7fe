import { describe, expect, it } from "vitest";
import {
  composeSlackMessages,
  markdownToMrkdwn,
  SLACK_LIMITS,
  type SlackBlock,
  splitForSlack,
  summaryBlocks,
} from "../../../../adapters/slack/render.js";
import { summaryOf, summaryRow } from "../../../support/summary.js";

function fencesBalanced(text: string): boolean {
  return text.split("\n").filter((line) => /^\s*```/.test(line)).length % 2 === 0;
}

/** Every text of a block list: what Slack checks for length and emptiness. */
function texts(blocks: readonly SlackBlock[]): string[] {
  return blocks.flatMap((block) =>
    block.type === "section"
      ? [block.text.text]
      : block.type === "context"
        ? block.elements.map((element) => element.text)
        : [],
  );
}

describe("markdownToMrkdwn", () => {
  it("converts bold, italic and strike-through", () => {
    expect(markdownToMrkdwn("**bold** and __also__, *it* and _it_, ~~gone~~")).toBe(
      "*bold* and *also*, _it_ and _it_, ~gone~",
    );
    expect(markdownToMrkdwn("***both***")).toBe("*_both_*");
  });

  it("leaves underscores and asterisks inside words alone", () => {
    expect(markdownToMrkdwn("snake_case_name and 2*3*4")).toBe("snake_case_name and 2*3*4");
  });

  it("turns links into <url|text>, underscores in the URL untouched", () => {
    expect(markdownToMrkdwn("See [the model](https://huggingface.co/facebook/detr_resnet_50) now")).toBe(
      "See <https://huggingface.co/facebook/detr_resnet_50|the model> now",
    );
    expect(markdownToMrkdwn("[**docs**](https://x.io/a_b_c?q=1&r=2)")).toBe(
      "<https://x.io/a_b_c?q=1&r=2|*docs*>",
    );
    expect(markdownToMrkdwn("<https://x.io/a_b>")).toBe("<https://x.io/a_b>");
    // Slack's control sequences cannot be smuggled in as link targets.
    expect(markdownToMrkdwn("[everyone](!channel) [me](@U123)")).toBe("[everyone](!channel) [me](@U123)");
    expect(markdownToMrkdwn("[x](https://a.io/<!here>)")).toBe("<https://a.io/%3C!here|x>");
    expect(markdownToMrkdwn("[x](https://a.io/a|b)")).toBe("<https://a.io/a%7Cb|x>");
    expect(markdownToMrkdwn("see https://x.io/_a_/b?c=1&d=__e__.")).toBe(
      "see https://x.io/_a_/b?c=1&amp;d=__e__.",
    );
  });

  it("makes headings bold lines and bullets •, with nested bold in lists", () => {
    const markdown = "## Results for **you**\n- **Label**: a cat\n* second _item_\n  - nested **bold** item";
    expect(markdownToMrkdwn(markdown)).toBe(
      "*Results for you*\n• *Label*: a cat\n• second _item_\n  • nested *bold* item",
    );
  });

  it("escapes &, < and > in text, but keeps quotes and its own links", () => {
    expect(markdownToMrkdwn("a < b && c > d <!channel>")).toBe(
      "a &lt; b &amp;&amp; c &gt; d &lt;!channel&gt;",
    );
    expect(markdownToMrkdwn("> quoted <tag>")).toBe("> quoted &lt;tag&gt;");
  });

  it("keeps code fences and inline code verbatim (only escaped), dropping the language", () => {
    const markdown =
      "Run:\n```python\nx = a**2 if a < b else _y_\n# not a heading\n- not a bullet\n```\nthen `**raw** <x>`";
    expect(markdownToMrkdwn(markdown)).toBe(
      "Run:\n```\nx = a**2 if a &lt; b else _y_\n# not a heading\n- not a bullet\n```\nthen `**raw** &lt;x&gt;`",
    );
  });

  it("closes an unclosed fence", () => {
    expect(markdownToMrkdwn("```js\nlet a = 1;")).toBe("```\nlet a = 1;\n```");
  });
});

describe("splitForSlack", () => {
  it("keeps a 3000-character section whole and splits at 3001", () => {
    expect(splitForSlack("a".repeat(3000))).toHaveLength(1);
    const pieces = splitForSlack("a".repeat(3001));
    expect(pieces.map((piece) => piece.length)).toEqual([3000, 1]);
  });

  it("splits at paragraphs first", () => {
    const first = "a".repeat(2000);
    const second = "b".repeat(2000);
    expect(splitForSlack(`${first}\n\n${second}`)).toEqual([first, second]);
  });

  it("closes and reopens a code block that must be split", () => {
    const code = Array.from({ length: 300 }, (_, index) => `const value${index} = ${index};`).join("\n");
    const pieces = splitForSlack(`Code:\n\n\`\`\`\n${code}\n\`\`\`\n\nDone.`);
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) {
      expect(piece.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      expect(fencesBalanced(piece)).toBe(true);
    }
    expect(pieces.at(-1)).toContain("Done.");
  });

  it("honours a smaller limit and never returns an empty chunk", () => {
    expect(splitForSlack("   \n\n  ")).toEqual([]);
    for (const piece of splitForSlack("word ".repeat(100), { sectionLimit: 50 })) {
      expect(piece.length).toBeLessThanOrEqual(50);
    }
  });
});

describe("summaryBlocks", () => {
  it("shows planner, models origin and total time, then task, model, where, time and status", () => {
    const blocks = summaryBlocks(
      summaryOf([
        summaryRow(1),
        summaryRow(2, { task: "image-to-text", source: "local", status: "failed", error: "timed <out>" }),
      ]),
    );
    expect(blocks).toHaveLength(2);
    const header = texts(blocks.slice(0, 1)).join(" ");
    const tasks = texts(blocks.slice(1)).join("\n");
    expect(header).toContain("gpt-4o-mini");
    expect(header).toContain("built-in list");
    expect(header).toContain("4.3 s");
    expect(tasks).toContain(
      "*1. object-detection* · `facebook/detr-resnet-50` · hosted (Hugging Face) · 1.2 s · ✅ ok",
    );
    expect(tasks).toContain("local");
    expect(tasks).toContain("❌ failed: timed &lt;out&gt;");
  });

  it("puts 11 tasks in two context blocks of at most 10 elements", () => {
    const rows = Array.from({ length: 11 }, (_, index) => summaryRow(index + 1));
    const blocks = summaryBlocks(summaryOf(rows));
    const taskBlocks = blocks.slice(1);
    expect(taskBlocks).toHaveLength(2);
    for (const block of blocks) {
      expect(block.type).toBe("context");
      if (block.type === "context") expect(block.elements.length).toBeLessThanOrEqual(10);
    }
    expect(taskBlocks.map((block) => (block.type === "context" ? block.elements.length : 0))).toEqual([
      10, 1,
    ]);
  });

  it("never has empty text or text over 3000 characters", () => {
    const blocks = summaryBlocks(
      summaryOf(
        [
          summaryRow(1, { status: "failed", error: "e".repeat(5000) }),
          summaryRow(2, { model: null, source: null }),
        ],
        ["", "n".repeat(4000)],
      ),
    );
    for (const text of texts(blocks)) {
      expect(text.trim()).not.toBe("");
      expect(text.length).toBeLessThanOrEqual(3000);
    }
    expect(texts(summaryBlocks(summaryOf([])))).toContain("No task was needed.");
  });
});

describe("composeSlackMessages", () => {
  it("puts a short answer and the summary in one message with a fallback text", () => {
    const messages = composeSlackMessages("**Two** cats.", summaryOf([summaryRow(1)]));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.text).toBe("*Two* cats.");
    expect(messages[0]?.blocks[0]).toEqual({
      type: "section",
      text: { type: "mrkdwn", text: "*Two* cats." },
    });
    expect(messages[0]?.blocks[1]).toEqual({ type: "divider" });
    expect(messages[0]?.blocks.at(-1)?.type).toBe("context");
  });

  it("spreads a 60-block answer over two messages of at most 50 blocks", () => {
    const paragraphs = Array.from({ length: 60 }, (_, index) => `${index} ${"x".repeat(2500)}`).join("\n\n");
    // The block count alone: no text budget.
    const messages = composeSlackMessages(paragraphs, summaryOf([summaryRow(1)]), {
      maxMessageText: Number.POSITIVE_INFINITY,
    });
    expect(messages).toHaveLength(2);
    expect(messages[0]?.blocks).toHaveLength(50);
    for (const message of messages) {
      expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocksPerMessage);
      expect(message.text.trim()).not.toBe("");
      expect(message.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fallbackText);
      for (const text of texts(message.blocks)) expect(text.length).toBeLessThanOrEqual(3000);
    }
    const sections = messages.flatMap((message) =>
      message.blocks.filter((block) => block.type === "section"),
    );
    expect(sections).toHaveLength(60);
    expect(messages[1]?.blocks.at(-1)?.type).toBe("context");
  });

  it("keeps the text of one message's blocks under Slack's cumulative limit", () => {
    const answer = Array.from({ length: 10 }, (_, index) => `${index} ${"x".repeat(2500)}`).join("\n\n");
    const messages = composeSlackMessages(answer, summaryOf([summaryRow(1)]));
    expect(messages.length).toBeGreaterThanOrEqual(3);
    for (const message of messages) {
      const total = texts(message.blocks).reduce((sum, text) => sum + text.length, 0);
      expect(total).toBeLessThanOrEqual(SLACK_LIMITS.messageBlocksText);
    }
    const sections = messages.flatMap((message) =>
      message.blocks.filter((block) => block.type === "section"),
    );
    expect(sections).toHaveLength(10);
  });

  it("starts a message of its own for a summary that does not fit after the answer", () => {
    const answer = Array.from({ length: 49 }, (_, index) => `${index} ${"x".repeat(2500)}`).join("\n\n");
    const messages = composeSlackMessages(answer, summaryOf([summaryRow(1)]), {
      maxMessageText: Number.POSITIVE_INFINITY,
    });
    expect(messages).toHaveLength(2);
    expect(messages[0]?.blocks).toHaveLength(49);
    expect(messages[1]?.blocks[0]?.type).toBe("context");
    expect(messages[1]?.text).toBe("Summary of 1 task");
  });

  it("sends the summary alone for an empty answer, and nothing for nothing", () => {
    const messages = composeSlackMessages("  ", summaryOf([]));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.blocks.every((block) => block.type === "context")).toBe(true);
    expect(messages[0]?.text).toBe("Summary");
    expect(composeSlackMessages("")).toEqual([]);
  });
});
