/**
 * A copy of this installation with packages missing or damaged, for tests of what the bot does on a
 * machine where an optional dependency did not install: the sources are copied, and node_modules is
 * a farm of symbolic links to the real packages, without the missing ones and with the damaged files
 * replaced. Node resolves a bare import from the copy's own node_modules, so `nsfwjs` left out is
 * exactly as absent as on a machine where `npm ci --omit=optional` ran.
 */
import { cp, lstat, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SOURCES = ["src", "adapters", "commands", "package.json"];

export interface InstallationCopy {
  /** The copy's root directory. */
  root: string;
  /** Its `hugginggpt-bot` bin, for `runCli`'s `bin`. */
  bin: string;
  remove(): Promise<void>;
}

export interface InstallationChanges {
  /** Packages not installed in the copy ("nsfwjs", "@tensorflow/tfjs-core"). */
  without?: readonly string[];
  /** Files inside node_modules given other content: "nsfwjs/dist/esm/models/mobilenet_v2.js" → text. */
  damaged?: Readonly<Record<string, string>>;
}

/** Links `source` at `target`, or, when a damaged file lies below it, a directory of links down to it. */
async function linkTree(source: string, target: string, damaged: ReadonlyMap<string, string>): Promise<void> {
  const below = [...damaged.keys()].filter((path) => path.startsWith(`${target}${sep}`));
  const replacement = damaged.get(target);
  if (replacement !== undefined) {
    await writeFile(target, replacement);
    return;
  }
  if (below.length === 0) {
    await symlink(source, target);
    return;
  }
  await mkdir(target, { recursive: true });
  for (const entry of await readdir(source)) {
    await linkTree(join(source, entry), join(target, entry), damaged);
  }
}

/** Copies the installation with the given packages left out or damaged. */
export async function copyInstallation(changes: InstallationChanges): Promise<InstallationCopy> {
  const root = await mkdtemp(join(tmpdir(), "hgb-installation-"));
  for (const name of SOURCES) await cp(join(ROOT, name), join(root, name), { recursive: true });
  const without = new Set(changes.without ?? []);
  const modules = join(root, "node_modules");
  const damaged = new Map(
    Object.entries(changes.damaged ?? {}).map(([path, text]) => [join(modules, path), text]),
  );
  await mkdir(modules);
  const realModules = join(ROOT, "node_modules");
  for (const entry of await readdir(realModules)) {
    const scoped = entry.startsWith("@") && (await lstat(join(realModules, entry))).isDirectory();
    const names = scoped
      ? (await readdir(join(realModules, entry))).map((name) => `${entry}/${name}`)
      : [entry];
    for (const name of names) {
      if (without.has(name)) continue;
      const target = join(modules, name);
      await mkdir(dirname(target), { recursive: true });
      await linkTree(join(realModules, name), target, damaged);
    }
  }
  for (const path of damaged.keys()) {
    if (relative(modules, path).startsWith("..")) throw new Error(`${path} is outside node_modules`);
  }
  return {
    root,
    bin: join(root, "src", "bin.mjs"),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}
