import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
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
});
