/**
 * Splitting a Markdown answer into chat messages of a platform's size (Discord 2000 characters,
 * Slack sections 3000): paragraphs first, then lines, then words, never inside a code block.
 */
const FENCE = /^\s*(`{3,}|~{3,})(.*)$/;

interface Block {
  kind: "text" | "code";
  lines: string[];
  /** The opening fence line of a code block ("```ts"). */
  opener?: string;
  /** The closing fence line, when the block has one. */
  closer?: string;
}

/** Paragraphs (split at blank lines) and fenced code blocks, in order. */
function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length > 0) blocks.push({ kind: "text", lines: paragraph });
    paragraph = [];
  };
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const fence = FENCE.exec(line);
    if (fence) {
      endParagraph();
      const marker = fence[1]!;
      const body: string[] = [];
      let closer: string | undefined;
      for (index += 1; index < lines.length; index++) {
        const inner = lines[index]!;
        const trimmed = inner.trim();
        if (trimmed.startsWith(marker) && /^[`~]+$/.test(trimmed) && trimmed[0] === marker[0]) {
          closer = inner;
          break;
        }
        body.push(inner);
      }
      blocks.push({ kind: "code", lines: body, opener: line, ...(closer !== undefined ? { closer } : {}) });
      continue;
    }
    if (line.trim() === "") endParagraph();
    else paragraph.push(line);
  }
  endParagraph();
  return blocks;
}

/** Cuts a string into pieces of at most `limit` characters, never inside a surrogate pair. */
function hardCut(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let end = limit;
    const code = rest.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end -= 1;
    pieces.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}

/** Packs units into pieces of at most `limit` characters, joined by `separator`; a unit too long is cut by `split`. */
function pack(
  units: string[],
  separator: string,
  limit: number,
  split: (unit: string) => string[],
): string[] {
  const pieces: string[] = [];
  let current = "";
  for (const unit of units) {
    const joined = current === "" ? unit : `${current}${separator}${unit}`;
    if (joined.length <= limit) {
      current = joined;
      continue;
    }
    if (current !== "") pieces.push(current);
    current = "";
    if (unit.length <= limit) {
      current = unit;
      continue;
    }
    const parts = split(unit);
    pieces.push(...parts.slice(0, -1));
    current = parts.at(-1) ?? "";
  }
  if (current !== "") pieces.push(current);
  return pieces;
}

function splitLine(line: string, limit: number): string[] {
  return pack(line.split(" "), " ", limit, (word) => hardCut(word, limit));
}

function splitParagraph(lines: string[], limit: number): string[] {
  return pack(lines, "\n", limit, (line) => splitLine(line, limit));
}

/** A code block in pieces, each closed and reopened with the block's own fence. */
function splitCode(block: Block, limit: number): string[] {
  const opener = block.opener ?? "```";
  const closer = block.closer ?? FENCE.exec(opener)?.[1] ?? "```";
  const budget = Math.max(1, limit - opener.length - closer.length - 2);
  const bodies = pack(block.lines, "\n", budget, (line) => hardCut(line, budget));
  if (bodies.length === 0) bodies.push("");
  return bodies.map((body) => (body === "" ? `${opener}\n${closer}` : `${opener}\n${body}\n${closer}`));
}

function renderBlock(block: Block): string {
  if (block.kind === "text") return block.lines.join("\n");
  const closer = block.closer ?? FENCE.exec(block.opener ?? "```")?.[1] ?? "```";
  return [block.opener ?? "```", ...block.lines, closer].join("\n");
}

/**
 * The answer as messages of at most `limit` characters, split at paragraph
 * boundaries first, then lines, then words; a code block that must be split is closed at the end of
 * one message and reopened (same language) at the start of the next, so no message has a broken
 * fence. An unclosed fence in the answer is closed.
 *
 * @example splitMarkdown("a".repeat(1500) + "\n\n" + "b".repeat(1500), 2000) // two messages, one paragraph each
 */
export function splitMarkdown(text: string, limit: number): string[] {
  const blocks = blocksOf(text.trim());
  const units: string[] = [];
  for (const block of blocks) {
    const rendered = renderBlock(block);
    if (rendered.length <= limit) units.push(rendered);
    else if (block.kind === "code") units.push(...splitCode(block, limit));
    else units.push(...splitParagraph(block.lines, limit));
  }
  return pack(units, "\n\n", limit, (unit) => hardCut(unit, limit));
}
