import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function sourceFiles(directory: string): string[] {
  if (!existsSync(join(ROOT, directory))) return [];
  return readdirSync(join(ROOT, directory), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs)$/.test(entry.name))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map((match) => match[1] ?? "");
}

/** One import of a file: as written, and the repository path it leads to (undefined for a package). */
interface Import {
  specifier: string;
  target: string | undefined;
}

function resolvedImportsOf(file: string): Import[] {
  return importsOf(file).map((specifier) => ({
    specifier,
    target: specifier.startsWith(".")
      ? relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, ".ts")
      : undefined,
  }));
}

/**
 * The modules at the bottom of the house, which every layer may import: errors, logging, text and time
 * helpers, the summary's vocabulary and the Telemetry interface. They import nothing above them (the
 * task registry at most).
 */
const GROUND_FLOOR = [
  "src/errors.ts",
  "src/log.ts",
  "src/text.ts",
  "src/time.ts",
  "src/summary.ts",
  "src/telemetry.ts",
];

/** `file → specifier` for each import of `files` into src/ that `allowed` refuses. */
function offendingImports(files: string[], allowed: (target: string, file: string) => boolean): string[] {
  return files.flatMap((file) =>
    resolvedImportsOf(file)
      .filter(({ target }) => target !== undefined && !allowed(target, file))
      .map(({ specifier }) => `${file} → ${specifier}`),
  );
}

/** The room of a file: a folder of src/ or adapters/, a module at the top of src/, or commands/. */
function roomOf(file: string): string {
  const parts = file.split("/");
  if (parts[0] === "commands") return "commands";
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : file;
}

/** The rooms that import each other in a circle (strongly connected components of more than one room). */
function roomCycles(files: string[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const file of files) {
    const from = roomOf(file);
    const targets = edges.get(from) ?? new Set<string>();
    edges.set(from, targets);
    for (const { target } of resolvedImportsOf(file)) {
      if (target === undefined) continue;
      const to = roomOf(target);
      if (to !== from) targets.add(to);
      if (!edges.has(to)) edges.set(to, new Set());
    }
  }
  // Tarjan's algorithm: each component found with more than one room is a cycle.
  let counter = 0;
  const index = new Map<string, number>();
  const lowest = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (room: string): void => {
    index.set(room, counter);
    lowest.set(room, counter);
    counter += 1;
    stack.push(room);
    for (const next of edges.get(room) ?? []) {
      if (!index.has(next)) {
        visit(next);
        lowest.set(room, Math.min(lowest.get(room)!, lowest.get(next)!));
      } else if (stack.includes(next)) {
        lowest.set(room, Math.min(lowest.get(room)!, index.get(next)!));
      }
    }
    if (lowest.get(room) !== index.get(room)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop()!;
      component.push(member);
      if (member === room) break;
    }
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const room of edges.keys()) if (!index.has(room)) visit(room);
  return cycles;
}

describe("the layering of DESIGN.md", () => {
  it("keeps adapters out of src/, except the composition root", () => {
    const offenders = sourceFiles("src")
      .filter((file) => file !== "src/main.ts")
      .filter((file) => importsOf(file).some((specifier) => specifier.includes("adapters/")));
    expect(offenders).toEqual([]);
  });

  it("keeps platform SDKs inside adapters/", () => {
    const platform = /^(discord\.js|@discordjs\/|@slack\/)/;
    const offenders = [...sourceFiles("src"), ...sourceFiles("commands")].filter((file) =>
      importsOf(file).some((specifier) => platform.test(specifier)),
    );
    expect(offenders).toEqual([]);
  });

  it("keeps the pipeline independent of the bot core", () => {
    const offenders = sourceFiles("src/pipeline").filter((file) =>
      importsOf(file).some((specifier) => /\/core\//.test(specifier)),
    );
    expect(offenders).toEqual([]);
  });

  it("lets experts run tasks without knowing plans", () => {
    const offenders = sourceFiles("src/experts").filter((file) =>
      importsOf(file).some((specifier) => specifier.includes("/pipeline/")),
    );
    expect(offenders).toEqual([]);
  });

  it("lets adapters reach src/ only through core and the ground floor: never pipeline/, tasks/ or net/", () => {
    const offenders = offendingImports(
      sourceFiles("adapters"),
      (target) =>
        !target.startsWith("src/") || target.startsWith("src/core/") || GROUND_FLOOR.includes(target),
    );
    expect(offenders).toEqual([]);
  });

  it("keeps each adapter to its platform: what adapters share is in adapters/shared", () => {
    const offenders = offendingImports(sourceFiles("adapters"), (target, file) => {
      if (!target.startsWith("adapters/")) return true;
      return roomOf(target) === roomOf(file) || target.startsWith("adapters/shared/");
    });
    expect(offenders).toEqual([]);
  });

  it("keeps commands platform-neutral: core, the task registry and the ground floor only", () => {
    const offenders = offendingImports(
      sourceFiles("commands"),
      (target) =>
        target.startsWith("commands/") ||
        target.startsWith("src/core/") ||
        target.startsWith("src/tasks/") ||
        GROUND_FLOOR.includes(target),
    );
    expect(offenders).toEqual([]);
  });

  it("keeps the ground floor and the task registry at the bottom of the house", () => {
    const groundFloor = offendingImports(
      GROUND_FLOOR,
      (target) => GROUND_FLOOR.includes(target) || target.startsWith("src/tasks/"),
    );
    const tasks = offendingImports(sourceFiles("src/tasks"), (target) => target.startsWith("src/tasks/"));
    expect([...groundFloor, ...tasks]).toEqual([]);
  });

  it("imports the composition root from the command line only", () => {
    const offenders = [...sourceFiles("src"), ...sourceFiles("adapters"), ...sourceFiles("commands")]
      .filter((file) => file !== "src/cli.ts")
      .filter((file) => resolvedImportsOf(file).some(({ target }) => target === "src/main.ts"));
    expect(offenders).toEqual([]);
  });

  it("keeps the queue engine in src/scale/: BullMQ and ioredis nowhere else, and core never imports the roles", () => {
    const engine = /^(bullmq|ioredis)$/;
    const outside = [...sourceFiles("src"), ...sourceFiles("adapters"), ...sourceFiles("commands")]
      .filter((file) => !file.startsWith("src/scale/"))
      .filter((file) => importsOf(file).some((specifier) => engine.test(specifier)));
    const core = sourceFiles("src/core").filter((file) =>
      importsOf(file).some((specifier) => /\/scale\//.test(specifier)),
    );
    expect([...outside, ...core]).toEqual([]);
  });

  it("keeps prom-client and OpenTelemetry in src/ops/, each loaded by import() only when its metrics or traces are on", () => {
    const observability = /^(prom-client|@opentelemetry\/)/;
    const outside = [...sourceFiles("src"), ...sourceFiles("adapters"), ...sourceFiles("commands")]
      .filter((file) => !file.startsWith("src/ops/"))
      .filter((file) => importsOf(file).some((specifier) => observability.test(specifier)));
    const openTelemetry = sourceFiles("src/ops")
      .filter((file) => file !== "src/ops/tracing.ts")
      .filter((file) => importsOf(file).some((specifier) => specifier.startsWith("@opentelemetry/")));
    // A static import of the modules that import them (a type-only one is erased) would load them always.
    const staticImports = sourceFiles("src").filter((file) =>
      /^import\s+(?!type\b)[^;]*?from\s*["'][^"']*(ops\/|\.\/)(tracing|metrics)\.js["']/m.test(
        readFileSync(join(ROOT, file), "utf8"),
      ),
    );
    expect([...outside, ...openTelemetry, ...staticImports]).toEqual([]);
  });

  it("has no circle of imports between rooms (src/ folders and modules, adapters, commands)", () => {
    const files = [...sourceFiles("src"), ...sourceFiles("adapters"), ...sourceFiles("commands")];
    expect(roomCycles(files)).toEqual([]);
  });

  it("is described in docs/architecture.md, rule by rule", () => {
    const own = readFileSync(fileURLToPath(import.meta.url), "utf8");
    const rules = [...own.matchAll(/\bit\("([^"]+)"/g)]
      .map((match) => match[1] ?? "")
      .filter((title) => !title.startsWith("is described in"));
    const architecture = readFileSync(join(ROOT, "docs/architecture.md"), "utf8");
    expect(rules.filter((title) => !architecture.includes(`| ${title} |`))).toEqual([]);
  });
});
