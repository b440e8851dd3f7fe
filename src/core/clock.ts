/**
 * Time as the bot loop sees it: the current time and one-shot timers. Injected so that tests of
 * throttling, rate limits and timeouts move time by hand instead of waiting for it.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` after `ms`; the returned function cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
}

/** The real clock. Timers are unref'd: a pending progress edit must not keep a finished CLI alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

/**
 * An AbortSignal that aborts when `parent` does or after `ms` on `clock`, with a TimeoutError as its
 * reason (as `AbortSignal.timeout` gives). `dispose` stops the timer once the work is done.
 */
export function timeoutSignal(
  clock: Clock,
  ms: number,
  parent?: AbortSignal,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  const cancelTimer = clock.setTimer(
    () => controller.abort(new DOMException(`timed out after ${ms} ms`, "TimeoutError")),
    ms,
  );
  return {
    signal: controller.signal,
    dispose() {
      cancelTimer();
      parent?.removeEventListener("abort", onParentAbort);
    },
  };
}

/**
 * "40 seconds", "1 minute", "3 hours": a wait in human words, rounded up so that a user who waits
 * that long is never refused again.
 */
export function formatWait(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return plural(seconds, "second");
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return plural(minutes, "minute");
  return plural(Math.ceil(minutes / 60), "hour");
}

/** "4.2 s", "1 min 5 s": an elapsed time for progress messages. */
export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? "" : "s"}`;
}
