/** Inputs and models shared by the hosted-expert tests. */
import sharp from "sharp";
import type { ExpertArgs } from "../../../../src/experts/types.js";
import type { AudioResource, ImageResource, TaskName, TextResource } from "../../../../src/tasks/index.js";
import type { FakeHubModel } from "../../../fakes/hf-server.js";
import { toneWav } from "../../../fakes/hf-server.js";

export const TOKEN = "hf_test_token_123";

/** One well-known model per task, registered with the fake under its task. */
export const MODEL_FOR: Readonly<Record<TaskName, string>> = {
  "text-classification": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
  "token-classification": "dslim/bert-base-NER",
  "text2text-generation": "google/flan-t5-base",
  summarization: "facebook/bart-large-cnn",
  translation: "Helsinki-NLP/opus-mt-en-de",
  "question-answering": "deepset/roberta-base-squad2",
  conversational: "microsoft/DialoGPT-medium",
  "text-generation": "openai-community/gpt2",
  "sentence-similarity": "sentence-transformers/all-MiniLM-L6-v2",
  "tabular-classification": "julien-c/wine-quality",
  "object-detection": "facebook/detr-resnet-50",
  "image-classification": "google/vit-base-patch16-224",
  "image-to-text": "Salesforce/blip-image-captioning-large",
  "image-to-image": "timbrooks/instruct-pix2pix",
  "text-to-image": "stabilityai/stable-diffusion-2-1",
  "image-segmentation": "nvidia/segformer-b0-finetuned-ade-512-512",
  "depth-estimation": "Intel/dpt-large",
  "visual-question-answering": "dandelin/vilt-b32-finetuned-vqa",
  "document-question-answering": "impira/layoutlm-document-qa",
  "text-to-video": "damo-vilab/text-to-video-ms-1.7b",
  "text-to-speech": "espnet/kan-bayashi_ljspeech_vits",
  "automatic-speech-recognition": "openai/whisper-large-v3",
  "audio-to-audio": "speechbrain/sepformer-wham",
  "audio-classification": "superb/hubert-large-superb-er",
};

export function hubModels(): FakeHubModel[] {
  return (Object.entries(MODEL_FOR) as Array<[TaskName, string]>).map(([task, id], index) => ({
    id,
    pipeline_tag: task,
    downloads: 1000 + index,
  }));
}

export function text(value: string): TextResource {
  return { kind: "text", text: value };
}

export async function pngImage(width = 64, height = 48): Promise<ImageResource> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 160, b: 60 } } })
    .png()
    .toBuffer();
  return { kind: "image", mime: "image/png", bytes: new Uint8Array(bytes), name: "photo.png" };
}

export async function jpegImage(width = 80, height = 60): Promise<ImageResource> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: { r: 30, g: 120, b: 200 } } })
    .jpeg()
    .toBuffer();
  return { kind: "image", mime: "image/jpeg", bytes: new Uint8Array(bytes), name: "photo.jpg" };
}

export function wavAudio(seconds = 0.3): AudioResource {
  return { kind: "audio", mime: "audio/wav", bytes: new Uint8Array(toneWav(seconds)), name: "voice.wav" };
}

export function signal(): AbortSignal {
  return new AbortController().signal;
}

export type ArgsFor = (inputs: { image: ImageResource; audio: AudioResource }) => ExpertArgs;
