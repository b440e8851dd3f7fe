/**
 * What a classifier's labels tell apart, its "aspect": a sentiment word list answers positive /
 * negative / neutral and nothing else; a safety classifier answers whether an image is fit to share.
 * A request says what it wants told apart in a task's `labels` argument ("positive, negative",
 * "spam, not spam", "safe for work, explicit"); `wantedAspects` reads that text, and an expert whose
 * aspect is not among them cannot answer it.
 */

export const LABEL_ASPECTS = [
  "sentiment",
  "emotion",
  "safety",
  "toxicity",
  "spam",
  "language",
  "objects",
] as const;
export type LabelAspect = (typeof LABEL_ASPECTS)[number];

/** What an aspect tells, completing "only tells …" in a reason. */
export const ASPECT_PHRASES: Readonly<Record<LabelAspect, string>> = {
  sentiment: "whether a text is positive, negative or neutral",
  emotion: "which emotion a text or voice shows",
  safety: "whether an image is safe to share",
  toxicity: "whether a text is toxic or abusive",
  spam: "whether a message is spam",
  language: "which language a text is in",
  objects: "which everyday objects an image shows",
};

/**
 * Words that name labels of each aspect. A word may belong to several ("neutral" is a sentiment and
 * a safety class; "angry" is an emotion and, coarsely, a negative sentiment).
 */
const VOCABULARY: Readonly<Record<LabelAspect, RegExp>> = {
  sentiment:
    /\b(?:sentiment|polarity|positive|negative|neutral|mixed|good|bad|great|terrible|happy|unhappy|sad|angry|mad|annoyed|upset|pleased|satisfied|unsatisfied|dissatisfied|like[sd]?|dislike[sd]?|love[sd]?|hate[sd]?|mood|tone|opinion|feeling|praise|complaint|favou?rable|unfavou?rable|friendly|hostile|rude|nice|mean)\b/i,
  emotion:
    /\b(?:emotions?|joy|joyful|happy|sad|sadness|anger|angry|mad|fear|afraid|scared|surprise[d]?|disgust(?:ed)?|neutral|calm|excited|anxious|frustrated|annoyed|upset)\b/i,
  safety:
    /\b(?:safe|unsafe|sfw|nsfw|explicit|porn\w*|nud(?:e|ity)|naked|sexy|suggestive|hentai|adult|appropriate|inappropriate|decent|indecent|family[- ]friendly|work[- ]?safe|drawing|neutral|offensive|graphic)\b/i,
  toxicity:
    /\b(?:toxic(?:ity)?|abusive|abuse|insult(?:ing)?|hate(?:ful)?|harass\w*|offensive|obscene|threat\w*|profan\w*|slur)\b/i,
  spam: /\b(?:spam|ham|scam|phishing|junk|promotional|advert\w*)\b/i,
  language: /\b(?:language|languages|english|german|french|spanish|italian|dialect)\b/i,
  objects:
    /\b(?:objects?|things?|imagenet|categor(?:y|ies)|class(?:es)?|animals?|species|breed|kind of|type of)\b/i,
};

/**
 * The aspects that answer every label a request names: "positive, negative" → {sentiment};
 * "angry" → {sentiment, emotion}; "spam, not spam" → {spam}. The labels are split at commas,
 * slashes, "or" and "vs"; a label no aspect knows ("funny") leaves the set empty, which only an
 * expert that declares no aspect can answer.
 */
export function wantedAspects(labels: string): ReadonlySet<LabelAspect> {
  const parts = labels
    .split(/,|;|\/|\bor\b|\bvs\.?\b|\bversus\b|\n/i)
    .map((part) => part.trim())
    .filter((part) => part !== "");
  let aspects: Set<LabelAspect> | undefined;
  for (const part of parts) {
    const matching = LABEL_ASPECTS.filter((aspect) => VOCABULARY[aspect].test(part));
    aspects = new Set(aspects ? matching.filter((aspect) => aspects?.has(aspect)) : matching);
    if (aspects.size === 0) break;
  }
  return aspects ?? new Set();
}
