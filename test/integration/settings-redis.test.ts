/**
 * Settings shared through Redis: a change made through one process's store applies to the very next
 * read of another's (each opens its own connection, as two processes do), without a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createStorage, type ManagedStorage } from "../../src/storage/index.js";
import { createWorkspaceSettings } from "../../src/workspace-settings/index.js";
import { SERVES_EVERYTHING, TEST_ENVIRONMENT } from "../support/workspace-settings.js";
import { findRedisServer, isCi, type RedisServer, startRedisServer } from "../unit/storage/redis-server.js";

const binary = findRedisServer();
const HERE = { platform: "slack", workspace: "T1", channel: "C1" };

let redis: RedisServer | undefined;
const opened: ManagedStorage[] = [];

beforeAll(async () => {
  if (binary) redis = await startRedisServer(binary);
});

afterAll(async () => {
  await Promise.all(opened.map((storage) => storage.close()));
  await redis?.stop();
});

describe.skipIf(binary === undefined && !isCi())("settings in Redis, shared by processes", () => {
  it("applies a change made in one process to the next read in another", async () => {
    if (!redis) throw new Error("redis-server is not installed");
    const open = () => {
      const storage = createStorage({ backend: "redis", url: redis?.url ?? "", prefix: "settings-test:" });
      opened.push(storage);
      return createWorkspaceSettings({
        storage,
        environment: TEST_ENVIRONMENT,
        capabilities: SERVES_EVERYTHING,
      });
    };
    const gateway = open();
    const worker = open();
    expect((await worker.forChannel(HERE)).values.memory).toBe(true);
    await gateway.change(HERE, "channel", { memory: "off", tasks: "translation" }, { id: "U1" });
    expect((await worker.forChannel(HERE)).values).toMatchObject({ memory: false, tasks: ["translation"] });
    await gateway.change(HERE, "workspace", { "workspace-daily-requests": "7" }, { id: "U1" });
    expect((await worker.budgetOverrides(HERE)).workspace.daily).toEqual({ requests: 7 });
    await gateway.change(HERE, "channel", { memory: "default" }, { id: "U1" });
    expect((await worker.forChannel(HERE)).values.memory).toBe(true);
    expect(await worker.audit(HERE)).toHaveLength(4);
  });
});
