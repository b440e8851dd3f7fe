import { describe, expect, it } from "vitest";
import { parseChatLine, splitInlineAttachments, unquote } from "../../../../adapters/console/parse.js";
import { createSparseProgress, oneLine } from "../../../../adapters/console/screen.js";

describe("a line of the terminal chat", () => {
  it("is nothing when blank", () => {
    expect(parseChatLine("")).toEqual({ kind: "empty" });
    expect(parseChatLine("   \t ")).toEqual({ kind: "empty" });
  });

  it("attaches a file with /attach, quoted or not, relative or absolute", () => {
    expect(parseChatLine("/attach photo.jpg")).toEqual({ kind: "attach", path: "photo.jpg" });
    expect(parseChatLine("  /attach   ./my photos/dog.jpg  ")).toEqual({
      kind: "attach",
      path: "./my photos/dog.jpg",
    });
    expect(parseChatLine('/attach "/tmp/a b.wav"')).toEqual({ kind: "attach", path: "/tmp/a b.wav" });
    expect(parseChatLine("/attach 'c d.png'")).toEqual({ kind: "attach", path: "c d.png" });
    expect(parseChatLine("/ATTACH x.png")).toEqual({ kind: "attach", path: "x.png" });
  });

  it("lists and drops attachments", () => {
    expect(parseChatLine("/attach")).toEqual({ kind: "attachments" });
    expect(parseChatLine("/detach")).toEqual({ kind: "detach" });
  });

  it("knows the terminal's own commands", () => {
    expect(parseChatLine("/quit")).toEqual({ kind: "quit" });
    expect(parseChatLine("/exit")).toEqual({ kind: "quit" });
    expect(parseChatLine("/help")).toEqual({ kind: "help" });
  });

  it("passes the bot's commands on with their arguments", () => {
    expect(parseChatLine("/forget")).toEqual({ kind: "command", name: "forget", args: "" });
    expect(parseChatLine("/cancel")).toEqual({ kind: "command", name: "cancel", args: "" });
    expect(parseChatLine("/stop")).toEqual({ kind: "command", name: "stop", args: "" });
    expect(parseChatLine("/tasks")).toEqual({ kind: "command", name: "tasks", args: "" });
    expect(parseChatLine("/models object-detection")).toEqual({
      kind: "command",
      name: "models",
      args: "object-detection",
    });
    expect(parseChatLine("/settings language=de memory=off")).toEqual({
      kind: "command",
      name: "settings",
      args: "language=de memory=off",
    });
  });

  it("names an unknown slash command instead of sending it as a request", () => {
    expect(parseChatLine("/frobnicate now")).toEqual({ kind: "unknown", command: "/frobnicate" });
  });

  it("sends bare command words as text: the bot routes them", () => {
    expect(parseChatLine("forget")).toEqual({ kind: "request", text: "forget", paths: [] });
    expect(parseChatLine("help")).toEqual({ kind: "request", text: "help", paths: [] });
  });

  it("is a request otherwise, with @path attachments taken out of the text", () => {
    expect(parseChatLine("draw a cat")).toEqual({ kind: "request", text: "draw a cat", paths: [] });
    expect(parseChatLine('what is in @dog.jpg and @"my clip.wav"?')).toEqual({
      kind: "request",
      text: "what is in and ?",
      paths: ["dog.jpg", "my clip.wav"],
    });
    expect(parseChatLine("@photo.png")).toEqual({ kind: "request", text: "", paths: ["photo.png"] });
  });

  it("leaves e-mail addresses and a path-like request alone", () => {
    expect(parseChatLine("mail me at a@b.com")).toEqual({
      kind: "request",
      text: "mail me at a@b.com",
      paths: [],
    });
    expect(parseChatLine("is 3/4 more than 2/3?")).toEqual({
      kind: "request",
      text: "is 3/4 more than 2/3?",
      paths: [],
    });
  });
});

describe("helpers of the line parser", () => {
  it("unquotes only matching quotes", () => {
    expect(unquote('"a b"')).toBe("a b");
    expect(unquote("'a b'")).toBe("a b");
    expect(unquote("\"a b'")).toBe("\"a b'");
    expect(unquote("  plain  ")).toBe("plain");
  });

  it("splits single-quoted inline paths too", () => {
    expect(splitInlineAttachments("read @'notes 1.txt' aloud")).toEqual({
      text: "read aloud",
      paths: ["notes 1.txt"],
    });
  });

  it("collapses a progress text into one bounded line", () => {
    expect(oneLine("Plan: 2 tasks\n  ▶ 1. text-to-image\n\n  · 2. object-detection")).toBe(
      "Plan: 2 tasks | ▶ 1. text-to-image | · 2. object-detection",
    );
    expect(oneLine("abcdefghij", 5)).toBe("abcd…");
    expect(oneLine("abcde", 5)).toBe("abcde");
  });
});

describe("progress without a terminal", () => {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it("prints the first text at once, then only new text, at most once per interval, the latest last", async () => {
    const lines: string[] = [];
    const progress = createSparseProgress((line) => lines.push(line), "Planning…", 60);
    progress.update("Planning…");
    progress.update("Running | ▶ 1. text-to-image");
    progress.update("Running | ✓ 1. text-to-image | ▶ 2. object-detection");
    expect(lines).toEqual(["… Planning…"]);
    await sleep(100);
    // The update that came too soon is printed once the interval is over, as the latest text.
    expect(lines).toEqual(["… Planning…", "… Running | ✓ 1. text-to-image | ▶ 2. object-detection"]);
    progress.update("Writing the answer…");
    progress.stop();
    await sleep(100);
    expect(lines).toHaveLength(2);
  });
});
