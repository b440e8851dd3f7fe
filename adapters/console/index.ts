export {
  type ConsoleAdapter,
  type ConsoleAdapterOptions,
  createConsoleAdapter,
  defaultConsoleThread,
  newRequestId,
} from "./adapter.js";
export { localAttachment, writeReplyFiles } from "./files.js";
export { type ChatLine, parseChatLine } from "./parse.js";
