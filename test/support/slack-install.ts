/**
 * Installing the bot in a fake Slack workspace as a person's browser does: open the bot's
 * `/slack/install`, keep its cookie, follow the "Add to Slack" button to the fake Slack's authorize
 * page (which approves at once, see test/fakes/slack/oauth.ts), and follow its redirect back to the
 * bot's `/slack/oauth_redirect` with the cookie.
 */
import type { FakeSlack } from "../fakes/slack/index.js";

export interface PageResponse {
  status: number;
  headers: Headers;
  body: string;
}

/** A browser's cookie jar for one host, and GETs that do not follow redirects. */
export class Browser {
  readonly cookies = new Map<string, string>();

  async get(url: string): Promise<PageResponse> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    const response = await fetch(url, {
      redirect: "manual",
      headers: cookie ? { cookie } : {},
      signal: AbortSignal.timeout(15_000),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";").map((part) => part.trim());
      const equals = pair.indexOf("=");
      const name = pair.slice(0, equals);
      const value = pair.slice(equals + 1);
      const gone = attributes.some(
        (attribute) => /^max-age=0$/i.test(attribute) || /^expires=thu, 01 jan 1970/i.test(attribute),
      );
      if (gone || value === "") this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: response.status, headers: response.headers, body: await response.text() };
  }
}

/** The href of the install page's "Add to Slack" button. */
export function addToSlackHref(html: string): string {
  const match = /<a class="button" href="([^"]+)">Add to Slack<\/a>/.exec(html);
  if (!match?.[1]) throw new Error("no Add to Slack button on the install page");
  return match[1].replaceAll("&amp;", "&").replaceAll("&quot;", '"').replaceAll("&#39;", "'");
}

export interface InstallRun {
  browser: Browser;
  /** The install page. */
  installPage: PageResponse;
  /** The authorize URL the button leads to. */
  authorizeUrl: URL;
  /** Where Slack sent the browser back (the bot's redirect URL with code and state). */
  redirectUrl: URL;
  /** The page the bot answered the redirect with. */
  result: PageResponse;
}

/**
 * Installs the bot (at `botUrl`, e.g. http://127.0.0.1:3000) in `team` of the fake Slack, as a
 * browser does. `deny` cancels on Slack's page instead.
 */
export async function installThroughBrowser(
  slack: FakeSlack,
  botUrl: string,
  team: string,
  options: { deny?: boolean; browser?: Browser } = {},
): Promise<InstallRun> {
  const browser = options.browser ?? new Browser();
  const installPage = await browser.get(`${botUrl}/slack/install`);
  if (installPage.status !== 200) throw new Error(`the install page answered ${installPage.status}`);
  const authorizeUrl = new URL(addToSlackHref(installPage.body));
  slack.approveNextInstall(options.deny ? { deny: true } : { team });
  const atSlack = await browser.get(authorizeUrl.toString());
  const location = atSlack.headers.get("location");
  if (atSlack.status !== 302 || !location)
    throw new Error(`Slack's authorize page answered ${atSlack.status}: ${atSlack.body}`);
  const redirectUrl = new URL(location);
  const result = await browser.get(redirectUrl.toString());
  return { browser, installPage, authorizeUrl, redirectUrl, result };
}
