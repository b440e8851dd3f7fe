/**
 * The fake Discord's side of an HTTP interactions endpoint, against a scripted endpoint: the portal's
 * check before the URL is saved, signed deliveries instead of INTERACTION_CREATE, and the verdict on
 * each answer (in time, 200 JSON, Discord's contract for interaction responses, one response only).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { signatureVerifier } from "../../adapters/discord/endpoint.js";
import { type FakeDiscord, startFakeDiscord } from "./discord/index.js";
import { readBody, type StartedHttpServer, startHttpServer } from "./http-server.js";

let fake: FakeDiscord | undefined;
let server: StartedHttpServer | undefined;

afterEach(async () => {
  await server?.close();
  await fake?.close();
  server = undefined;
  fake = undefined;
});

interface Scripted {
  /** What a verified, non-PING interaction is answered with. */
  answer: (body: Record<string, unknown>, response: ServerResponse) => void | Promise<void>;
  /** Verify signatures (an endpoint that does not fails the portal's check). */
  verify: boolean;
}

/** An endpoint whose answers the test writes; it verifies with the fake application's public key. */
async function scriptedEndpoint(discord: FakeDiscord, script: Scripted): Promise<string> {
  const verifies = signatureVerifier(discord.publicKey);
  server = await startHttpServer(async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const signature = String(request.headers["x-signature-ed25519"] ?? "");
    const timestamp = String(request.headers["x-signature-timestamp"] ?? "");
    if (script.verify && !verifies(signature, timestamp, body)) {
      response.writeHead(401).end("invalid request signature");
      return;
    }
    const json = JSON.parse(body.toString()) as Record<string, unknown>;
    if (json.type === 1) {
      response.writeHead(200, { "content-type": "application/json" }).end('{"type":1}');
      return;
    }
    await script.answer(json, response);
  });
  return `${server.url}/discord/interactions`;
}

function json(response: ServerResponse, body: unknown): void {
  response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
}

describe("the fake Discord's HTTP interactions endpoint side", { timeout: 10_000 }, () => {
  it("saves the URL only when a signed PING gets PONG and a badly signed one gets 401", async () => {
    const discord = await startFakeDiscord();
    fake = discord;
    const careless = await scriptedEndpoint(discord, { verify: false, answer: () => undefined });
    const refused = await discord.setInteractionsEndpoint(careless);
    expect(refused?.ok).toBe(false);
    expect(refused?.problems).toEqual(["a bad signature got 200, not 401"]);
    expect(discord.interactionsEndpointUrl).toBeUndefined();
    await server?.close();

    const careful = await scriptedEndpoint(discord, { verify: true, answer: () => undefined });
    const saved = await discord.setInteractionsEndpoint(careful);
    expect(saved).toMatchObject({
      ok: true,
      badSignatureStatus: 401,
      ping: { accepted: true, answer: { type: 1 } },
    });
    expect(discord.interactionsEndpointUrl).toBe(careful);
  });

  it("POSTs interactions, signed, instead of INTERACTION_CREATE, and takes a deferral as the response", async () => {
    const discord = await startFakeDiscord();
    fake = discord;
    const received: Array<Record<string, unknown>> = [];
    const url = await scriptedEndpoint(discord, {
      verify: true,
      answer: (body, response) => {
        received.push(body);
        json(response, { type: 5 });
      },
    });
    await discord.setInteractionsEndpoint(url);
    // No gateway session at all: over HTTP none is needed.
    expect(discord.gatewaySessions()).toEqual([]);
    const sent = discord.dispatchInteraction({ command: "ask", options: { prompt: "hello" } });
    const delivery = await sent.delivered;
    expect(delivery).toMatchObject({
      status: 200,
      accepted: true,
      contractFailure: undefined,
      answer: { type: 5 },
    });
    expect(delivery?.latencyMs).toBeGreaterThan(0);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ id: sent.id, token: sent.token, type: 2, data: { name: "ask" } });
    expect(sent.record.callbackType).toBe(5);
    expect(sent.record.callbacks).toMatchObject([{ type: 5, status: 204, via: "endpoint" }]);
    expect(sent.record.originalMessageId).toBeDefined();

    // A second answer to the same interaction is refused, as a second callback is.
    const again = await discord.redeliverInteraction(sent.id);
    expect(again).toMatchObject({ status: 200, accepted: false, code: 40060 });
  });

  it("refuses an answer that breaks Discord's contract, one that is not JSON, and one after the deadline", async () => {
    const discord = await startFakeDiscord({ interactionDeadlineMs: 300 });
    fake = discord;
    const answers: Array<(response: ServerResponse) => void | Promise<void>> = [
      (response) => json(response, { type: 4, data: { content: 5 } }),
      (response) => response.writeHead(200, { "content-type": "text/plain" }).end("deferred"),
      async (response) => {
        await new Promise((resolve) => setTimeout(resolve, 600));
        json(response, { type: 5 });
      },
    ];
    const url = await scriptedEndpoint(discord, {
      verify: true,
      answer: (_body, response) => answers.shift()?.(response),
    });
    await discord.setInteractionsEndpoint(url);

    const broken = await discord.dispatchInteraction({ command: "ask", options: { prompt: "a" } }).delivered;
    expect(broken?.accepted).toBe(false);
    expect(broken?.contractFailure).toMatchObject({
      status: 400,
      body: {
        code: 50035,
        message: "Invalid Form Body",
        errors: { data: { content: { _errors: [{ code: "BASE_TYPE_STRING" }] } } },
      },
    });
    const text = await discord.dispatchInteraction({ command: "ask", options: { prompt: "b" } }).delivered;
    expect(text).toMatchObject({ accepted: false, problem: "content type text/plain, not application/json" });
    const late = discord.dispatchInteraction({ command: "ask", options: { prompt: "c" } });
    expect(await late.delivered).toMatchObject({ status: 0, accepted: false });
    expect(late.record.callbackType).toBeUndefined();
    expect(discord.interactions.every((interaction) => interaction.originalMessageId === undefined)).toBe(
      true,
    );
  });
});
