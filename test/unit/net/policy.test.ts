import { describe, expect, it } from "vitest";
import { BotError } from "../../../src/errors.js";
import { PrivateHostAllowList, parseFetchableUrl, SCHEME_REFUSED_MESSAGE } from "../../../src/net/policy.js";

function refusal(input: string): BotError {
  try {
    parseFetchableUrl(input);
  } catch (error) {
    if (error instanceof BotError) return error;
    throw error;
  }
  throw new Error(`${input} was accepted`);
}

describe("parseFetchableUrl", () => {
  it.each([
    ["file:///etc/passwd"],
    ["FILE:///etc/passwd"],
    ["data:text/plain,hello"],
    ["ftp://example.com/file"],
    ["javascript:alert(1)"],
    ["gopher://example.com/"],
    ["ws://example.com/"],
    ["/etc/passwd"],
    ["./photo.png"],
    ["../secrets.env"],
    ["~/photo.png"],
    ["C:\\Windows\\win.ini"],
    ["\\\\server\\share\\file"],
    ["example.com/photo.png"],
    [""],
    ["http://"],
  ])("refuses %j", (input) => {
    const error = refusal(input);
    expect(error.code).toBe("url_refused");
    expect(error.userMessage).toBe(SCHEME_REFUSED_MESSAGE);
  });

  it("normalizes numeric host tricks to the dotted quad the address check understands", () => {
    expect(parseFetchableUrl("http://2130706433/").hostname).toBe("127.0.0.1");
    expect(parseFetchableUrl("http://0x7f.1/").hostname).toBe("127.0.0.1");
    expect(parseFetchableUrl("http://0177.0.0.1/").hostname).toBe("127.0.0.1");
    expect(parseFetchableUrl("http://127.1/").hostname).toBe("127.0.0.1");
    expect(parseFetchableUrl("http://[::ffff:127.0.0.1]/").hostname).toBe("[::ffff:7f00:1]");
  });

  it("drops credentials so they are neither sent nor logged", () => {
    const url = parseFetchableUrl("https://user:secret@example.com/a.png");
    expect(url.href).toBe("https://example.com/a.png");
  });
});

describe("PrivateHostAllowList", () => {
  it("matches exactly the host and port of an entry", () => {
    const list = new PrivateHostAllowList(["127.0.0.1:8080", "http://hf-server:9000", "https://[::1]"]);
    expect(list.allowsUrl(new URL("http://127.0.0.1:8080/models/x"))).toBe(true);
    expect(list.allowsUrl(new URL("https://127.0.0.1:8080/"))).toBe(true);
    expect(list.allowsUrl(new URL("http://0x7f.1:8080/"))).toBe(true);
    expect(list.allowsUrl(new URL("http://127.0.0.1:8081/"))).toBe(false);
    expect(list.allowsUrl(new URL("http://127.0.0.2:8080/"))).toBe(false);
    expect(list.allowsUrl(new URL("http://HF-SERVER:9000/"))).toBe(true);
    expect(list.allowsUrl(new URL("https://hf-server:9000/"))).toBe(false);
    expect(list.allowsUrl(new URL("https://[0::1]/"))).toBe(true);
    expect(list.allowsUrl(new URL("http://[::1]:443/"))).toBe(false);
  });

  it("matches a resolved address and port, but only for IP entries", () => {
    const list = new PrivateHostAllowList(["127.0.0.1:8080", "http://hf-server:9000"]);
    expect(list.allowsAddress("127.0.0.1", 8080, "http:")).toBe(true);
    expect(list.allowsAddress("::ffff:127.0.0.1", 8080, "http:")).toBe(false);
    expect(list.allowsAddress("127.0.0.1", 8081, "http:")).toBe(false);
    expect(list.allowsAddress("10.0.0.5", 9000, "http:")).toBe(false);
  });

  it.each([["127.0.0.1"], ["file:///x"], ["http://"], ["not a host:port"]])(
    "rejects the configuration entry %j",
    (entry) => {
      expect(() => new PrivateHostAllowList([entry])).toThrow(BotError);
    },
  );
});
