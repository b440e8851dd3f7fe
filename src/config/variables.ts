import { z } from "zod";

/**
 * The one table of environment variables. `.env.example` lists the same names (a test checks it),
 * README's configuration table is generated from it, and `doctor` reports on it.
 */
export interface Variable<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  /** The default as the user would write it in .env; undefined = unset. */
  default?: string;
  /** Secrets are never logged or printed; `doctor` shows only whether they are set. */
  secret: boolean;
  schema: S;
}

const optionalText = z.string().trim().min(1).optional();
const url = z
  .string()
  .trim()
  .url("must be a URL such as https://example.com")
  .refine((value) => /^https?:\/\//i.test(value), "must start with http:// or https://")
  // A URL with a user and password would show them wherever the URL is shown; fetch refuses it anyway.
  .refine((value) => !/^https?:\/\/[^/]*@/i.test(value), "must not contain a user name or password")
  .transform((value) => value.replace(/\/+$/, ""));
const flag = z
  .enum(["true", "false", "1", "0", "yes", "no", "on", "off"], {
    error: "must be true or false",
  })
  .transform((value) => ["true", "1", "yes", "on"].includes(value));
const positiveInt = (max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(1, "must be at least 1")
    .max(max, `must be at most ${max}`);

/** A TCP port; 0 lets the system choose a free one. */
const portNumber = z.coerce
  .number({ error: "must be a number" })
  .int("must be a whole number")
  .min(0, "must be 0 or more")
  .max(65535, "must be at most 65535");

const wholeNumber = (max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be 0 or more")
    .max(max, `must be at most ${max}`);
/** A budget: a whole number, unset or 0 for no limit. */
const budget = (max: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int("must be a whole number")
    .min(0, "must be 0 (no limit) or more")
    .max(max, `must be at most ${max}`)
    .optional()
    .transform((value) => value ?? 0);

/** More shards than any application runs: a typo rather than a plan. */
const MAX_SHARDS = 65_535;

/** `auto` or a whole number of gateway shards; unset stays unset (discord.js's one shard). */
const shardCount = z
  .string()
  .trim()
  .toLowerCase()
  .optional()
  .transform((value, context): "auto" | number | undefined => {
    if (value === undefined) return undefined;
    if (value === "auto") return "auto";
    const count = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
    if (count >= 1 && count <= MAX_SHARDS) return count;
    context.addIssue({ code: "custom", message: `must be auto or a whole number from 1 to ${MAX_SHARDS}` });
    return z.NEVER;
  });
/** Shard ids as `0,2`, `0-3` or both (`0-1,4`): sorted, without repeats; unset stays unset (all). */
const shardIds = z
  .string()
  .trim()
  .optional()
  .transform((value, context): number[] | undefined => {
    if (value === undefined) return undefined;
    const ids = new Set<number>();
    for (const part of value.split(/[\s,]+/).filter((item) => item !== "")) {
      const range = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
      const first = Number(range?.[1]);
      const last = range?.[2] === undefined ? first : Number(range[2]);
      if (!range || last < first || last >= MAX_SHARDS) {
        context.addIssue({ code: "custom", message: "must list shard ids such as 0,2 or 0-3" });
        return z.NEVER;
      }
      for (let id = first; id <= last; id++) ids.add(id);
    }
    return [...ids].sort((left, right) => left - right);
  });

/** A comma- or space-separated list of ids; unset or empty is the empty list. */
const idList = z
  .string()
  .optional()
  .transform((value) => (value ?? "").split(/[\s,]+/).filter((id) => id.length > 0));

/**
 * A 256-bit key written as 64 hex digits or as base64 (44 characters with its `=`, URL-safe letters
 * accepted), what `openssl rand -hex 32` and `openssl rand -base64 32` print. Anything else, or
 * another length, is refused rather than stretched into a key.
 */
export function decodeKey256(text: string): Buffer | undefined {
  const value = text.trim();
  if (/^[0-9a-f]{64}$/i.test(value)) return Buffer.from(value, "hex");
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(value)) return undefined;
  const bytes = Buffer.from(value, "base64");
  return bytes.length === 32 ? bytes : undefined;
}

const key256 = z
  .string()
  .transform((value, context) => {
    const bytes = decodeKey256(value);
    if (bytes) return bytes;
    context.addIssue({
      code: "custom",
      message:
        "must be 32 bytes written as base64 (44 characters) or hex (64 characters): make one with openssl rand -base64 32",
    });
    return z.NEVER;
  })
  .optional();

function variable<S extends z.ZodType>(spec: Variable<S>): Variable<S> {
  return spec;
}

export const VARIABLES = {
  OPENAI_API_KEY: variable({
    name: "OPENAI_API_KEY",
    description: "API key of the OpenAI-compatible LLM that plans, selects models and writes answers.",
    secret: true,
    schema: optionalText,
  }),
  OPENAI_BASE_URL: variable({
    name: "OPENAI_BASE_URL",
    description:
      "Base URL of the OpenAI-compatible chat completions API (OpenAI, Azure, Hugging Face router, Ollama, vLLM).",
    default: "https://api.openai.com/v1",
    secret: false,
    schema: url,
  }),
  LLM_MODEL: variable({
    name: "LLM_MODEL",
    description: "Chat model name at that endpoint.",
    default: "gpt-4o-mini",
    secret: false,
    schema: z.string().trim().min(1),
  }),
  LLM_TIMEOUT_SECONDS: variable({
    name: "LLM_TIMEOUT_SECONDS",
    description: "How long one LLM request may take before it is abandoned.",
    default: "60",
    secret: false,
    schema: positiveInt(600),
  }),
  LLM_TEXT_TASKS: variable({
    name: "LLM_TEXT_TASKS",
    description:
      "Let the LLM itself answer text-only tasks (summarization, translation, question answering, conversation, text generation) instead of a Hugging Face model.",
    default: "false",
    secret: false,
    schema: flag,
  }),
  HF_TOKEN: variable({
    name: "HF_TOKEN",
    description: "Hugging Face access token for hosted inference and the Hub listing.",
    secret: true,
    schema: optionalText,
  }),
  HF_INFERENCE_ENDPOINT: variable({
    name: "HF_INFERENCE_ENDPOINT",
    description:
      "Send hosted calls for model M to $HF_INFERENCE_ENDPOINT/models/M in the hf-inference formats (a self-hosted model server). Unset: Hugging Face's inference providers.",
    secret: false,
    schema: url.optional(),
  }),
  LOCAL_INFERENCE_ENDPOINT: variable({
    name: "LOCAL_INFERENCE_ENDPOINT",
    description:
      "Your own model server (URL shape of HF_INFERENCE_ENDPOINT: model M at /models/M), tried before Hugging Face in hybrid and local mode.",
    secret: false,
    schema: url.optional(),
  }),
  SAFETY_CHECK: variable({
    name: "SAFETY_CHECK",
    description:
      "Check every image the bot is about to post with the local safety classifier (nsfwjs) and withhold flagged ones, and every image when the classifier cannot run (false: post images unchecked).",
    default: "true",
    secret: false,
    schema: flag,
  }),
  HF_ENDPOINT: variable({
    name: "HF_ENDPOINT",
    description: "Hugging Face Hub base URL for the live model catalog.",
    default: "https://huggingface.co",
    secret: false,
    schema: url,
  }),
  INFERENCE_MODE: variable({
    name: "INFERENCE_MODE",
    description:
      "hybrid: the strongest expert able to do the request first (a weaker local expert is a fallback when hosted models or LOCAL_INFERENCE_ENDPOINT are configured); local-first: this machine's experts first whenever they can do the request (privacy, no cost); local: never call out; hosted: Hugging Face only.",
    default: "hybrid",
    secret: false,
    schema: z.enum(["local", "local-first", "hosted", "hybrid"], {
      error: "must be local, local-first, hosted or hybrid",
    }),
  }),
  MODEL_SELECTION: variable({
    name: "MODEL_SELECTION",
    description: "llm: the LLM picks among the top candidates; top: take the most downloaded candidate.",
    default: "llm",
    secret: false,
    schema: z.enum(["llm", "top"], { error: "must be llm or top" }),
  }),
  MODEL_CANDIDATES: variable({
    name: "MODEL_CANDIDATES",
    description: "How many candidate models per task are considered (top K by downloads).",
    default: "5",
    secret: false,
    schema: positiveInt(20),
  }),
  HUB_CATALOG: variable({
    name: "HUB_CATALOG",
    description: "Ask the Hub for the current most downloaded models (false: the built-in list only).",
    default: "true",
    secret: false,
    schema: flag,
  }),
  CATALOG_TTL_MINUTES: variable({
    name: "CATALOG_TTL_MINUTES",
    description: "How long a Hub listing is cached.",
    default: "360",
    secret: false,
    schema: positiveInt(10_080),
  }),
  TASK_TIMEOUT_SECONDS: variable({
    name: "TASK_TIMEOUT_SECONDS",
    description: "How long one task may run, all its model attempts and waits included.",
    default: "180",
    secret: false,
    schema: positiveInt(3600),
  }),
  MAX_PARALLEL_TASKS: variable({
    name: "MAX_PARALLEL_TASKS",
    description: "How many tasks of one backend run at the same time.",
    default: "4",
    secret: false,
    schema: positiveInt(64),
  }),
  MAX_FILE_MB: variable({
    name: "MAX_FILE_MB",
    description: "Largest file accepted as input or fetched from a link, in MB.",
    default: "25",
    secret: false,
    schema: positiveInt(1024),
  }),
  DOWNLOAD_TIMEOUT_SECONDS: variable({
    name: "DOWNLOAD_TIMEOUT_SECONDS",
    description: "How long downloading one attachment from the chat platform may take.",
    default: "30",
    secret: false,
    schema: positiveInt(600),
  }),
  ALLOWED_WORKSPACES: variable({
    name: "ALLOWED_WORKSPACES",
    description:
      "Comma-separated Discord server or Slack workspace ids the bot answers in (empty: all). When set, direct messages outside a workspace are refused.",
    secret: false,
    schema: idList,
  }),
  ALLOWED_CHANNELS: variable({
    name: "ALLOWED_CHANNELS",
    description: "Comma-separated channel ids the bot answers in (empty: all).",
    secret: false,
    schema: idList,
  }),
  SETTINGS_ADMINS: variable({
    name: "SETTINGS_ADMINS",
    description:
      "Comma-separated user ids (or platform:id) who are admins besides those the platform names (Discord: Manage Server; Slack: workspace admins and owners): they may change the bot's settings with /settings and see their workspace's usage.",
    secret: false,
    schema: idList,
  }),
  RATE_LIMIT_REQUESTS: variable({
    name: "RATE_LIMIT_REQUESTS",
    description: "Requests one user may make per rate-limit window (0: no limit).",
    default: "10",
    secret: false,
    schema: wholeNumber(10_000),
  }),
  RATE_LIMIT_WINDOW_SECONDS: variable({
    name: "RATE_LIMIT_WINDOW_SECONDS",
    description: "The rate-limit window, in seconds.",
    default: "60",
    secret: false,
    schema: positiveInt(86_400),
  }),
  BUDGET_USER_DAILY_REQUESTS: variable({
    name: "BUDGET_USER_DAILY_REQUESTS",
    description:
      "Requests one user may make per UTC day (unset or 0: no limit); over it, requests are refused until the period resets.",
    secret: false,
    schema: budget(1_000_000_000),
  }),
  BUDGET_USER_DAILY_TOKENS: variable({
    name: "BUDGET_USER_DAILY_TOKENS",
    description:
      "LLM tokens (prompt and completion) one user may use per UTC day (unset or 0: no limit); once spent, the next request is refused.",
    secret: false,
    schema: budget(1_000_000_000_000),
  }),
  BUDGET_USER_MONTHLY_REQUESTS: variable({
    name: "BUDGET_USER_MONTHLY_REQUESTS",
    description:
      "Requests one user may make per UTC calendar month (unset or 0: no limit); over it, requests are refused until the period resets.",
    secret: false,
    schema: budget(1_000_000_000),
  }),
  BUDGET_USER_MONTHLY_TOKENS: variable({
    name: "BUDGET_USER_MONTHLY_TOKENS",
    description:
      "LLM tokens (prompt and completion) one user may use per UTC calendar month (unset or 0: no limit); once spent, the next request is refused.",
    secret: false,
    schema: budget(1_000_000_000_000),
  }),
  BUDGET_WORKSPACE_DAILY_REQUESTS: variable({
    name: "BUDGET_WORKSPACE_DAILY_REQUESTS",
    description:
      "Requests one Discord server or Slack workspace, all its users together may make per UTC day (unset or 0: no limit); over it, requests are refused until the period resets.",
    secret: false,
    schema: budget(1_000_000_000),
  }),
  BUDGET_WORKSPACE_DAILY_TOKENS: variable({
    name: "BUDGET_WORKSPACE_DAILY_TOKENS",
    description:
      "LLM tokens (prompt and completion) one Discord server or Slack workspace, all its users together may use per UTC day (unset or 0: no limit); once spent, the next request is refused.",
    secret: false,
    schema: budget(1_000_000_000_000),
  }),
  BUDGET_WORKSPACE_DAILY_HOSTED_CALLS: variable({
    name: "BUDGET_WORKSPACE_DAILY_HOSTED_CALLS",
    description:
      "Hosted model calls (Hugging Face inference) one Discord server or Slack workspace, all its users together may make per UTC day (unset or 0: no limit); once spent, the next request is refused.",
    secret: false,
    schema: budget(1_000_000_000),
  }),
  BUDGET_WORKSPACE_MONTHLY_REQUESTS: variable({
    name: "BUDGET_WORKSPACE_MONTHLY_REQUESTS",
    description:
      "Requests one Discord server or Slack workspace, all its users together may make per UTC calendar month (unset or 0: no limit); over it, requests are refused until the period resets.",
    secret: false,
    schema: budget(1_000_000_000),
  }),
  BUDGET_WORKSPACE_MONTHLY_TOKENS: variable({
    name: "BUDGET_WORKSPACE_MONTHLY_TOKENS",
    description:
      "LLM tokens (prompt and completion) one Discord server or Slack workspace, all its users together may use per UTC calendar month (unset or 0: no limit); once spent, the next request is refused.",
    secret: false,
    schema: budget(1_000_000_000_000),
  }),
  BUDGET_WORKSPACE_MONTHLY_HOSTED_CALLS: variable({
    name: "BUDGET_WORKSPACE_MONTHLY_HOSTED_CALLS",
    description:
      "Hosted model calls (Hugging Face inference) one Discord server or Slack workspace, all its users together may make per UTC calendar month (unset or 0: no limit); once spent, the next request is refused.",
    secret: false,
    schema: budget(1_000_000_000),
  }),
  MAX_CONCURRENT_REQUESTS: variable({
    name: "MAX_CONCURRENT_REQUESTS",
    description:
      "Requests whose pipelines run at the same time; the others wait in a queue and are told their place.",
    default: "4",
    secret: false,
    schema: positiveInt(256),
  }),
  MAX_QUEUED_REQUESTS: variable({
    name: "MAX_QUEUED_REQUESTS",
    description: "Requests that may wait in the queue; beyond that a user is told to try again later.",
    default: "50",
    secret: false,
    schema: wholeNumber(10_000),
  }),
  MEMORY_TURNS: variable({
    name: "MEMORY_TURNS",
    description: "Earlier turns of a thread kept for follow-ups (0: no conversation memory).",
    default: "10",
    secret: false,
    schema: wholeNumber(100),
  }),
  MEMORY_MB: variable({
    name: "MEMORY_MB",
    description:
      "Largest conversation memory of one thread, result files included, in MB; the oldest turns go first.",
    default: "20",
    secret: false,
    schema: positiveInt(1024),
  }),
  MEMORY_TTL_HOURS: variable({
    name: "MEMORY_TTL_HOURS",
    description: "How long each turn of a thread's conversation memory is kept, in hours.",
    default: "168",
    secret: false,
    schema: positiveInt(87_600),
  }),
  DATA_DIR: variable({
    name: "DATA_DIR",
    description: "Directory for the bot's data (storage, caches).",
    default: "./data",
    secret: false,
    schema: z.string().trim().min(1),
  }),
  REDIS_URL: variable({
    name: "REDIS_URL",
    description:
      "Keep the bot's storage in Redis (redis://[user:password@]host:6379[/db], rediss:// for TLS) instead of a SQLite file in DATA_DIR. While Redis is down the bot keeps answering from memory.",
    secret: true,
    schema: z
      .string()
      .trim()
      .url("must be a URL such as redis://localhost:6379")
      .refine((value) => /^rediss?:\/\//i.test(value), "must start with redis:// or rediss://")
      .optional(),
  }),
  METRICS_PORT: variable({
    name: "METRICS_PORT",
    description:
      "Port of the health and metrics endpoint of start (every role): /healthz, /readyz and /metrics (Prometheus). 0 turns it off.",
    default: "9464",
    secret: false,
    schema: portNumber,
  }),
  OTEL_EXPORTER_OTLP_ENDPOINT: variable({
    name: "OTEL_EXPORTER_OTLP_ENDPOINT",
    description:
      "Send OpenTelemetry traces (a span per request, its stages, tasks and LLM calls) over OTLP/HTTP to this collector ($OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces), from start (every role). Unset: no traces, and OpenTelemetry is not loaded.",
    secret: false,
    schema: url.optional(),
  }),
  OTEL_EXPORTER_OTLP_HEADERS: variable({
    name: "OTEL_EXPORTER_OTLP_HEADERS",
    description:
      "Headers sent with each export of traces, as key=value pairs separated by commas (values percent-encoded): a collector's API key.",
    secret: true,
    schema: optionalText,
  }),
  OTEL_SERVICE_NAME: variable({
    name: "OTEL_SERVICE_NAME",
    description:
      "The service.name of the traces; each span also carries the process's role (hugginggpt.role).",
    default: "hugginggpt-bot",
    secret: false,
    schema: z.string().trim().min(1),
  }),
  JOB_LOCK_SECONDS: variable({
    name: "JOB_LOCK_SECONDS",
    description:
      "Workers (start --role worker): how long a request's job stays locked to its worker without a renewal. A killed worker's requests run again on another worker after about this long.",
    default: "30",
    secret: false,
    schema: positiveInt(3_600),
  }),
  DRAIN_SECONDS: variable({
    name: "DRAIN_SECONDS",
    description:
      "Workers: on SIGTERM, how long the running requests may take to finish; what still runs then is taken over by another worker.",
    default: "60",
    secret: false,
    schema: positiveInt(3_600),
  }),
  LOG_LEVEL: variable({
    name: "LOG_LEVEL",
    description: "debug, info, warn, error or silent.",
    default: "info",
    secret: false,
    schema: z.enum(["debug", "info", "warn", "error", "silent"], {
      error: "must be debug, info, warn, error or silent",
    }),
  }),
  DISCORD_TOKEN: variable({
    name: "DISCORD_TOKEN",
    description: "Discord bot token (Developer Portal, Bot tab): set it to run the bot on Discord.",
    secret: true,
    schema: optionalText,
  }),
  DISCORD_APP_ID: variable({
    name: "DISCORD_APP_ID",
    description:
      "Discord application id, for deploy-commands (read from the token's application when unset).",
    secret: false,
    schema: optionalText,
  }),
  DISCORD_API_URL: variable({
    name: "DISCORD_API_URL",
    description:
      "Discord REST API base URL (the gateway URL is read from it); change it only for a test server.",
    default: "https://discord.com/api",
    secret: false,
    schema: url,
  }),
  DISCORD_GUILD_ID: variable({
    name: "DISCORD_GUILD_ID",
    description:
      "Register the slash commands to this Discord server only (instant updates) instead of globally.",
    secret: false,
    schema: optionalText,
  }),
  DISCORD_MESSAGE_CONTENT: variable({
    name: "DISCORD_MESSAGE_CONTENT",
    description:
      "Ask for the privileged Message Content intent (enable it in the Developer Portal too): follow-ups in the bot's threads without a mention.",
    default: "false",
    secret: false,
    schema: flag,
  }),
  DISCORD_SHARDS: variable({
    name: "DISCORD_SHARDS",
    description:
      "How many gateway shards the bot runs, over all its processes: a number, or auto for the count Discord recommends. Unset: one shard.",
    secret: false,
    schema: shardCount,
  }),
  DISCORD_SHARD_IDS: variable({
    name: "DISCORD_SHARD_IDS",
    description:
      "The shards this process runs, of DISCORD_SHARDS: 0,2 or 0-3 (unset: all of them). Direct messages arrive on shard 0.",
    secret: false,
    schema: shardIds,
  }),
  DISCORD_PUBLIC_KEY: variable({
    name: "DISCORD_PUBLIC_KEY",
    description:
      "The application's public key (Developer Portal, General Information): serves Discord's HTTP interactions endpoint, POST /discord/interactions on PORT, for slash commands.",
    secret: false,
    schema: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F]{64}$/, "must be the 64 hexadecimal characters of the application's public key")
      .transform((value) => value.toLowerCase())
      .optional(),
  }),
  DISCORD_GATEWAY: variable({
    name: "DISCORD_GATEWAY",
    description:
      "Connect to Discord's gateway for mentions, direct messages and thread messages (false: slash commands over the interactions endpoint only, which needs DISCORD_PUBLIC_KEY).",
    default: "true",
    secret: false,
    schema: flag,
  }),
  SLACK_BOT_TOKEN: variable({
    name: "SLACK_BOT_TOKEN",
    description:
      "Slack bot token (xoxb-…, OAuth & Permissions): set it with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN to run the bot in one Slack workspace (for many: SLACK_CLIENT_ID and the install flow).",
    secret: true,
    schema: optionalText,
  }),
  SLACK_SIGNING_SECRET: variable({
    name: "SLACK_SIGNING_SECRET",
    description:
      "Slack signing secret (Basic Information): verifies the requests Slack sends to /slack/events over HTTP.",
    secret: true,
    schema: optionalText,
  }),
  SLACK_APP_TOKEN: variable({
    name: "SLACK_APP_TOKEN",
    description:
      "Slack app-level token (xapp-…, connections:write): use Socket Mode instead of a public HTTP URL.",
    secret: true,
    schema: optionalText,
  }),
  SLACK_CLIENT_ID: variable({
    name: "SLACK_CLIENT_ID",
    description:
      "Slack app's Client ID (Basic Information → App Credentials): with SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and SLACK_INSTALLATION_KEY the bot is installed in many workspaces through /slack/install.",
    secret: false,
    schema: optionalText,
  }),
  SLACK_CLIENT_SECRET: variable({
    name: "SLACK_CLIENT_SECRET",
    description:
      "Slack app's Client Secret (Basic Information → App Credentials): exchanges an install's code for the workspace's bot token.",
    secret: true,
    schema: optionalText,
  }),
  SLACK_STATE_SECRET: variable({
    name: "SLACK_STATE_SECRET",
    description:
      "A random string of your own (openssl rand -base64 32) that signs each install's state, so /slack/oauth_redirect accepts only installs started at /slack/install in the same browser.",
    secret: true,
    schema: z
      .string()
      .trim()
      .min(16, "must be at least 16 characters: make one with openssl rand -base64 32")
      .optional(),
  }),
  SLACK_INSTALLATION_KEY: variable({
    name: "SLACK_INSTALLATION_KEY",
    description:
      "32 random bytes as base64 or hex (openssl rand -base64 32) that encrypt the workspaces' tokens in the bot's storage (AES-256-GCM); keep it, or every workspace must install the app again.",
    secret: true,
    schema: key256,
  }),
  SLACK_API_URL: variable({
    name: "SLACK_API_URL",
    description:
      "Slack Web API base URL; change it only for a test server (the bot token is then sent only to that host's files).",
    default: "https://slack.com/api/",
    secret: false,
    schema: z
      .string()
      .trim()
      .url("must be a URL such as https://slack.com/api/")
      .refine((value) => /^https?:\/\//i.test(value), "must start with http:// or https://")
      .transform((value) => (value.endsWith("/") ? value : `${value}/`)),
  }),
  WEB_PORT: variable({
    name: "WEB_PORT",
    description: "Port of the local web playground (hugginggpt-bot web).",
    default: "3000",
    secret: false,
    schema: portNumber,
  }),
  WEB_HOST: variable({
    name: "WEB_HOST",
    description:
      "Address the web playground listens on; 127.0.0.1 keeps it to this machine (0.0.0.0 shows it to your network, without a password).",
    default: "127.0.0.1",
    secret: false,
    schema: z.string().trim().min(1),
  }),
  WEB_NEW_SESSIONS_PER_HOUR: variable({
    name: "WEB_NEW_SESSIONS_PER_HOUR",
    description:
      "New browser sessions (cookies) the web playground gives one client address per hour (0: no limit); the rate limit counts per session, so this keeps a fresh cookie per request from dodging it.",
    default: "10",
    secret: false,
    schema: wholeNumber(100_000),
  }),
  PORT: variable({
    name: "PORT",
    description:
      "Port of the HTTP server that takes Slack's events, commands and interactivity at /slack/events and Discord's interactions at /discord/interactions, and serves /slack/install and /slack/oauth_redirect with Slack's install flow (in Socket Mode, only those).",
    default: "3000",
    secret: false,
    schema: portNumber,
  }),
} as const;

export type VariableName = keyof typeof VARIABLES;
