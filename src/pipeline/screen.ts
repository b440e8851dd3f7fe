/**
 * The safety check on the way out: every image a task produced (generated pictures, inputs with boxes
 * or masks drawn on them) is checked before the bot posts it; a flagged one is withheld and the
 * summary says which and why. Each image is checked as soon as its task finishes, while the others
 * run and while the answer is written; an answer written while a withheld image was still being
 * checked is written again without it, so the answer never describes a picture the user will not see.
 */
import { errorSummary } from "../errors.js";
import type { ImageSafetyClassifier } from "../experts/local/index.js";
import type { Logger } from "../log.js";
import type { ImageResource, Resource } from "../tasks/index.js";
import type { TaskResult } from "./types.js";

export interface ScreenVerdict {
  flagged: boolean;
  reason?: string;
}

/** Checks one image's bytes (the local image safety classifier). */
export type ImageScreen = (bytes: Uint8Array, signal: AbortSignal) => Promise<ScreenVerdict>;

const WITHHELD = "(image withheld by the safety check)";

function imageOf(output: Resource): ImageResource | undefined {
  if (output.kind === "image") return output;
  if ((output.kind === "detections" || output.kind === "labels") && output.image) return output.image;
  return undefined;
}

/** The output without its image: the detections or labels stay, a bare image becomes a note. */
function withoutImage(output: Resource): Resource {
  if (output.kind === "detections" || output.kind === "labels") {
    const { image: _image, ...rest } = output;
    return rest;
  }
  return { kind: "text", text: WITHHELD };
}

/** The screening of one request's images: each is checked as soon as the task that made it finishes. */
export interface ImageScreening {
  /** Starts checking the image a finished task made, if it made one (once per task). */
  start(result: TaskResult): void;
  /**
   * Checks what was not started yet, waits for every check, replaces each flagged image of
   * `results` (in place) and returns the notes for the summary.
   */
  finish(results: TaskResult[]): Promise<string[]>;
}

/**
 * A screening over one screen. An image that cannot be checked is withheld too: a safety check that
 * fails open is no check.
 */
export function screenImages(screen: ImageScreen, signal: AbortSignal, logger: Logger): ImageScreening {
  const checks = new Map<number, Promise<ScreenVerdict | undefined>>();

  async function check(result: TaskResult): Promise<ScreenVerdict | undefined> {
    const image = result.status === "ok" && result.output ? imageOf(result.output) : undefined;
    if (!image) return undefined;
    try {
      return await screen(image.bytes, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      logger.warn("an image could not be checked; withheld", {
        image: image.name,
        error: errorSummary(error),
      });
      return {
        flagged: true,
        reason: `it could not be checked (${errorSummary(error)}; SAFETY_CHECK=false posts images unchecked)`,
      };
    }
  }

  const start = (result: TaskResult): Promise<ScreenVerdict | undefined> => {
    let pending = checks.get(result.id);
    if (!pending) {
      pending = check(result);
      // Awaited in finish(); a rejection before then (an abort) must not count as unhandled.
      pending.catch(() => undefined);
      checks.set(result.id, pending);
    }
    return pending;
  };

  return {
    start(result) {
      start(result);
    },
    async finish(results) {
      const verdicts = await Promise.all(results.map((result) => start(result)));
      const notes: string[] = [];
      results.forEach((result, index) => {
        const verdict = verdicts[index];
        const image = result.output ? imageOf(result.output) : undefined;
        if (!verdict?.flagged || !result.output || !image) return;
        result.output = withoutImage(result.output);
        notes.push(
          `The image ${image.name} (task ${result.id}) was withheld by the safety check${verdict.reason ? `: ${verdict.reason}` : ""}.`,
        );
      });
      return notes.sort();
    },
  };
}

/** Screens every image of `results` at once: `screenImages` for results that are all in. */
export function withholdFlaggedImages(
  results: TaskResult[],
  screen: ImageScreen,
  signal: AbortSignal,
  logger: Logger,
): Promise<string[]> {
  return screenImages(screen, signal, logger).finish(results);
}

/**
 * The screen on the image safety classifier, failing closed: where the classifier cannot run, every
 * image is withheld with a note that says why and how to enable the check (SAFETY_CHECK=false being
 * the only way to post unchecked). The classifier is probed at once, so that the warning is logged at
 * start rather than at the first image.
 */
export function classifierScreen(
  classifier: Pick<ImageSafetyClassifier, "probe" | "check">,
  logger: Logger,
): ImageScreen {
  const availability = classifier.probe().then((found) => {
    if (!found.available) {
      logger.warn("the image safety check cannot run here; images will be withheld", {
        reason: found.reason,
        howToAdd: found.howToAdd,
      });
    }
    return found;
  });
  return async (bytes, signal) => {
    const found = await availability;
    if (!found.available) {
      return {
        flagged: true,
        reason: `the check cannot run here (${found.reason}; to enable it: ${found.howToAdd}; SAFETY_CHECK=false posts images unchecked)`,
      };
    }
    return classifier.check(bytes, { signal });
  };
}
