import { resolve } from "node:path";
import type { Readable, Writable } from "node:stream";
import {
  type ConsoleAdapter,
  createConsoleAdapter,
  defaultConsoleThread,
} from "../adapters/console/index.js";
import type { DeployResult } from "../adapters/discord/commands.js";
import {
  createLazyDiscordAdapter,
  deployCommandsLazily,
  loadDiscordPostman,
} from "../adapters/discord/lazy.js";
import type { HttpRoute } from "../adapters/shared/http-routes.js";
import {
  createLazySlackAdapter,
  loadSlackBotTokens,
  loadSlackPostman,
  type SlackInstallationStorage,
  type SlackOAuthSettings,
  slackInstallationStore,
} from "../adapters/slack/lazy.js";
import { createWebAdapter, type WebAdapter } from "../adapters/web/index.js";
import { COMMANDS } from "../commands/index.js";
import type { Config } from "./config/index.js";
import {
  configuredEndpointHosts,
  hostedConfigured,
  llmConfigured,
  secretValues,
  shardPlan,
  slackInstallFlowRequested,
} from "./config/index.js";
import { type Bot, type BotOptions, createBot } from "./core/bot.js";
import { botSettingsFrom } from "./core/settings.js";
import { createSettingsDesk } from "./core/settings-desk.js";
import type { Adapter, Platform, Postman } from "./core/types.js";
import type { UsageAccounting } from "./core/usage.js";
import type { SlackInstallationListing } from "./doctor-slack.js";
import { BotError } from "./errors.js";
import { createHostedBackend } from "./experts/hosted/index.js";
import { createLlmBackend } from "./experts/llm.js";
import {
  createImageSafetyClassifier,
  createLocalBackend,
  defaultLocalRunners,
  type ImageSafetyClassifier,
  type LocalBackend,
} from "./experts/local/index.js";
import { createOpenAiLlm } from "./llm/client.js";
import type { LlmClient } from "./llm/types.js";
import { createLogger, type Logger, silentLogger } from "./log.js";
import { createModelCatalog } from "./models/index.js";
import type { ModelCatalog } from "./models/types.js";
import { createGuardedFetch } from "./net/index.js";
import type { ProcessRole, QueueDepth } from "./ops/metrics.js";
import { parseOtlpHeaders } from "./ops/otlp-headers.js";
import { type OpsServer, type ReadinessCheck, startOpsServer } from "./ops/server.js";
import { type OpsTelemetry, startOpsTelemetry } from "./ops/telemetry.js";
import { createPipeline, type Pipeline, type PipelineSettings } from "./pipeline/index.js";
import { createLinkResolver } from "./pipeline/links.js";
import { listModels } from "./pipeline/models-report.js";
import { classifierScreen } from "./pipeline/screen.js";
import type { Backends } from "./pipeline/select.js";
import { pipelineSettingsFrom } from "./pipeline/settings.js";
import { closeRenderPool, fitImage, inspectImage } from "./render/index.js";
import type { Gateway, Worker } from "./scale/roles.js";
import { createStorageFromConfig, type Storage } from "./storage/index.js";
import { NO_TELEMETRY, type Telemetry } from "./telemetry.js";
import {
  type BudgetOverridesReader,
  budgetDefaultsFrom,
  type ClosableLedger,
  createStoredUsageLedger,
  createUsageAccounting,
  lazyUsageLedger,
  type UsageLedger,
  usageReport,
} from "./usage/index.js";
import {
  createWorkspaceSettings,
  deploymentCapabilities,
  environmentSettingsFrom,
  type WorkspaceSettingsStore,
} from "./workspace-settings/index.js";

export interface App {
  config: Config;
  logger: Logger;
  llm: LlmClient | undefined;
  catalog: ModelCatalog;
  backends: Backends;
  /** This machine's experts (absent in hosted mode): what runs here, and why the rest cannot. */
  local: LocalBackend | undefined;
  /** The image safety check on the way out (SAFETY_CHECK), when its model can run here. */
  safety: ImageSafetyClassifier | undefined;
  /** The pipeline's settings, as taken from the configuration. */
  settings: PipelineSettings;
  /** What admins set per workspace and channel (`/settings`) over the configuration, in storage. */
  workspaceSettings: WorkspaceSettingsStore;
  pipeline: Pipeline;
  storage: Storage;
  /** Where the bot's parts report (metrics and traces of `start`); NO_TELEMETRY elsewhere. */
  telemetry: Telemetry;
  /** Where usage is counted: Redis when REDIS_URL is set (shared by every process), else the storage. */
  usageLedger: ClosableLedger;
  /** Usage counted and budgets applied on `usageLedger`, as every bot of this app does. */
  usage: UsageAccounting;
  /** The workspaces' budget overrides, when the settings supply them. */
  budgetOverrides: BudgetOverridesReader;
  /**
   * The bot loop over this app's pipeline and storage, with the commands of commands/: what every
   * adapter is started with. Made on first use, so `ask` and `models` never build it.
   */
  readonly bot: Bot;
  /** Closes the bot (if it was made: queued requests withdrawn, running ones aborted), then storage. */
  close(): Promise<void>;
}

export interface AppOptions {
  /** The environment the secrets to redact come from. */
  env?: Record<string, string | undefined>;
  storage?: Storage;
  logger?: Logger;
  /** The local experts (tests give their own; default: the ones this bot ships). */
  localBackend?: LocalBackend;
  /** Where the bot's parts report (`startAppTelemetry`); default: nowhere. */
  telemetry?: Telemetry;
  /** Where usage is counted (default: Redis with REDIS_URL, else the storage). */
  usageLedger?: ClosableLedger;
  /** A workspace's budget overrides, from its settings (default: the environment's budgets everywhere). */
  budgetOverrides?: BudgetOverridesReader;
}

const HOUR = 3_600_000;

/** The logger of an app: LOG_LEVEL, with the secrets of `env` redacted. */
export function createAppLogger(
  config: Config,
  env: Record<string, string | undefined> = process.env,
): Logger {
  return createLogger({ level: config.LOG_LEVEL, secrets: secretValues(env) });
}

/** The composition root: config → storage → catalog → experts → pipeline. */
export function createApp(config: Config, options: AppOptions = {}): App {
  const logger = options.logger ?? createAppLogger(config, options.env);
  const telemetry = options.telemetry ?? NO_TELEMETRY;
  // Redis when REDIS_URL is set, else the SQLite file in DATA_DIR; calls fall back to memory while it is down.
  const storage = options.storage ?? createStorageFromConfig(config, logger);
  const maxBytes = config.MAX_FILE_MB * 1024 * 1024;

  const llm = llmConfigured(config)
    ? createOpenAiLlm({
        ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
        baseURL: config.OPENAI_BASE_URL,
        model: config.LLM_MODEL,
        timeoutMs: config.LLM_TIMEOUT_SECONDS * 1000,
        logger,
        telemetry,
      })
    : undefined;

  const catalog = createModelCatalog({
    hubEndpoint: config.HF_ENDPOINT,
    ...(config.HF_TOKEN ? { token: config.HF_TOKEN } : {}),
    cache: storage.namespace("catalog", config.CATALOG_TTL_MINUTES * 60_000),
    ttlMs: config.CATALOG_TTL_MINUTES * 60_000,
    timeoutMs: 5_000,
    // Local mode never calls out, not even to list models.
    live: config.HUB_CATALOG && config.INFERENCE_MODE !== "local",
  });

  // One classifier (one loaded model) for both the outgoing-image screen and "is this safe to share?".
  const safetyClassifier = createImageSafetyClassifier();
  const local =
    config.INFERENCE_MODE === "hosted"
      ? undefined
      : (options.localBackend ?? createLocalBackend(defaultLocalRunners({ safety: safetyClassifier })));
  const backends: Backends = {
    ...(local ? { local } : {}),
    ...(config.LOCAL_INFERENCE_ENDPOINT && config.INFERENCE_MODE !== "hosted"
      ? {
          endpoint: createHostedBackend({
            endpointUrl: config.LOCAL_INFERENCE_ENDPOINT,
            hubUrl: config.HF_ENDPOINT,
            source: "endpoint",
          }),
        }
      : {}),
    // Hugging Face answers no inference call without a token: without one, hosted is not offered.
    ...(hostedConfigured(config) && config.INFERENCE_MODE !== "local"
      ? {
          hosted: createHostedBackend({
            ...(config.HF_TOKEN ? { token: config.HF_TOKEN } : {}),
            ...(config.HF_INFERENCE_ENDPOINT ? { endpointUrl: config.HF_INFERENCE_ENDPOINT } : {}),
            hubUrl: config.HF_ENDPOINT,
          }),
        }
      : {}),
    ...(llm ? { llm: createLlmBackend(llm) } : {}),
  };
  const safety = config.SAFETY_CHECK ? safetyClassifier : undefined;
  // Fails closed: an image that cannot be checked is withheld, and the note says how to enable the check.
  // Made even with SAFETY_CHECK=false (then silent at start), as a channel's /settings may turn it on.
  const screenImage = classifierScreen(safetyClassifier, safety ? logger : silentLogger);

  // Links in requests and plans may point at the endpoints the operator configured, never elsewhere private.
  const guardedFetch = createGuardedFetch({
    maxBytes,
    timeoutMs: 30_000,
    allowPrivateHosts: configuredEndpointHosts(config),
  });

  const settings = pipelineSettingsFrom(config);
  const pipeline = createPipeline({
    ...(llm ? { llm } : {}),
    catalog,
    backends,
    settings,
    cache: storage.namespace<string>("results", 24 * HOUR),
    logger,
    resolveUrl: createLinkResolver({ fetch: guardedFetch, maxBytes }),
    async validateImage(bytes, name) {
      await inspectImage(bytes, { name });
    },
    screenImage,
    telemetry,
  });
  const workspaceSettings = createWorkspaceSettings({
    storage,
    environment: environmentSettingsFrom(config),
    capabilities: () =>
      deploymentCapabilities({
        nearby: backends.local !== undefined || backends.endpoint !== undefined,
        hosted: backends.hosted !== undefined,
        llm: llm !== undefined,
        memoryTurns: config.MEMORY_TURNS,
        safetyCheck: async () => (await safetyClassifier.probe()).available,
      }),
    logger: logger.child({ component: "settings" }),
  });

  const usageLedger = options.usageLedger ?? openUsageLedger(config, storage);
  // A workspace's budgets as its admins set them with /settings, over the environment's.
  const budgetOverrides: BudgetOverridesReader =
    options.budgetOverrides ?? ((workspace) => workspaceSettings.budgetOverrides(workspace));
  const usage = createAppUsage(config, usageLedger, logger, budgetOverrides);

  let bot: Bot | undefined;
  const app: App = {
    config,
    logger,
    llm,
    catalog,
    backends,
    local,
    safety,
    settings,
    workspaceSettings,
    pipeline,
    storage,
    telemetry,
    usageLedger,
    usage,
    budgetOverrides,
    get bot() {
      bot ??= createAppBot(app);
      return bot;
    },
    async close() {
      await bot?.close();
      await Promise.all([
        storage.close(),
        usageLedger.close(),
        local?.close(),
        safetyClassifier.close(),
        closeRenderPool(),
      ]);
    },
  };
  return app;
}

/**
 * The usage ledger the configuration asks for: on Redis when REDIS_URL is set (every process of the
 * bot counts in it, atomically), else in the storage (SQLite: exact within this process).
 */
export function openUsageLedger(config: Pick<Config, "REDIS_URL">, storage: Storage): ClosableLedger {
  const url = config.REDIS_URL;
  if (url) {
    // ioredis is loaded on first use, from src/scale/ where it lives.
    return lazyUsageLedger(() =>
      import("./scale/usage-ledger.js").then((module) => module.connectRedisUsageLedger(url)),
    );
  }
  return { ...createStoredUsageLedger(storage), close: async () => undefined };
}

/** The usage counts in the configured storage, for `hugginggpt-bot usage`; `close` closes what it opened. */
export function openUsageCounts(
  config: Config,
  logger: Logger = silentLogger,
): { report(at: number): Promise<string>; close(): Promise<void> } {
  const storage = createStorageFromConfig(config, logger);
  const ledger = openUsageLedger(config, storage);
  return {
    report: (at) => usageReport(ledger, budgetDefaultsFrom(config), at),
    async close() {
      await ledger.close();
      await storage.close();
    },
  };
}

/** Usage accounting over a ledger with the configuration's budgets and admins. */
export function createAppUsage(
  config: Config,
  ledger: UsageLedger,
  logger: Logger,
  overrides?: BudgetOverridesReader,
): UsageAccounting {
  return createUsageAccounting({
    ledger,
    budgets: budgetDefaultsFrom(config),
    admins: config.SETTINGS_ADMINS,
    ...(overrides ? { overrides } : {}),
    logger: logger.child({ component: "usage" }),
  });
}

/**
 * A bot on an app's pipeline, storage and configuration; `overrides` replace parts (a test's clock,
 * a scripted pipeline). `app.bot` is this with no overrides.
 */
export function createAppBot(app: App, overrides: Partial<BotOptions> = {}): Bot {
  return createBot({
    pipeline: app.pipeline,
    storage: app.storage,
    settings: botSettingsFrom(app.config),
    logger: app.logger,
    commands: COMMANDS,
    listModels: (task) => listModels(app, task),
    workspaceSettings: app.workspaceSettings,
    settingsAdmins: app.config.SETTINGS_ADMINS,
    telemetry: app.telemetry,
    usage: app.usage,
    ...overrides,
  });
}

/**
 * A chat platform `start` can run: what it needs to be configured, and how it is made. The Discord and
 * Slack adapters register here; `start` runs every configured one, or else the terminal chat.
 */
export interface PlatformAdapterSpec {
  platform: Platform;
  /** What to set, for the message `start` prints when nothing is configured ("DISCORD_TOKEN"). */
  needs: string;
  configured(config: Config): boolean;
  /** Whether its adapter listens on PORT itself (Slack over HTTP): then it serves the others' routes too. */
  listensOnPort?(config: Config): boolean;
  create(app: App, wiring?: PlatformWiring): Adapter;
  /** What a worker answers this platform's requests with (its API, no gateway connection). */
  postman?(app: App): Promise<Postman>;
}

/**
 * What the platforms of one process share: the one HTTP port. The platform that listens on PORT
 * serves `portRoutes` beside its own (Slack's receiver: Discord's interactions endpoint); when none
 * does, a platform with routes listens itself.
 */
export interface PlatformWiring {
  /** Another platform of this process listens on PORT. */
  readonly portTaken: boolean;
  /** This process is a gateway: it admits and queues, workers download and answer. */
  readonly gateway?: boolean;
  /** Routes for that platform to serve, added as the adapters are made and read when it starts. */
  readonly portRoutes: HttpRoute[];
}

/** The adapters of the given platforms, made for one process: PORT shared as `PlatformWiring` says. */
export function createPlatformAdapters(
  app: App,
  specs: readonly PlatformAdapterSpec[],
  options: { gateway?: boolean } = {},
): Adapter[] {
  const wiring: PlatformWiring = {
    portTaken: specs.some((spec) => spec.listensOnPort?.(app.config) ?? false),
    portRoutes: [],
    ...(options.gateway ? { gateway: true } : {}),
  };
  return specs.map((spec) => spec.create(app, wiring));
}

/** Every chat platform the bot can run on besides the terminal. */
export const PLATFORM_ADAPTERS: readonly PlatformAdapterSpec[] = [
  {
    platform: "discord",
    needs:
      "DISCORD_TOKEN (then run deploy-commands once), or DISCORD_PUBLIC_KEY with DISCORD_GATEWAY=false for the interactions endpoint alone",
    configured: (config) => config.DISCORD_TOKEN !== undefined || config.DISCORD_PUBLIC_KEY !== undefined,
    create: (app, wiring) =>
      createLazyDiscordAdapter({
        ...(app.config.DISCORD_TOKEN ? { token: app.config.DISCORD_TOKEN } : {}),
        apiUrl: app.config.DISCORD_API_URL,
        gateway: app.config.DISCORD_GATEWAY,
        shards: shardPlan(app.config),
        ...(app.config.DISCORD_PUBLIC_KEY
          ? {
              interactions: {
                publicKey: app.config.DISCORD_PUBLIC_KEY,
                ...(wiring?.portTaken ? {} : { listen: { port: app.config.PORT } }),
              },
              ...(wiring?.portTaken ? { mountInteractions: (route) => wiring.portRoutes.push(route) } : {}),
            }
          : {}),
        messageContent: app.config.DISCORD_MESSAGE_CONTENT,
        commands: COMMANDS,
        maxFileBytes: app.config.MAX_FILE_MB * 1024 * 1024,
        downloadTimeoutMs: app.config.DOWNLOAD_TIMEOUT_SECONDS * 1000,
        ...(wiring?.gateway ? { gatewayRole: true } : {}),
        fitImage: (bytes, maxBytes) => fitImage(bytes, maxBytes),
        logger: app.logger.child({ platform: "discord" }),
        telemetry: app.telemetry,
      }),
    postman: (app) =>
      loadDiscordPostman({
        ...(app.config.DISCORD_TOKEN ? { token: app.config.DISCORD_TOKEN } : {}),
        apiUrl: app.config.DISCORD_API_URL,
        maxFileBytes: app.config.MAX_FILE_MB * 1024 * 1024,
        downloadTimeoutMs: app.config.DOWNLOAD_TIMEOUT_SECONDS * 1000,
        fitImage: (bytes, maxBytes) => fitImage(bytes, maxBytes),
        logger: app.logger.child({ platform: "discord" }),
        telemetry: app.telemetry,
      }),
  },
  {
    platform: "slack",
    needs:
      "SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (events over HTTP on PORT) or SLACK_APP_TOKEN (Socket Mode); for many workspaces SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and SLACK_INSTALLATION_KEY instead of SLACK_BOT_TOKEN",
    configured: (config) => config.SLACK_BOT_TOKEN !== undefined || slackInstallFlowRequested(config),
    // Socket Mode (an app token) listens on no port for events.
    listensOnPort: (config) =>
      (config.SLACK_BOT_TOKEN !== undefined || slackInstallFlowRequested(config)) &&
      config.SLACK_APP_TOKEN === undefined,
    create: (app, wiring) =>
      createLazySlackAdapter({
        ...(app.config.SLACK_BOT_TOKEN ? { botToken: app.config.SLACK_BOT_TOKEN } : {}),
        ...(app.config.SLACK_SIGNING_SECRET ? { signingSecret: app.config.SLACK_SIGNING_SECRET } : {}),
        ...(app.config.SLACK_APP_TOKEN ? { appToken: app.config.SLACK_APP_TOKEN } : {}),
        apiUrl: app.config.SLACK_API_URL,
        port: app.config.PORT,
        ...(wiring ? { routes: wiring.portRoutes } : {}),
        logger: app.logger.child({ platform: "slack" }),
        telemetry: app.telemetry,
        ...slackOAuthOf(app),
      }),
    postman: async (app) => {
      const logger = app.logger.child({ platform: "slack" });
      const { oauth } = slackOAuthOf(app);
      // Installed in many workspaces: each workspace's token from its stored installation.
      const tokens = oauth
        ? await loadSlackBotTokens({ oauth, apiUrl: app.config.SLACK_API_URL, logger })
        : async () => app.config.SLACK_BOT_TOKEN;
      return loadSlackPostman({ tokens, apiUrl: app.config.SLACK_API_URL, logger, telemetry: app.telemetry });
    },
  },
];

/** The roles need Redis: the queue, the counters and the thread order live there. */
function redisUrlFor(config: Config, role: string): string {
  if (!config.REDIS_URL) {
    throw new BotError("config_invalid", `--role ${role} without REDIS_URL`, {
      userMessage: `start --role ${role} needs REDIS_URL: gateways and workers share the queue in Redis.`,
    });
  }
  return config.REDIS_URL;
}

/** A gateway on this app (`start --role gateway`): its bot admits and queues, the workers answer. */
export async function createAppGateway(app: App): Promise<Gateway> {
  // BullMQ and ioredis are loaded by the roles only: `start`, `ask` and `chat` never pay for them.
  const { createGateway } = await import("./scale/roles.js");
  return createGateway({
    redisUrl: redisUrlFor(app.config, "gateway"),
    storage: app.storage,
    settings: botSettingsFrom(app.config),
    commands: COMMANDS,
    listModels: (task) => listModels(app, task),
    settingsDesk: createSettingsDesk({
      store: app.workspaceSettings,
      admins: app.config.SETTINGS_ADMINS,
      logger: app.logger.child({ role: "gateway" }),
    }),
    workerConcurrency: app.config.MAX_CONCURRENT_REQUESTS,
    lockMs: app.config.JOB_LOCK_SECONDS * 1000,
    logger: app.logger.child({ role: "gateway" }),
    telemetry: app.telemetry,
    // On the gateway's own connection: one atomic script per request, shared by every gateway.
    usage: (ledger) => createAppUsage(app.config, ledger, app.logger, app.budgetOverrides),
  });
}

/** A worker on this app (`start --role worker`), answering the configured platforms through their APIs. */
export async function startAppWorker(app: App): Promise<Worker> {
  const platforms = PLATFORM_ADAPTERS.filter((spec) => spec.configured(app.config) && spec.postman);
  if (platforms.length === 0) {
    throw new BotError("config_invalid", "a worker without platform credentials", {
      userMessage: `A worker answers through the platforms' APIs and needs their credentials: ${PLATFORM_ADAPTERS.filter(
        (spec) => spec.postman,
      )
        .map((spec) => spec.needs.split(" ")[0])
        .join(" or ")}.`,
    });
  }
  const postmen = await Promise.all(platforms.map((spec) => spec.postman?.(app) as Promise<Postman>));
  const { startWorker } = await import("./scale/roles.js");
  return startWorker({
    redisUrl: redisUrlFor(app.config, "worker"),
    pipeline: app.pipeline,
    storage: app.storage,
    settings: botSettingsFrom(app.config),
    postmen,
    workspaceSettings: app.workspaceSettings,
    lockMs: app.config.JOB_LOCK_SECONDS * 1000,
    logger: app.logger.child({ role: "worker" }),
    telemetry: app.telemetry,
    usage: (ledger) => createAppUsage(app.config, ledger, app.logger, app.budgetOverrides),
  });
}

/** The install flow's settings when any of its variables is set (the bot serves many workspaces). */
function slackOAuthOf(app: App): { oauth?: SlackOAuthSettings } {
  if (!slackInstallFlowRequested(app.config)) return {};
  return {
    oauth: {
      clientId: app.config.SLACK_CLIENT_ID,
      clientSecret: app.config.SLACK_CLIENT_SECRET,
      stateSecret: app.config.SLACK_STATE_SECRET,
      installationKey: app.config.SLACK_INSTALLATION_KEY,
      storage: slackInstallationStorage(app.storage),
    },
  };
}

/** Where Slack installations are kept: a namespace of the bot's storage, without expiry. */
function slackInstallationStorage(storage: Storage): SlackInstallationStorage {
  return {
    kv: storage.namespace<unknown>("slack-installations", 0),
    keys: () => storage.keys("slack-installations"),
  };
}

/**
 * The Slack installations in the configured storage, for `doctor` (undefined without
 * SLACK_INSTALLATION_KEY); `close` closes the storage it opened.
 */
export function openSlackInstallations(
  config: Config,
  logger: Logger = silentLogger,
): { list(): Promise<SlackInstallationListing[]>; close(): Promise<void> } | undefined {
  const key = config.SLACK_INSTALLATION_KEY;
  if (!key) return undefined;
  const storage = createStorageFromConfig(config, logger);
  const store = slackInstallationStore(slackInstallationStorage(storage), key);
  return { list: () => store.list(), close: () => storage.close() };
}

/**
 * Registers the slash commands of commands/ on Discord (`deploy-commands`): one idempotent PUT,
 * to DISCORD_GUILD_ID when set, else globally.
 */
export function deployDiscordCommands(config: Config & { DISCORD_TOKEN: string }): Promise<DeployResult> {
  return deployCommandsLazily({
    token: config.DISCORD_TOKEN,
    ...(config.DISCORD_APP_ID ? { applicationId: config.DISCORD_APP_ID } : {}),
    ...(config.DISCORD_GUILD_ID ? { guildId: config.DISCORD_GUILD_ID } : {}),
    apiUrl: config.DISCORD_API_URL,
    commands: COMMANDS,
  });
}

export interface TerminalChatOptions {
  input: Readable;
  output: Writable;
  cwd: string;
  /** Where result files go (`<dir>/<request id>/…`); default `DATA_DIR/files`. */
  filesDir?: string;
  /** A named conversation of its own instead of the terminal's default one. */
  thread?: string;
  /** More lines for the start of the chat (where the logs go). */
  notes?: string[];
}

/** The terminal chat on this app, to start with `app.bot`: the one place where src/ reaches an adapter. */
export function createTerminalChat(app: App, options: TerminalChatOptions): ConsoleAdapter {
  const notes = app.llm
    ? []
    : [
        "No language model is configured: requests are planned by offline rules and answered by the experts on this machine (type help). For any request, set OPENAI_API_KEY (or OPENAI_BASE_URL and LLM_MODEL for a local server such as Ollama) in .env.",
      ];
  return createConsoleAdapter({
    input: options.input,
    output: options.output,
    cwd: options.cwd,
    filesDir: options.filesDir ?? resolve(options.cwd, app.config.DATA_DIR, "files"),
    maxFileBytes: app.config.MAX_FILE_MB * 1024 * 1024,
    ...(options.thread ? { thread: defaultConsoleThread(options.thread) } : {}),
    notes: [...notes, ...(options.notes ?? [])],
    logger: app.logger.child({ platform: "console" }),
  });
}

/** The local web playground on this app (`web`, and `start` with no platform and no terminal). */
export function createWebPlayground(app: App, options: { port?: number; host?: string } = {}): WebAdapter {
  return createWebAdapter({
    port: options.port ?? app.config.WEB_PORT,
    host: options.host ?? app.config.WEB_HOST,
    dataDir: resolve(app.config.DATA_DIR, "web"),
    kv: app.storage.namespace("web", 30 * 24 * HOUR),
    maxFileBytes: app.config.MAX_FILE_MB * 1024 * 1024,
    newSessionsPerHour: app.config.WEB_NEW_SESSIONS_PER_HOUR,
    llm: app.llm !== undefined,
    commands: COMMANDS,
    logger: app.logger.child({ platform: "web" }),
  });
}

/**
 * The telemetry of a `start` process in `role`, made before its app (whose parts report to it):
 * Prometheus metrics unless METRICS_PORT is 0, traces when OTEL_EXPORTER_OTLP_ENDPOINT is set.
 */
export function startAppTelemetry(config: Config, role: ProcessRole, logger: Logger): Promise<OpsTelemetry> {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  return startOpsTelemetry({
    role,
    metrics: config.METRICS_PORT !== 0,
    ...(endpoint
      ? {
          tracing: {
            endpoint,
            serviceName: config.OTEL_SERVICE_NAME,
            headers: parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS),
          },
        }
      : {}),
    logger,
  });
}

/** What the endpoint of one process reports: its readiness checks, and where its queue's depth is read. */
export interface AppOpsOptions {
  checks: Record<string, ReadinessCheck>;
  queueDepth?: () => QueueDepth | Promise<QueueDepth>;
}

/** The health and metrics endpoint of a `start` process (METRICS_PORT; 0: none). */
export async function startAppOps(
  app: App,
  telemetry: OpsTelemetry,
  options: AppOpsOptions,
): Promise<OpsServer> {
  if (app.config.METRICS_PORT === 0) return { url: undefined, close: async () => undefined };
  const { metrics } = telemetry;
  if (metrics && options.queueDepth) metrics.watchQueue(options.queueDepth);
  return startOpsServer({
    port: app.config.METRICS_PORT,
    checks: options.checks,
    ...(metrics ? { metrics: () => metrics.scrape() } : {}),
    logger: app.logger,
  });
}
