/**
 * The real discord.js 14 Client against the fake Discord (test/fakes/discord): login, interactions,
 * messages with attachments, threads, Discord's limits and errors, rate limits, gateway resume.
 */
import { once } from "node:events";
import {
  ActionRowBuilder,
  AttachmentBuilder,
  ButtonBuilder,
  type ButtonInteraction,
  ButtonStyle,
  ChannelType,
  type ChatInputCommandInteraction,
  Client,
  type ClientOptions,
  EmbedBuilder,
  Events,
  GatewayIntentBits,
  type Message,
  Partials,
  PermissionFlagsBits,
  type RateLimitData,
  RESTEvents,
  type TextChannel,
} from "discord.js";
import sharp from "sharp";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeDiscord, Intents, MessageFlags, MiB, startFakeDiscord } from "./discord/index.js";

const ALL_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.DirectMessages,
  GatewayIntentBits.MessageContent,
];

let fake: FakeDiscord;
let client: Client | undefined;

beforeEach(async () => {
  fake = await startFakeDiscord();
});

afterEach(async () => {
  await client?.destroy();
  client = undefined;
  await fake.close();
});

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function login(
  intents: GatewayIntentBits[] = ALL_INTENTS,
  options: Partial<ClientOptions> = {},
): Promise<Client<true>> {
  const created = new Client({ intents, rest: { api: fake.apiUrl }, ...options });
  client = created;
  const ready = once(created, Events.ClientReady);
  await within(created.login(fake.token), 5000, "login");
  await within(ready, 5000, "ClientReady");
  return created as Client<true>;
}

function png(width: number, height: number, color = "#d33"): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: color } })
    .png()
    .toBuffer();
}

function general(): TextChannel {
  const channel = client?.channels.cache.get(fake.channel("general").id);
  if (!channel) throw new Error("general not cached");
  return channel as TextChannel;
}

function nextInteraction(bot: Client): Promise<ChatInputCommandInteraction> {
  return new Promise((resolve) => {
    bot.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isChatInputCommand()) resolve(interaction);
    });
  });
}

describe("login", { timeout: 10_000 }, () => {
  it("reaches ready with the guild and its channels cached", async () => {
    const bot = await login();
    const guild = fake.guild();
    expect(bot.user.id).toBe(fake.botUser.id);
    expect(bot.application.id).toBe(fake.applicationId);
    expect(bot.guilds.cache.get(guild.id)?.name).toBe("Fake Guild");
    expect(bot.channels.cache.get(fake.channel("general").id)?.isTextBased()).toBe(true);
    expect(bot.guilds.cache.get(guild.id)?.members.me?.id).toBe(fake.botUser.id);

    const gatewayBot = fake.requests.find((request) => request.route === "getGatewayBot");
    expect(gatewayBot?.authorization).toBe(`Bot ${fake.token}`);
    const [connection] = fake.gatewayConnections;
    expect(connection).toMatchObject({
      path: "/gateway",
      query: { v: "10", encoding: "json" },
      kind: "identify",
    });
    const [session] = fake.gatewaySessions();
    expect(session?.intents).toBe(
      Intents.Guilds | Intents.GuildMessages | Intents.DirectMessages | Intents.MessageContent,
    );
    expect(session?.dispatches.map((dispatch) => [dispatch.s, dispatch.t])).toEqual([
      [1, "READY"],
      [2, "GUILD_CREATE"],
    ]);
  });

  it("a wrong token is refused by GET /gateway/bot (401) before the gateway", async () => {
    const bot = new Client({ intents: ALL_INTENTS, rest: { api: fake.apiUrl } });
    client = bot;
    await expect(within(bot.login("wrong-token"), 5000, "login")).rejects.toMatchObject({
      code: "TokenInvalid",
    });
    expect(fake.gatewayConnections).toHaveLength(0);
  });

  it("a privileged intent the app has not enabled closes the gateway with 4014", async () => {
    await fake.close();
    fake = await startFakeDiscord({ privilegedIntents: 0 });
    const bot = new Client({ intents: ALL_INTENTS, rest: { api: fake.apiUrl } });
    client = bot;
    await within(
      bot.login(fake.token).catch(() => undefined),
      5000,
      "login",
    );
    await fake.waitFor(() => fake.gatewayConnections[0]?.closeCode === 4014, { what: "close 4014" });
    expect(fake.gatewaySessions()).toHaveLength(0);
  });
});

describe("slash commands", { timeout: 10_000 }, () => {
  it("deferReply, editReply with an embed and a file, and followUp land in the fake", async () => {
    const bot = await login();
    const image = await png(64, 48);
    const upload = fake.createAttachment(image, { filename: "cat.png" });
    const arrived = nextInteraction(bot);
    const sent = fake.dispatchInteraction({
      command: "ask",
      options: { prompt: "what is it?", file: upload },
    });
    expect(sent.token).toMatch(/[+/]/); // discord.js must URL-encode it

    const interaction = await within(arrived, 3000, "interaction");
    expect(interaction.commandName).toBe("ask");
    expect(interaction.options.getString("prompt")).toBe("what is it?");
    expect(interaction.attachmentSizeLimit).toBe(10 * MiB);
    const file = interaction.options.getAttachment("file", true);
    expect(file).toMatchObject({
      name: "cat.png",
      size: image.length,
      contentType: "image/png",
      width: 64,
      height: 48,
    });
    expect(file.url).toContain("/ephemeral-attachments/");
    const download = await fetch(file.url);
    expect(Buffer.from(await download.arrayBuffer()).equals(image)).toBe(true);

    await interaction.deferReply();
    const record = sent.record;
    expect(record.callbackType).toBe(5);
    expect(record.acknowledgedAfterMs).toBeLessThan(3000);
    const original = fake.message(record.originalMessageId ?? "");
    expect(original?.flags).toBe(MessageFlags.Loading);

    const annotated = await png(32, 32, "#3d3");
    const reply = await interaction.editReply({
      content: "A red rectangle.",
      embeds: [new EmbedBuilder().setTitle("object-detection").setImage("attachment://annotated.png")],
      files: [new AttachmentBuilder(annotated, { name: "annotated.png" })],
    });
    expect(reply.id).toBe(record.originalMessageId);
    expect(reply.embeds[0]?.image?.url).toContain("/attachments/");
    expect(original).toMatchObject({ content: "A red rectangle.", flags: 0 });
    expect(original?.attachments.map((attachment) => [attachment.filename, attachment.size])).toEqual([
      ["annotated.png", annotated.length],
    ]);
    expect(original?.embeds[0]?.image).toEqual({ url: "attachment://annotated.png" });

    const more = await interaction.followUp("More details.");
    expect(record.followupIds).toEqual([more.id]);
    expect(fake.message(more.id)?.content).toBe("More details.");
    await interaction.deleteReply(more);
    expect(fake.message(more.id)?.deleted).toBe(true);
    expect(record.edits.map((edit) => [edit.messageId, edit.status])).toEqual([
      [record.originalMessageId, 200],
    ]);

    const webhookCalls = fake.requests.filter((request) =>
      ["interactionCallback", "editOriginal", "createFollowup"].includes(request.route),
    );
    expect(webhookCalls.map((request) => [request.route, request.status])).toEqual([
      ["interactionCallback", 204],
      ["editOriginal", 200],
      ["createFollowup", 200],
    ]);
    for (const call of webhookCalls) {
      expect(call.authorization).toBeUndefined();
      expect(call.params.token).toBe(sent.token);
    }
  });

  it("refuses a callback after 3 s (10062), a second callback (40060) and an expired token (50027)", async () => {
    const bot = await login();
    const late = nextInteraction(bot);
    fake.dispatchInteraction({ command: "ask", options: { prompt: "slow" } });
    const lateInteraction = await within(late, 3000, "interaction");
    fake.advanceTime(3100);
    await expect(lateInteraction.deferReply()).rejects.toMatchObject({ code: 10062, status: 404 });

    bot.removeAllListeners(Events.InteractionCreate);
    const next = nextInteraction(bot);
    const sent = fake.dispatchInteraction({ command: "ask", options: { prompt: "again" } });
    const interaction = await within(next, 3000, "interaction");
    const response = await interaction.reply({ content: "at once", withResponse: true });
    expect(response.resource?.message?.content).toBe("at once");
    expect(response.interaction.responseMessageId).toBe(sent.record.originalMessageId);
    const second = await fetch(
      `${fake.apiUrl}/v10/interactions/${sent.id}/${encodeURIComponent(sent.token)}/callback`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: 5 }),
      },
    );
    expect(second.status).toBe(400);
    expect(await second.json()).toMatchObject({ code: 40060 });
    expect(sent.record.callbacks.map((callback) => [callback.type, callback.status])).toEqual([
      [4, 200],
      [5, 400],
    ]);

    fake.advanceTime(15 * 60_000 + 1);
    await expect(interaction.editReply("too late")).rejects.toMatchObject({ code: 50027, status: 401 });
    await expect(interaction.followUp("too late")).rejects.toMatchObject({ code: 50027 });
  });

  it("application commands: PUT overwrites idempotently, validates, and interactions carry the id", async () => {
    const bot = await login();
    const guildId = fake.guild().id;
    const ask = {
      name: "ask",
      description: "Ask HuggingGPT",
      options: [
        { name: "prompt", description: "What to do", type: 3, required: true },
        { name: "file", description: "An input file", type: 11 },
      ],
    };
    const first = await bot.application.commands.set([ask, { name: "help", description: "Help" }], guildId);
    const again = await bot.application.commands.set([ask, { name: "help", description: "Help" }], guildId);
    expect([...again.keys()].sort()).toEqual([...first.keys()].sort());
    expect(fake.commands(guildId).map((command) => command.name)).toEqual(["ask", "help"]);
    expect(fake.commandWrites.map((write) => write.scope)).toEqual([guildId, guildId]);

    await expect(
      bot.application.commands.set([{ name: "Bad Name", description: "x" }], guildId),
    ).rejects.toMatchObject({ code: 50035 });
    await expect(
      bot.application.commands.set(
        [
          {
            name: "ask",
            description: "x",
            options: [
              { name: "a", description: "a", type: 3 },
              { name: "b", description: "b", type: 3, required: true },
            ],
          },
        ],
        guildId,
      ),
    ).rejects.toMatchObject({ code: 50035 });

    const arrived = nextInteraction(bot);
    fake.dispatchInteraction({ command: "ask", options: { prompt: "x" } });
    const interaction = await within(arrived, 3000, "interaction");
    expect(first.has(interaction.commandId)).toBe(true);
  });

  it("reply content over 2000 characters is refused with 50035 under data", async () => {
    const bot = await login();
    const arrived = nextInteraction(bot);
    fake.dispatchInteraction({ command: "ask", options: { prompt: "long" } });
    const interaction = await within(arrived, 3000, "interaction");
    const error = await interaction.reply("x".repeat(2001)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 50035, status: 400 });
    expect(error).toHaveProperty(
      ["rawError", "errors", "data", "content", "_errors", 0, "code"],
      "BASE_TYPE_MAX_LENGTH",
    );
    await interaction.deferReply();
    await expect(interaction.editReply("y".repeat(2001))).rejects.toMatchObject({ code: 50035 });
    await interaction.editReply("y".repeat(2000));
  });
});

describe("messages", { timeout: 10_000 }, () => {
  it("a mention with two attachments arrives; the URLs download, then expire; a thread starts on it", async () => {
    const bot = await login();
    const first = await png(20, 10);
    const second = await png(30, 15, "#33d");
    const received = new Promise<Message>((resolve) => {
      bot.on(Events.MessageCreate, (message) => {
        if (!message.author.bot) resolve(message);
      });
    });
    const sent = fake.dispatchMessage({
      content: `<@${fake.botUser.id}> compare these`,
      attachments: [
        { bytes: first, filename: "one.png" },
        { bytes: second, filename: "two.png" },
      ],
    });
    const message = await within(received, 3000, "messageCreate");
    expect(message.id).toBe(sent.id);
    expect(message.mentions.users.has(bot.user.id)).toBe(true);
    const attachments = [...message.attachments.values()];
    expect(
      attachments.map((attachment) => [attachment.name, attachment.width, attachment.contentType]),
    ).toEqual([
      ["one.png", 20, "image/png"],
      ["two.png", 30, "image/png"],
    ]);
    for (const [index, attachment] of attachments.entries()) {
      const response = await fetch(attachment.url);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(index === 0 ? first : second)).toBe(true);
    }
    fake.expireAttachmentUrls();
    const expired = await fetch(attachments[0]?.url ?? "");
    expect(expired.status).toBe(404);
    expect(await expired.text()).toBe("This content is no longer available.");

    const thread = await message.startThread({ name: "compare these" });
    expect(thread.id).toBe(message.id);
    expect(thread.parentId).toBe(fake.channel("general").id);
    expect(fake.threads(fake.channel("general").id).map((channel) => channel.name)).toEqual([
      "compare these",
    ]);

    const echoed = new Promise<Message>((resolve) => {
      bot.on(Events.MessageCreate, (own) => {
        if (own.author.id === bot.user.id) resolve(own);
      });
    });
    await thread.send({
      content: "Working on it",
      files: [new AttachmentBuilder(first, { name: "one-copy.png" })],
    });
    const own = await within(echoed, 3000, "own message echoed");
    expect(own.channelId).toBe(thread.id);
    expect(fake.botMessages(thread.id).map((posted) => posted.content)).toEqual(["Working on it"]);
    expect(fake.messages(thread.id)[0]?.type).toBe(21); // the starter message
  });

  it("without MessageContent, guild messages arrive empty unless they mention the bot", async () => {
    const bot = await login([GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    const contents: string[] = [];
    bot.on(Events.MessageCreate, (message) => contents.push(message.content));
    fake.dispatchMessage({ content: "hello all" });
    fake.dispatchMessage({ content: `<@${fake.botUser.id}> hello bot` });
    await fake.waitFor(() => contents.length === 2, { what: "two messages" });
    expect(contents).toEqual(["", `<@${fake.botUser.id}> hello bot`]);
  });

  it("DMs reach a client with Partials.Channel, and it can answer", async () => {
    const bot = await login(ALL_INTENTS, { partials: [Partials.Channel] });
    const alice = fake.user("alice");
    const dm = fake.dmChannel(alice.id);
    const received = new Promise<Message>((resolve) => bot.on(Events.MessageCreate, resolve));
    fake.dispatchMessage({ channelId: dm.id, content: "hi in private" });
    const message = await within(received, 3000, "DM");
    expect(message.channel.isDMBased()).toBe(true);
    await message.reply("hello");
    expect(
      fake.botMessages(dm.id).map((posted) => [posted.content, posted.type, posted.reference?.messageId]),
    ).toEqual([["hello", 19, message.id]]);
  });

  it("content over 2000 characters and oversized embeds are refused with 50035, empty with 50006", async () => {
    await login();
    const channel = general();
    const error = await channel.send("x".repeat(2001)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 50035, status: 400 });
    expect(String((error as Error).message)).toContain(
      "content[BASE_TYPE_MAX_LENGTH]: Must be 2000 or fewer in length.",
    );
    await expect(channel.send({ embeds: [{ description: "d".repeat(4097) }] })).rejects.toMatchObject({
      code: 50035,
    });
    const fields = Array.from({ length: 26 }, (_, index) => ({ name: `f${index}`, value: "v" }));
    await expect(channel.send({ embeds: [{ title: "t", fields }] })).rejects.toMatchObject({ code: 50035 });
    const total = await channel
      .send({ embeds: [{ description: "d".repeat(4000) }, { description: "e".repeat(2001) }] })
      .catch((caught: unknown) => caught);
    expect(total).toHaveProperty(
      ["rawError", "errors", "embeds", "_errors", 0, "code"],
      "MAX_EMBED_SIZE_EXCEEDED",
    );
    await expect(channel.send({ content: "", embeds: [] })).rejects.toThrow();
    expect(fake.botMessages()).toHaveLength(0);
    await channel.send("🙂".repeat(2000)); // counted in code points, as Discord does
  });

  it("a file over the upload limit gets 413 with code 40005 and nothing is posted", async () => {
    await login();
    const channel = general();
    const error = await channel
      .send({
        content: "result",
        files: [new AttachmentBuilder(Buffer.alloc(10 * MiB + 1), { name: "big.bin" })],
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 40005, status: 413 });
    expect(fake.botMessages()).toHaveLength(0);

    fake.setUploadLimit({ channelId: channel.id }, 1024);
    await expect(
      channel.send({ files: [new AttachmentBuilder(Buffer.alloc(1025), { name: "a.bin" })] }),
    ).rejects.toMatchObject({ code: 40005 });
    await channel.send({ files: [new AttachmentBuilder(Buffer.alloc(1024), { name: "b.bin" })] });
    expect(fake.botMessages(channel.id)[0]?.attachments[0]).toMatchObject({ filename: "b.bin", size: 1024 });

    fake.setPremiumTier(fake.guild().id, 2);
    const arrived = nextInteraction(client as Client);
    fake.dispatchInteraction({ command: "ask", channelId: fake.channel("random").id });
    expect((await within(arrived, 3000, "interaction")).attachmentSizeLimit).toBe(50 * MiB);
  });

  it("a 429 on message create is waited out and retried by discord.js; the message lands once", async () => {
    const bot = await login();
    const limits: RateLimitData[] = [];
    bot.rest.on(RESTEvents.RateLimited, (data) => limits.push(data));
    fake.failNext("createMessage", { kind: "rateLimit", retryAfter: 0.05 });
    const started = Date.now();
    const sent = await within(general().send("answer"), 5000, "send");
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(fake.botMessages(general().id).map((message) => message.id)).toEqual([sent.id]);
    expect(
      fake.requests.filter((request) => request.route === "createMessage").map((request) => request.status),
    ).toEqual([429, 200]);
    // discord.js sleeps Retry-After + its 50 ms offset, then waits out X-RateLimit-Reset-After (+ offset
    // again) and reports only that local wait as `rateLimited`, not the 429 itself.
    expect(limits).toHaveLength(1);
    expect(limits[0]).toMatchObject({ route: "/channels/:id/messages", global: false, limit: 5 });
  });

  it("missing permissions: no thread creation and no attachments give 403 50013", async () => {
    const bot = await login();
    const channelId = fake.channel("general").id;
    fake.denyPermissions(channelId, "CreatePublicThreads", "AttachFiles");
    const me = bot.guilds.cache.get(fake.guild().id)?.members.me;
    await fake.waitFor(() => me && !general().permissionsFor(me).has(PermissionFlagsBits.AttachFiles), {
      what: "CHANNEL_UPDATE",
    });
    const posted = await general().send("text only is fine");
    await expect(posted.startThread({ name: "t" })).rejects.toMatchObject({ code: 50013, status: 403 });
    await expect(
      general().send({ files: [new AttachmentBuilder(Buffer.from("x"), { name: "x.txt" })] }),
    ).rejects.toMatchObject({ code: 50013 });
    const arrived = nextInteraction(bot);
    fake.dispatchInteraction({ command: "ask" });
    const interaction = await within(arrived, 3000, "interaction");
    expect(interaction.appPermissions.has(PermissionFlagsBits.AttachFiles)).toBe(false);
    expect(interaction.appPermissions.has(PermissionFlagsBits.SendMessages)).toBe(true);
    fake.failNext("createMessage", { kind: "missingPermissions" });
    await expect(general().send("scripted")).rejects.toMatchObject({ code: 50013 });
  });
});

describe("gateway", { timeout: 10_000 }, () => {
  it("after a drop (4000) discord.js resumes and a dispatch sent meanwhile arrives exactly once", async () => {
    const bot = await login();
    const received: string[] = [];
    bot.on(Events.MessageCreate, (message) => received.push(message.id));
    const resumed = once(bot, Events.ShardResume);
    await fake.dropConnection({ code: 4000 });
    const missed = fake.dispatchMessage({ content: "sent while disconnected" });
    await within(resumed, 5000, "ShardResume");
    await fake.waitFor(() => received.includes(missed.id), { what: "replayed message" });
    const after = fake.dispatchMessage({ content: "sent after resume" });
    await fake.waitFor(() => received.includes(after.id), { what: "live message" });
    expect(received).toEqual([missed.id, after.id]);

    const [, resume] = fake.gatewayConnections;
    expect(resume).toMatchObject({
      path: "/gateway-resume",
      kind: "resume",
      resume: { seq: 2, replayed: 1, accepted: true },
    });
    expect(fake.gatewaySessions()).toHaveLength(1);
  });

  it("an abrupt drop is resumed too, and an interaction dispatched meanwhile can still be deferred", async () => {
    const bot = await login();
    const arrived = nextInteraction(bot);
    await fake.dropConnection({ abrupt: true });
    const sent = fake.dispatchInteraction({ command: "ask", options: { prompt: "during a drop" } });
    const interaction = await within(arrived, 5000, "replayed interaction");
    await interaction.deferReply();
    expect(sent.record.callbacks).toHaveLength(1);
    expect(sent.record.acknowledgedAfterMs).toBeLessThan(3000);
    expect(fake.gatewayConnections[0]?.closeCode).toBe(1006);
  });

  it("heartbeats are ACKed with the last sequence number", async () => {
    await fake.close();
    fake = await startFakeDiscord({ heartbeatIntervalMs: 100 });
    await login();
    await fake.waitFor(() => (fake.gatewayConnections[0]?.heartbeats ?? 0) >= 2, { what: "two heartbeats" });
    expect(fake.gatewayConnections[0]?.heartbeatSeqs.at(-1)).toBe(2);
  });
});

describe("more routes", { timeout: 10_000 }, () => {
  it("component interactions: update (7) edits the message, deferUpdate (6) acks; 6 on a command is refused", async () => {
    const bot = await login();
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId("again").setLabel("Again").setStyle(ButtonStyle.Primary),
    );
    const posted = await general().send({ content: "Pick", components: [row] });
    const clicks: ButtonInteraction[] = [];
    bot.on(Events.InteractionCreate, (interaction) => {
      if (interaction.isButton()) clicks.push(interaction);
    });
    const first = fake.dispatchInteraction({
      type: 3,
      messageId: posted.id,
      data: { custom_id: "again", component_type: 2 },
    });
    const button = await fake.waitFor(() => clicks[0], { what: "button interaction" });
    expect(button.customId).toBe("again");
    expect(button.message.id).toBe(posted.id);
    await button.update({ content: "Running again", components: [] });
    expect(fake.message(posted.id)).toMatchObject({ content: "Running again", components: [] });
    expect(first.record.callbackType).toBe(7);

    const second = fake.dispatchInteraction({
      type: 3,
      messageId: posted.id,
      data: { custom_id: "again", component_type: 2 },
    });
    await (await fake.waitFor(() => clicks[1], { what: "second click" })).deferUpdate();
    expect(second.record.callbackType).toBe(6);

    const command = fake.dispatchInteraction({ command: "ask" });
    const refused = await fetch(
      `${fake.apiUrl}/v10/interactions/${command.id}/${encodeURIComponent(command.token)}/callback`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ type: 6 }),
      },
    );
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 50035 });
  });

  it("threads: threads.create leaves a type-18 notice; a second thread on a message gets 160004", async () => {
    await login();
    const thread = await general().threads.create({ name: "talk", type: ChannelType.PublicThread });
    expect(thread.parentId).toBe(general().id);
    expect(fake.messages(general().id).at(-1)).toMatchObject({ type: 18, content: "talk" });
    const posted = await general().send("start here");
    await posted.startThread({ name: "one" });
    await expect(general().threads.create({ name: "two", startMessage: posted.id })).rejects.toMatchObject({
      code: 160004,
    });
    const nested = await fetch(`${fake.apiUrl}/v10/channels/${thread.id}/messages/${posted.id}/threads`, {
      method: "POST",
      headers: { authorization: `Bot ${fake.token}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "nested" }),
    });
    expect(await nested.json()).toMatchObject({ code: 50024 });
  });

  it("a real bucket: discord.js reads X-RateLimit-Remaining/Reset-After and waits instead of hitting 429", async () => {
    await login();
    fake.limitRoute("createMessage", { limit: 1, windowMs: 300 });
    const started = Date.now();
    await within(Promise.all([general().send("one"), general().send("two")]), 5000, "two sends");
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(fake.botMessages(general().id).map((message) => message.content)).toEqual(["one", "two"]);
    expect(
      fake.requests.filter((request) => request.route === "createMessage").map((request) => request.status),
    ).toEqual([200, 200]);
  });

  it("an answer lost after the message was created fails in discord.js (no retry); enforce_nonce dedupes a resend", async () => {
    await login();
    fake.failNext("createMessage", { kind: "drop", when: "after" });
    await expect(general().send({ content: "once", nonce: "n-1", enforceNonce: true })).rejects.toThrow();
    expect(fake.botMessages(general().id).map((message) => message.content)).toEqual(["once"]);
    const resent = await general().send({ content: "once", nonce: "n-1", enforceNonce: true });
    expect(fake.botMessages(general().id).map((message) => message.id)).toEqual([resent.id]);
  });

  it("GET /applications/@me, HEAD on the CDN, and fetching a message refreshes its URLs", async () => {
    const bot = await login();
    const application = await bot.application.fetch();
    expect(application.id).toBe(fake.applicationId);
    const channel = await bot.channels.fetch(fake.channel("random").id, { force: true });
    expect(channel?.id).toBe(fake.channel("random").id);
    const sent = fake.dispatchMessage({
      content: "file",
      attachments: [{ bytes: Buffer.from("hello"), filename: "a.txt" }],
    });
    const [attachment] = sent.attachments;
    if (!attachment) throw new Error("no attachment");
    const head = await fetch(fake.attachmentUrl(attachment), { method: "HEAD" });
    expect([head.status, head.headers.get("content-type"), head.headers.get("content-length")]).toEqual([
      200,
      "text/plain; charset=utf-8",
      "5",
    ]);
    fake.advanceTime(25 * 60 * 60_000);
    expect((await fetch(String(fake.attachmentApi(attachment).url ?? ""))).status).toBe(200); // re-signed
    const stale = fake.attachmentUrl(attachment);
    fake.expireAttachmentUrls();
    expect((await fetch(stale)).status).toBe(404);
    // discord.js answers messages.fetch(id) from its cache (stale URLs): force a REST fetch.
    const fetched = await general().messages.fetch({ message: sent.id, force: true });
    const fresh = await fetch(fetched.attachments.first()?.url ?? "");
    expect(await fresh.text()).toBe("hello");
  });
});
