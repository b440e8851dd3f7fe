import {
  describeHistory,
  describeOutcome,
  describeSettings,
  SETTING_SPECS,
  type SettingScope,
  type SettingsChanges,
  settingSpec,
} from "../src/core/settings-desk.js";
import type { CommandDefinition, CommandOptions, Disposition } from "../src/core/types.js";

const SCOPES: readonly SettingScope[] = ["channel", "workspace"];
const ACTIONS = ["show", "history"] as const;
/** Options of the command itself; every other option is a setting. */
const OWN_OPTIONS = new Set(["scope", "action"]);
/** How many changes of the history one answer lists. */
const HISTORY_LENGTH = 20;

/**
 * The words after "settings" as options: "" shows, "history" lists the changes, "[workspace|channel]
 * name=value …" changes (a value runs to the next `name=`, so "tasks=translation, summarization"
 * works), and "[scope] name value" changes one setting. A setting that does not exist is kept, to be
 * refused by name; words that are no settings syntax at all leave the message an ordinary request.
 */
export function parseSettingsText(rest: string): CommandOptions | undefined {
  const words = rest.trim();
  if (words === "" || words.toLowerCase() === "show") return {};
  if (words.toLowerCase() === "history") return { action: "history" };
  const scopeMatch = /^(workspace|channel)\b\s*/i.exec(words);
  const options: CommandOptions = scopeMatch ? { scope: scopeMatch[1]?.toLowerCase() } : {};
  const body = words.slice(scopeMatch?.[0].length ?? 0);
  if (body === "") return { ...options, action: "show" };
  if (body.includes("=")) {
    const pairs = body.split(/\s+(?=[a-z][a-z-]*\s*=)/i);
    for (const pair of pairs) {
      const match = /^([a-z][a-z-]*)\s*=\s*(.*)$/is.exec(pair.trim());
      if (!match?.[1] || OWN_OPTIONS.has(match[1].toLowerCase())) return undefined;
      options[match[1].toLowerCase()] = (match[2] ?? "").trim();
    }
    return options;
  }
  const [name = "", ...value] = body.split(/\s+/);
  if (!settingSpec(name.toLowerCase()) || value.length === 0) return undefined;
  return { ...options, [name.toLowerCase()]: value.join(" ") };
}

/**
 * `settings`: the settings of this channel and its workspace, for admins (Discord: Manage Server;
 * Slack: workspace admins and owners; anyone in SETTINGS_ADMINS; the terminal's user). Without
 * settings it shows them; with `action: history` it lists who changed what; with settings it changes
 * them, for this channel or (`scope: workspace`) the whole workspace, all or none, from the next
 * request on.
 */
export const settingsCommand: CommandDefinition = {
  name: "settings",
  description: "Admins: show or change my settings for this channel or the whole workspace.",
  usage: "settings [history | [workspace] NAME=VALUE…]",
  options: [
    {
      name: "action",
      description: "show the settings (default) or their history: who changed what, and when",
      type: "string",
      required: false,
      choices: ACTIONS,
    },
    {
      name: "scope",
      description: "Where the settings given here apply: this channel (default) or the whole workspace",
      type: "string",
      required: false,
      choices: SCOPES,
    },
    ...SETTING_SPECS.map((spec) => ({
      name: spec.name,
      description: spec.description,
      type: "string" as const,
      required: false,
      ...(spec.choices ? { choices: [...spec.choices, "default"] } : {}),
    })),
  ],
  parseText: parseSettingsText,
  async run({ request, target, options, bot }): Promise<Disposition | undefined> {
    const desk = bot.settings;
    if (!desk) {
      await target.notice("This bot keeps no settings per workspace.");
      return undefined;
    }
    const verdict = await desk.authorize(request);
    if (!verdict.allowed) {
      await target.notice(verdict.message);
      return { status: "refused", reason: "forbidden", message: verdict.message };
    }
    const scopeText = typeof options.scope === "string" ? options.scope.trim().toLowerCase() : "";
    const scope = SCOPES.find((candidate) => candidate === (scopeText || "channel"));
    const action = typeof options.action === "string" ? options.action.trim().toLowerCase() : "show";
    if (!scope || !ACTIONS.some((candidate) => candidate === action)) {
      const message = !scope ? "scope must be channel or workspace." : "action must be show or history.";
      await target.notice(message);
      return { status: "refused", reason: "invalid-options", message };
    }
    if (action === "history") {
      await target.send({ text: describeHistory(await desk.history(request, HISTORY_LENGTH)), files: [] });
      return undefined;
    }
    const changes: SettingsChanges = {};
    for (const [name, value] of Object.entries(options)) {
      if (OWN_OPTIONS.has(name) || typeof value !== "string") continue;
      (changes as Record<string, string>)[name] = value;
    }
    if (Object.keys(changes).length === 0) {
      await target.send({ text: describeSettings(await desk.snapshot(request)), files: [] });
      return undefined;
    }
    const problem = desk.scopeProblem(request, scope);
    if (problem) {
      await target.notice(problem);
      return { status: "refused", reason: "invalid-options", message: problem };
    }
    const outcome = await desk.change(request, scope, changes);
    await target.send({ text: describeOutcome(outcome, scope), files: [] });
    return undefined;
  },
};
