import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isBotError } from "../../../src/errors.js";
import { createGuardedFetch } from "../../../src/net/index.js";
import { ACCEPTED_TYPES, createLinkResolver } from "../../../src/pipeline/links.js";
import { type StartedHttpServer, sendBytes, startHttpServer } from "../../fakes/http-server.js";

let server: StartedHttpServer;
let png: Buffer;

beforeAll(async () => {
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: "#3a6" } })
    .png()
    .toBuffer();
  server = await startHttpServer((request, response) => {
    if (request.url === "/cat.png") return sendBytes(response, 200, png, "image/png");
    if (request.url === "/page") return sendBytes(response, 200, Buffer.from("<html>hi</html>"), "text/html");
    if (request.url === "/blob") {
      return sendBytes(response, 200, Buffer.from("words, not pixels"), "application/octet-stream");
    }
    return sendBytes(response, 200, Buffer.from("just some words"), "text/plain");
  });
});

afterAll(async () => {
  await server?.close();
});

function resolver() {
  // The test server is on 127.0.0.1: allowed as the operator's own endpoint would be.
  const fetch = createGuardedFetch({
    maxBytes: 1024 * 1024,
    timeoutMs: 5000,
    allowPrivateHosts: [server.hostPort],
  });
  return createLinkResolver({ fetch, maxBytes: 1024 * 1024 });
}

describe("links in requests and plans", () => {
  it("reads a link of the kind a task asks for as that input", async () => {
    const resource = await resolver()(`${server.url}/cat.png`, "image", new AbortController().signal);
    expect(resource).toMatchObject({ kind: "image", mime: "image/png", name: "cat.png" });
    const text = await resolver()(`${server.url}/notes.txt`, "text", new AbortController().signal);
    expect(text).toEqual({ kind: "text", text: "just some words" });
  });

  it("refuses a link whose content type is not of that kind, before reading it as an input", async () => {
    expect(ACCEPTED_TYPES.image).not.toContain("text/html");
    const error = await resolver()(`${server.url}/page`, "image", new AbortController().signal).catch(
      (reason: unknown) => reason,
    );
    expect(isBotError(error) && error.userMessage).toMatch(/text\/html/);
  });

  it("says which link does not hold the kind asked for when its bytes are of another kind", async () => {
    const error = await resolver()(`${server.url}/blob`, "image", new AbortController().signal).catch(
      (reason: unknown) => reason,
    );
    expect(isBotError(error) && error.userMessage).toBe(
      `The link ${server.url}/blob does not point to an image.`,
    );
  });
});
