import type { Config } from "./config/index.js";
import { llmConfigured, VARIABLES } from "./config/index.js";
import { discordChecks } from "./doctor-discord.js";
import { opsChecks } from "./doctor-ops.js";
import { type SlackInstallationListing, slackChecks } from "./doctor-slack.js";
import { errorSummary } from "./errors.js";
import {
  createImageSafetyClassifier,
  createLocalBackend,
  defaultLocalRunners,
} from "./experts/local/index.js";
import { createOpenAiLlm } from "./llm/client.js";
import { describeCompetence } from "./models/competence.js";
import { budgetDefaultsFrom, describeBudgets } from "./usage/index.js";

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

async function probe(url: string, init: RequestInit, timeoutMs: number): Promise<{ status: number } | Error> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return { status: response.status };
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** One line per local expert: which run on this machine, and how to add the others. */
async function localChecks(): Promise<Check[]> {
  const local = createLocalBackend(defaultLocalRunners({ safety: createImageSafetyClassifier() }));
  const statuses = await local.status();
  return statuses.map(({ task, model, description, availability, competence }) =>
    availability.available
      ? {
          name: `Local ${task}`,
          ok: true,
          detail: `${model}: ${description}${competence ? ` (${describeCompetence(competence)})` : ""}`,
        }
      : {
          name: `Local ${task}`,
          ok: false,
          detail: `${model} cannot run: ${availability.reason}`,
          fix: availability.howToAdd,
        },
  );
}

/**
 * What is configured, what answers and what is missing, each with its fix. Secrets are reported
 * as set or not set, never shown.
 */
export async function runDoctor(
  config: Config,
  options: {
    timeoutMs?: number;
    /** The Slack installations in the bot's storage (with the install flow and its key configured). */
    slackInstallations?: () => Promise<SlackInstallationListing[]>;
  } = {},
): Promise<{ ok: boolean; text: string }> {
  const timeoutMs = options.timeoutMs ?? 8000;
  const checks: Check[] = [];
  const authorization: Record<string, string> = config.HF_TOKEN
    ? { authorization: `Bearer ${config.HF_TOKEN}` }
    : {};

  if (!llmConfigured(config)) {
    checks.push({
      name: "LLM",
      ok: true,
      detail:
        "not configured: requests are planned by the offline rules, for what the local experts can do; for any request set OPENAI_API_KEY, or OPENAI_BASE_URL and LLM_MODEL for a local server such as Ollama",
    });
  } else {
    const llm = createOpenAiLlm({
      ...(config.OPENAI_API_KEY ? { apiKey: config.OPENAI_API_KEY } : {}),
      baseURL: config.OPENAI_BASE_URL,
      model: config.LLM_MODEL,
      timeoutMs,
      maxAttempts: 1,
    });
    try {
      await llm.chat({ messages: [{ role: "user", content: "Reply with OK." }], maxTokens: 5 });
      checks.push({
        name: "LLM",
        ok: true,
        detail: `${config.LLM_MODEL} at ${config.OPENAI_BASE_URL} answers`,
      });
    } catch (error) {
      checks.push({
        name: "LLM",
        ok: false,
        detail: `${config.LLM_MODEL} at ${config.OPENAI_BASE_URL} does not answer: ${errorSummary(error)}`,
        fix: "check OPENAI_BASE_URL, LLM_MODEL and OPENAI_API_KEY",
      });
    }
  }

  if (config.HUB_CATALOG) {
    const hub = await probe(
      `${config.HF_ENDPOINT}/api/models?limit=1`,
      { headers: authorization },
      timeoutMs,
    );
    checks.push(
      hub instanceof Error || hub.status >= 400
        ? {
            name: "Hub catalog",
            ok: false,
            detail: `${config.HF_ENDPOINT} cannot be reached (${hub instanceof Error ? errorSummary(hub) : `HTTP ${hub.status}`}); the built-in model list will be used`,
            fix: "check HF_ENDPOINT and the network, or set HUB_CATALOG=false to use the built-in list silently",
          }
        : { name: "Hub catalog", ok: true, detail: `${config.HF_ENDPOINT} answers` },
    );
  } else {
    checks.push({
      name: "Hub catalog",
      ok: true,
      detail: "off (HUB_CATALOG=false): the built-in model list is used",
    });
  }

  if (config.INFERENCE_MODE !== "hosted") {
    checks.push(...(await localChecks()));
    if (config.LOCAL_INFERENCE_ENDPOINT) {
      const server = await probe(config.LOCAL_INFERENCE_ENDPOINT, {}, timeoutMs);
      checks.push(
        server instanceof Error
          ? {
              name: "Local endpoint",
              ok: false,
              detail: `${config.LOCAL_INFERENCE_ENDPOINT} cannot be reached (${errorSummary(server)})`,
              fix: "start your model server or correct LOCAL_INFERENCE_ENDPOINT",
            }
          : { name: "Local endpoint", ok: true, detail: `${config.LOCAL_INFERENCE_ENDPOINT} answers` },
      );
    }
  }
  if (config.SAFETY_CHECK) {
    const safety = await createImageSafetyClassifier().probe();
    checks.push(
      safety.available
        ? { name: "Image safety check", ok: true, detail: "images are checked before they are posted" }
        : {
            name: "Image safety check",
            ok: false,
            detail: `cannot run (${safety.reason}): images the bot makes are withheld`,
            fix: `${safety.howToAdd}, or set SAFETY_CHECK=false`,
          },
    );
  }

  if (config.INFERENCE_MODE !== "local") {
    if (config.HF_INFERENCE_ENDPOINT) {
      const server = await probe(config.HF_INFERENCE_ENDPOINT, { headers: authorization }, timeoutMs);
      checks.push(
        server instanceof Error
          ? {
              name: "Hosted inference",
              ok: false,
              detail: `${config.HF_INFERENCE_ENDPOINT} cannot be reached (${errorSummary(server)})`,
              fix: "start the inference server or correct HF_INFERENCE_ENDPOINT",
            }
          : { name: "Hosted inference", ok: true, detail: `${config.HF_INFERENCE_ENDPOINT} answers` },
      );
    } else {
      checks.push(
        config.HF_TOKEN
          ? {
              name: "Hosted inference",
              ok: true,
              detail: "Hugging Face inference providers, with HF_TOKEN set",
            }
          : {
              name: "Hosted inference",
              ok: false,
              detail: "HF_TOKEN is not set: Hugging Face's inference providers refuse anonymous calls",
              fix: "create a token at https://huggingface.co/settings/tokens and set HF_TOKEN",
            },
      );
    }
  }

  checks.push({
    name: "Budgets",
    ok: true,
    detail: `${describeBudgets(budgetDefaultsFrom(config))}; counted in ${
      config.REDIS_URL
        ? "Redis (every process that shares it counts together)"
        : "the SQLite file in DATA_DIR"
    }`,
  });

  checks.push(...(await discordChecks(config, timeoutMs)));
  checks.push(
    ...(await slackChecks(
      config,
      timeoutMs,
      options.slackInstallations ? { installations: options.slackInstallations } : {},
    )),
  );

  checks.push(...(await opsChecks(config, timeoutMs)));

  const settings = Object.values(VARIABLES)
    .map((variable) => {
      const value = config[variable.name as keyof Config];
      const shown = variable.secret
        ? value === undefined
          ? "not set"
          : "set"
        : value === undefined
          ? "not set"
          : String(value);
      return `  ${variable.name} = ${shown}`;
    })
    .join("\n");
  const lines = checks.map(
    (check) =>
      `${check.ok ? "ok     " : "missing"}  ${check.name}: ${check.detail}${check.fix ? `\n         fix: ${check.fix}` : ""}`,
  );
  return { ok: checks.every((check) => check.ok), text: `${lines.join("\n")}\n\nSettings:\n${settings}` };
}
