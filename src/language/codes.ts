/**
 * Language codes as the bot speaks them: ISO 639-1 ("de"), the code a plan's `language` argument
 * holds and the code experts declare. Plans and users also write "de-DE", "deu", "ger" or "German";
 * `normalizeLanguage` turns each into "de". Names come from the runtime's own ICU data
 * (Intl.DisplayNames), so no table of ~180 languages is kept here.
 */

const names = new Intl.DisplayNames(["en"], { type: "language", fallback: "code" });

const LETTERS = "abcdefghijklmnopqrstuvwxyz";

/** Every two-letter code ICU names, by its English name in lower case ("german" → "de"). */
let byName: ReadonlyMap<string, string> | undefined;

function codesByName(): ReadonlyMap<string, string> {
  if (byName) return byName;
  const map = new Map<string, string>();
  for (const first of LETTERS) {
    for (const second of LETTERS) {
      const code = `${first}${second}`;
      const name = names.of(code);
      if (name && name !== code && !map.has(name.toLowerCase())) map.set(name.toLowerCase(), code);
    }
  }
  // Names people use that ICU files under another one.
  for (const [name, code] of [
    ["mandarin", "zh"],
    ["farsi", "fa"],
    ["bokmål", "nb"],
    ["bokmal", "nb"],
    ["castilian", "es"],
    ["flemish", "nl"],
    ["filipino", "tl"],
  ] as const) {
    map.set(name, code);
  }
  byName = map;
  return map;
}

/**
 * Codes that name one language two ways: Norwegian is "no" in general and "nb"/"nn" for its two
 * written forms; Indonesian and Hebrew kept their withdrawn codes in old software ("in", "iw").
 */
const SAME_AS: ReadonlyMap<string, string> = new Map([
  ["nb", "no"],
  ["nn", "no"],
  ["in", "id"],
  ["iw", "he"],
  ["ji", "yi"],
]);

/** The code two spellings of one language share, for comparing them ("nb" and "no" are one). */
function family(code: string): string {
  return SAME_AS.get(code) ?? code;
}

/** Whether two ISO 639-1 codes name the same language ("nb" and "no" do). */
export function sameLanguage(a: string, b: string): boolean {
  return family(a) === family(b);
}

/**
 * The ISO 639-1 code of a language written as a code, a tag or a name, or undefined when it is
 * none: "de", "DE", "de-AT", "de_DE", "deu", "ger", "German", "german" → "de".
 *
 * @example
 * normalizeLanguage("pt-BR") // "pt"
 * normalizeLanguage("Norwegian Bokmål") // "nb"
 */
export function normalizeLanguage(value: string): string | undefined {
  const trimmed = value.trim().toLowerCase();
  if (trimmed === "") return undefined;
  const tag = /^([a-z]{2,3})(?:[-_][a-z0-9]{2,8})*$/.exec(trimmed);
  if (tag?.[1]) {
    const primary = tag[1];
    if (primary.length === 2) return names.of(primary) !== primary ? primary : undefined;
    // A three-letter code (ISO 639-2 or -3) whose language has a two-letter code: same English name.
    const name = names.of(primary);
    if (name && name !== primary) {
      const code = codesByName().get(name.toLowerCase());
      if (code) return code;
    }
    // "cmn" (Mandarin) and "yue" (Cantonese) are Chinese to every expert here.
    if (primary === "cmn" || primary === "yue") return "zh";
  }
  const byFullName = codesByName().get(trimmed);
  if (byFullName) return byFullName;
  // "Brazilian Portuguese", "Swiss German": the last word names the language.
  const last = trimmed.split(/\s+/).at(-1);
  return last && last !== trimmed ? codesByName().get(last) : undefined;
}

/** The English name of a language ("de" → "German"), or the code itself when ICU has none. */
export function languageName(code: string): string {
  return names.of(code) ?? code;
}

/** Names for a list of codes: "English", "English or German", "English, German or French". */
export function languageList(codes: readonly string[]): string {
  const named = codes.map(languageName);
  if (named.length <= 1) return named.join("");
  return `${named.slice(0, -1).join(", ")} or ${named.at(-1)}`;
}
