/**
 * The adapter contract's driver for Discord (test/support/adapter-contract.ts): the real discord.js
 * client against the fake Discord, started as `start` starts it (the adapter registered in
 * PLATFORM_ADAPTERS). Messages mention the bot in a channel (the bot answers in a thread on the
 * message); the acknowledgement is checked on `/ask`, which Discord wants deferred within 3 s: over
 * the gateway, or with `endpoint`, over the HTTP interactions endpoint on PORT (the fake Discord then
 * sends its interactions there, signed, and the gateway carries the messages).
 */
import type { Adapter } from "../../../src/core/types.js";
import { PLATFORM_ADAPTERS } from "../../../src/main.js";
import {
  type EndpointDelivery,
  type FakeDiscord,
  type FakeMessage,
  startFakeDiscord,
} from "../../fakes/discord/index.js";
import type { AdapterDriver, Sent } from "../../support/adapter-contract.js";
import { freePort } from "../../support/net.js";

type DiscordSent = Sent &
  (
    | { kind: "message"; message: FakeMessage; conversation: string }
    | { kind: "interaction"; interactionId: string; delivered: Promise<EndpointDelivery> | undefined }
  );

/** The driver; with `endpoint`, slash commands come over the HTTP interactions endpoint. */
export function createDiscordDriver(options: { endpoint?: boolean } = {}): AdapterDriver<DiscordSent> {
  let discord: FakeDiscord | undefined;
  let port = 0;
  let adapter: Adapter | undefined;
  /** Where new conversations start: `general`, or a channel where the bot may not attach files. */
  let channelId = "";
  let noFilesChannelId: string | undefined;
  const fake = () => {
    if (!discord) throw new Error("the fake Discord is not started");
    return discord;
  };

  /** The channel or thread where a conversation's messages are (a /ask: its reply, then the thread on it). */
  function conversationOf(sent: DiscordSent): string | undefined {
    if (sent.kind === "message") return sent.conversation;
    return fake().interaction(sent.interactionId)?.originalMessageId;
  }

  function botMessagesOf(sent: DiscordSent): FakeMessage[] {
    const conversation = conversationOf(sent);
    if (!conversation) return [];
    const inThread = fake().botMessages(conversation);
    if (sent.kind === "message") return inThread;
    const interaction = fake().interaction(sent.interactionId);
    const replies = [interaction?.originalMessageId, ...(interaction?.followupIds ?? [])]
      .map((id) => (id ? fake().message(id) : undefined))
      .filter((message): message is FakeMessage => message !== undefined);
    return [...replies, ...inThread];
  }

  function mention(channel: string, marker: string, text: string): DiscordSent {
    const message = fake().dispatchMessage({
      channelId: channel,
      content: `<@${fake().botUser.id}> ${text} ${marker}`,
    });
    // The bot answers in a thread on the message, which Discord gives the message's id.
    return { kind: "message", marker, message, conversation: message.id };
  }

  return {
    async setUp() {
      discord = await startFakeDiscord();
      channelId = discord.channel("general").id;
      port = options.endpoint ? await freePort() : 0;
      return {
        DISCORD_TOKEN: discord.token,
        DISCORD_API_URL: discord.apiUrl,
        DISCORD_MESSAGE_CONTENT: "true",
        ...(options.endpoint ? { DISCORD_PUBLIC_KEY: discord.publicKey, PORT: String(port) } : {}),
      };
    },
    async start(app, bot) {
      const spec = PLATFORM_ADAPTERS.find((candidate) => candidate.platform === "discord");
      if (!spec) throw new Error("the Discord adapter is not registered");
      adapter = spec.create(app);
      await adapter.start(bot);
      if (options.endpoint) {
        const check = await fake().setInteractionsEndpoint(`http://127.0.0.1:${port}/discord/interactions`);
        if (!check?.ok) throw new Error(`the endpoint failed Discord's check: ${check?.problems.join("; ")}`);
      }
    },
    async stop() {
      await adapter?.stop();
      await discord?.close();
    },
    async send(marker, text, options = {}) {
      if (!options.command) return mention(channelId, marker, text);
      const sent = fake().dispatchInteraction({
        command: "ask",
        channelId,
        options: { prompt: `${text} ${marker}` },
      });
      return { kind: "interaction", marker, interactionId: sent.id, delivered: sent.delivered };
    },
    async followUp(sent, marker, text) {
      // In the thread the answer is in (for /ask, the thread started on the reply once answered).
      const thread = await fake().waitFor(
        () => {
          const conversation = conversationOf(sent);
          return (
            conversation &&
            fake()
              .threads()
              .find((channel) => channel.id === conversation)
          );
        },
        { what: "the conversation's thread" },
      );
      const message = fake().dispatchMessage({ channelId: thread.id, content: `${text} ${marker}` });
      return { kind: "message", marker, message, conversation: thread.id };
    },
    async redeliver(sent) {
      if (sent.kind !== "message") throw new Error("only messages are redelivered here");
      const { message } = sent;
      // discord.js drops a MESSAGE_CREATE of a message still in its cache (the last 200 of a channel), so
      // that only a repeat of an evicted one reaches the adapter: evict it first (a MESSAGE_DELETE only
      // the client sees), so that the repeat is the adapter's and the bot's to drop.
      fake().dispatch("MESSAGE_DELETE", {
        id: message.id,
        channel_id: message.channelId,
        ...(message.guildId ? { guild_id: message.guildId } : {}),
      });
      // The same MESSAGE_CREATE again, as a replay after a RESUME sends it.
      fake().dispatch("MESSAGE_CREATE", fake().state.messageToApi(message, true));
    },
    async echoOwnAnswer(sent) {
      const answer = botMessagesOf(sent).find((message) => message.content.includes(sent.marker));
      if (!answer) throw new Error(`no answer to ${sent.marker} to echo`);
      fake().dispatch("MESSAGE_CREATE", fake().state.messageToApi(answer, true));
    },
    async shown(sent) {
      const messages = botMessagesOf(sent);
      return {
        messages: messages.map((message) => message.content),
        files: messages.flatMap((message) => message.attachments.map((file) => file.filename)),
      };
    },
    async timeline(sent, text) {
      const requests = fake().requests.filter((request) => request.status > 0 && request.status < 300);
      const answered = requests.find((request) => JSON.stringify(request.json ?? null).includes(text));
      if (sent.kind === "interaction" && sent.delivered) {
        // Over HTTP the acknowledgement is the endpoint's answer itself, once Discord took it.
        const delivery = await sent.delivered;
        return { acknowledgedAt: delivery.accepted ? delivery.answeredAt : undefined, textAt: answered?.at };
      }
      const acknowledged =
        sent.kind === "interaction"
          ? requests.find(
              (request) =>
                request.route === "interactionCallback" && request.path.includes(sent.interactionId),
            )
          : requests.find(
              (request) =>
                request.route === "startThreadFromMessage" && request.path.includes(sent.message.id),
            );
      return { acknowledgedAt: acknowledged?.at, textAt: answered?.at };
    },
    async withFilesRefused(run) {
      noFilesChannelId ??= fake().addChannel({ name: "contract-no-files", deny: ["AttachFiles"] }).id;
      const usual = channelId;
      channelId = noFilesChannelId;
      try {
        return await run();
      } finally {
        channelId = usual;
      }
    },
  };
}
