import { beforeAll, describe, expect, it } from "vitest";
import { splitClauses } from "../../../../src/pipeline/offline/clauses.js";
import { matchCue, namesAnAsk } from "../../../../src/pipeline/offline/intents.js";
import { isTarget, languageMentions } from "../../../../src/pipeline/offline/languages.js";
import { loadWords, plainSpelling, readWords } from "../../../../src/pipeline/offline/words.js";

beforeAll(() => loadWords());

const hasAsk = (text: string) => namesAnAsk(readWords(plainSpelling(text)));
const clauses = (text: string) => splitClauses(text, hasAsk).map((clause) => [clause.text, clause.literals]);

describe("clauses", () => {
  it("cuts at sentence ends and at the words that join asks", () => {
    expect(clauses("transcribe this, then read it back. thanks!")).toEqual([
      ["transcribe this", []],
      ["read it back.", []],
      ["thanks!", []],
    ]);
    expect(clauses("what is in this photo and what does the sign say")).toEqual([
      ["what is in this photo", []],
      ["what does the sign say", []],
    ]);
  });

  it("puts what must come first first: 'after you …', '… first'", () => {
    expect(clauses("read it aloud after you transcribe it").map(([text]) => text)).toEqual([
      "you transcribe it",
      "read it aloud",
    ]);
    expect(clauses("read it aloud, but translate it first").map(([text]) => text)).toEqual([
      "translate it first",
      "read it aloud",
    ]);
  });

  it("keeps quoted texts and the text after an ask's colon as literals, out of the words", () => {
    const [quoted] = splitClauses('say "transcribe this and draw a cat" please', hasAsk);
    expect(quoted?.literals).toEqual(["transcribe this and draw a cat"]);
    expect(quoted?.words.map((word) => word.lemma)).not.toContain("transcribe");
    expect(clauses("is this review good or bad: the pizza was cold and the driver was rude")).toEqual([
      ["is this review good or bad ⟦0⟧", ["the pizza was cold and the driver was rude"]],
    ]);
    // A colon after words that name no ask is punctuation.
    expect(clauses("note to self: buy milk")).toEqual([["note to self: buy milk", []]]);
  });

  it("makes chat spelling plain but leaves file names alone", () => {
    expect(plainSpelling("can u read notes.txt pls, its for #general")).toBe(
      "can you read notes.txt please, its for the general channel",
    );
  });
});

describe("cues", () => {
  const words = (text: string) => readWords(plainSpelling(text));

  it("match lemmas with gaps of up to three words, and plurals", () => {
    expect(matchCue("read * aloud", words("reading the whole list aloud"))).toMatchObject({ start: 0 });
    expect(matchCue("read * aloud", words("read this very long and boring list aloud"))).toBeUndefined();
    expect(matchCue("screenshot", words("two Screenshots"))).toBeDefined();
    expect(matchCue("what be write", words("what's written on it"))).toBeDefined();
  });

  it("know when they are inside a negation", () => {
    expect(matchCue("read * aloud", words("don't read it aloud"))?.negated).toBe(true);
    expect(matchCue("i * hear", words("I cannot hear very well"))?.negated).toBe(true);
    expect(matchCue("transcribe", words("just transcribe"))?.negated).toBe(false);
  });
});

describe("language mentions", () => {
  it("tells the language of what is brought from where a translation goes", () => {
    const mentions = languageMentions(readWords("translate this German voice note into French"));
    expect(mentions.map((mention) => [mention.code, isTarget(mention)])).toEqual([
      ["de", false],
      ["fr", true],
    ]);
    expect(languageMentions(readWords("polish the text please"))).toEqual([]);
  });
});
