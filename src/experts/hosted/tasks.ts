import type { InferenceClient, InferenceProviderOrPolicy, Options } from "@huggingface/inference";
import { drawDetections, drawMasks, prepareImage, renderDepth } from "../../render/index.js";
import type { Detection, Label, Resource, TaskName } from "../../tasks/index.js";
import { type ExpertArgs, ExpertError, outputFileName } from "../types.js";
import { expertErrorFromStatus, parseRetryAfter } from "./errors.js";
import {
  imageResource,
  type MediaInput,
  mediaTypeOf,
  optionalText,
  parseBase64,
  parseCsv,
  requireMedia,
  requireText,
  tableToColumns,
  toBlob,
} from "./inputs.js";

/** Everything one hosted call needs: the client, where the model lives, and this run's fetch and signal. */
export interface HostedRun {
  task: TaskName;
  model: string;
  client: InferenceClient;
  /** `{model, endpointUrl}` for a self-hosted server, `{model, provider}` for Hugging Face's providers. */
  target: { model: string; endpointUrl: string } | { model: string; provider: InferenceProviderOrPolicy };
  /** Options for every client call: this run's fetch and signal, and no retry loop on 503. */
  options: Options & { fetch: typeof fetch; signal: AbortSignal };
  /** The hf-inference URL for raw calls (tasks the client has no method for). */
  rawUrl: string;
  token: string | undefined;
  maxNewTokens: number;
}

interface RawAnswer {
  contentType: string;
  json?: unknown;
  bytes?: Uint8Array;
}

/**
 * A POST in the hf-inference formats, for the tasks the client cannot send (depth-estimation and
 * text2text-generation have no method; text-to-video is refused for hf-inference).
 */
async function rawRequest(run: HostedRun, body: { json: unknown } | MediaInput): Promise<RawAnswer> {
  const headers: Record<string, string> = {};
  if (run.token) headers.Authorization = `Bearer ${run.token}`;
  let payload: Blob | string;
  if ("json" in body) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body.json);
  } else {
    payload = toBlob(body);
    headers["Content-Type"] = body.mime;
  }
  const response = await run.options.fetch(run.rawUrl, {
    method: "POST",
    headers,
    body: payload,
    signal: run.options.signal,
  });
  const contentType = response.headers.get("content-type") ?? "";
  const isJson =
    contentType.startsWith("application/json") || contentType.startsWith("application/problem+json");
  if (!response.ok) {
    const text = await response.text();
    let parsed: unknown = text;
    if (isJson) {
      try {
        parsed = JSON.parse(text);
      } catch {
        // A broken error body still has a status worth reporting.
      }
    }
    throw expertErrorFromStatus(
      run.model,
      response.status,
      parsed,
      parseRetryAfter(response.headers.get("retry-after")),
    );
  }
  if (isJson) return { contentType, json: await response.json() };
  return { contentType, bytes: new Uint8Array(await response.arrayBuffer()) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function unexpected(run: HostedRun, what: string): ExpertError {
  return new ExpertError("failed", `${run.model} answered ${run.task} without ${what}`);
}

function nonEmpty(run: HostedRun, text: string | undefined, what = "any text"): string {
  const trimmed = text?.trim();
  if (!trimmed) throw unexpected(run, what);
  return trimmed;
}

function labelsOf(output: ReadonlyArray<{ label: string; score: number }>): Label[] {
  return output.map(({ label, score }) => ({ label, score })).sort((a, b) => b.score - a.score);
}

async function mediaFromBlob(
  run: HostedRun,
  blob: unknown,
  kind: "image" | "audio" | "video",
  fallbackMime: string,
): Promise<Resource> {
  if (!(blob instanceof Blob)) throw unexpected(run, `${kind} bytes`);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (bytes.byteLength === 0) throw unexpected(run, `${kind} bytes`);
  const mime = mediaTypeOf(bytes, blob.type, fallbackMime);
  return { kind, mime, bytes, name: outputFileName(run.task, mime) };
}

type Runner = (run: HostedRun, args: ExpertArgs) => Promise<Resource>;

const textTasks = {
  "text-classification": async (run, args) => {
    const output = await run.client.textClassification(
      { ...run.target, inputs: requireText(run.task, args, "text") },
      run.options,
    );
    return { kind: "labels", labels: labelsOf(output) };
  },

  "token-classification": async (run, args) => {
    const output = await run.client.tokenClassification(
      // The client validates grouped entities (`entity_group`), so ask for them.
      {
        ...run.target,
        inputs: requireText(run.task, args, "text"),
        parameters: { aggregation_strategy: "simple" },
      },
      run.options,
    );
    const entities = output.map((entity) => ({
      word: entity.word.trim(),
      entity: entity.entity_group ?? entity.entity ?? "ENTITY",
      score: entity.score,
      start: entity.start,
      end: entity.end,
    }));
    const text =
      entities.length === 0
        ? "no named entities found"
        : entities.map((entity) => `${entity.word} (${entity.entity})`).join(", ");
    return { kind: "json", value: entities, text };
  },

  "text2text-generation": async (run, args) => {
    const answer = await rawRequest(run, { json: { inputs: requireText(run.task, args, "text") } });
    const first = Array.isArray(answer.json) ? answer.json[0] : answer.json;
    const generated =
      isRecord(first) && typeof first.generated_text === "string" ? first.generated_text : undefined;
    return { kind: "text", text: nonEmpty(run, generated, "generated_text") };
  },

  summarization: async (run, args) => {
    const output = await run.client.summarization(
      { ...run.target, inputs: requireText(run.task, args, "text") },
      run.options,
    );
    return { kind: "text", text: nonEmpty(run, output.summary_text, "summary_text") };
  },

  translation: async (run, args) => {
    const language = optionalText(args, "language");
    const output: unknown = await run.client.translation(
      {
        ...run.target,
        inputs: requireText(run.task, args, "text"),
        // Multilingual models read the target from here; single-pair models ignore it.
        ...(language ? { parameters: { tgt_lang: language } } : {}),
      },
      run.options,
    );
    const parts = (Array.isArray(output) ? output : [output]).map((item) =>
      isRecord(item) && typeof item.translation_text === "string" ? item.translation_text : "",
    );
    return { kind: "text", text: nonEmpty(run, parts.join(" "), "translation_text") };
  },

  "question-answering": async (run, args) => {
    const output = await run.client.questionAnswering(
      {
        ...run.target,
        inputs: {
          question: requireText(run.task, args, "text"),
          context: requireText(run.task, args, "context"),
        },
      },
      run.options,
    );
    return { kind: "text", text: nonEmpty(run, output.answer, "an answer") };
  },

  conversational: async (run, args) => {
    const output = await run.client.chatCompletion(
      {
        ...run.target,
        messages: [{ role: "user", content: requireText(run.task, args, "text") }],
        max_tokens: run.maxNewTokens,
      },
      run.options,
    );
    return { kind: "text", text: nonEmpty(run, output.choices[0]?.message.content, "a message") };
  },

  "text-generation": async (run, args) => {
    const output = await run.client.textGeneration(
      {
        ...run.target,
        inputs: requireText(run.task, args, "text"),
        parameters: { max_new_tokens: run.maxNewTokens },
      },
      run.options,
    );
    return { kind: "text", text: nonEmpty(run, output.generated_text, "generated_text") };
  },

  "sentence-similarity": async (run, args) => {
    const sentences = requireText(run.task, args, "context")
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    const scores = await run.client.sentenceSimilarity(
      { ...run.target, inputs: { source_sentence: requireText(run.task, args, "text"), sentences } },
      run.options,
    );
    if (scores.length !== sentences.length) throw unexpected(run, "one score per sentence");
    const value = sentences.map((sentence, index) => ({ sentence, score: scores[index] ?? 0 }));
    const text = value.map(({ sentence, score }) => `"${sentence}": ${score.toFixed(2)}`).join("; ");
    return { kind: "json", value, text };
  },

  "tabular-classification": async (run, args) => {
    const table = parseCsv(requireText(run.task, args, "text"));
    const predictions = await run.client.tabularClassification(
      { ...run.target, inputs: { data: tableToColumns(table) } },
      run.options,
    );
    if (predictions.length !== table.rows.length) throw unexpected(run, "one prediction per row");
    const value = {
      columns: table.columns,
      rows: table.rows.map((row, index) => ({
        values: Object.fromEntries(table.columns.map((column, at) => [column, row[at] ?? ""])),
        prediction: predictions[index],
      })),
    };
    const text = predictions.map((prediction, index) => `row ${index + 1}: ${prediction}`).join(", ");
    return { kind: "json", value, text };
  },
} satisfies Record<string, Runner>;

const visionTasks = {
  "object-detection": async (run, args) => {
    const image = requireMedia(run.task, args, "image", "image");
    // The photo decodes while the model works, so the boxes are drawn as soon as it answers.
    const photo = prepareImage(image.bytes);
    const output = await run.client.objectDetection({ ...run.target, inputs: toBlob(image) }, run.options);
    const detections: Detection[] = output
      .map(({ label, score, box }) => ({
        label,
        score,
        box: { xmin: box.xmin, ymin: box.ymin, xmax: box.xmax, ymax: box.ymax },
      }))
      .sort((a, b) => b.score - a.score);
    const drawn = await drawDetections(photo, detections);
    return {
      kind: "detections",
      detections,
      image: imageResource(run.task, drawn.bytes, drawn.mime, true),
    };
  },

  "image-classification": async (run, args) => {
    const image = requireMedia(run.task, args, "image", "image");
    const output = await run.client.imageClassification(
      { ...run.target, inputs: toBlob(image) },
      run.options,
    );
    return { kind: "labels", labels: labelsOf(output) };
  },

  "image-to-text": async (run, args) => {
    const image = requireMedia(run.task, args, "image", "image");
    const output = await run.client.imageToText({ ...run.target, inputs: toBlob(image) }, run.options);
    return { kind: "text", text: nonEmpty(run, output.generated_text, "generated_text") };
  },

  "image-to-image": async (run, args) => {
    const image = requireMedia(run.task, args, "image", "image");
    const prompt = optionalText(args, "text");
    // Without parameters the client posts the raw image; with a prompt, JSON with the image in base64.
    const output = await run.client.imageToImage(
      { ...run.target, inputs: toBlob(image), ...(prompt ? { parameters: { prompt } } : {}) },
      run.options,
    );
    return mediaFromBlob(run, output, "image", "image/png");
  },

  "text-to-image": async (run, args) => {
    const output = await run.client.textToImage(
      { ...run.target, inputs: requireText(run.task, args, "text") },
      { ...run.options, outputType: "blob" },
    );
    return mediaFromBlob(run, output, "image", "image/png");
  },

  "image-segmentation": async (run, args) => {
    const image = requireMedia(run.task, args, "image", "image");
    // The photo decodes while the model works, so the masks are drawn as soon as it answers.
    const photo = prepareImage(image.bytes);
    const output = await run.client.imageSegmentation({ ...run.target, inputs: toBlob(image) }, run.options);
    const segments = output.map((segment) => ({
      label: segment.label,
      // Semantic segmentation gives no score; the drawing leaves it out for a non-finite one.
      score: typeof segment.score === "number" ? segment.score : Number.NaN,
      mask: parseBase64(segment.mask),
    }));
    const overlay = await drawMasks(photo, segments);
    const labels = segments.map(({ label, score }) => ({ label, score: Number.isFinite(score) ? score : 1 }));
    return { kind: "labels", labels, image: imageResource(run.task, overlay.bytes, overlay.mime, true) };
  },

  "depth-estimation": async (run, args) => {
    const image = requireMedia(run.task, args, "image", "image");
    const answer = await rawRequest(run, image);
    let input: { png?: Uint8Array; values?: number[][] } | undefined;
    if (answer.bytes && answer.contentType.startsWith("image/")) input = { png: answer.bytes };
    else if (isRecord(answer.json)) {
      const { depth, predicted_depth: predicted } = answer.json;
      if (typeof depth === "string" && depth.length > 0) input = { png: parseBase64(depth) };
      else if (isNumberGrid(predicted)) input = { values: predicted };
      else if (Array.isArray(predicted) && predicted.length === 1 && isNumberGrid(predicted[0]))
        input = { values: predicted[0] };
    }
    if (!input) throw unexpected(run, "a depth map");
    const rendered = await renderDepth(input);
    return imageResource(run.task, rendered.bytes, rendered.mime);
  },

  "visual-question-answering": async (run, args) => {
    const image = requireMedia(run.task, args, "image", "image");
    const output = await run.client.visualQuestionAnswering(
      { ...run.target, inputs: { question: requireText(run.task, args, "text"), image: toBlob(image) } },
      run.options,
    );
    return { kind: "text", text: nonEmpty(run, output.answer, "an answer") };
  },

  "document-question-answering": async (run, args) => {
    const image = requireMedia(run.task, args, "image", "image");
    const output = await run.client.documentQuestionAnswering(
      { ...run.target, inputs: { question: requireText(run.task, args, "text"), image: toBlob(image) } },
      run.options,
    );
    return { kind: "text", text: nonEmpty(run, output.answer, "an answer") };
  },

  "text-to-video": async (run, args) => {
    const prompt = requireText(run.task, args, "text");
    if ("provider" in run.target) {
      const output = await run.client.textToVideo({ ...run.target, inputs: prompt }, run.options);
      return mediaFromBlob(run, output, "video", "video/mp4");
    }
    const answer = await rawRequest(run, { json: { inputs: prompt } });
    if (!answer.bytes) throw unexpected(run, "video bytes");
    return mediaFromBlob(
      run,
      new Blob([new Uint8Array(answer.bytes)], { type: answer.contentType }),
      "video",
      "video/mp4",
    );
  },
} satisfies Record<string, Runner>;

function isNumberGrid(value: unknown): value is number[][] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((row) => Array.isArray(row) && row.every((cell) => typeof cell === "number" || cell === null))
  );
}

const audioTasks = {
  "text-to-speech": async (run, args) => {
    const output: unknown = await run.client.textToSpeech(
      { ...run.target, inputs: requireText(run.task, args, "text") },
      run.options,
    );
    // Some servers answer JSON with the audio in base64 instead of the bytes; the client passes it on.
    if (isRecord(output) && typeof output.audio === "string") {
      const bytes = parseBase64(output.audio);
      const mime = mediaTypeOf(bytes, undefined, "audio/wav");
      return { kind: "audio", mime, bytes, name: outputFileName(run.task, mime) };
    }
    return mediaFromBlob(run, output, "audio", "audio/wav");
  },

  "automatic-speech-recognition": async (run, args) => {
    const audio = requireMedia(run.task, args, "audio", "audio");
    const output = await run.client.automaticSpeechRecognition(
      { ...run.target, inputs: toBlob(audio) },
      run.options,
    );
    return { kind: "text", text: nonEmpty(run, output.text, "a transcript") };
  },

  "audio-to-audio": async (run, args) => {
    const audio = requireMedia(run.task, args, "audio", "audio");
    const output = await run.client.audioToAudio({ ...run.target, inputs: toBlob(audio) }, run.options);
    // Source separation gives one track per source; the first is the main one (e.g. the speech).
    const first = output[0];
    if (!first) throw unexpected(run, "an audio track");
    const bytes = parseBase64(first.blob);
    if (bytes.byteLength === 0) throw unexpected(run, "audio bytes");
    const mime = mediaTypeOf(bytes, first["content-type"], "audio/wav");
    return { kind: "audio", mime, bytes, name: outputFileName(run.task, mime) };
  },

  "audio-classification": async (run, args) => {
    const audio = requireMedia(run.task, args, "audio", "audio");
    const output = await run.client.audioClassification(
      { ...run.target, inputs: toBlob(audio) },
      run.options,
    );
    return { kind: "labels", labels: labelsOf(output) };
  },
} satisfies Record<string, Runner>;

/** One runner per task: a missing task is a type error here, not a surprise at run time. */
export const RUNNERS: Readonly<Record<TaskName, Runner>> = { ...textTasks, ...visionTasks, ...audioTasks };
