/**
 * The fake Discord holds request bodies, and the answers of an HTTP interactions endpoint, to
 * Discord's OpenAPI description (test/fakes/discord/contract.ts), and refuses what breaks it as
 * Discord does: 400 `{code: 50035, message: "Invalid Form Body", errors}`, which discord.js turns into
 * a DiscordAPIError.
 */
import { Client, DiscordAPIError, GatewayIntentBits, REST, Routes } from "discord.js";
import { afterEach, describe, expect, it } from "vitest";
import {
  type ContractMode,
  DiscordContract,
  type FakeDiscord,
  startFakeDiscord,
  validateInteractionResponse,
} from "./discord/index.js";
import { isRecord } from "./discord/state.js";

let fake: FakeDiscord | undefined;

afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(contract?: ContractMode): Promise<{ fake: FakeDiscord; rest: REST; channelId: string }> {
  fake = await startFakeDiscord(contract === undefined ? {} : { contract });
  const rest = new REST({ api: fake.apiUrl }).setToken(fake.token);
  return { fake, rest, channelId: fake.channel("general").id };
}

/** The call's DiscordAPIError (fails the test when the call succeeds or fails otherwise). */
async function refusal(call: Promise<unknown>): Promise<DiscordAPIError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(DiscordAPIError);
  return error as DiscordAPIError;
}

/** Discord's nested errors: objects down to `{_errors: [{code, message}]}` leaves, codes as strings. */
function expectErrorTree(node: unknown): void {
  expect(isRecord(node)).toBe(true);
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key !== "_errors") {
      expectErrorTree(value);
      continue;
    }
    expect(Array.isArray(value) && value.length > 0).toBe(true);
    for (const entry of value as unknown[]) {
      expect(entry).toEqual({ code: expect.any(String), message: expect.any(String) });
      expect((entry as { code: string }).code).toMatch(/^[A-Z_]+$/);
    }
  }
}

/** The 50035 body of a refusal, checked for Discord's shape. */
function formErrors(error: DiscordAPIError): unknown {
  expect(error.status).toBe(400);
  expect(error.code).toBe(50035);
  expect(error.rawError).toMatchObject({ code: 50035, message: "Invalid Form Body" });
  const errors = (error.rawError as { errors?: unknown }).errors;
  expectErrorTree(errors);
  return errors;
}

describe("Discord's OpenAPI description, vendored", () => {
  it("describes every REST route the fake implements; a literal segment wins over a parameter", async () => {
    const { fake } = await start();
    const contract = DiscordContract.shared();
    const missing = fake.routes.filter(
      (route) => !contract.findOperation(route.method, route.path.replaceAll(/:[a-z]+/g, "1")),
    );
    expect(missing).toEqual([]);
    expect(fake.routes.length).toBeGreaterThan(30);
    expect(contract.findOperation("PATCH", "/webhooks/1/token/messages/@original")?.template).toBe(
      "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
    );
    expect(contract.findOperation("PATCH", "/webhooks/1/token/messages/2")?.template).toBe(
      "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    );
    // An interaction token may hold an encoded "/": it stays one segment.
    expect(contract.findOperation("POST", "/interactions/1/a%2Fb%2Bc/callback")?.operationId).toBe(
      "create_interaction_response",
    );
    expect(contract.findOperation("POST", "/no/such/route")).toBeUndefined();
  });
});

describe("the fake Discord refuses bodies that break the spec", () => {
  it("a wrong type: attachments[].id as a number gets 50035 at that field, and discord.js says where", async () => {
    const { fake, rest, channelId } = await start();
    const error = await refusal(
      rest.post(Routes.channelMessages(channelId), {
        body: { content: "the photo", attachments: [{ id: 0, filename: "photo.png" }] },
        files: [{ name: "photo.png", data: Buffer.from("not really a png") }],
      }),
    );
    expect(formErrors(error)).toEqual({
      attachments: {
        "0": {
          id: {
            _errors: [
              { code: "NUMBER_TYPE_COERCE", message: "Value 0 is not snowflake (snowflakes are strings)." },
            ],
          },
        },
      },
    });
    expect(error.message).toContain(
      "attachments[0].id[NUMBER_TYPE_COERCE]: Value 0 is not snowflake (snowflakes are strings).",
    );
    expect(error.method).toBe("POST");
    expect(fake.botMessages()).toEqual([]);
    const record = fake.requests.at(-1);
    expect(record).toMatchObject({
      status: 400,
      code: 50035,
      operation: "POST /channels/{channel_id}/messages",
    });
    expect(record?.contractIssues).toHaveLength(1);

    // The same upload with the id as a string, as discord.js sends it, posts the file under that name.
    await rest.post(Routes.channelMessages(channelId), {
      body: { content: "the photo", attachments: [{ id: "0", filename: "renamed.png" }] },
      files: [{ name: "photo.png", data: Buffer.from("not really a png") }],
    });
    expect(fake.botMessages(channelId).map((message) => message.attachments[0]?.filename)).toEqual([
      "renamed.png",
    ]);
    expect(fake.requests.at(-1)?.contractIssues).toEqual([]);
  });

  it("too long: content over the spec's limit (4000 in a channel, 2000 in a webhook)", async () => {
    const { fake, rest, channelId } = await start();
    const channel = formErrors(
      await refusal(rest.post(Routes.channelMessages(channelId), { body: { content: "x".repeat(4001) } })),
    );
    expect(channel).toEqual({
      content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 4000 or fewer in length." }] },
    });
    expect(fake.requests.at(-1)?.contractIssues).toHaveLength(1);
    // 2001..4000 keeps the spec; the fake's own limit (limits.ts, bots: 2000) refuses it after.
    const narrower = formErrors(
      await refusal(rest.post(Routes.channelMessages(channelId), { body: { content: "x".repeat(2001) } })),
    );
    expect(narrower).toEqual({
      content: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }] },
    });
    expect(fake.requests.at(-1)?.contractIssues).toEqual([]);

    const embeds = formErrors(
      await refusal(
        rest.post(Routes.channelMessages(channelId), {
          body: { embeds: [{ title: "t".repeat(257), color: "green", fields: [{ name: "n" }] }] },
        }),
      ),
    );
    expect(embeds).toEqual({
      embeds: {
        "0": {
          title: { _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 256 or fewer in length." }] },
          color: { _errors: [{ code: "NUMBER_TYPE_COERCE", message: 'Value "green" is not int.' }] },
          fields: {
            "0": { value: { _errors: [{ code: "BASE_TYPE_REQUIRED", message: "This field is required" }] } },
          },
        },
      },
    });
    expect(fake.botMessages()).toEqual([]);
  });

  it("unknown fields: allowed where the spec allows them, values of open maps held to their schema", async () => {
    const { fake, rest, channelId } = await start();
    // No request schema of the spec sets additionalProperties: false (Discord ignores unknown fields).
    await rest.post(Routes.channelMessages(channelId), { body: { content: "hi", not_a_field: 1 } });
    expect(fake.botMessages(channelId).map((message) => message.content)).toEqual(["hi"]);
    expect(fake.requests.at(-1)?.contractIssues).toEqual([]);

    const guildId = fake.guild().id;
    const command = { name: "ask", description: "Ask the bot", type: 1 };
    const error = await refusal(
      rest.put(Routes.applicationGuildCommands(fake.applicationId, guildId), {
        body: [{ ...command, name_localizations: { fr: "" } }],
      }),
    );
    expect(formErrors(error)).toEqual({
      "0": {
        name_localizations: {
          fr: { _errors: [{ code: "BASE_TYPE_BAD_LENGTH", message: "Must be between 1 and 32 in length." }] },
        },
      },
    });
    expect(fake.commands(guildId)).toEqual([]);

    // Where the spec does forbid unknown fields (a field error's `{_errors}`), they are refused.
    expect(DiscordContract.shared().checkSchema("InnerErrors", { _errors: [], extra: true })).toEqual([
      { path: ["extra"], code: "BASE_TYPE_UNKNOWN_FIELD", message: "This field is not allowed here." },
    ]);
  });

  it("a union names the one field that breaks it, not every branch's complaint", async () => {
    const { rest, channelId } = await start();
    const error = await refusal(
      rest.post(Routes.channelMessages(channelId), {
        body: {
          content: "pick one",
          allowed_mentions: { parse: [] },
          components: [
            { type: 1, components: [{ type: 2, style: 9, label: "Go", custom_id: "go" }] },
            { type: 99 },
            { components: [] },
          ],
        },
      }),
    );
    expect(formErrors(error)).toEqual({
      components: {
        "0": {
          components: {
            "0": {
              style: {
                _errors: [{ code: "BASE_TYPE_CHOICES", message: "Value must be one of (1, 2, 3, 4, 5, 6)." }],
              },
            },
          },
        },
        "1": {
          _errors: [
            {
              code: "UNION_TYPE_CHOICES",
              message: 'Value of field "type" must be one of (1, 9, 10, 12, 13, 14, 17).',
            },
          ],
        },
        "2": {
          _errors: [
            { code: "BASE_TYPE_REQUIRED", message: 'Field "type" is required to determine the model type.' },
          ],
        },
      },
    });
    // A nullable field is judged by its non-null branch.
    const mentions = await refusal(
      rest.post(Routes.channelMessages(channelId), { body: { content: "hi", allowed_mentions: "none" } }),
    );
    expect(formErrors(mentions)).toEqual({
      allowed_mentions: {
        _errors: [{ code: "MODEL_TYPE_CONVERT", message: "Only dictionaries may be used in a ModelType" }],
      },
    });
  });

  it("interaction callbacks too: the error sits under data, as Discord nests it", async () => {
    const { fake } = await start();
    // A logged-in client, so that the interaction can be dispatched; nothing answers it but the test.
    const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: fake.apiUrl } });
    await client.login(fake.token);
    const sent = fake.dispatchInteraction({ command: "ask", options: { prompt: "hi" } });
    const response = await fetch(
      `${fake.apiUrl}/v10/interactions/${sent.id}/${encodeURIComponent(sent.token)}/callback`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: 4, data: { content: "hi", flags: "ephemeral" } }),
      },
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      code: 50035,
      message: "Invalid Form Body",
      errors: {
        data: {
          flags: { _errors: [{ code: "NUMBER_TYPE_COERCE", message: 'Value "ephemeral" is not int.' }] },
        },
      },
    });
    expect(fake.interaction(sent.id)?.callbacks).toEqual([]);
    await client.destroy();
  });

  it('"record" lets a breaking body through and notes it; "off" does not look', async () => {
    const recording = await start("record");
    await recording.rest.post(Routes.channelMessages(recording.channelId), {
      body: { content: "hi", tts: "no" },
    });
    expect(recording.fake.botMessages()).toHaveLength(1);
    expect(recording.fake.requests.at(-1)?.contractIssues).toEqual([
      { path: ["tts"], code: "BASE_TYPE_BOOLEAN", message: "Must be either true or false." },
    ]);
    await recording.fake.close();

    const off = await start("off");
    await off.rest.post(Routes.channelMessages(off.channelId), { body: { content: "hi", tts: "no" } });
    expect(off.fake.requests.at(-1)?.operation).toBeUndefined();
    expect(off.fake.requests.at(-1)?.contractIssues).toBeUndefined();
  });
});

describe("answers of an HTTP interactions endpoint (validateInteractionResponse)", () => {
  it.each([
    ["PONG", { type: 1 }],
    ["a deferral", { type: 5 }],
    ["an ephemeral deferral", { type: 5, data: { flags: 64 } }],
    [
      "a message",
      {
        type: 4,
        data: {
          content: "A giraffe and a zebra.",
          embeds: [{ title: "Tasks", description: "1. object-detection", color: 0x5865f2 }],
          allowed_mentions: { parse: [] },
          attachments: [{ id: "0", filename: "boxes.png" }],
        },
      },
    ],
  ])("keeps the contract: %s", (_, body) => {
    expect(validateInteractionResponse(body)).toBeUndefined();
  });

  it.each([
    [
      "content over 2000",
      { type: 4, data: { content: "x".repeat(2001) } },
      {
        data: {
          content: {
            _errors: [{ code: "BASE_TYPE_MAX_LENGTH", message: "Must be 2000 or fewer in length." }],
          },
        },
      },
    ],
    [
      "an attachment id as a number",
      { type: 4, data: { content: "x", attachments: [{ id: 1 }] } },
      {
        data: {
          attachments: {
            "0": {
              id: {
                _errors: [
                  {
                    code: "NUMBER_TYPE_COERCE",
                    message: "Value 1 is not snowflake (snowflakes are strings).",
                  },
                ],
              },
            },
          },
        },
      },
    ],
    [
      "an embed colour out of range",
      { type: 4, data: { embeds: [{ color: 0x1000000 }] } },
      {
        data: {
          embeds: {
            "0": {
              color: {
                _errors: [
                  { code: "NUMBER_TYPE_MAX", message: "int value should be less than or equal to 16777215." },
                ],
              },
            },
          },
        },
      },
    ],
    [
      "an unknown type",
      { type: 99 },
      {
        _errors: [
          {
            code: "UNION_TYPE_CHOICES",
            message: 'Value of field "type" must be one of (1, 4, 5, 6, 7, 8, 9, 12, 13).',
          },
        ],
      },
    ],
    [
      "no type",
      { data: { content: "hi" } },
      {
        _errors: [
          { code: "BASE_TYPE_REQUIRED", message: 'Field "type" is required to determine the model type.' },
        ],
      },
    ],
    [
      "not an object",
      "pong",
      { _errors: [{ code: "MODEL_TYPE_CONVERT", message: "Only dictionaries may be used in a ModelType" }] },
    ],
  ])("refuses %s with 50035", (_, body, errors) => {
    const failure = validateInteractionResponse(body);
    expect(failure).toEqual({ status: 400, body: { code: 50035, message: "Invalid Form Body", errors } });
    expectErrorTree(failure?.body.errors);
  });
});
