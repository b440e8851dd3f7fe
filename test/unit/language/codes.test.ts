import { describe, expect, it } from "vitest";
import { languageList, languageName, normalizeLanguage, sameLanguage } from "../../../src/language/index.js";

describe("language codes", () => {
  it("turns codes, tags, ISO 639-2/3 codes and English names into ISO 639-1", () => {
    const cases: Array<[string, string | undefined]> = [
      ["de", "de"],
      ["DE", "de"],
      ["de-AT", "de"],
      ["de_DE", "de"],
      ["deu", "de"],
      ["ger", "de"],
      ["German", "de"],
      ["  german ", "de"],
      ["pt-BR", "pt"],
      ["Brazilian Portuguese", "pt"],
      ["Norwegian Bokmål", "nb"],
      ["cmn", "zh"],
      ["Mandarin", "zh"],
      ["jpn", "ja"],
      ["fre", "fr"],
      ["xx", undefined],
      ["klingon", undefined],
      ["", undefined],
      ["<resource>-1", undefined],
    ];
    expect(cases.map(([value]) => [value, normalizeLanguage(value)])).toEqual(cases);
  });

  it("names languages in English and lists them as a sentence does", () => {
    expect(languageName("de")).toBe("German");
    expect(languageList(["en"])).toBe("English");
    expect(languageList(["en", "de"])).toBe("English or German");
    expect(languageList(["en", "de", "fr"])).toBe("English, German or French");
  });

  it("treats the two codes of one language as the same", () => {
    expect(sameLanguage("nb", "no")).toBe(true);
    expect(sameLanguage("no", "nn")).toBe(true);
    expect(sameLanguage("de", "nl")).toBe(false);
  });
});
