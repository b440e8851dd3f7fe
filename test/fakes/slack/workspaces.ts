/**
 * The fake Slack's workspaces (teams), the app's installations in them and the tokens those carry.
 *
 * One app (`appId`) is installed per workspace, or once for an Enterprise Grid organization as a
 * whole (an org-wide install serves every workspace of the organization). Each installation has its
 * own bot user and bot token, and may have a user token (of the person who installed it, when user
 * scopes were asked) and, with token rotation, a refresh token. A token acts only in the workspaces
 * its installation serves: in another workspace's channel Slack answers `channel_not_found`.
 */
import { randomBytes } from "node:crypto";

export type Json = Record<string, unknown>;

/** A Web API error: `{ ok: false, error, ...extra }`. */
export class SlackError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Json = {},
  ) {
    super(error);
  }
}

/** A string (or number) argument of a Web API call. */
export function str(args: Json, key: string): string | undefined {
  const value = args[key];
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}

export interface FakeSlackTeam {
  id: string;
  name: string;
  domain: string;
  /** The Enterprise Grid organization the workspace belongs to. */
  enterpriseId?: string;
  enterpriseName?: string;
  /** A person of the workspace who writes to the bot. */
  userId: string;
  /** A public channel of the workspace where the bot is a member. */
  generalChannel: string;
  /** The DM between `userId` and the bot. */
  dmChannel: string;
}

export interface FakeInstallation {
  /** The team id, or the enterprise id of an org-wide install. */
  key: string;
  teamId: string | undefined;
  enterpriseId: string | undefined;
  isEnterpriseInstall: boolean;
  botToken: string;
  botUserId: string;
  botId: string;
  /** The bot token's scopes (the default workspace's set is the one `removeScope` changes). */
  scopes: Set<string>;
  /** The person who installed the app. */
  userId: string;
  userToken: string | undefined;
  userScopes: Set<string>;
  /** With token rotation: the bot token's refresh token and when the bot token expires (epoch ms). */
  refreshToken: string | undefined;
  expiresAt: number | undefined;
  installedAt: number;
}

/** Whose a token is. */
export interface TokenOwner {
  installation: FakeInstallation;
  kind: "bot" | "user";
}

/** The id without its type letter: "T2ACME" → "2ACME". */
const suffix = (id: string) => id.replace(/^[TE]/, "");

/** The bot identity an installation gets: stable per workspace or organization, as Slack's are. */
export function botIdentity(key: string, orgWide: boolean): { botUserId: string; botId: string } {
  return orgWide
    ? { botUserId: `W${suffix(key)}BOT`, botId: `B${suffix(key)}ORG` }
    : { botUserId: `U${suffix(key)}BOT`, botId: `B${suffix(key)}BOT` };
}

export function newToken(prefix: string, key: string): string {
  return `${prefix}-${key}-${randomBytes(12).toString("hex")}`;
}

export interface FakeWorkspaces {
  readonly teams: Map<string, FakeSlackTeam>;
  /** By team id, or enterprise id for org-wide installs. */
  readonly installations: Map<string, FakeInstallation>;
  readonly tokens: Map<string, TokenOwner>;
  /** Tokens Slack refuses, with the error it answers. */
  readonly revoked: Map<string, string>;
  addTeam(team: FakeSlackTeam): FakeSlackTeam;
  team(id: string): FakeSlackTeam | undefined;
  /** The installation that serves a workspace: its own, else its organization's. */
  serving(teamId: string): FakeInstallation | undefined;
  /** Whether an installation may act in a workspace. */
  serves(installation: FakeInstallation, teamId: string): boolean;
  /** The bot user the workspace sees: its installation's, else the one it would get when installed. */
  botUserIn(teamId: string): { botUserId: string; botId: string };
  owner(token: string | undefined): TokenOwner | undefined;
  /** Adds (or, for a reinstall, updates) an installation; its tokens become valid. */
  install(installation: FakeInstallation): FakeInstallation;
  /** Removes an installation and revokes its tokens. */
  uninstall(key: string): FakeInstallation | undefined;
  /** Every bot id the app has had (in any workspace, installed now or before). */
  botIds(): ReadonlySet<string>;
}

export function createWorkspaces(): FakeWorkspaces {
  const teams = new Map<string, FakeSlackTeam>();
  const installations = new Map<string, FakeInstallation>();
  const tokens = new Map<string, TokenOwner>();
  const revoked = new Map<string, string>();
  const everBotIds = new Set<string>();

  const workspaces: FakeWorkspaces = {
    teams,
    installations,
    tokens,
    revoked,
    addTeam(team) {
      teams.set(team.id, team);
      return team;
    },
    team: (id) => teams.get(id),
    serving(teamId) {
      const own = installations.get(teamId);
      if (own) return own;
      const enterpriseId = teams.get(teamId)?.enterpriseId;
      const org = enterpriseId ? installations.get(enterpriseId) : undefined;
      return org?.isEnterpriseInstall ? org : undefined;
    },
    serves(installation, teamId) {
      if (installation.teamId === teamId) return true;
      return (
        installation.isEnterpriseInstall &&
        installation.enterpriseId !== undefined &&
        teams.get(teamId)?.enterpriseId === installation.enterpriseId
      );
    },
    botUserIn(teamId) {
      const installation = workspaces.serving(teamId);
      if (installation) return { botUserId: installation.botUserId, botId: installation.botId };
      return botIdentity(teamId, false);
    },
    owner: (token) => (token === undefined ? undefined : tokens.get(token)),
    install(installation) {
      const previous = installations.get(installation.key);
      if (previous) {
        // Earlier tokens of this installation that the reinstall replaced stop working.
        for (const token of [previous.botToken, previous.userToken]) {
          if (
            token &&
            token !== installation.botToken &&
            token !== installation.userToken &&
            tokens.get(token)?.installation === previous
          ) {
            tokens.delete(token);
            revoked.set(token, "token_revoked");
          }
        }
      }
      installations.set(installation.key, installation);
      everBotIds.add(installation.botId);
      tokens.set(installation.botToken, { installation, kind: "bot" });
      revoked.delete(installation.botToken);
      if (installation.userToken) {
        tokens.set(installation.userToken, { installation, kind: "user" });
        revoked.delete(installation.userToken);
      }
      return installation;
    },
    uninstall(key) {
      const installation = installations.get(key);
      if (!installation) return undefined;
      installations.delete(key);
      for (const [token, owner] of tokens) {
        if (owner.installation !== installation) continue;
        tokens.delete(token);
        revoked.set(token, "token_revoked");
      }
      return installation;
    },
    botIds: () => everBotIds,
  };
  return workspaces;
}
