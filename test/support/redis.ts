/**
 * What a test file that needs a real redis-server starts with: the binary, or why its tests are
 * skipped (test/unit/storage/redis-server.ts runs it; the benches use that module without vitest).
 */
import { describe, it } from "vitest";
import { findRedisServer, isCi } from "../unit/storage/redis-server.js";

/**
 * The redis-server binary for a test file that needs one, and why its tests are skipped when there is
 * none (for `describe.skipIf`); in CI a missing binary is a failing test named after `what` instead.
 */
export function redisServerForTests(
  what: string,
): { binary: string; skip: undefined } | { binary: undefined; skip: string } {
  const binary = findRedisServer();
  if (binary !== undefined) return { binary, skip: undefined };
  const skip = "redis-server is not installed (apt-get install redis-server)";
  if (isCi()) {
    describe(`${what} in CI`, () => {
      it("have a redis-server to run on", () => {
        throw new Error(`CI=true but ${skip}: .ci/run installs it`);
      });
    });
  }
  return { binary: undefined, skip };
}
