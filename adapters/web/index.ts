/** The local web playground: the bot's threads in a browser (`hugginggpt-bot web`). */
export { createWebAdapter, type WebAdapter, type WebAdapterOptions } from "./adapter.js";
export type { SessionInfo, ThreadSummary, WebEvent, WebFile, WebMessage } from "./protocol.js";
