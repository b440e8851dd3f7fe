import { describe, expect, it } from "vitest";
import { parseSettingsText } from "../../../commands/index.js";

describe("settings as typed", () => {
  it("shows, lists the history, or changes, in this channel or the whole workspace", () => {
    expect(parseSettingsText("")).toEqual({});
    expect(parseSettingsText("history")).toEqual({ action: "history" });
    expect(parseSettingsText("memory=off language = pt-BR")).toEqual({ memory: "off", language: "pt-BR" });
    expect(parseSettingsText("workspace user-daily-requests=50")).toEqual({
      scope: "workspace",
      "user-daily-requests": "50",
    });
    // A value runs to the next name=, so a list of tasks may have spaces.
    expect(parseSettingsText("tasks=translation, summarization safety=on")).toEqual({
      tasks: "translation, summarization",
      safety: "on",
    });
    expect(parseSettingsText("channel language German")).toEqual({ scope: "channel", language: "German" });
  });

  it("keeps a setting that does not exist, to be refused by name, and leaves other words a request", () => {
    expect(parseSettingsText("colour=blue")).toEqual({ colour: "blue" });
    expect(parseSettingsText("for a photo shoot at dusk")).toBeUndefined();
    expect(parseSettingsText("scope=workspace")).toBeUndefined();
  });
});
