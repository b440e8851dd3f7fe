/**
 * A message posted from the page: multipart/form-data with a `text` field and `files`, each streamed
 * to disk as it arrives and cut off at the size limit (a 2 GB drop never reaches memory). On any
 * refusal the files written so far are removed.
 */
import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import { describeSize } from "../../src/text.js";
import { newId, removeStoredFile } from "./store.js";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface UploadedFile {
  id: string;
  name: string;
  mime: string;
  size: number;
  path: string;
}

export interface Upload {
  text: string;
  files: UploadedFile[];
}

export interface UploadLimits {
  maxFileBytes: number;
  maxFiles: number;
  /** Characters of the text field. */
  maxTextChars: number;
}

/** A file name as the user sees it, without a path or control characters. */
function cleanName(name: string | undefined): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  const clean = base.replace(/[\p{Cc}"]/gu, "").trim();
  return clean.slice(0, 200) || "file";
}

/**
 * Reads the form into `dir` (files named by new ids). Throws HttpError 413 for a file over
 * `maxFileBytes` or too many files, 400 for a body that is not a form.
 */
export async function readUpload(
  request: IncomingMessage,
  dir: string,
  limits: UploadLimits,
  pathOf: (id: string) => string,
): Promise<Upload> {
  const type = request.headers["content-type"] ?? "";
  if (!/^multipart\/form-data/i.test(type))
    throw new HttpError(400, "Send the message as multipart/form-data.");
  await mkdir(dir, { recursive: true });
  const files: UploadedFile[] = [];
  const writes: Array<Promise<void>> = [];
  const fileStreams: Readable[] = [];
  let text = "";
  let failure: HttpError | undefined;

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: request.headers,
      limits: {
        fileSize: limits.maxFileBytes,
        files: limits.maxFiles,
        fields: 10,
        fieldSize: limits.maxTextChars * 4,
      },
    });
  } catch {
    throw new HttpError(400, "The form could not be read.");
  }

  parser.on("field", (name, value, info) => {
    if (name !== "text") return;
    // Refused, not cut: a request shortened without a word would be answered as if whole.
    if (info.valueTruncated || value.length > limits.maxTextChars) {
      failure ??= new HttpError(413, `The message is longer than ${limits.maxTextChars} characters.`);
      return;
    }
    text = value;
  });
  parser.on("file", (field, stream, info) => {
    // An empty file input still sends a part, without a name.
    if (field !== "files" || failure || !info.filename) {
      stream.resume();
      return;
    }
    const id = newId();
    const file: UploadedFile = {
      id,
      name: cleanName(info.filename),
      mime: info.mimeType || "application/octet-stream",
      size: 0,
      path: pathOf(id),
    };
    files.push(file);
    fileStreams.push(stream);
    stream.on("data", (chunk: Buffer) => {
      file.size += chunk.byteLength;
    });
    stream.on("limit", () => {
      failure ??= new HttpError(
        413,
        `${file.name} is larger than the limit of ${describeSize(limits.maxFileBytes)}.`,
      );
    });
    // Settled at once, so that a write broken by an aborted request is never an unhandled rejection.
    writes.push(
      pipeline(stream, createWriteStream(file.path)).then(
        () => undefined,
        () => {
          failure ??= new HttpError(400, "The upload was interrupted.");
        },
      ),
    );
  });
  parser.on("filesLimit", () => {
    failure ??= new HttpError(413, `At most ${limits.maxFiles} files can go with one message.`);
  });

  try {
    await pipeline(request, parser);
  } catch {
    failure ??= new HttpError(400, "The upload was interrupted or malformed.");
    // Ends the writes of the files that were arriving, so that waiting for them cannot hang.
    for (const stream of fileStreams) stream.destroy();
  }
  await Promise.all(writes);
  if (failure) {
    await Promise.all(files.map((file) => removeStoredFile(file.path)));
    throw failure;
  }
  return { text, files };
}
