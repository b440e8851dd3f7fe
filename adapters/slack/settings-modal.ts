/**
 * The `/settings` modal: one input per setting of a scope (this channel, or with `/settings
 * workspace` the whole workspace and its budgets), each filled with what the scope sets now and
 * empty (or "default") where it sets nothing. Its submission comes back as changes by setting name,
 * which the bot checks; a refused value is shown under its input.
 */
import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import { z } from "zod";
import {
  DEFAULT_WORD,
  formatSetting,
  type SettingName,
  type SettingScope,
  type SettingsChanges,
  type SettingsSnapshot,
  type SettingValue,
  settingNamesOf,
  settingSpec,
} from "../../src/core/settings-desk.js";
import { shorten } from "../../src/text.js";
import { readSubmission } from "./modal.js";

export const SETTINGS_MODAL_CALLBACK = "hugginggpt_settings";

/** Where the settings apply, carried through the modal (Slack hands `private_metadata` back on submit). */
const SettingsOriginSchema = z.object({
  scope: z.enum(["channel", "workspace"]),
  channel: z.string().min(1),
  team: z.string().min(1).optional(),
});
export type SettingsOrigin = z.infer<typeof SettingsOriginSchema>;

/** Slack's most characters for an option's text. */
const OPTION_TEXT = 75;

function plain(text: string) {
  return { type: "plain_text" as const, text };
}

/** What applies when a scope sets nothing: the workspace's value for a channel, else the bot's. */
function inherited(snapshot: SettingsSnapshot, scope: SettingScope, name: SettingName): string {
  const fromWorkspace = scope === "channel" ? snapshot.workspace[name] : undefined;
  if (fromWorkspace !== undefined) return `the workspace's: ${formatSetting(name, fromWorkspace)}`;
  const environment = (snapshot.environment as Partial<Record<SettingName, SettingValue>>)[name];
  // Budgets have no value of the environment here: their numbers are the budgets' own.
  if (environment === undefined) return "the bot's default";
  return `the bot's: ${formatSetting(name, environment)}`;
}

function inputBlock(
  snapshot: SettingsSnapshot,
  origin: SettingsOrigin,
  name: SettingName,
): KnownBlock | undefined {
  const spec = settingSpec(name);
  if (!spec) return undefined;
  const own =
    origin.scope === "channel"
      ? snapshot.channel[name as keyof SettingsSnapshot["channel"]]
      : snapshot.workspace[name];
  const fallback = inherited(snapshot, origin.scope, name);
  const common = {
    type: "input" as const,
    block_id: name,
    optional: true,
    label: plain(spec.title),
    hint: plain(shorten(spec.description, 150)),
  };
  if (spec.input === "choice" && spec.choices) {
    const options: PlainTextOption[] = [
      { text: plain(shorten(`default (${fallback})`, OPTION_TEXT)), value: DEFAULT_WORD },
      ...spec.choices.map((choice) => ({ text: plain(choice), value: choice })),
    ];
    const chosen =
      own === undefined ? options[0] : options.find((option) => option.value === formatSetting(name, own));
    return {
      ...common,
      element: {
        type: "static_select",
        action_id: name,
        options,
        ...(chosen ? { initial_option: chosen } : {}),
      },
    };
  }
  return {
    ...common,
    element: {
      type: "plain_text_input",
      action_id: name,
      ...(own !== undefined ? { initial_value: Array.isArray(own) ? own.join(", ") : String(own) } : {}),
      placeholder: plain(shorten(`empty: default (${fallback})`, 150)),
    },
  };
}

/**
 * The modal for one scope. Its first block says where the settings apply and what is in force.
 *
 * @example settingsModal(snapshot, { scope: "channel", channel: "C1", team: "T1" })
 */
export function settingsModal(snapshot: SettingsSnapshot, origin: SettingsOrigin): ModalView {
  const where =
    origin.scope === "workspace"
      ? "Settings for the whole workspace (a channel's own settings win over these)."
      : `Settings for <#${origin.channel}> (over the workspace's; \`/settings workspace\` for those and the budgets).`;
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: {
        type: "mrkdwn",
        text: `${where} Leave a field empty, or pick default, to use what applies without it.`,
      },
    },
  ];
  for (const name of settingNamesOf(origin.scope)) {
    const block = inputBlock(snapshot, origin, name);
    if (block) blocks.push(block);
  }
  return {
    type: "modal",
    callback_id: SETTINGS_MODAL_CALLBACK,
    private_metadata: JSON.stringify(origin),
    title: plain("HuggingGPT settings"),
    submit: plain("Save"),
    close: plain("Cancel"),
    blocks,
  };
}

export interface SettingsSubmission {
  origin: SettingsOrigin;
  /** Every setting of the scope: its value, or "default" where the field was left empty. */
  changes: SettingsChanges;
}

/** The submission's origin and changes, or undefined when it is not the modal's shape. */
export function parseSettingsSubmission(view: unknown): SettingsSubmission | undefined {
  const submission = readSubmission(view, SettingsOriginSchema);
  if (!submission) return undefined;
  const { origin } = submission;
  const changes: Record<string, string> = {};
  for (const name of settingNamesOf(origin.scope)) {
    const field = submission.input(name);
    // A field Slack did not send (a form from before a setting existed) changes nothing.
    if (!field) continue;
    const text = (field.selected_option?.value ?? field.value ?? "").trim();
    changes[name] = text === "" ? DEFAULT_WORD : text;
  }
  return { origin, changes };
}
