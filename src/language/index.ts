export { languageList, languageName, normalizeLanguage, sameLanguage } from "./codes.js";
export { detectLanguage } from "./detect.js";
