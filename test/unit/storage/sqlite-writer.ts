/**
 * A second process on the same SQLite file (sqlite.test.ts): writes `count` keys, reads its own back,
 * and prints its storage's state and how many faults it logged.
 */
import { createLogger } from "../../../src/log.js";
import { createStorage } from "../../../src/storage/index.js";

const [file, count] = process.argv.slice(2);
let faults = 0;
const logger = createLogger({
  level: "warn",
  write: (line) => {
    faults += 1;
    process.stderr.write(`${line}\n`);
  },
});
const storage = createStorage({ backend: "sqlite", file: file ?? "", logger });
const results = storage.namespace<string>("results", 60_000);
const total = Number(count ?? "100");
// Each write is its own transaction: many small writes interleave with the other process.
for (let index = 0; index < total; index++) await results.set(`child-${index}`, `c${index}`);
for (let index = 0; index < total; index++) {
  if ((await results.get(`child-${index}`)) !== `c${index}`) throw new Error(`child-${index} lost`);
}
process.stdout.write(JSON.stringify({ state: storage.status().state, faults }));
await storage.close();
