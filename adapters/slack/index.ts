/** The Slack adapter: with the Discord adapter, the only code that imports a platform SDK. */
export { createSlackAdapter, type SlackAdapter, type SlackAdapterOptions } from "./adapter.js";
export { describeSlackError, SLACK_RETRY, slackClientOptions, slackErrorCode, startupError } from "./api.js";
export { checkDownloadedFile, SLACK_FILE_HOST, slackFileHostAllowed } from "./files.js";
export { ASK_MODAL_CALLBACK, askModal, parseAskSubmission } from "./modal.js";
export { isPersonMessage, slackAttachment, withoutSlackMention } from "./normalize.js";
export {
  composeSlackMessages,
  markdownToMrkdwn,
  SLACK_LIMITS,
  splitForSlack,
  summaryBlocks,
} from "./render.js";
export { type SlackPlace, slackTarget } from "./target.js";
