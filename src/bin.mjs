#!/usr/bin/env node
// The command's entry: TypeScript runs through tsx, so the bin works right after `npm ci`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("./cli.ts");
const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
// Exit as soon as the output is written (pipes can be asynchronous): open sockets (keep-alive
// agents, caches) must not hold the process.
process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
