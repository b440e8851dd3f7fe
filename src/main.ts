import { type ConsoleChatOptions, runConsoleChat } from "../adapters/console/chat.js";
import type { Config } from "./config/index.js";
import { secretValues } from "./config/index.js";
import { BotError } from "./errors.js";
import { createHostedBackend } from "./experts/hosted/index.js";
import { createLlmBackend } from "./experts/llm.js";
import { createOpenAiLlm } from "./llm/client.js";
import type { LlmClient } from "./llm/types.js";
import { createLogger, type Logger } from "./log.js";
import { createModelCatalog } from "./models/index.js";
import type { ModelCatalog } from "./models/types.js";
import { createGuardedFetch } from "./net/index.js";
import { createPipeline, type Pipeline, type PipelineSettings } from "./pipeline/index.js";
import { inputFromFile } from "./pipeline/inputs.js";
import type { Backends } from "./pipeline/select.js";
import { inspectImage } from "./render/index.js";
import { createStorage, type Storage } from "./storage/index.js";
import type { InputKind, Resource } from "./tasks/index.js";
import { resourceAs } from "./tasks/index.js";

export interface App {
  config: Config;
  logger: Logger;
  llm: LlmClient | undefined;
  catalog: ModelCatalog;
  backends: Backends;
  pipeline: Pipeline;
  storage: Storage;
  close(): Promise<void>;
}

export interface AppOptions {
  /** The environment the secrets to redact come from. */
  env?: Record<string, string | undefined>;
  storage?: Storage;
  logger?: Logger;
}

const HOUR = 3_600_000;

/** Whether an LLM is configured: a key, or a base URL of a server that needs none (Ollama, vLLM). */
export function llmConfigured(config: Config): boolean {
  return config.OPENAI_API_KEY !== undefined || config.OPENAI_BASE_URL !== "https://api.openai.com/v1";
}

function settingsFrom(config: Config): PipelineSettings {
  return {
    mode: config.INFERENCE_MODE,
    selection: config.MODEL_SELECTION,
    candidates: config.MODEL_CANDIDATES,
    llmTextTasks: config.LLM_TEXT_TASKS,
    taskTimeoutMs: config.TASK_TIMEOUT_SECONDS * 1000,
    maxParallel: config.MAX_PARALLEL_TASKS,
    maxLoadingWaitMs: 60_000,
    maxTasks: 20,
  };
}

/** The composition root: config → storage → catalog → experts → pipeline. */
export function createApp(config: Config, options: AppOptions = {}): App {
  const logger =
    options.logger ??
    createLogger({ level: config.LOG_LEVEL, secrets: secretValues(options.env ?? process.env) });
  const storage = options.storage ?? createStorage();
  const maxBytes = config.MAX_FILE_MB * 1024 * 1024;

  const llm = llmConfigured(config)
    ? createOpenAiLlm({
        ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
        baseURL: config.OPENAI_BASE_URL,
        model: config.LLM_MODEL,
        timeoutMs: config.LLM_TIMEOUT_SECONDS * 1000,
        logger,
      })
    : undefined;

  const catalog = createModelCatalog({
    hubEndpoint: config.HF_ENDPOINT,
    ...(config.HF_TOKEN ? { token: config.HF_TOKEN } : {}),
    cache: storage.namespace("catalog", config.CATALOG_TTL_MINUTES * 60_000),
    ttlMs: config.CATALOG_TTL_MINUTES * 60_000,
    timeoutMs: 5_000,
    live: config.HUB_CATALOG,
  });

  const backends: Backends = {
    hosted: createHostedBackend({
      ...(config.HF_TOKEN ? { token: config.HF_TOKEN } : {}),
      ...(config.HF_INFERENCE_ENDPOINT ? { endpointUrl: config.HF_INFERENCE_ENDPOINT } : {}),
      hubUrl: config.HF_ENDPOINT,
    }),
    ...(llm ? { llm: createLlmBackend(llm) } : {}),
  };

  // Links in requests and plans may point at the endpoints the operator configured, never elsewhere private.
  const configuredEndpoints = [config.HF_INFERENCE_ENDPOINT, config.HF_ENDPOINT]
    .filter((endpoint): endpoint is string => endpoint !== undefined)
    .map((endpoint) => {
      const url = new URL(endpoint);
      return `${url.hostname}:${url.port || (url.protocol === "https:" ? "443" : "80")}`;
    });
  const guardedFetch = createGuardedFetch({
    maxBytes,
    timeoutMs: 30_000,
    allowPrivateHosts: configuredEndpoints,
  });
  const acceptedTypes: Record<InputKind, string[]> = {
    image: ["image/", "application/octet-stream"],
    audio: ["audio/", "video/", "application/octet-stream"],
    text: ["text/", "application/json"],
  };

  const pipeline = createPipeline({
    ...(llm ? { llm } : {}),
    catalog,
    backends,
    settings: settingsFrom(config),
    cache: storage.namespace<string>("results", 24 * HOUR),
    logger,
    async resolveUrl(url, kind, signal): Promise<Resource> {
      const file = await guardedFetch(url, { signal, allowedContentTypes: acceptedTypes[kind] });
      const input = inputFromFile(file.name, file.bytes, { maxBytes });
      const resource = resourceAs(input.resource, kind);
      if (!resource) {
        throw new BotError("input_invalid", `${url} is not ${kind}`, {
          userMessage: `The link ${url} does not point to ${kind === "image" ? "an image" : `a ${kind} file`}.`,
        });
      }
      return resource;
    },
    async validateImage(bytes, name) {
      await inspectImage(bytes, { name });
    },
  });

  return {
    config,
    logger,
    llm,
    catalog,
    backends,
    pipeline,
    storage,
    close: () => storage.close(),
  };
}

/** The terminal chat on this app: the one place where src/ reaches an adapter. */
export function startTerminalChat(app: App, options: ConsoleChatOptions): Promise<void> {
  return runConsoleChat(app, options);
}
