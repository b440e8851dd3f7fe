import { REST } from "discord.js";
import { describe, expect, it } from "vitest";
import { countRateLimits, createDiscordApi, messageBody } from "../../../../adapters/discord/api.js";
import { composeMessages } from "../../../../adapters/discord/render.js";
import { DiscordContract } from "../../../fakes/discord/contract.js";
import { startFakeDiscord } from "../../../fakes/discord/index.js";
import { summaryOf, summaryRow } from "../../../support/summary.js";
import { recordingTelemetry } from "../../../support/telemetry.js";

const files = [
  { name: "1-object-detection-annotated.png", mime: "image/png", bytes: new Uint8Array([137, 80, 78, 71]) },
  { name: "2-text-to-speech.wav", mime: "audio/wav", bytes: new Uint8Array([82, 73, 70, 70]) },
];
const [answer] = composeMessages(
  "I found a giraffe and a zebra.",
  files,
  summaryOf([summaryRow(1), summaryRow(2)]),
);
const progress = composeMessages("Running 2 tasks…", [], undefined)[0];

describe("messageBody", () => {
  it("names each upload files[n] with the string id n, as Discord's spec (a snowflake) and discord.js do", () => {
    const { body, files: parts } = messageBody(answer!);
    expect(body.attachments).toEqual([
      { id: "0", filename: "1-object-detection-annotated.png" },
      { id: "1", filename: "2-text-to-speech.wav" },
    ]);
    expect(parts.map((part) => [part.key, part.name])).toEqual([
      ["files[0]", "1-object-detection-annotated.png"],
      ["files[1]", "2-text-to-speech.wav"],
    ]);
    // An edit without files clears the attachments; a new message without files names none.
    expect(messageBody(progress!, { edit: true }).body.attachments).toEqual([]);
    expect(messageBody(progress!).body).not.toHaveProperty("attachments");
  });

  it.each([
    ["POST", "/channels/1/messages", false],
    ["PATCH", "/channels/1/messages/2", true],
    ["PATCH", "/webhooks/1/token/messages/@original", true],
    ["POST", "/webhooks/1/token", false],
  ] as const)("keeps Discord's OpenAPI contract as the body of %s %s", (method, path, edit) => {
    const contract = DiscordContract.shared();
    for (const message of [answer!, progress!]) {
      const { body } = messageBody(message, { edit });
      for (const contentType of ["application/json", "multipart/form-data; boundary=x"]) {
        const verdict = contract.checkRequest({ method, path, contentType, body });
        expect(verdict?.issues).toEqual([]);
      }
    }
  });
});

describe("countRateLimits", () => {
  it("counts each 429 Discord answers, which discord.js waits out before posting", async () => {
    const fake = await startFakeDiscord();
    try {
      const telemetry = recordingTelemetry();
      const rest = new REST({ api: fake.apiUrl }).setToken(fake.token);
      countRateLimits(rest, telemetry);
      const api = createDiscordApi({ rest });
      const channel = fake.channel("general").id;
      fake.failNext("createMessage", { kind: "rateLimit", retryAfter: 0.05 }, { times: 2 });
      await api.post(channel, progress!);
      await api.post(channel, progress!);

      expect(fake.botMessages(channel)).toHaveLength(2);
      expect(telemetry.events).toEqual([
        { type: "platform-rate-limited", platform: "discord" },
        { type: "platform-rate-limited", platform: "discord" },
      ]);
    } finally {
      await fake.close();
    }
  });
});
