/**
 * Links in requests and plans ("what is in https://example.com/cat.jpg?"): fetched through the one
 * guarded fetch, then read as a user's file is, and accepted only when they hold the kind of input the
 * task asks for.
 */
import { BotError } from "../errors.js";
import type { GuardedFetch } from "../net/index.js";
import { type InputKind, type Resource, resourceAs } from "../tasks/index.js";
import type { UrlResolver } from "./execute.js";
import { inputFromFile } from "./inputs.js";

/** The content types a link may answer with, per kind of input (the bytes decide the kind in the end). */
export const ACCEPTED_TYPES: Readonly<Record<InputKind, readonly string[]>> = {
  image: ["image/", "application/octet-stream"],
  audio: ["audio/", "video/", "application/octet-stream"],
  text: ["text/", "application/json"],
};

/**
 * The pipeline's `resolveUrl`: fetches a link through `fetch` (its URL policy, size and time caps) and
 * turns it into an input of `kind`, or refuses it with a message naming the link.
 */
export function createLinkResolver(options: { fetch: GuardedFetch; maxBytes: number }): UrlResolver {
  return async (url, kind, signal): Promise<Resource> => {
    const file = await options.fetch(url, { signal, allowedContentTypes: ACCEPTED_TYPES[kind] });
    const input = inputFromFile(file.name, file.bytes, { maxBytes: options.maxBytes });
    const resource = resourceAs(input.resource, kind);
    if (!resource) {
      throw new BotError("input_invalid", `${url} is not ${kind}`, {
        userMessage: `The link ${url} does not point to ${kind === "image" ? "an image" : `a ${kind} file`}.`,
      });
    }
    return resource;
  };
}
