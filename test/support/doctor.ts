/** The doctor report's line for one check, with its fix line if it has one. */
export function reportLine(text: string, name: string): string {
  const lines = text.split("\n");
  const index = lines.findIndex((line) => line.includes(`  ${name}: `));
  if (index < 0) throw new Error(`no "${name}" line in:\n${text}`);
  const next = lines[index + 1] ?? "";
  return next.trim().startsWith("fix:") ? `${lines[index]}\n${next}` : lines[index]!;
}
