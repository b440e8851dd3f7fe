/**
 * A fake Hugging Face for tests: the hf-inference API for the 24 HuggingGPT tasks and the Hub's model
 * listing, on 127.0.0.1, answering in the formats `@huggingface/inference` v4 parses.
 *
 * ## Inference (what `InferenceClient` sends with `endpointUrl`, or HF_INFERENCE_ENDPOINT/models/M)
 * - `POST /models/<model>`: JSON `{inputs, parameters}` or raw image/audio bytes, by task.
 * - `POST /models/<model>/v1/completions` (text-generation), `/v1/chat/completions` (conversational).
 * - The router shapes too: `/hf-inference/models/<model>[/pipeline/<task>]` and `/v1/chat/completions`.
 *
 * A model's task comes from the route (`/v1/chat/completions`, `/pipeline/<task>`), from `setTask`, from
 * the models you register (`pipeline_tag`), else from its name ("facebook/detr-resnet-50" is
 * object-detection); a model none of these names is unknown: 404, as on the real service.
 * Outputs are deterministic: translation gives `"[de] " + text` (target from `parameters.tgt_lang` or
 * an `opus-mt-xx-yy` name), summarization `"[summary] " + first sentence`, ASR the transcript set with
 * `setTranscript(audio, text)` or the default (audio made by this fake's text-to-speech transcribes
 * back to its text), images are real PNGs, audio a real 16 kHz WAV, video `video/mp4` bytes.
 * Bad input gets 400 `{"error": "..."}` as the real service does.
 *
 * ## Hub
 * - `GET /api/models?pipeline_tag=T&sort=downloads&limit=K&inference_provider=all&expand[]=...`:
 *   the registered models, filtered (`pipeline_tag`, `inference_provider` = "all" or a comma list,
 *   `search`, `author`, `filter`), sorted (`sort` + `direction`, descending by default), limited,
 *   paged with a `Link: <...>; rel="next"` header. Without `expand` a model has the Hub's default
 *   fields (`_id, id, modelId, likes, trendingScore, private, downloads, tags, pipeline_tag,
 *   library_name, createdAt`); with `expand` only `_id`, `id` and the fields named.
 *   `inferenceProviderMapping` is the Hub's array form `[{provider, providerId, status, task}]`.
 * - `GET /api/models/<model>?expand[]=inferenceProviderMapping`: one model (what the client's "auto"
 *   provider policy reads); 404 for an unknown one.
 * - `setHub({ mode: "down" })` drops connections, `"error"` answers 500, `"slow"` delays.
 *
 * ## Scripting
 * `failNext(model | "*", fault, times)` (503 loading with `estimated_time`, 429 with `Retry-After`,
 * any status, or a hang), `setLatency(ms, model?)`, `respondWith({model} | {task}, responder)`,
 * `setTask`, `setTranscript`, `setCaption`, `addModel`/`setModels`; `calls` records every request
 * (kind, model, task, headers, `authorization`, body and its size, status); `reset()` between tests.
 * Optional `token`: inference calls without `Authorization: Bearer <token>` get 401.
 *
 * ```ts
 * const hf = await startFakeHuggingFace({ models: [{ id: "facebook/detr-resnet-50", pipeline_tag: "object-detection", downloads: 900 }] });
 * hf.failNext("facebook/detr-resnet-50", { kind: "loading", estimatedTime: 2 });   // next call: 503
 * const client = new InferenceClient("hf_x", { endpointUrl: hf.modelUrl("facebook/detr-resnet-50") });
 * hf.calls.at(-1)?.authorization;   // "Bearer hf_x"
 * await hf.close();
 * ```
 */
import { createHash } from "node:crypto";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import sharp from "sharp";
import { isTaskName, type TaskName } from "../../src/tasks/index.js";
import { delay, readBody, sendBytes, sendJson, startHttpServer } from "./http-server.js";

/** A model as a test describes it for the Hub listing (and for the task the inference API runs). */
export interface FakeHubModel {
  id: string;
  /** The Hub's task tag; also the task the fake inference API runs for this model. */
  pipeline_tag: string;
  downloads?: number;
  likes?: number;
  tags?: string[];
  library_name?: string;
  /** Providers that serve it. Default `["hf-inference"]`; `[]` means no provider serves it. */
  providers?: string[];
  createdAt?: string;
  trendingScore?: number;
}

/** A scripted failure for the next calls to a model. */
export type FakeFault =
  /** 503 `{"error":"Model X is currently loading","estimated_time":N}` (seconds, default 20). */
  | { kind: "loading"; estimatedTime?: number }
  /** 429 with `Retry-After` (seconds, default 1). */
  | { kind: "rate_limited"; retryAfterSeconds?: number }
  /** Any status (default 500) with `{"error": message}`. */
  | { kind: "error"; status?: number; message?: string }
  /** Never answers; the connection stays open until the client gives up or the server closes. */
  | { kind: "hang" };

/** An inference request as a responder sees it. */
export interface FakeInferenceRequest {
  model: string;
  task: TaskName | undefined;
  path: string;
  headers: IncomingHttpHeaders;
  contentType: string;
  body: Buffer;
  /** The parsed body when it was JSON. */
  json: unknown;
}

/** What a custom responder answers: JSON (`json`) or bytes (`bytes` + `contentType`). */
export interface FakeReply {
  status?: number;
  json?: unknown;
  bytes?: Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
}

/** Return undefined to fall through to the built-in behaviour. */
export type FakeResponder = (
  request: FakeInferenceRequest,
) => FakeReply | undefined | Promise<FakeReply | undefined>;

export interface FakeCall {
  kind: "inference" | "hub-list" | "hub-model" | "other";
  method: string;
  path: string;
  query: URLSearchParams;
  /** The model named by the path (or by the body for the router's chat endpoint). */
  model: string | undefined;
  /** The task the fake decided the call is. */
  task: TaskName | undefined;
  /** Header names in lower case. */
  headers: IncomingHttpHeaders;
  authorization: string | undefined;
  contentType: string | undefined;
  bodySize: number;
  body: Buffer;
  /** Response status, once answered (undefined while pending or for a hang). */
  status: number | undefined;
}

export type FakeHubState =
  | { mode: "up" }
  | { mode: "down" }
  | { mode: "error"; status?: number }
  | { mode: "slow"; delayMs: number };

export interface FakeHuggingFaceOptions {
  models?: FakeHubModel[];
  /**
   * How long every inference call takes, in ms, from its arrival to its answer. The fake's own work
   * (decoding the image, drawing masks) happens within it, as a model server's compute does.
   */
  latencyMs?: number;
  /** When set, inference calls must carry `Authorization: Bearer <token>` (else 401). */
  token?: string;
  defaultTranscript?: string;
  defaultCaption?: string;
}

export interface FakeHuggingFace {
  /** Base URL: use it as HF_INFERENCE_ENDPOINT and as HF_ENDPOINT. */
  readonly url: string;
  /** Every request, in arrival order. */
  readonly calls: FakeCall[];
  inferenceCalls(model?: string): FakeCall[];
  hubCalls(): FakeCall[];
  /** `${url}/models/${model}`: the `endpointUrl` for one model. */
  modelUrl(model: string): string;
  setModels(models: FakeHubModel[]): void;
  addModel(model: FakeHubModel): void;
  /** Force the task for a model that is not (or differently) registered. */
  setTask(model: string, task: TaskName): void;
  /** Latency (see `latencyMs`) for one model, or for all when `model` is omitted. */
  setLatency(ms: number, model?: string): void;
  /** The next `times` calls to `model` (or to any model with "*") fail with `fault`. */
  failNext(model: string, fault: FakeFault, times?: number): void;
  /** A custom responder for a model or a task; `undefined` removes it. */
  respondWith(target: { model: string } | { task: TaskName }, responder: FakeResponder | undefined): void;
  setTranscript(audio: Uint8Array, text: string): void;
  setCaption(image: Uint8Array, text: string): void;
  setHub(state: FakeHubState): void;
  /** Forget calls, faults, latencies, responders and the Hub state; keep models and transcripts. */
  reset(): void;
  close(): Promise<void>;
}

export const DEFAULT_TRANSCRIPT = "hello world, this is a test recording";
export const DEFAULT_CAPTION = "a giraffe standing next to a zebra in a grassy field";

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export async function startFakeHuggingFace(options: FakeHuggingFaceOptions = {}): Promise<FakeHuggingFace> {
  const calls: FakeCall[] = [];
  let models = new Map<string, FakeHubModel>();
  const forcedTasks = new Map<string, TaskName>();
  const latencies = new Map<string, number>();
  let globalLatency = options.latencyMs ?? 0;
  const faults = new Map<string, Array<{ fault: FakeFault; remaining: number }>>();
  const modelResponders = new Map<string, FakeResponder>();
  const taskResponders = new Map<TaskName, FakeResponder>();
  const transcripts = new Map<string, string>();
  const captions = new Map<string, string>();
  let hubState: FakeHubState = { mode: "up" };
  const defaults = {
    transcript: options.defaultTranscript ?? DEFAULT_TRANSCRIPT,
    caption: options.defaultCaption ?? DEFAULT_CAPTION,
  };
  for (const model of options.models ?? []) models.set(model.id, model);

  function taskOfModel(model: string, path: string): TaskName | undefined {
    if (path.endsWith("/v1/chat/completions")) return "conversational";
    if (path.endsWith("/v1/completions")) return "text-generation";
    const pipeline = /\/pipeline\/([^/]+)$/.exec(path)?.[1];
    if (pipeline && isTaskName(pipeline)) return pipeline;
    const forced = forcedTasks.get(model);
    if (forced) return forced;
    const tag = models.get(model)?.pipeline_tag;
    if (tag && isTaskName(tag)) return tag;
    return taskFromName(model);
  }

  function takeFault(model: string): FakeFault | undefined {
    for (const key of [model, "*"]) {
      const queue = faults.get(key);
      const head = queue?.[0];
      if (!queue || !head) continue;
      head.remaining -= 1;
      if (head.remaining <= 0) queue.shift();
      return head.fault;
    }
    return undefined;
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://fake");
    const body = await readBody(request);
    const call: FakeCall = {
      kind: "other",
      method: request.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      model: undefined,
      task: undefined,
      headers: request.headers,
      authorization: request.headers.authorization,
      contentType: request.headers["content-type"],
      bodySize: body.length,
      body,
      status: undefined,
    };
    calls.push(call);
    const send = (status: number, value: unknown, headers?: Record<string, string>) => {
      if (response.destroyed || response.writableEnded) return;
      call.status = status;
      sendJson(response, status, value, headers);
    };

    if (call.method === "GET" && url.pathname.startsWith("/api/models")) {
      call.kind =
        url.pathname === "/api/models" || url.pathname === "/api/models/" ? "hub-list" : "hub-model";
      if (hubState.mode === "down") {
        response.socket?.destroy();
        return;
      }
      if (hubState.mode === "error") {
        send(hubState.status ?? 500, {
          error: "Internal Error - We're working hard to fix this as soon as possible!",
        });
        return;
      }
      if (hubState.mode === "slow") await delay(hubState.delayMs, response);
      if (call.kind === "hub-list") {
        const page = listModels([...models.values()], url);
        send(200, page.items, page.next ? { link: `<${baseUrl}${page.next}>; rel="next"` } : {});
        return;
      }
      const id = decodeURIComponent(url.pathname.slice("/api/models/".length));
      const model = models.get(id);
      if (!model) {
        send(404, { error: "Repository not found" });
        return;
      }
      call.model = id;
      send(200, modelJson(model, expandFields(url.searchParams), true));
      return;
    }

    const model = modelFromPath(url.pathname, body);
    if (call.method !== "POST" || model === undefined) {
      send(404, { error: "Not Found" });
      return;
    }
    call.kind = "inference";
    call.model = model;
    const contentType = (request.headers["content-type"] ?? "").toLowerCase();
    let json: unknown;
    if (contentType.startsWith("application/json")) {
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch {
        send(400, { error: "Invalid JSON in request body" });
        return;
      }
    }
    const task = taskOfModel(model, url.pathname);
    call.task = task;

    if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`) {
      send(401, { error: "Invalid credentials in Authorization header" });
      return;
    }
    const inferenceRequest: FakeInferenceRequest = {
      model,
      task,
      path: url.pathname,
      headers: request.headers,
      contentType,
      body,
      json,
    };
    // A model's latency includes its own compute, so the built-in answer (decoding the image,
    // drawing masks) is worked out during the wait rather than after it: the call takes `latency`,
    // not `latency` plus whatever the fake costs. Custom responders still run after the wait, since
    // tests use them to look at what had arrived by then.
    const latency = latencies.get(model) ?? globalLatency;
    const early =
      task !== undefined && latency > 0 && !modelResponders.has(model) && !taskResponders.has(task)
        ? runTask(inferenceRequest)
        : undefined;
    early?.catch(() => undefined);
    await delay(latency, response);
    if (response.destroyed) return;

    const fault = takeFault(model);
    if (fault) {
      switch (fault.kind) {
        case "hang":
          return;
        case "loading": {
          const estimated = fault.estimatedTime ?? 20;
          send(503, { error: `Model ${model} is currently loading`, estimated_time: estimated });
          return;
        }
        case "rate_limited":
          send(
            429,
            { error: "Rate limit reached. Please log in or use a HF access token" },
            { "retry-after": String(fault.retryAfterSeconds ?? 1) },
          );
          return;
        case "error":
          send(fault.status ?? 500, { error: fault.message ?? "Internal Server Error" });
          return;
      }
    }
    if (task === undefined) {
      send(404, { error: `Model ${model} does not exist` });
      return;
    }

    let reply: FakeReply | undefined;
    try {
      const custom = modelResponders.get(model) ?? taskResponders.get(task);
      reply = (await custom?.(inferenceRequest)) ?? (await (early ?? runTask(inferenceRequest)));
    } catch (error) {
      if (error instanceof BadRequest) {
        send(error.status, { error: error.message });
        return;
      }
      throw error;
    }
    if (response.destroyed || response.writableEnded) return;
    const status = reply.status ?? 200;
    call.status = status;
    if (reply.bytes !== undefined) {
      sendBytes(
        response,
        status,
        reply.bytes,
        reply.contentType ?? "application/octet-stream",
        reply.headers,
      );
    } else {
      sendJson(response, status, reply.json ?? null, reply.headers);
    }
  }

  async function runTask(request: FakeInferenceRequest): Promise<FakeReply> {
    const task = request.task as TaskName;
    switch (task) {
      case "text-classification":
        return { json: [classifySentiment(textInput(request))] };
      case "token-classification":
        return { json: recognizeEntities(textInput(request)) };
      case "text2text-generation":
        return { json: [{ generated_text: `[text2text] ${textInput(request)}` }] };
      case "summarization":
        return { json: [{ summary_text: `[summary] ${firstSentence(textInput(request))}` }] };
      case "translation": {
        const text = textInput(request);
        return { json: [{ translation_text: `[${targetLanguage(request)}] ${text}` }] };
      }
      case "question-answering":
        return { json: answerQuestion(request) };
      case "conversational":
        return { json: chatCompletion(request) };
      case "text-generation":
        return { json: textCompletion(request) };
      case "sentence-similarity":
        return { json: sentenceSimilarity(request) };
      case "tabular-classification":
        return { json: tabularClassification(request) };
      case "object-detection": {
        const { width, height } = await imageInput(request);
        return { json: detections(width, height) };
      }
      case "image-classification":
        await imageInput(request);
        return {
          json: [
            { label: "giraffe", score: 0.91 },
            { label: "zebra", score: 0.05 },
            { label: "gazelle", score: 0.02 },
            { label: "ostrich", score: 0.01 },
            { label: "impala", score: 0.01 },
          ],
        };
      case "image-to-text": {
        const image = await imageInput(request);
        return { json: { generated_text: captions.get(digest(image.bytes)) ?? defaults.caption } };
      }
      case "image-to-image": {
        const image = await imageInput(request);
        const bytes = await sharp(image.bytes).negate({ alpha: false }).png().toBuffer();
        return { bytes, contentType: "image/png" };
      }
      case "text-to-image": {
        const prompt = textInput(request);
        return { bytes: await imageFromPrompt(prompt, parametersOf(request.json)), contentType: "image/png" };
      }
      case "image-segmentation": {
        const { width, height } = await imageInput(request);
        return { json: await segments(width, height) };
      }
      case "depth-estimation": {
        const { width, height } = await imageInput(request);
        return { json: await depth(width, height) };
      }
      case "visual-question-answering": {
        const { question } = await questionAndImage(request);
        return { json: [{ answer: visualAnswer(question), score: 0.87 }] };
      }
      case "document-question-answering": {
        const { question } = await questionAndImage(request);
        const answer = documentAnswer(question);
        return { json: [{ answer, score: 0.93, start: 12, end: 12 + answer.split(" ").length - 1 }] };
      }
      case "text-to-video":
        return { bytes: fakeMp4(textInput(request)), contentType: "video/mp4" };
      case "text-to-speech": {
        const text = textInput(request);
        const wav = speak(text);
        transcripts.set(digest(wav), text);
        return { bytes: wav, contentType: "audio/wav" };
      }
      case "automatic-speech-recognition": {
        const audio = audioInput(request);
        return { json: { text: transcripts.get(digest(audio)) ?? defaults.transcript } };
      }
      case "audio-to-audio": {
        const audio = audioInput(request);
        const cleaned = quieter(audio);
        return { json: [{ label: "speech", "content-type": "audio/wav", blob: cleaned.toString("base64") }] };
      }
      case "audio-classification":
        audioInput(request);
        return {
          json: [
            { label: "speech", score: 0.87 },
            { label: "music", score: 0.09 },
            { label: "noise", score: 0.04 },
          ],
        };
    }
  }

  const server = await startHttpServer(handle);
  const baseUrl = server.url;

  return {
    url: baseUrl,
    calls,
    inferenceCalls: (model) => calls.filter((c) => c.kind === "inference" && (!model || c.model === model)),
    hubCalls: () => calls.filter((c) => c.kind === "hub-list" || c.kind === "hub-model"),
    modelUrl: (model) => `${baseUrl}/models/${model}`,
    setModels(list) {
      models = new Map(list.map((m) => [m.id, m]));
    },
    addModel(model) {
      models.set(model.id, model);
    },
    setTask(model, task) {
      forcedTasks.set(model, task);
    },
    setLatency(ms, model) {
      if (model === undefined) globalLatency = ms;
      else latencies.set(model, ms);
    },
    failNext(model, fault, times = 1) {
      const queue = faults.get(model) ?? [];
      queue.push({ fault, remaining: times });
      faults.set(model, queue);
    },
    respondWith(target, responder) {
      if ("model" in target) {
        if (responder) modelResponders.set(target.model, responder);
        else modelResponders.delete(target.model);
      } else if (responder) taskResponders.set(target.task, responder);
      else taskResponders.delete(target.task);
    },
    setTranscript(audio, text) {
      transcripts.set(digest(audio), text);
    },
    setCaption(image, text) {
      captions.set(digest(image), text);
    },
    setHub(state) {
      hubState = state;
    },
    reset() {
      calls.length = 0;
      faults.clear();
      latencies.clear();
      globalLatency = options.latencyMs ?? 0;
      modelResponders.clear();
      taskResponders.clear();
      hubState = { mode: "up" };
    },
    close: () => server.close(),
  };
}

// ---------------------------------------------------------------------------------------------
// Routing

function modelFromPath(path: string, body: Buffer): string | undefined {
  // The router's OpenAI-compatible endpoint names the model in the body.
  if (path === "/v1/chat/completions" || path === "/v1/completions") {
    try {
      const parsed = JSON.parse(body.toString("utf8")) as { model?: unknown };
      return typeof parsed.model === "string" ? parsed.model : undefined;
    } catch {
      return undefined;
    }
  }
  const match = /^(?:\/hf-inference)?\/models\/(.+)$/.exec(path);
  if (!match?.[1]) return undefined;
  const rest = decodeURIComponent(match[1])
    .replace(/\/v1\/chat\/completions$/, "")
    .replace(/\/v1\/completions$/, "")
    .replace(/\/pipeline\/[^/]+$/, "")
    .replace(/\/+$/, "");
  return rest.length > 0 ? rest : undefined;
}

const NAME_RULES: ReadonlyArray<readonly [RegExp, TaskName]> = [
  [/text-to-video|text2video|zeroscope|t2v|cogvideo|ltx-video|damo-vilab/, "text-to-video"],
  [/vqa|vilt|visual-question/, "visual-question-answering"],
  [/layoutlm|donut|docvqa|document-qa|document-question/, "document-question-answering"],
  [/depth|dpt-|glpn|midas/, "depth-estimation"],
  [/segment|segformer|mask2former|maskformer|panoptic|oneformer/, "image-segmentation"],
  [/detr|yolo|object-detection|owlvit/, "object-detection"],
  [/tts|vits|bark|fastspeech|kokoro|parler|text-to-speech/, "text-to-speech"],
  [
    /superb-er|audio-classification|ast-finetuned|audioset|speech-commands|emotion-recognition/,
    "audio-classification",
  ],
  [/whisper|wav2vec2|asr|speech-recognition|parakeet|speech-to-text|hubert/, "automatic-speech-recognition"],
  [/sepformer|metricgan|denoise|enhance|audio-to-audio|demucs|separation/, "audio-to-audio"],
  [/pix2pix|controlnet|img2img|image-to-image|refiner|upscal|swin2sr/, "image-to-image"],
  [/stable-diffusion|sdxl|flux|diffusion|kandinsky|text-to-image/, "text-to-image"],
  [/blip|caption|vit-gpt2|git-base|git-large|image-to-text|trocr|pix2struct/, "image-to-text"],
  [
    /vit-|resnet|convnext|efficientnet|beit|deit|swin|image-classification|mobilenet|regnet/,
    "image-classification",
  ],
  [/opus-mt|translation|nllb|m2m100|marian|wmt/, "translation"],
  [/summar|bart-large-cnn|pegasus|xsum/, "summarization"],
  [/squad|question-answering/, "question-answering"],
  [/(^|[-_/])ner([-_/]|$)|conll|token-classification|wikineural/, "token-classification"],
  [/sentence-transformers|minilm|mpnet|bge-|sentence-similarity|simcse/, "sentence-similarity"],
  [/tabular|wine|titanic|sklearn|skops/, "tabular-classification"],
  [/flan|t5|t0pp|text2text|mt0/, "text2text-generation"],
  [/sentiment|sst-2|sst2|emotion|toxic|text-classification|finbert/, "text-classification"],
  [/dialogpt|blenderbot|chat|conversational|instruct/, "conversational"],
  [/gpt|llama|mistral|qwen|phi|gemma|bloom|opt-|falcon|text-generation/, "text-generation"],
];

function taskFromName(model: string): TaskName | undefined {
  const name = model.toLowerCase();
  return NAME_RULES.find(([pattern]) => pattern.test(name))?.[1];
}

// ---------------------------------------------------------------------------------------------
// Hub listing

const DEFAULT_LIST_FIELDS = [
  "likes",
  "trendingScore",
  "private",
  "downloads",
  "tags",
  "pipeline_tag",
  "library_name",
  "createdAt",
  "modelId",
] as const;

function expandFields(query: URLSearchParams): string[] {
  return [...query.getAll("expand"), ...query.getAll("expand[]")];
}

function providersOf(model: FakeHubModel): string[] {
  return model.providers ?? ["hf-inference"];
}

function fullModelJson(model: FakeHubModel): Record<string, unknown> {
  const author = model.id.includes("/") ? model.id.split("/")[0] : undefined;
  return {
    _id: digest(Buffer.from(model.id)).slice(0, 24),
    id: model.id,
    modelId: model.id,
    author,
    likes: model.likes ?? 0,
    trendingScore: model.trendingScore ?? 0,
    private: false,
    gated: false,
    disabled: false,
    downloads: model.downloads ?? 0,
    tags: model.tags ?? [model.library_name ?? "transformers", model.pipeline_tag],
    pipeline_tag: model.pipeline_tag,
    library_name: model.library_name ?? "transformers",
    createdAt: model.createdAt ?? "2023-01-01T00:00:00.000Z",
    lastModified: model.createdAt ?? "2023-01-01T00:00:00.000Z",
    inferenceProviderMapping: providersOf(model).map((provider) => ({
      provider,
      providerId: model.id,
      status: "live",
      task: model.pipeline_tag,
    })),
  };
}

function modelJson(model: FakeHubModel, expand: string[], single: boolean): Record<string, unknown> {
  const full = fullModelJson(model);
  const fields =
    expand.length > 0
      ? expand
      : single
        ? Object.keys(full).filter((key) => key !== "inferenceProviderMapping")
        : [...DEFAULT_LIST_FIELDS];
  const result: Record<string, unknown> = { _id: full._id, id: full.id };
  for (const field of fields) if (field in full) result[field] = full[field];
  return result;
}

const SORTABLE = new Set(["downloads", "likes", "trendingScore", "createdAt", "lastModified", "id"]);

function listModels(all: FakeHubModel[], url: URL): { items: Record<string, unknown>[]; next?: string } {
  const query = url.searchParams;
  const pipelineTag = query.get("pipeline_tag");
  const search = query.get("search")?.toLowerCase();
  const author = query.get("author");
  const filters = query.getAll("filter");
  const providerFilter = query.get("inference_provider");
  const wanted = providerFilter?.split(",").map((p) => p.trim());
  let selected = all.filter((model) => {
    if (pipelineTag && model.pipeline_tag !== pipelineTag) return false;
    if (search && !model.id.toLowerCase().includes(search)) return false;
    if (author && !model.id.startsWith(`${author}/`)) return false;
    const tags = (fullModelJson(model).tags as string[]) ?? [];
    if (filters.some((tag) => !tags.includes(tag) && model.library_name !== tag)) return false;
    if (wanted) {
      const providers = providersOf(model);
      if (wanted.includes("all") ? providers.length === 0 : !providers.some((p) => wanted.includes(p)))
        return false;
    }
    return true;
  });
  const sort = query.get("sort");
  if (sort && SORTABLE.has(sort)) {
    const ascending = query.get("direction") === "1";
    selected = [...selected].sort((a, b) => {
      const left = fullModelJson(a)[sort];
      const right = fullModelJson(b)[sort];
      const order =
        typeof left === "number" && typeof right === "number"
          ? left - right
          : String(left).localeCompare(String(right));
      return ascending ? order : -order;
    });
  }
  const limit = Math.min(Math.max(Number.parseInt(query.get("limit") ?? "1000", 10) || 1000, 1), 1000);
  const offset = Number.parseInt(Buffer.from(query.get("cursor") ?? "", "base64url").toString() || "0", 10);
  const page = selected.slice(offset, offset + limit);
  const expand = expandFields(query);
  const items = page.map((model) => modelJson(model, expand, false));
  if (offset + limit >= selected.length) return { items };
  const nextQuery = new URLSearchParams(query);
  nextQuery.set("cursor", Buffer.from(String(offset + limit)).toString("base64url"));
  return { items, next: `${url.pathname}?${nextQuery.toString()}` };
}

// ---------------------------------------------------------------------------------------------
// Inputs, validated as the real service would

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function digest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function jsonBody(request: FakeInferenceRequest): Record<string, unknown> {
  if (!request.contentType.startsWith("application/json") || !isRecord(request.json))
    throw new BadRequest("Content type must be application/json with a JSON object body");
  return request.json;
}

function parametersOf(json: unknown): Record<string, unknown> {
  return isRecord(json) && isRecord(json.parameters) ? json.parameters : {};
}

function textInput(request: FakeInferenceRequest): string {
  const body = jsonBody(request);
  if (!("inputs" in body)) throw new BadRequest("Body needs to provide a inputs key");
  const inputs = Array.isArray(body.inputs) && body.inputs.length === 1 ? body.inputs[0] : body.inputs;
  if (typeof inputs !== "string") throw new BadRequest("inputs must be a string");
  if (inputs.trim().length === 0) throw new BadRequest("inputs must not be empty");
  return inputs;
}

interface DecodedImage {
  bytes: Buffer;
  width: number;
  height: number;
}

async function decodeImage(bytes: Buffer): Promise<DecodedImage> {
  if (bytes.length === 0) throw new BadRequest("No image was provided");
  try {
    const metadata = await sharp(bytes).metadata();
    if (!metadata.width || !metadata.height) throw new Error("no size");
    // Reading the pixels catches truncated files that still have a valid header.
    await sharp(bytes).raw().toBuffer();
    return { bytes, width: metadata.width, height: metadata.height };
  } catch {
    throw new BadRequest("cannot identify image file");
  }
}

function base64Payload(value: unknown, what: string): Buffer {
  if (typeof value !== "string" || value.length === 0)
    throw new BadRequest(`${what} must be a base64 string`);
  const stripped = value.replace(/^data:[^,]*,/, "");
  return Buffer.from(stripped, "base64");
}

/** Raw bytes in the body, or JSON `{inputs: base64}` (segmentation, image-to-image with parameters). */
async function imageInput(request: FakeInferenceRequest): Promise<DecodedImage> {
  if (request.contentType.startsWith("application/json")) {
    const body = jsonBody(request);
    if (!("inputs" in body)) throw new BadRequest("Body needs to provide a inputs key");
    return decodeImage(base64Payload(body.inputs, "inputs"));
  }
  return decodeImage(request.body);
}

async function questionAndImage(
  request: FakeInferenceRequest,
): Promise<{ question: string; image: DecodedImage }> {
  const body = jsonBody(request);
  const inputs = body.inputs;
  if (!isRecord(inputs)) throw new BadRequest("inputs must be an object with question and image");
  if (typeof inputs.question !== "string" || inputs.question.trim() === "")
    throw new BadRequest("inputs.question must be a non-empty string");
  return { question: inputs.question, image: await decodeImage(base64Payload(inputs.image, "inputs.image")) };
}

function looksLikeAudio(bytes: Buffer): boolean {
  const ascii = (start: number, end: number) => bytes.subarray(start, end).toString("latin1");
  return (
    (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WAVE") ||
    ascii(0, 4) === "fLaC" ||
    ascii(0, 4) === "OggS" ||
    ascii(0, 3) === "ID3" ||
    (bytes[0] === 0xff && ((bytes[1] ?? 0) & 0xe0) === 0xe0) ||
    (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) ||
    ascii(4, 8) === "ftyp"
  );
}

function audioInput(request: FakeInferenceRequest): Buffer {
  const bytes = request.contentType.startsWith("application/json")
    ? base64Payload(jsonBody(request).inputs, "inputs")
    : request.body;
  if (bytes.length === 0) throw new BadRequest("No audio was provided");
  if (!looksLikeAudio(bytes)) throw new BadRequest("Malformed soundfile");
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// Text tasks

const NEGATIVE_WORDS =
  /\b(bad|terrible|awful|hate|hated|sad|worst|horrible|angry|boring|poor|disappointing|ugly)\b/i;

function classifySentiment(text: string): Array<{ label: string; score: number }> {
  const negative = NEGATIVE_WORDS.test(text);
  return negative
    ? [
        { label: "NEGATIVE", score: 0.9987 },
        { label: "POSITIVE", score: 0.0013 },
      ]
    : [
        { label: "POSITIVE", score: 0.9991 },
        { label: "NEGATIVE", score: 0.0009 },
      ];
}

const GAZETTEER: ReadonlyMap<string, string> = new Map([
  ...[
    "Paris",
    "London",
    "Berlin",
    "Tokyo",
    "Rome",
    "Madrid",
    "France",
    "Germany",
    "Japan",
    "China",
    "Europe",
  ].map((w) => [w, "LOC"] as const),
  ...["New York", "United States", "America", "Hawaii", "Kenya", "Africa"].map((w) => [w, "LOC"] as const),
  ...["Obama", "Barack", "Einstein", "Merkel", "Macron", "Alice", "Bob", "Marie", "Curie"].map(
    (w) => [w, "PER"] as const,
  ),
  ...[
    "Google",
    "Microsoft",
    "Apple",
    "Hugging Face",
    "OpenAI",
    "Amazon",
    "NASA",
    "BBC",
    "United Nations",
  ].map((w) => [w, "ORG"] as const),
]);

function recognizeEntities(text: string) {
  const entities: Array<{ entity_group: string; score: number; word: string; start: number; end: number }> =
    [];
  for (const match of text.matchAll(/\p{Lu}[\p{L}'-]*(?:\s+\p{Lu}[\p{L}'-]*)*/gu)) {
    const phrase = match[0];
    const start = match.index ?? 0;
    const words = phrase.split(/\s+/);
    const group = GAZETTEER.get(phrase) ?? words.map((w) => GAZETTEER.get(w)).find((g) => g !== undefined);
    const sentenceStart = start === 0 || /[.!?]\s*$/.test(text.slice(0, start));
    if (!group && sentenceStart && words.length === 1) continue;
    entities.push({
      entity_group: group ?? "MISC",
      score: group ? 0.9981 : 0.8512,
      word: phrase,
      start,
      end: start + phrase.length,
    });
  }
  return entities;
}

function sentencesOf(text: string): string[] {
  // A full stop ends a sentence only before a space or the end: "0.98" stays one word.
  return text
    .split(/(?<=[.!?])\s+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function firstSentence(text: string): string {
  const sentence = sentencesOf(text)[0] ?? text.trim();
  const words = sentence.split(/\s+/);
  return words.length > 30 ? `${words.slice(0, 30).join(" ")}…` : sentence;
}

function targetLanguage(request: FakeInferenceRequest): string {
  const target = parametersOf(request.json).tgt_lang;
  if (typeof target === "string" && target.length > 0) return target;
  const pair = /opus-mt-(?:tc-big-)?[a-z]+-([a-z]+)/i.exec(request.model)?.[1];
  if (pair) return pair.toLowerCase();
  const prefix = /^translate \w+ to (\w+):/i.exec(textInputOrEmpty(request))?.[1]?.toLowerCase();
  const byName: Record<string, string> = { german: "de", french: "fr", spanish: "es", english: "en" };
  return (prefix && byName[prefix]) ?? "en";
}

function textInputOrEmpty(request: FakeInferenceRequest): string {
  return isRecord(request.json) && typeof request.json.inputs === "string" ? request.json.inputs : "";
}

const STOPWORDS = new Set(
  "a an the is are was were what who whom which where when why how do does did of in on at to for and or by with from this that it its be".split(
    " ",
  ),
);

function contentWords(text: string): Set<string> {
  return new Set(
    text
      .toLowerCase()
      .split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 0 && !STOPWORDS.has(w)),
  );
}

function answerQuestion(request: FakeInferenceRequest) {
  const inputs = jsonBody(request).inputs;
  if (!isRecord(inputs)) throw new BadRequest("inputs must be an object with question and context");
  const { question, context } = inputs;
  if (typeof question !== "string" || question.trim() === "")
    throw new BadRequest("inputs.question must be a non-empty string");
  if (typeof context !== "string" || context.trim() === "")
    throw new BadRequest("inputs.context must be a non-empty string");
  const wanted = contentWords(question);
  let best = { sentence: sentencesOf(context)[0] ?? context, overlap: -1 };
  for (const sentence of sentencesOf(context)) {
    const overlap = [...contentWords(sentence)].filter((w) => wanted.has(w)).length;
    if (overlap > best.overlap) best = { sentence, overlap };
  }
  const answer = best.sentence.replace(/[.!?]$/, "");
  const start = Math.max(context.indexOf(answer), 0);
  const ratio = wanted.size === 0 ? 0 : Math.max(best.overlap, 0) / wanted.size;
  return { answer, score: Number((0.5 + 0.49 * ratio).toFixed(4)), start, end: start + answer.length };
}

function chatCompletion(request: FakeInferenceRequest) {
  const body = jsonBody(request);
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0)
    throw new BadRequest("messages must be a non-empty array", 422);
  const last = messages.at(-1) as unknown;
  const content = isRecord(last) ? last.content : undefined;
  const text =
    typeof content === "string"
      ? content
      : Array.isArray(content)
        ? content.map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : "")).join(" ")
        : "";
  const reply = `[chat] ${text}`;
  return {
    id: `chatcmpl-${digest(Buffer.from(text)).slice(0, 12)}`,
    object: "chat.completion",
    created: 1_700_000_000,
    model: typeof body.model === "string" ? body.model : request.model,
    system_fingerprint: "fake-hf",
    choices: [
      { index: 0, message: { role: "assistant", content: reply }, logprobs: null, finish_reason: "stop" },
    ],
    usage: {
      prompt_tokens: text.split(/\s+/).length,
      completion_tokens: reply.split(/\s+/).length,
      total_tokens: 0,
    },
  };
}

const CONTINUATION = " and that is how the story continues.";

function textCompletion(request: FakeInferenceRequest) {
  const body = jsonBody(request);
  // The classic hf-inference shape ({inputs}) gets the classic answer, the full text.
  if (!("prompt" in body) && "inputs" in body) {
    const inputs = textInput(request);
    return [{ generated_text: `${inputs}${CONTINUATION}` }];
  }
  const prompt = body.prompt;
  if (typeof prompt !== "string" || prompt.trim() === "")
    throw new BadRequest("prompt must be a non-empty string", 422);
  return {
    id: `cmpl-${digest(Buffer.from(prompt)).slice(0, 12)}`,
    object: "text_completion",
    created: 1_700_000_000,
    model: typeof body.model === "string" ? body.model : request.model,
    choices: [{ index: 0, text: CONTINUATION, logprobs: null, finish_reason: "length" }],
    usage: { prompt_tokens: prompt.split(/\s+/).length, completion_tokens: 8, total_tokens: 0 },
  };
}

function sentenceSimilarity(request: FakeInferenceRequest): number[] {
  const inputs = jsonBody(request).inputs;
  if (!isRecord(inputs)) throw new BadRequest("inputs must be an object with source_sentence and sentences");
  const { source_sentence: source, sentences } = inputs;
  if (typeof source !== "string" || source.trim() === "")
    throw new BadRequest("inputs.source_sentence must be a non-empty string");
  if (!Array.isArray(sentences) || sentences.length === 0 || !sentences.every((s) => typeof s === "string"))
    throw new BadRequest("inputs.sentences must be a non-empty list of strings");
  const left = contentWords(source);
  return sentences.map((sentence: string) => {
    const right = contentWords(sentence);
    const shared = [...left].filter((w) => right.has(w)).length;
    const union = new Set([...left, ...right]).size;
    return union === 0 ? 0 : Number((shared / union).toFixed(4));
  });
}

function tabularClassification(request: FakeInferenceRequest): number[] {
  const inputs = jsonBody(request).inputs;
  const data = isRecord(inputs) ? inputs.data : undefined;
  if (!isRecord(data) || Object.keys(data).length === 0)
    throw new BadRequest("inputs.data must be an object of columns");
  const columns = Object.values(data);
  if (!columns.every((column) => Array.isArray(column)))
    throw new BadRequest("every column of inputs.data must be a list");
  const lengths = new Set(columns.map((column) => (column as unknown[]).length));
  if (lengths.size !== 1) throw new BadRequest("all columns of inputs.data must have the same length");
  const rows = (columns[0] as unknown[]).length;
  return Array.from({ length: rows }, (_, row) => {
    const sum = columns.reduce<number>((total, column) => {
      const value = Number((column as unknown[])[row]);
      return Number.isFinite(value) ? total + value : total;
    }, 0);
    return Math.abs(Math.round(sum)) % 3;
  });
}

// ---------------------------------------------------------------------------------------------
// Vision tasks

function detections(width: number, height: number) {
  const box = (x0: number, y0: number, x1: number, y1: number) => ({
    xmin: Math.round(width * x0),
    ymin: Math.round(height * y0),
    xmax: Math.round(width * x1) - 1,
    ymax: Math.round(height * y1) - 1,
  });
  return [
    { score: 0.9982, label: "giraffe", box: box(0.05, 0.1, 0.45, 0.95) },
    { score: 0.9531, label: "zebra", box: box(0.55, 0.4, 0.95, 0.9) },
  ];
}

async function maskPng(
  width: number,
  height: number,
  inside: (x: number, y: number) => boolean,
): Promise<string> {
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y += 1)
    for (let x = 0; x < width; x += 1) if (inside(x, y)) pixels[y * width + x] = 255;
  const png = await sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColourspace("b-w")
    .png()
    .toBuffer();
  return png.toString("base64");
}

async function segments(width: number, height: number) {
  return [
    {
      score: 0.9876,
      label: "giraffe",
      mask: await maskPng(width, height, (x, y) => x < width / 2 && y > height / 4),
    },
    {
      score: 0.9421,
      label: "zebra",
      mask: await maskPng(width, height, (x, y) => x >= width / 2 && y > height / 2),
    },
    { score: 0.9013, label: "sky", mask: await maskPng(width, height, (_x, y) => y <= height / 4) },
  ];
}

async function depth(width: number, height: number) {
  // Nearer toward the bottom of the picture, as in most photos.
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y += 1)
    pixels.fill(Math.round((255 * y) / Math.max(height - 1, 1)), y * width, (y + 1) * width);
  const png = await sharp(pixels, { raw: { width, height, channels: 1 } })
    .toColourspace("b-w")
    .png()
    .toBuffer();
  const rows = Math.min(height, 16);
  const columns = Math.min(width, 16);
  const predicted = Array.from({ length: rows }, (_, row) =>
    Array.from({ length: columns }, () => Number((10 - (9 * row) / Math.max(rows - 1, 1)).toFixed(3))),
  );
  return { predicted_depth: predicted, depth: png.toString("base64") };
}

async function imageFromPrompt(prompt: string, parameters: Record<string, unknown>): Promise<Buffer> {
  const size = (value: unknown) =>
    typeof value === "number" && Number.isFinite(value)
      ? Math.min(Math.max(Math.round(value), 8), 1024)
      : 128;
  const hash = createHash("sha256").update(prompt).digest();
  return sharp({
    create: {
      width: size(parameters.width),
      height: size(parameters.height),
      channels: 3,
      background: { r: hash[0] ?? 0, g: hash[1] ?? 0, b: hash[2] ?? 0 },
    },
  })
    .png()
    .toBuffer();
}

function visualAnswer(question: string): string {
  const q = question.toLowerCase();
  if (q.includes("how many")) return "2";
  if (q.includes("color") || q.includes("colour")) return "brown";
  if (/^(is|are|does|do|can|was|were|has|have)\b/.test(q)) return "yes";
  return "giraffe";
}

function documentAnswer(question: string): string {
  const q = question.toLowerCase();
  if (q.includes("total") || q.includes("amount")) return "$1,234.56";
  if (q.includes("date")) return "2023-03-14";
  if (q.includes("invoice") && q.includes("number")) return "INV-0042";
  return "Hugging Face Inc.";
}

// ---------------------------------------------------------------------------------------------
// Media

const SAMPLE_RATE = 16_000;

/** A 16-bit mono PCM WAV file around `samples`. */
export function wavFromSamples(samples: Int16Array, sampleRate = SAMPLE_RATE): Buffer {
  const dataSize = samples.length * 2;
  const header = Buffer.alloc(44);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(36 + dataSize, 4);
  header.write("WAVE", 8, "latin1");
  header.write("fmt ", 12, "latin1");
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36, "latin1");
  header.writeUInt32LE(dataSize, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, dataSize)]);
}

/** A short tone WAV, handy as an audio fixture. */
export function toneWav(seconds = 0.5, frequency = 440): Buffer {
  const samples = new Int16Array(Math.round(SAMPLE_RATE * seconds));
  for (let i = 0; i < samples.length; i += 1)
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * frequency * i) / SAMPLE_RATE));
  return wavFromSamples(samples);
}

function speak(text: string): Buffer {
  const hash = createHash("sha256").update(text).digest();
  const frequency = 200 + ((hash[0] ?? 0) % 400);
  return toneWav(Math.min(0.25 + 0.02 * text.length, 5), frequency);
}

/** Our own PCM16 WAV at half the amplitude ("denoised"); any other audio becomes a short tone. */
function quieter(audio: Buffer): Buffer {
  const isPcmWav =
    audio.subarray(0, 4).toString("latin1") === "RIFF" &&
    audio.length > 44 &&
    audio.readUInt16LE(20) === 1 &&
    audio.readUInt16LE(34) === 16 &&
    audio.subarray(36, 40).toString("latin1") === "data";
  if (!isPcmWav) return toneWav(0.5, 330);
  const count = Math.floor((audio.length - 44) / 2);
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i += 1) samples[i] = Math.round(audio.readInt16LE(44 + i * 2) / 2);
  return wavFromSamples(samples, audio.readUInt32LE(24));
}

function box(type: string, payload: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + payload.length, 0);
  header.write(type, 4, "latin1");
  return Buffer.concat([header, payload]);
}

/** An ISO-BMFF file with an `ftyp` box and an `mdat` holding the prompt: sniffed as MP4, not playable. */
function fakeMp4(prompt: string): Buffer {
  const brands = Buffer.from("isom\u0000\u0000\u0002\u0000isomiso2avc1mp41", "latin1");
  return Buffer.concat([
    box("ftyp", brands),
    box("free", Buffer.alloc(0)),
    box("mdat", Buffer.from(prompt, "utf8")),
  ]);
}
