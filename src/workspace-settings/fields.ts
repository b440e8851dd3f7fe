/**
 * What an admin can set per workspace and per channel (`/settings`), one spec per setting: its name
 * as commands and forms use it, its stored value (checked with zod whenever it is read back), how
 * the text a person types becomes that value, and why a value is refused, including values this
 * deployment cannot serve (hosted mode without a Hugging Face token, the LLM's choice of models
 * without an LLM).
 */
import { z } from "zod";
import { languageName, normalizeLanguage } from "../language/index.js";
import { resolveTaskName, TASK_NAMES, type TaskName } from "../tasks/index.js";

/** Where tasks run (INFERENCE_MODE's values). */
export const INFERENCE_MODES = ["local", "local-first", "hosted", "hybrid"] as const;
export type InferenceMode = (typeof INFERENCE_MODES)[number];

/** How a model is chosen among the candidates (MODEL_SELECTION's values). */
export const MODEL_SELECTIONS = ["llm", "top"] as const;
export type ModelSelection = (typeof MODEL_SELECTIONS)[number];

/** The settings that apply to a channel's requests. */
export interface ChannelSettings {
  mode: InferenceMode;
  selection: ModelSelection;
  /** "all", or the only tasks a plan may run here (in the registry's order). */
  tasks: "all" | readonly TaskName[];
  /** Whether images are checked by the safety classifier before they are posted. */
  safety: boolean;
  /** "auto" (the user's own language) or a BCP-47 tag the answers are written in. */
  language: string;
  /** Whether a thread's earlier turns are recalled and its new turns remembered. */
  memory: boolean;
}

export type ChannelSettingName = keyof ChannelSettings;

export const CHANNEL_SETTING_NAMES = [
  "mode",
  "selection",
  "tasks",
  "safety",
  "language",
  "memory",
] as const satisfies readonly ChannelSettingName[];

/** Whose use a budget counts: each user's, or the whole workspace's. */
export const BUDGET_SUBJECTS = ["user", "workspace"] as const;
export const BUDGET_PERIODS = ["daily", "monthly"] as const;
export const BUDGET_MEASURES = ["requests", "llm-tokens", "hosted-calls"] as const;
export type BudgetSubject = (typeof BUDGET_SUBJECTS)[number];
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];
export type BudgetMeasure = (typeof BUDGET_MEASURES)[number];

/** A budget number's setting: `user-daily-requests`, `workspace-monthly-llm-tokens`… */
export type BudgetSettingName = `${BudgetSubject}-${BudgetPeriod}-${BudgetMeasure}`;

export const BUDGET_SETTING_NAMES: readonly BudgetSettingName[] = BUDGET_SUBJECTS.flatMap((subject) =>
  BUDGET_PERIODS.flatMap((period) =>
    BUDGET_MEASURES.map((measure): BudgetSettingName => `${subject}-${period}-${measure}`),
  ),
);

export type SettingName = ChannelSettingName | BudgetSettingName;

/** Where a setting is stored: for one channel, or for the whole workspace. */
export type SettingScope = "channel" | "workspace";

/** A stored value: a mode, a language tag, on/off, a list of tasks, a budget number. */
export type SettingValue = string | boolean | number | readonly string[];

/** The word that removes a setting from a scope, so that the next one down applies. */
export const DEFAULT_WORD = "default";

/** What this deployment can serve: a setting asking for more is refused when it is made. */
export interface SettingsCapabilities {
  /** The inference modes whose backends exist here. */
  modes: readonly InferenceMode[];
  /** An LLM is configured: it can choose models and write answers in another language. */
  llm: boolean;
  /** The image safety classifier can run here. */
  safetyCheck: boolean;
  /** Conversation memory keeps turns (MEMORY_TURNS is not 0). */
  memory: boolean;
}

/**
 * The modes a deployment can serve from the backends it has: `local` needs this machine's experts or
 * the operator's endpoint, `hosted` Hugging Face, and `hybrid` and `local-first` (which prefer one
 * and fall back on the other) both.
 */
export function servableModes(backends: { nearby: boolean; hosted: boolean }): InferenceMode[] {
  return INFERENCE_MODES.filter((mode) =>
    mode === "local"
      ? backends.nearby
      : mode === "hosted"
        ? backends.hosted
        : backends.nearby && backends.hosted,
  );
}

/** What a parse needs besides the text: what can be served here, and the environment's own values. */
export interface ParseContext {
  capabilities: SettingsCapabilities;
  environment: ChannelSettings;
}

export type Parsed = { ok: true; value: SettingValue } | { ok: false; error: string };

export interface SettingSpec {
  name: SettingName;
  /** How people read its name: "Answer language". */
  title: string;
  /** One line for a command option (at most 100 characters, Discord's limit). */
  description: string;
  /** Where it may be set; budgets count per workspace and are set for the whole workspace only. */
  scopes: readonly SettingScope[];
  /** How a form asks for it: a pick of `choices`, a pick of tasks, free text, a whole number. */
  input: "choice" | "tasks" | "text" | "count";
  /** The values a person picks from, for `choice` inputs (DEFAULT_WORD not included). */
  choices?: readonly string[];
  /** The stored value's shape, checked whenever it is read back from storage. */
  schema: z.ZodType<SettingValue>;
  /** The value a person typed or picked (never DEFAULT_WORD: the store handles it). */
  parse(text: string, context: ParseContext): Parsed;
  /** The value as people read it. */
  format(value: SettingValue): string;
}

const ON = new Set(["on", "true", "yes", "1", "enabled"]);
const OFF = new Set(["off", "false", "no", "0", "disabled"]);

function onOff(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  return ON.has(word) ? true : OFF.has(word) ? false : undefined;
}

const formatOnOff = (value: SettingValue) => (value === true ? "on" : "off");

/** Names of languages as ICU has them; `fallback: "none"` says when a code names no language. */
const languageNames = new Intl.DisplayNames(["en"], { type: "language", fallback: "none" });

/**
 * A BCP-47 tag in its canonical spelling ("pt-br" → "pt-BR"), or a language's English name as its
 * code ("German" → "de"); undefined for anything that names no language.
 */
export function languageTag(text: string): string | undefined {
  const trimmed = text.trim().replace(/_/g, "-");
  if (/^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$/i.test(trimmed)) {
    try {
      const [tag] = Intl.getCanonicalLocales(trimmed);
      const primary = tag?.split("-")[0];
      if (tag && primary && languageNames.of(primary) !== undefined) return tag;
    } catch {
      // Not a well-formed tag ("de-x"): perhaps a name.
    }
  }
  return normalizeLanguage(trimmed);
}

/** Accepted when it is the environment's own value, else only when `servable` says it can run here. */
function checked(value: SettingValue, environment: SettingValue, servable: boolean, why: string): Parsed {
  if (servable || value === environment) return { ok: true, value };
  return { ok: false, error: why };
}

const MODE_SPEC: SettingSpec = {
  name: "mode",
  title: "Inference mode",
  description: "Where tasks run: local (this machine), hosted (Hugging Face), hybrid or local-first",
  scopes: ["channel", "workspace"],
  input: "choice",
  choices: INFERENCE_MODES,
  schema: z.enum(INFERENCE_MODES),
  parse(text, { capabilities, environment }) {
    const mode = INFERENCE_MODES.find((candidate) => candidate === text.trim().toLowerCase());
    if (!mode) return { ok: false, error: `must be ${INFERENCE_MODES.join(", ")} or ${DEFAULT_WORD}` };
    const servable = capabilities.modes.includes(mode);
    const needsHosted = mode !== "local" && !capabilities.modes.includes("hosted");
    const why = needsHosted
      ? "Hugging Face's hosted models are not configured here (HF_TOKEN)"
      : "this machine's experts are not used here (INFERENCE_MODE=hosted)";
    const modes = capabilities.modes.length > 0 ? capabilities.modes.join(", ") : environment.mode;
    return checked(
      mode,
      environment.mode,
      servable,
      `${mode} cannot be served: ${why}; this bot runs ${modes}`,
    );
  },
  format: (value) => String(value),
};

const SELECTION_SPEC: SettingSpec = {
  name: "selection",
  title: "Model selection",
  description: "llm: the LLM picks among the top candidate models; top: the most downloaded one",
  scopes: ["channel", "workspace"],
  input: "choice",
  choices: MODEL_SELECTIONS,
  schema: z.enum(MODEL_SELECTIONS),
  parse(text, { capabilities, environment }) {
    const selection = MODEL_SELECTIONS.find((candidate) => candidate === text.trim().toLowerCase());
    if (!selection) return { ok: false, error: `must be llm, top or ${DEFAULT_WORD}` };
    return checked(
      selection,
      environment.selection,
      selection === "top" || capabilities.llm,
      "llm needs a language model, and this bot has none (OPENAI_API_KEY or OPENAI_BASE_URL)",
    );
  },
  format: (value) => String(value),
};

const TASKS_SPEC: SettingSpec = {
  name: "tasks",
  title: "Allowed tasks",
  description: "all, or the only tasks allowed here, comma-separated (see the tasks command)",
  scopes: ["channel", "workspace"],
  input: "tasks",
  schema: z.union([z.literal("all"), z.array(z.enum(TASK_NAMES)).min(1)]),
  parse(text) {
    const words = text
      .split(/[\s,;]+/)
      .map((word) => word.trim())
      .filter((word) => word !== "");
    if (words.length === 1 && words[0]?.toLowerCase() === "all") return { ok: true, value: "all" };
    if (words.length === 0)
      return { ok: false, error: `name the tasks allowed here, or all, or ${DEFAULT_WORD}` };
    const unknown = words.filter((word) => resolveTaskName(word) === undefined);
    if (unknown.length > 0) {
      return {
        ok: false,
        error: `${unknown.length === 1 ? "unknown task" : "unknown tasks"}: ${unknown.join(", ")} (the tasks command lists them)`,
      };
    }
    const named = new Set(words.map((word) => resolveTaskName(word)));
    return { ok: true, value: TASK_NAMES.filter((task) => named.has(task)) };
  },
  format: (value) => (Array.isArray(value) ? value.join(", ") : String(value)),
};

/** An on/off setting that turning on needs this deployment to serve (`capability`); off always can. */
function onOffSpec(spec: {
  name: "safety" | "memory";
  title: string;
  description: string;
  capability: "safetyCheck" | "memory";
  refusal: string;
}): SettingSpec {
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    scopes: ["channel", "workspace"],
    input: "choice",
    choices: ["on", "off"],
    schema: z.boolean(),
    parse(text, { capabilities, environment }) {
      const value = onOff(text);
      if (value === undefined) return { ok: false, error: `must be on, off or ${DEFAULT_WORD}` };
      return checked(value, environment[spec.name], !value || capabilities[spec.capability], spec.refusal);
    },
    format: formatOnOff,
  };
}

const SAFETY_SPEC = onOffSpec({
  name: "safety",
  title: "Image safety check",
  description: "on: images are checked before they are posted, flagged ones withheld; off: unchecked",
  capability: "safetyCheck",
  refusal: "the image safety classifier cannot run here (see doctor)",
});

const LANGUAGE_SPEC: SettingSpec = {
  name: "language",
  title: "Answer language",
  description: "auto (the user's own), or the language answers are written in: de, pt-BR, Japanese…",
  scopes: ["channel", "workspace"],
  input: "text",
  schema: z.string().min(1).max(35),
  parse(text, { capabilities, environment }) {
    if (text.trim().toLowerCase() === "auto") return { ok: true, value: "auto" };
    const tag = languageTag(text);
    if (!tag)
      return { ok: false, error: "must be auto or a language, as a tag (de, pt-BR) or a name (German)" };
    return checked(
      tag,
      environment.language,
      capabilities.llm,
      "answers are written in another language by the language model, and this bot has none",
    );
  },
  format: (value) =>
    value === "auto" ? "auto (the user's own language)" : `${languageName(String(value))} (${String(value)})`,
};

const MEMORY_SPEC = onOffSpec({
  name: "memory",
  title: "Conversation memory",
  description: "on: follow-ups in a thread use its earlier turns; off: each request stands alone",
  capability: "memory",
  refusal: "conversation memory is off for this whole bot (MEMORY_TURNS=0)",
});

/** The largest budget number: beyond any real count, short of a typo in the billions. */
const MAX_BUDGET = 1_000_000_000_000;

const SUBJECT_WORDS: Record<BudgetSubject, string> = { user: "per user", workspace: "for the workspace" };
const PERIOD_WORDS: Record<BudgetPeriod, string> = { daily: "a day", monthly: "a month" };
const MEASURE_WORDS: Record<BudgetMeasure, string> = {
  requests: "Requests",
  "llm-tokens": "LLM tokens",
  "hosted-calls": "Hosted model calls",
};

function budgetSpec(subject: BudgetSubject, period: BudgetPeriod, measure: BudgetMeasure): SettingSpec {
  const title = `${MEASURE_WORDS[measure]} ${SUBJECT_WORDS[subject]} ${PERIOD_WORDS[period]}`;
  return {
    name: `${subject}-${period}-${measure}`,
    title,
    description: `Budget: ${title.toLowerCase().replace("llm", "LLM")} (0: no limit)`,
    scopes: ["workspace"],
    input: "count",
    schema: z.number().int().min(0).max(MAX_BUDGET),
    parse(text) {
      const trimmed = text.trim().replace(/[_,\s]/g, "");
      const value = /^\d{1,13}$/.test(trimmed) ? Number(trimmed) : Number.NaN;
      if (!Number.isSafeInteger(value) || value > MAX_BUDGET) {
        return { ok: false, error: `must be a whole number (0: no limit) or ${DEFAULT_WORD}` };
      }
      return { ok: true, value };
    },
    format: (value) => (value === 0 ? "no limit" : String(value)),
  };
}

/** Every setting, in the order commands and forms show them. */
export const SETTING_SPECS: readonly SettingSpec[] = [
  MODE_SPEC,
  SELECTION_SPEC,
  TASKS_SPEC,
  SAFETY_SPEC,
  LANGUAGE_SPEC,
  MEMORY_SPEC,
  ...BUDGET_SUBJECTS.flatMap((subject) =>
    BUDGET_PERIODS.flatMap((period) =>
      BUDGET_MEASURES.map((measure) => budgetSpec(subject, period, measure)),
    ),
  ),
];

const SPECS_BY_NAME: ReadonlyMap<string, SettingSpec> = new Map(
  SETTING_SPECS.map((spec) => [spec.name, spec]),
);

/** The spec of a setting by its name, or undefined for a name that is none. */
export function settingSpec(name: string): SettingSpec | undefined {
  return SPECS_BY_NAME.get(name);
}

/** A setting's value as people read it ("German (de)", "on", "no limit"). */
export function formatSetting(name: SettingName, value: SettingValue): string {
  return SPECS_BY_NAME.get(name)?.format(value) ?? String(value);
}
