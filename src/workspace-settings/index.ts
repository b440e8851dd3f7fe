/**
 * Settings per workspace and per channel, set by admins (`/settings`) over the environment's: the
 * settable fields and their checks (fields.ts), the budget numbers' shape (budgets.ts), the
 * environment's layer (environment.ts) and the store with its audit and cache (store.ts).
 */
export { type BudgetLimits, type BudgetOverrides, budgetOverridesOf, noBudgetOverrides } from "./budgets.js";
export { type Deployment, deploymentCapabilities, environmentSettingsFrom } from "./environment.js";
export {
  BUDGET_SETTING_NAMES,
  type BudgetSettingName,
  CHANNEL_SETTING_NAMES,
  type ChannelSettingName,
  type ChannelSettings,
  DEFAULT_WORD,
  formatSetting,
  INFERENCE_MODES,
  type InferenceMode,
  languageTag,
  MODEL_SELECTIONS,
  type ModelSelection,
  SETTING_SPECS,
  type SettingName,
  type SettingScope,
  type SettingSpec,
  type SettingsCapabilities,
  type SettingValue,
  servableModes,
  settingSpec,
} from "./fields.js";
export {
  AUDIT_MAX,
  createWorkspaceSettings,
  type EffectiveSettings,
  type SettingOrigin,
  type SettingsActor,
  type SettingsAuditEntry,
  type SettingsChangeOutcome,
  type SettingsChanges,
  type SettingsPlace,
  type SettingsSnapshot,
  type WorkspaceRef,
  type WorkspaceSettingsOptions,
  type WorkspaceSettingsStore,
} from "./store.js";
