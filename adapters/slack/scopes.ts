/**
 * What the bot asks of Slack: one list, used by the install flow (`/slack/install` asks for exactly
 * these) and written in README's app manifest (a test keeps the two the same).
 */

/**
 * The bot token's scopes: mentions and the app's DMs (`app_mentions:read`, `im:history`, `im:read`),
 * replies in threads of public and private channels it is in (`channels:history`, `groups:history`),
 * posting and editing its messages (`chat:write`), users' files and its own uploads (`files:read`,
 * `files:write`), the `/ask`, `/settings` and `/usage` commands (`commands`), reactions
 * (`reactions:write`), and whether a user is a workspace admin or owner, whom `/settings` admits and
 * `/usage` shows the workspace's use (`users:read`).
 */
export const SLACK_BOT_SCOPES: readonly string[] = [
  "app_mentions:read",
  "chat:write",
  "files:read",
  "files:write",
  "im:history",
  "im:read",
  "channels:history",
  "groups:history",
  "commands",
  "reactions:write",
  "users:read",
];

/** The bot needs no user token: the install flow asks for no user scopes. */
export const SLACK_USER_SCOPES: readonly string[] = [];
