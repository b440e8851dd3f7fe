import { describe, expect, it } from "vitest";
import {
  type Competence,
  competenceFromTags,
  describeCompetence,
  judgeCompetence,
} from "../../../src/models/competence.js";

const englishSentiment: Competence = {
  languages: ["en"],
  labelSpace: { aspect: "sentiment", labels: ["positive", "negative", "neutral"] },
};
const safety: Competence = {
  labelSpace: { aspect: "safety", labels: ["Drawing", "Hentai", "Neutral", "Porn", "Sexy"] },
};

describe("judging an expert's competence", () => {
  it("passes over an expert for a language it does not declare, and names the ones it does", () => {
    expect(judgeCompetence("automatic-speech-recognition", { languages: ["en"] }, { language: "de" })).toBe(
      "English only",
    );
    expect(judgeCompetence("automatic-speech-recognition", { languages: ["en"] }, { language: "en" })).toBe(
      undefined,
    );
    // An unknown language rules nobody out.
    expect(judgeCompetence("automatic-speech-recognition", { languages: ["en"] }, {})).toBe(undefined);
    const many = { languages: ["en", "de", "fr", "es", "it"] };
    expect(judgeCompetence("text-to-speech", many, { language: "yo" })).toBe("no Yoruba");
    expect(judgeCompetence("text-to-speech", { languages: ["no"] }, { language: "nb" })).toBe(undefined);
  });

  it("passes over a classifier for labels outside its label space, and for the task's usual question when it answers another", () => {
    expect(judgeCompetence("text-classification", englishSentiment, { labels: "spam, not spam" })).toBe(
      "only tells whether a text is positive, negative or neutral (positive, negative, neutral)",
    );
    expect(judgeCompetence("text-classification", englishSentiment, { labels: "is he angry" })).toBe(
      undefined,
    );
    // "classify this text" means sentiment; "classify this image" means what it shows, not its safety.
    expect(judgeCompetence("text-classification", englishSentiment, {})).toBe(undefined);
    expect(judgeCompetence("image-classification", safety, {})).toBe(
      "only tells whether an image is safe to share (Drawing, Hentai, Neutral, Porn, Sexy)",
    );
    expect(judgeCompetence("image-classification", safety, { labels: "safe for work, nsfw" })).toBe(
      undefined,
    );
  });

  it("passes over an expert for a text longer than it takes", () => {
    expect(judgeCompetence("text-to-speech", { maxChars: 5000 }, { chars: 6000 })).toBe(
      "at most 5,000 characters",
    );
    expect(judgeCompetence("text-to-speech", { maxChars: 5000 }, { chars: 10 })).toBe(undefined);
  });

  it("reads a Hub model's languages and label space from its tags", () => {
    expect(competenceFromTags("automatic-speech-recognition", ["transformers", "en", "wav2vec2"])).toEqual({
      languages: ["en"],
    });
    expect(competenceFromTags("automatic-speech-recognition", ["multilingual", "en", "de"])).toBeUndefined();
    expect(competenceFromTags("text-classification", ["en", "dataset:sst2", "pytorch"])).toEqual({
      languages: ["en"],
      labelSpace: { aspect: "sentiment", labels: [] },
    });
    expect(competenceFromTags("image-classification", ["vit", "dataset:imagenet-1k"])).toEqual({
      labelSpace: { aspect: "objects", labels: [] },
    });
    // Languages matter only to tasks that work on a language: a detector's "en" tag says nothing.
    expect(competenceFromTags("object-detection", ["en", "coco"])).toBeUndefined();
  });

  it("says a competence in a few words", () => {
    expect(describeCompetence(englishSentiment)).toBe("English only; labels: positive, negative, neutral");
    expect(describeCompetence({ languages: ["en", "de", "fr", "es"], maxChars: 5000 })).toBe(
      "4 languages; at most 5,000 characters",
    );
    expect(describeCompetence(undefined)).toBe("");
  });
});
