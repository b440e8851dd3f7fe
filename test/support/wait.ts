/**
 * Waiting in tests for something another process or server does: `check` is asked every 50 ms until
 * it gives a value (anything but undefined or false), which is returned; after `timeoutMs` the test
 * fails naming what it waited for. `what` may be a function, read when the wait fails: a process's
 * output as it is then, not as it was when the wait began.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string | (() => string),
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${typeof what === "function" ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
