/**
 * The Slack adapter without loading Bolt until it starts: the composition root imports this, so
 * `ask`, `chat` and `models` start as fast as before. `start` checks the configuration first and
 * says which variable is missing or wrong.
 *
 * Two ways to run: one workspace with SLACK_BOT_TOKEN (token mode), or many with Slack's install flow
 * (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET, SLACK_INSTALLATION_KEY). With both, the
 * install flow runs and SLACK_BOT_TOKEN becomes the installation of its own workspace (when that
 * workspace has none). Either way Slack reaches the bot over HTTP (SLACK_SIGNING_SECRET) or Socket
 * Mode (SLACK_APP_TOKEN).
 */
import type Keyv from "keyv";
import type { Adapter, BotHandle, Postman } from "../../src/core/types.js";
import { BotError } from "../../src/errors.js";
import type { Logger } from "../../src/log.js";
import type { SlackAdapterOptions, SlackOAuthOptions } from "./adapter.js";
import {
  createSlackInstallationStore,
  type SlackInstallationStore,
  type SlackWorkspace,
} from "./installations.js";
import type { SlackPostmanOptions } from "./postman.js";

/** Where installations are kept: the bot storage's `slack-installations` namespace. */
export interface SlackInstallationStorage {
  kv: Keyv<unknown>;
  keys: () => Promise<string[]>;
}

/** The install flow's variables as configured; `start` checks that none is missing. */
export interface SlackOAuthSettings {
  clientId?: string | undefined;
  clientSecret?: string | undefined;
  stateSecret?: string | undefined;
  /** SLACK_INSTALLATION_KEY, decoded: 32 bytes. */
  installationKey?: Uint8Array | undefined;
  storage: SlackInstallationStorage;
}

export interface LazySlackAdapterOptions extends Omit<SlackAdapterOptions, "oauth"> {
  /** Set when any of the install flow's variables is: the bot is installed in many workspaces. */
  oauth?: SlackOAuthSettings;
}

/** The installation store of the configured key over the bot's storage (also for `doctor`). */
export function slackInstallationStore(
  storage: SlackInstallationStorage,
  installationKey: Uint8Array,
): SlackInstallationStore {
  return createSlackInstallationStore({ kv: storage.kv, keys: storage.keys, key: installationKey });
}

function refuse(message: string, userMessage: string): never {
  throw new BotError("config_invalid", message, { userMessage });
}

/** The install flow's options once none of its variables is missing (else a refusal naming them). */
function checkedOAuth(oauth: SlackOAuthSettings): SlackOAuthOptions {
  const { clientId, clientSecret, stateSecret, installationKey } = oauth;
  if (clientId && clientSecret && stateSecret && installationKey) {
    return {
      clientId,
      clientSecret,
      stateSecret,
      installations: slackInstallationStore(oauth.storage, installationKey),
    };
  }
  const missing = [
    ["SLACK_CLIENT_ID", clientId],
    ["SLACK_CLIENT_SECRET", clientSecret],
    ["SLACK_STATE_SECRET", stateSecret],
    ["SLACK_INSTALLATION_KEY", installationKey],
  ]
    .filter(([, value]) => value === undefined)
    .map(([name]) => name as string);
  return refuse(
    `Slack install flow without ${missing.join(", ")}`,
    `Installing the bot in many Slack workspaces needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and SLACK_INSTALLATION_KEY; ${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set. The client id and secret are under Basic Information → App Credentials; make the state secret and the key with openssl rand -base64 32.`,
  );
}

/** The adapter's options once the configuration is checked. */
function checked(options: LazySlackAdapterOptions): SlackAdapterOptions {
  const { oauth, ...rest } = options;
  const installFlow = oauth ? checkedOAuth(oauth) : undefined;
  if (!options.signingSecret && !options.appToken) {
    refuse(
      "Slack without SLACK_SIGNING_SECRET or SLACK_APP_TOKEN",
      oauth
        ? "Slack needs SLACK_SIGNING_SECRET (events and the install pages over HTTP on PORT) or SLACK_APP_TOKEN (Socket Mode) to reach the bot."
        : "Slack needs SLACK_SIGNING_SECRET (events over HTTP at /slack/events) or SLACK_APP_TOKEN (Socket Mode) besides SLACK_BOT_TOKEN.",
    );
  }
  if (!oauth && !options.botToken) {
    refuse(
      "Slack without SLACK_BOT_TOKEN",
      "Slack needs SLACK_BOT_TOKEN (one workspace), or SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_STATE_SECRET and SLACK_INSTALLATION_KEY (many workspaces).",
    );
  }
  // A token pasted into the wrong variable would make Slack refuse every call later, less clearly.
  if (options.botToken !== undefined && !options.botToken.startsWith("xoxb-")) {
    refuse(
      "SLACK_BOT_TOKEN is not a bot token",
      "SLACK_BOT_TOKEN must be the app's Bot User OAuth Token (xoxb-…, under OAuth & Permissions).",
    );
  }
  if (options.appToken !== undefined && !options.appToken.startsWith("xapp-")) {
    refuse(
      "SLACK_APP_TOKEN is not an app-level token",
      "SLACK_APP_TOKEN must be an app-level token (xapp-…, Basic Information → App-Level Tokens, with connections:write).",
    );
  }
  return installFlow ? { ...rest, oauth: installFlow } : rest;
}

/** A workspace's bot token, or undefined where the bot is not installed. */
export type SlackBotTokens = (workspace: SlackWorkspace) => Promise<string | undefined>;

/**
 * The bot tokens of the installed workspaces, for a process that posts without an event in hand (a
 * worker rebuilding a reply target from its address): each from the stored installation serving the
 * workspace (its own, else its Enterprise Grid organization's when `enterpriseId` is given), refreshed
 * when it rotates. Loads Bolt's installer only then; refuses as `start` does when a variable is missing.
 *
 * @example
 * const botToken = await loadSlackBotTokens({ oauth, apiUrl: config.SLACK_API_URL });
 * const token = await botToken({ teamId: address.workspace });
 */
export async function loadSlackBotTokens(options: {
  oauth: SlackOAuthSettings;
  apiUrl: string;
  logger?: Logger;
}): Promise<SlackBotTokens> {
  const oauth = checkedOAuth(options.oauth);
  const { createSlackInstaller } = await import("./oauth.js");
  const installer = createSlackInstaller({
    ...oauth,
    apiUrl: options.apiUrl,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return (workspace) => installer.botToken(workspace);
}

/** `createSlackAdapter(options)`, with Bolt loaded by `start`. */
export function createLazySlackAdapter(options: LazySlackAdapterOptions): Adapter {
  let adapter: Adapter | undefined;
  return {
    platform: "slack",
    async start(bot: BotHandle) {
      const ready = checked(options);
      const { createSlackAdapter } = await import("./adapter.js");
      adapter = createSlackAdapter(ready);
      await adapter.start(bot);
    },
    async stop() {
      await adapter?.stop();
    },
  };
}

/** The Slack postman of a worker (postman.ts), with the Web API client loaded only then. */
export async function loadSlackPostman(options: SlackPostmanOptions): Promise<Postman> {
  const { createSlackPostman } = await import("./postman.js");
  return createSlackPostman(options);
}
