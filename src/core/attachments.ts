import { BotError, isAbortError, isBotError } from "../errors.js";
import type { Logger } from "../log.js";
import { inputFromFile } from "../pipeline/inputs.js";
import type { NamedInput } from "../pipeline/types.js";
import { untilAborted } from "../time.js";
import { type Clock, formatWait, timeoutSignal } from "./clock.js";
import type { Attachment } from "./types.js";

export interface DownloadSettings {
  /** Largest file accepted, in bytes (MAX_FILE_MB). */
  maxBytes: number;
  /** How long one download may take (DOWNLOAD_TIMEOUT_SECONDS). */
  timeoutMs: number;
}

function megabytes(bytes: number): string {
  const value = bytes / 1024 / 1024;
  return `${Number.isInteger(value) ? value : value.toFixed(1)} MB`;
}

/**
 * The user's words for each attachment whose reported size is over the limit. Checked before any
 * download: a 2 GB video is refused without fetching a byte of it.
 */
export function oversizedAttachments(attachments: readonly Attachment[], maxBytes: number): string[] {
  return attachments
    .filter((attachment) => Number.isFinite(attachment.size) && attachment.size > maxBytes)
    .map(
      (attachment) =>
        `${attachment.name} is too large (${megabytes(attachment.size)}; the limit is ${megabytes(maxBytes)}).`,
    );
}

/** Names unique within one message ("photo.png", "photo-2.png"), since the planner refers to inputs by name. */
function uniqueNames(attachments: readonly Attachment[]): string[] {
  const taken = new Set<string>();
  return attachments.map((attachment) => {
    const name = attachment.name.trim() || "file";
    let candidate = name;
    const dot = name.lastIndexOf(".");
    const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
    for (let copy = 2; taken.has(candidate); copy++) candidate = `${stem}-${copy}${extension}`;
    taken.add(candidate);
    return candidate;
  });
}

/**
 * Downloads a message's attachments (in parallel, each under the size cap and its own timeout) and
 * turns them into the pipeline's named inputs, the kind read from the bytes.
 *
 * If any file cannot be used (too large, too slow, unreadable, not what its name says), the whole
 * request is refused with one message naming each file and why: a request is written about its
 * files ("compare these two photos"), so running it without one of them would spend model calls on
 * an answer to a different question. The user resends with files that work. A cancel aborts the
 * downloads and is passed on as it is.
 */
export async function downloadAttachments(
  attachments: readonly Attachment[],
  options: DownloadSettings & { clock: Clock; signal: AbortSignal; logger: Logger },
): Promise<NamedInput[]> {
  const names = uniqueNames(attachments);
  const outcomes = await Promise.allSettled(
    attachments.map(async (attachment, index) => {
      const name = names[index] ?? attachment.name;
      const timeout = timeoutSignal(options.clock, options.timeoutMs, options.signal);
      try {
        // Raced with the signal: a platform client that ignores it must not hold the thread forever.
        const bytes = await untilAborted(
          attachment.fetch({ signal: timeout.signal, maxBytes: options.maxBytes }),
          timeout.signal,
        );
        return inputFromFile(name, bytes, { maxBytes: options.maxBytes });
      } catch (error) {
        if (options.signal.aborted) throw options.signal.reason ?? error;
        throw describeFailure(attachment.name, error, timeout.signal, options.timeoutMs);
      } finally {
        timeout.dispose();
      }
    }),
  );
  if (options.signal.aborted) throw options.signal.reason;

  const inputs: NamedInput[] = [];
  const problems: BotError[] = [];
  for (const outcome of outcomes) {
    if (outcome.status === "fulfilled") inputs.push(outcome.value);
    else problems.push(outcome.reason as BotError);
  }
  if (problems.length === 0) return inputs;
  for (const problem of problems) {
    options.logger.warn("attachment refused", { code: problem.code, reason: problem.message });
  }
  const words = problems.map((problem) => problem.userMessage).join(" ");
  const first = problems[0]!;
  throw new BotError(first.code, problems.map((problem) => problem.message).join("; "), {
    userMessage: `${words} Nothing was run: please send the request again with files I can use.`,
  });
}

/** One failed download in the user's words; never the library's message (it may hold a signed URL). */
function describeFailure(name: string, error: unknown, signal: AbortSignal, timeoutMs: number): BotError {
  if (isBotError(error)) return error;
  if (signal.aborted && isAbortError(signal.reason)) {
    return new BotError("fetch_failed", `${name}: download timed out after ${timeoutMs} ms`, {
      userMessage: `Downloading ${name} took longer than ${formatWait(timeoutMs)}, so I gave up on it.`,
      cause: error,
    });
  }
  return new BotError("fetch_failed", `${name}: download failed`, {
    userMessage: `${name} could not be downloaded.`,
    cause: error,
  });
}
