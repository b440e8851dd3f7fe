import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SLACK_BOT_SCOPES } from "../../../../adapters/slack/scopes.js";

/** The list under `oauth_config: scopes: bot:` of README's app manifest. */
function manifestBotScopes(readme: string): string[] {
  const manifest =
    /```yaml\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Run it on Slack")))?.[1] ?? "";
  const lines = manifest.split("\n");
  const start = lines.findIndex((line) => line.trim() === "bot:");
  const scopes: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const item = /^\s+- (\S+)\s*$/.exec(line);
    if (!item?.[1]) break;
    scopes.push(item[1]);
  }
  return scopes;
}

describe("the bot's Slack scopes", () => {
  it("are the same in README's app manifest and in what the install flow asks for", () => {
    const readme = readFileSync(new URL("../../../../README.md", import.meta.url), "utf8");
    const inManifest = manifestBotScopes(readme);
    expect(inManifest.length).toBeGreaterThan(5);
    expect(inManifest).toEqual([...SLACK_BOT_SCOPES]);
  });

  it("name the install flow's redirect in the manifest", () => {
    const readme = readFileSync(new URL("../../../../README.md", import.meta.url), "utf8");
    expect(readme).toContain("redirect_urls:\n       - https://your.host/slack/oauth_redirect");
  });
});
