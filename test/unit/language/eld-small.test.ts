import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { loadSmallDetector, ngramsData, packNgrams } from "../../../src/language/eld-small.js";

interface ModuleData {
  type: string;
  languages: Record<number, string>;
  ngrams: Record<string, Record<number, number>>;
}

const entry = import.meta.resolve("eld");
const smallFile = new URL("../ngrams/small.js", entry);

describe("ELD's small database, packed", () => {
  it("holds every n-gram of ELD's own module with the same scores, and nothing more", async () => {
    const module = (await import(smallFile.href)) as { ngramsData: ModuleData };
    const expected = module.ngramsData;
    const packed = packNgrams(await readFile(smallFile, "utf8"));
    expect(packed.type).toBe(expected.type);
    expect(packed.languages).toEqual(expected.languages);
    const keys = Object.keys(expected.ngrams);
    expect(packed.size).toBe(keys.length);
    const data = ngramsData(packed);
    let differing = 0;
    for (const key of keys) {
      const got = data.ngrams[key];
      const want = expected.ngrams[key];
      if (JSON.stringify(got) !== JSON.stringify(want)) differing++;
    }
    expect(differing).toBe(0);
    expect(data.ngrams["not an n-gram"]).toBeUndefined();
  }, 60_000);

  it("detects as ELD's own small detector does: language, scores and reliability, on 535 chat texts", async () => {
    const { texts } = JSON.parse(
      await readFile(new URL("../../fixtures/language/short-texts.json", import.meta.url), "utf8"),
    ) as { texts: Array<{ text: string }> };
    const original = (await import("eld/small")).eld;
    const packed = await loadSmallDetector();
    const samples = [
      ...texts.map(({ text }) => text),
      "ok",
      "Guten Morgen, wie geht es dir heute?",
      "日本語の文",
    ];
    const differences = samples.filter((text) => {
      const want = original.detect(text);
      const got = packed.detect(text) as typeof want;
      return (
        got.language !== want.language ||
        got.isReliable() !== want.isReliable() ||
        JSON.stringify(got.getScores()) !== JSON.stringify(want.getScores())
      );
    });
    expect(differences).toEqual([]);
  }, 60_000);

  it("reads quoted keys with escapes and bare keys, and refuses a file not in ELD's format", () => {
    const source =
      "/* header */\nexport const ngramsData = {type:'S2',languages:{0:'de',1:'en'},isSubset:false," +
      "ngrams:{' a\\'b':{0:12,1:3},Lx_L:{1:200},'c\\\\d':{0:1}}};\n";
    const data = ngramsData(packNgrams(source));
    expect(data.type).toBe("S2");
    expect({ ...data.ngrams[" a'b"] }).toEqual({ 0: 12, 1: 3 });
    expect({ ...data.ngrams.Lx_L }).toEqual({ 1: 200 });
    expect({ ...data.ngrams["c\\d"] }).toEqual({ 0: 1 });
    expect(() => packNgrams(source.replace("{1:200}", "{1:2.5}"))).toThrow(/expected an integer/);
    expect(() => packNgrams(source.replace("{1:200}", "{7:200}"))).toThrow(/a language and a score/);
    expect(() => packNgrams(source.replace("ngrams:{", "grams:{"))).toThrow(/ngrams:\{/);
    expect(() => packNgrams(source.slice(0, -20))).toThrow(/not in the expected format/);
  });
});
