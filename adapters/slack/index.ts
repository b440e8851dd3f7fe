/** The Slack adapter: with the Discord adapter, the only code that imports a platform SDK. */
export {
  createSlackAdapter,
  type SlackAdapter,
  type SlackAdapterOptions,
  type SlackOAuthOptions,
} from "./adapter.js";
export { describeSlackError, SLACK_RETRY, slackClientOptions, slackErrorCode, startupError } from "./api.js";
export { checkDownloadedFile, SLACK_FILE_HOST, slackFileHostAllowed } from "./files.js";
export {
  createSlackInstallationStore,
  type SlackInstallationStore,
  type SlackInstallationSummary,
  type SlackWorkspace,
} from "./installations.js";
export {
  loadSlackBotTokens,
  type SlackBotTokens,
  type SlackInstallationStorage,
  type SlackOAuthSettings,
  slackInstallationStore,
} from "./lazy.js";
export { ASK_MODAL_CALLBACK, askModal, parseAskSubmission } from "./modal.js";
export { isPersonMessage, slackAttachment, withoutSlackMention } from "./normalize.js";
export {
  createSlackInstaller,
  SLACK_INSTALL_PATH,
  SLACK_REDIRECT_PATH,
  type SlackInstaller,
  slackAuthorizeUrl,
} from "./oauth.js";
export {
  composeSlackMessages,
  markdownToMrkdwn,
  SLACK_LIMITS,
  splitForSlack,
  summaryBlocks,
} from "./render.js";
export { SLACK_BOT_SCOPES } from "./scopes.js";
export { type SlackPlace, slackTarget } from "./target.js";
