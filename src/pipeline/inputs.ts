import { BotError } from "../errors.js";
import { kindFromName, sniffMediaType } from "../tasks/media-type.js";
import { describeSize } from "../text.js";
import type { NamedInput } from "./types.js";

const KIND_WORDS = {
  image: "an image",
  audio: "a recording",
  video: "a video",
  text: "a text file",
} as const;

/**
 * A file a user gave (attachment, --file) as a named input of the pipeline. The kind comes from the
 * bytes, not the name; a name that promises another kind (photo.jpg holding HTML) is refused with a
 * message saying so, because feeding it to a model would only give a confusing error later.
 */
export function inputFromFile(name: string, bytes: Uint8Array, options: { maxBytes: number }): NamedInput {
  if (bytes.byteLength > options.maxBytes) {
    throw new BotError("input_too_large", `${name} is ${bytes.byteLength} bytes`, {
      userMessage: `${name} is too large (${describeSize(bytes.byteLength)}; the limit is ${describeSize(options.maxBytes)}).`,
    });
  }
  if (bytes.byteLength === 0) {
    throw new BotError("input_invalid", `${name} is empty`, { userMessage: `${name} is empty.` });
  }
  const sniffed = sniffMediaType(bytes);
  const promised = kindFromName(name);
  if (!sniffed) {
    throw new BotError("input_invalid", `${name}: unknown content`, {
      userMessage: `${name} is not an image, a recording or a text file I can read.`,
    });
  }
  if (promised && promised !== sniffed.kind && promised !== "text") {
    throw new BotError("input_invalid", `${name} is named as ${promised} but holds ${sniffed.mime}`, {
      userMessage: `${name} is named like ${KIND_WORDS[promised]} but its content is ${KIND_WORDS[sniffed.kind]}${sniffed.kind === "text" ? " (perhaps an error page instead of the file)" : ""}.`,
    });
  }
  switch (sniffed.kind) {
    case "text":
      return {
        name,
        origin: "attachment",
        resource: { kind: "text", text: new TextDecoder().decode(bytes) },
      };
    case "image":
    case "audio":
    case "video":
      return {
        name,
        origin: "attachment",
        resource: { kind: sniffed.kind, mime: sniffed.mime, bytes, name },
      };
  }
}
