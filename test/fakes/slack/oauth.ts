/**
 * Slack's OAuth v2 install flow, as the fake Slack serves it.
 *
 * - `GET /oauth/v2/authorize?client_id&scope&user_scope&redirect_uri&state&team`: the page where a
 *   person approves the app for a workspace. The fake has no page to click: it applies the next
 *   consent set with `approveNextInstall` (default: the default workspace approves, as its user) and
 *   redirects at once to the redirect URL with `?code&state`, or `?error=access_denied&state` when the
 *   person cancels. The redirect URL is `redirect_uri` when given (it must be one of the app's Redirect
 *   URLs, or under one, when the app has any), else the app's first Redirect URL.
 * - `oauth.v2.access` (no token; the client id and secret in HTTP Basic auth or as `client_id` /
 *   `client_secret`): `code` → the installation, in the shape Slack documents. A code is usable once
 *   and for `codeTtlMs` (Slack: 10 minutes); a `redirect_uri` sent to authorize must be sent again.
 *   Errors: `invalid_client_id`, `bad_client_secret`, `invalid_code`, `bad_redirect_uri`,
 *   `invalid_grant_type`, `invalid_refresh_token`. With token rotation (`tokenExpiresInSeconds`), the
 *   answer carries `refresh_token` and `expires_in`, and `grant_type=refresh_token` gives a new bot
 *   token and refresh token (the earlier refresh token stops working; earlier access tokens keep
 *   working, as the fake does not expire them).
 * - A reinstall in the same workspace keeps the bot token (without rotation), updates the scopes and
 *   gives a new user token when user scopes are asked.
 */
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import {
  botIdentity,
  type FakeInstallation,
  type FakeWorkspaces,
  type Json,
  newToken,
  SlackError,
  str,
} from "./workspaces.js";

export interface FakeOAuthOptions {
  clientId: string;
  clientSecret: string;
  appId: string;
  /** The workspace that approves when no consent was set. */
  defaultTeamId: string;
  /** Scopes a request may ask for. */
  knownScopes: readonly string[];
  codeTtlMs: number;
  /** With token rotation: how long a bot token lives (Slack: 43200 s). Undefined: rotation off. */
  tokenExpiresInSeconds: number | undefined;
}

/** What the person does on the authorize page. */
export interface Consent {
  /** The workspace they install the app in (default: the `team` of the URL, else the default workspace). */
  team?: string;
  /** Install for a whole Enterprise Grid organization instead. */
  enterprise?: string;
  /** Who approves (default: the workspace's user). */
  user?: string;
  /** Cancel instead of approving. */
  deny?: boolean;
}

/** One visit of the authorize page. */
export interface AuthorizeVisit {
  query: Record<string, string>;
  status: number;
  location?: string;
  code?: string;
}

interface PendingCode {
  key: string;
  teamId: string | undefined;
  enterpriseId: string | undefined;
  orgWide: boolean;
  scopes: string[];
  userScopes: string[];
  userId: string;
  redirectUri: string | undefined;
  issuedAt: number;
  used: boolean;
}

export interface FakeOAuth {
  readonly visits: AuthorizeVisit[];
  /** The app's Redirect URLs (OAuth & Permissions). */
  redirectUrls: string[];
  approveNext(consent: Consent): void;
  /** Serves GET /oauth/v2/authorize. */
  authorize(url: URL, response: ServerResponse): void;
  /** oauth.v2.access: the result's fields (without `ok`), or a SlackError. */
  access(args: Json, authorization: string | undefined): Json;
}

function page(response: ServerResponse, status: number, title: string, text: string): void {
  response.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  response.end(
    `<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`,
  );
}

function splitScopes(text: string | undefined): string[] {
  return (text ?? "").split(/[\s,]+/).filter((scope) => scope.length > 0);
}

export function createFakeOAuth(options: FakeOAuthOptions, workspaces: FakeWorkspaces): FakeOAuth {
  const codes = new Map<string, PendingCode>();
  const visits: AuthorizeVisit[] = [];
  let next: Consent | undefined;

  function clientOf(args: Json, authorization: string | undefined): { id?: string; secret?: string } {
    if (authorization?.startsWith("Basic ")) {
      const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0) return { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
    }
    return { id: str(args, "client_id"), secret: str(args, "client_secret") };
  }

  function teamJson(installation: FakeInstallation): Json | null {
    const team = installation.teamId ? workspaces.team(installation.teamId) : undefined;
    return team ? { id: team.id, name: team.name } : null;
  }

  function enterpriseJson(installation: FakeInstallation): Json | null {
    if (!installation.enterpriseId) return null;
    const named = [...workspaces.teams.values()].find(
      (team) => team.enterpriseId === installation.enterpriseId && team.enterpriseName,
    );
    return { id: installation.enterpriseId, name: named?.enterpriseName ?? installation.enterpriseId };
  }

  /** The bot token's part of an oauth.v2.access answer, as Slack documents it. */
  function botTokenJson(installation: FakeInstallation): Json {
    const rotating = options.tokenExpiresInSeconds !== undefined && installation.refreshToken;
    return {
      app_id: options.appId,
      scope: [...installation.scopes].join(","),
      token_type: "bot",
      access_token: installation.botToken,
      bot_user_id: installation.botUserId,
      team: teamJson(installation),
      enterprise: enterpriseJson(installation),
      is_enterprise_install: installation.isEnterpriseInstall,
      ...(rotating
        ? { refresh_token: installation.refreshToken, expires_in: options.tokenExpiresInSeconds }
        : {}),
    };
  }

  function exchangeCode(args: Json): Json {
    const code = str(args, "code");
    const pending = code ? codes.get(code) : undefined;
    if (!pending || pending.used) throw new SlackError("invalid_code");
    pending.used = true;
    if (Date.now() - pending.issuedAt > options.codeTtlMs) throw new SlackError("invalid_code");
    if (pending.redirectUri !== undefined && str(args, "redirect_uri") !== pending.redirectUri)
      throw new SlackError("bad_redirect_uri");

    const previous = workspaces.installations.get(pending.key);
    const rotating = options.tokenExpiresInSeconds !== undefined;
    const identity = botIdentity(pending.key, pending.orgWide);
    const installation = workspaces.install({
      key: pending.key,
      teamId: pending.teamId,
      enterpriseId: pending.enterpriseId,
      isEnterpriseInstall: pending.orgWide,
      botToken:
        previous && !rotating ? previous.botToken : newToken(rotating ? "xoxe.xoxb-1" : "xoxb", pending.key),
      ...identity,
      scopes: new Set([...(previous?.scopes ?? []), ...pending.scopes]),
      userId: pending.userId,
      userToken: pending.userScopes.length > 0 ? newToken("xoxp", pending.key) : undefined,
      userScopes: new Set(pending.userScopes),
      refreshToken: rotating ? newToken("xoxe-1", pending.key) : undefined,
      expiresAt: rotating ? Date.now() + (options.tokenExpiresInSeconds ?? 0) * 1000 : undefined,
      installedAt: Date.now(),
    });
    return {
      ...botTokenJson(installation),
      authed_user: {
        id: installation.userId,
        ...(installation.userToken
          ? {
              scope: [...installation.userScopes].join(","),
              access_token: installation.userToken,
              token_type: "user",
            }
          : {}),
      },
    };
  }

  function refresh(args: Json): Json {
    const refreshToken = str(args, "refresh_token");
    const installation = [...workspaces.installations.values()].find(
      (candidate) => refreshToken !== undefined && candidate.refreshToken === refreshToken,
    );
    if (!installation || options.tokenExpiresInSeconds === undefined)
      throw new SlackError("invalid_refresh_token");
    installation.botToken = newToken("xoxe.xoxb-1", installation.key);
    installation.refreshToken = newToken("xoxe-1", installation.key);
    installation.expiresAt = Date.now() + options.tokenExpiresInSeconds * 1000;
    workspaces.tokens.set(installation.botToken, { installation, kind: "bot" });
    return botTokenJson(installation);
  }

  const oauth: FakeOAuth = {
    visits,
    redirectUrls: [],
    approveNext(consent) {
      next = consent;
    },

    authorize(url, response) {
      const query = Object.fromEntries(url.searchParams);
      const visit: AuthorizeVisit = { query, status: 0 };
      visits.push(visit);
      const fail = (status: number, title: string, text: string) => {
        visit.status = status;
        page(response, status, title, text);
      };
      if (query.client_id !== options.clientId) return fail(400, "invalid_client_id", "Unknown client_id.");
      const redirectUris = oauth.redirectUrls;
      const redirect = query.redirect_uri ?? redirectUris[0];
      if (!redirect) return fail(400, "bad_redirect_uri", "The app has no Redirect URL.");
      if (
        query.redirect_uri !== undefined &&
        redirectUris.length > 0 &&
        !redirectUris.some((allowed) => redirect === allowed || redirect.startsWith(`${allowed}/`))
      )
        return fail(400, "bad_redirect_uri", "redirect_uri is not one of the app's Redirect URLs.");

      const back = (params: Record<string, string>) => {
        const target = new URL(redirect);
        for (const [name, value] of Object.entries(params)) target.searchParams.set(name, value);
        visit.status = 302;
        visit.location = target.toString();
        response.writeHead(302, { location: visit.location });
        response.end();
      };
      const state: Record<string, string> = query.state !== undefined ? { state: query.state } : {};
      const scopes = splitScopes(query.scope);
      const userScopes = splitScopes(query.user_scope);
      if (
        (scopes.length === 0 && userScopes.length === 0) ||
        [...scopes, ...userScopes].some((scope) => !options.knownScopes.includes(scope))
      )
        return back({ error: "invalid_scope", ...state });

      const consent = next ?? {};
      next = undefined;
      if (consent.deny) return back({ error: "access_denied", ...state });
      let pending: PendingCode;
      if (consent.enterprise) {
        const member = [...workspaces.teams.values()].find(
          (team) => team.enterpriseId === consent.enterprise,
        );
        pending = {
          key: consent.enterprise,
          teamId: undefined,
          enterpriseId: consent.enterprise,
          orgWide: true,
          scopes,
          userScopes,
          userId: consent.user ?? member?.userId ?? "U0ADMIN",
          redirectUri: query.redirect_uri,
          issuedAt: Date.now(),
          used: false,
        };
      } else {
        const team = workspaces.team(consent.team ?? query.team ?? options.defaultTeamId);
        if (!team) return fail(400, "team_not_found", "No such workspace.");
        pending = {
          key: team.id,
          teamId: team.id,
          enterpriseId: team.enterpriseId,
          orgWide: false,
          scopes,
          userScopes,
          userId: consent.user ?? team.userId,
          redirectUri: query.redirect_uri,
          issuedAt: Date.now(),
          used: false,
        };
      }
      const code = `${Date.now()}.${randomBytes(16).toString("hex")}`;
      codes.set(code, pending);
      visit.code = code;
      back({ code, ...state });
    },

    access(args, authorization) {
      const client = clientOf(args, authorization);
      if (client.id !== options.clientId) throw new SlackError("invalid_client_id");
      if (client.secret !== options.clientSecret) throw new SlackError("bad_client_secret");
      const grant = str(args, "grant_type") ?? "authorization_code";
      if (grant === "authorization_code") return exchangeCode(args);
      if (grant === "refresh_token") return refresh(args);
      throw new SlackError("invalid_grant_type");
    },
  };
  return oauth;
}
