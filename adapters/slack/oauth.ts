/**
 * Installing the bot in many workspaces: Bolt's installer (`InstallProvider` of @slack/oauth) over the
 * bot's installation store.
 *
 * - `GET /slack/install`: the install page, whose "Add to Slack" button goes to Slack's authorize page
 *   with the scopes of scopes.ts and a `state` signed with SLACK_STATE_SECRET; the same state is set
 *   in a cookie of this browser (10 minutes).
 * - `GET /slack/oauth_redirect`: where Slack sends the browser back. The state must be the cookie's
 *   and unexpired (else nothing is installed); the code is exchanged (oauth.v2.access) for the
 *   workspace's bot token, the installation is stored, and a page says where the bot is now installed,
 *   or, in plain words, why not.
 * - `authorize`: for each event, the installation of its workspace (Bolt refuses, logs and answers
 *   nothing when there is none); with token rotation it refreshes a bot token that expires within two
 *   hours and stores the new one.
 * - `botToken(workspace)`: the same, for a process that posts without an event (a worker rebuilding a
 *   reply target from its address).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { CustomRoute } from "@slack/bolt";
import {
  type AuthorizeResult,
  type InstallationQuery,
  InstallProvider,
  type InstallURLOptions,
} from "@slack/oauth";
import type { RetryOptions } from "@slack/web-api";
import { errorSummary } from "../../src/errors.js";
import { type Logger, silentLogger } from "../../src/log.js";
import { slackClientOptions } from "./api.js";
import { boltLogger } from "./bolt-logger.js";
import type { SlackInstallationStore, SlackWorkspace } from "./installations.js";
import { describeInstallFailure, failurePage, installedPage, installPage, PAGE_HEADERS } from "./pages.js";
import { SLACK_BOT_SCOPES, SLACK_USER_SCOPES } from "./scopes.js";

export const SLACK_INSTALL_PATH = "/slack/install";
export const SLACK_REDIRECT_PATH = "/slack/oauth_redirect";

export interface SlackInstallerOptions {
  /** SLACK_CLIENT_ID */
  clientId: string;
  /** SLACK_CLIENT_SECRET */
  clientSecret: string;
  /** SLACK_STATE_SECRET: signs the install's state. */
  stateSecret: string;
  installations: SlackInstallationStore;
  /** SLACK_API_URL: Slack's authorize page is beside it (`/oauth/v2/authorize`). */
  apiUrl: string;
  logger?: Logger;
  /** The Web API client's retries (tests make them short). */
  retryConfig?: RetryOptions;
  /** The bot scopes to ask for (default: SLACK_BOT_SCOPES). */
  scopes?: readonly string[];
}

export interface SlackInstaller {
  /** Bolt's `authorize`: the installation of an event's workspace. */
  authorize(query: InstallationQuery<boolean>): Promise<AuthorizeResult>;
  /**
   * The bot token that serves a workspace (its own installation, else its organization's), refreshed
   * when it rotates; undefined when the bot is not installed there. Throws when the installation
   * cannot be read (SLACK_INSTALLATION_KEY is not the one it was stored under).
   */
  botToken(workspace: SlackWorkspace): Promise<string | undefined>;
  /** The two pages as routes of Bolt's HTTP receiver. */
  readonly routes: CustomRoute[];
  /** Serves the two pages on a server of its own (Socket Mode): whether the request was one of them. */
  handle(request: IncomingMessage, response: ServerResponse): boolean;
}

/** Slack's authorize page, beside its Web API: https://slack.com/api/ → https://slack.com/oauth/v2/authorize. */
export function slackAuthorizeUrl(apiUrl: string): string {
  return new URL("../oauth/v2/authorize", apiUrl).toString();
}

/** Where Slack's web client is: app.slack.com for Slack, the Web API's own host for a test server. */
function clientUrl(apiUrl: string): string {
  const origin = new URL(apiUrl).origin;
  return origin === "https://slack.com" ? "https://app.slack.com" : origin;
}

function sendPage(response: ServerResponse, status: number, html: string): void {
  if (response.headersSent) return;
  response.writeHead(status, PAGE_HEADERS);
  response.end(html);
}

/**
 * The installer (see the module's comment).
 *
 * @example
 * const installer = createSlackInstaller({ clientId, clientSecret, stateSecret, installations, apiUrl });
 * const app = new App({ authorize: installer.authorize, signingSecret, customRoutes: installer.routes });
 */
export function createSlackInstaller(options: SlackInstallerOptions): SlackInstaller {
  const logger = options.logger ?? silentLogger;
  const scopes = options.scopes ?? SLACK_BOT_SCOPES;
  const provider = new InstallProvider({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    stateSecret: options.stateSecret,
    installationStore: options.installations,
    authorizationUrl: slackAuthorizeUrl(options.apiUrl),
    renderHtmlForInstallPath: (url) => installPage(url, scopes),
    // Its error lines repeat what the failure page's log line says in words.
    logger: boltLogger(logger.child({ component: "slack-install" }), "debug"),
    clientOptions: slackClientOptions(options.apiUrl, options.retryConfig),
  });
  const installUrl: InstallURLOptions = {
    scopes: [...scopes],
    ...(SLACK_USER_SCOPES.length > 0 ? { userScopes: [...SLACK_USER_SCOPES] } : {}),
  };

  async function serveInstall(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      await provider.handleInstallPath(
        request,
        response,
        {
          // The page's own headers, before Bolt writes it with its state cookie.
          async beforeRedirection(_request, pageResponse) {
            for (const [name, value] of Object.entries(PAGE_HEADERS)) pageResponse.setHeader(name, value);
            return true;
          },
        },
        installUrl,
      );
    } catch (error) {
      logger.error("the Slack install page could not be made", { error: errorSummary(error) });
      sendPage(response, 500, failurePage(describeInstallFailure(error, request.url), SLACK_INSTALL_PATH));
    }
  }

  async function serveRedirect(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      await provider.handleCallback(request, response, {
        success(installation, _options, _request, pageResponse) {
          const where = {
            teamId: installation.team?.id,
            teamName: installation.team?.name,
            enterpriseId: installation.enterprise?.id,
            enterpriseName: installation.enterprise?.name,
            isEnterpriseInstall: installation.isEnterpriseInstall === true,
            appId: installation.appId,
            enterpriseUrl: installation.enterpriseUrl,
            clientUrl: clientUrl(options.apiUrl),
          };
          logger.info("Slack app installed", {
            team: where.teamId,
            teamName: where.teamName,
            enterprise: where.enterpriseId,
            isEnterpriseInstall: where.isEnterpriseInstall,
            botUser: installation.bot?.userId,
          });
          sendPage(pageResponse, 200, installedPage(where));
        },
        failure(error, _options, failedRequest, pageResponse) {
          const failure = describeInstallFailure(error, failedRequest.url);
          logger.warn(failure.log);
          sendPage(pageResponse, failure.status, failurePage(failure, SLACK_INSTALL_PATH));
        },
      });
    } catch (error) {
      const failure = describeInstallFailure(error, request.url);
      logger.error(failure.log);
      sendPage(response, failure.status, failurePage(failure, SLACK_INSTALL_PATH));
    }
  }

  const routes: CustomRoute[] = [
    {
      path: SLACK_INSTALL_PATH,
      method: ["GET"],
      handler: (request, response) => void serveInstall(request, response),
    },
    {
      path: SLACK_REDIRECT_PATH,
      method: ["GET"],
      handler: (request, response) => void serveRedirect(request, response),
    },
  ];

  return {
    authorize: (query) => provider.authorize(query),
    async botToken(workspace) {
      const query = await options.installations.locate(workspace);
      if (!query) return undefined;
      return (await provider.authorize(query)).botToken;
    },
    routes,
    handle(request, response) {
      if (request.method !== "GET") return false;
      const path = new URL(request.url ?? "/", "http://localhost").pathname;
      if (path === SLACK_INSTALL_PATH) void serveInstall(request, response);
      else if (path === SLACK_REDIRECT_PATH) void serveRedirect(request, response);
      else return false;
      return true;
    },
  };
}
