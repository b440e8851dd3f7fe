import {
  type ArgName,
  type ImageResource,
  type InputKind,
  type Resource,
  resourceAs,
  type TaskName,
} from "../../tasks/index.js";
import { isKnownMediaType, sniffMediaType } from "../../tasks/media-type.js";
import { type ExpertArgs, ExpertError, outputFileName } from "../types.js";

/** The text of an argument, or undefined when it is absent or empty. */
export function optionalText(args: ExpertArgs, name: ArgName): string | undefined {
  const resource = args[name];
  if (!resource) return undefined;
  const converted = resourceAs(resource, "text");
  const text = converted?.kind === "text" ? converted.text.trim() : undefined;
  return text ? text : undefined;
}

export function requireText(task: TaskName, args: ExpertArgs, name: ArgName): string {
  const text = optionalText(args, name);
  if (text === undefined) throw new ExpertError("bad_input", `${task} needs a text "${name}" argument`);
  return text;
}

export interface MediaInput {
  bytes: Uint8Array;
  mime: string;
}

/** An image or audio argument; the mime is checked against the bytes, since a wrong label fails later. */
export function requireMedia(
  task: TaskName,
  args: ExpertArgs,
  name: ArgName,
  kind: "image" | "audio",
): MediaInput {
  const resource: Resource | undefined = args[name];
  const converted = resource ? resourceAs(resource, kind as InputKind) : undefined;
  if (!converted || (converted.kind !== "image" && converted.kind !== "audio")) {
    throw new ExpertError("bad_input", `${task} needs an ${kind} "${name}" argument`);
  }
  if (converted.bytes.byteLength === 0) throw new ExpertError("bad_input", `${task}: the ${kind} is empty`);
  const sniffed = sniffMediaType(converted.bytes);
  const mime = sniffed && sniffed.kind !== "text" ? sniffed.mime : converted.mime;
  return { bytes: converted.bytes, mime: mime || "application/octet-stream" };
}

/** A Blob of the bytes with their type: the client posts it raw and fetch sends the type as Content-Type. */
export function toBlob(media: MediaInput): Blob {
  // Blob wants bytes backed by a plain ArrayBuffer; a copy costs little next to the network.
  return new Blob([new Uint8Array(media.bytes)], { type: media.mime });
}

export function parseBase64(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value.replace(/^data:[^,]*,/, ""), "base64"));
}

/** The media type of an answer: the declared one, unless missing or generic, then the bytes tell. */
export function mediaTypeOf(bytes: Uint8Array, declared: string | undefined, fallback: string): string {
  const clean = declared?.split(";")[0]?.trim().toLowerCase();
  if (clean && clean !== "application/octet-stream" && isKnownMediaType(clean)) return clean;
  const sniffed = sniffMediaType(bytes);
  if (sniffed && sniffed.kind !== "text") return sniffed.mime;
  return clean && clean !== "application/octet-stream" ? clean : fallback;
}

/** An image result, named by the one rule (`outputFileName`); `annotated` for a drawing on the input. */
export function imageResource(
  task: TaskName,
  bytes: Uint8Array,
  mime: string,
  annotated = false,
): ImageResource {
  return { kind: "image", mime, bytes, name: outputFileName(task, mime, annotated) };
}

export interface Table {
  columns: string[];
  rows: string[][];
}

/**
 * CSV with a header row (RFC 4180 quoting, comma or semicolon or tab separated, as spreadsheets export).
 * Rows shorter than the header are padded with empty cells; longer ones are refused.
 */
export function parseCsv(text: string): Table {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? "";
  const separator = [",", ";", "\t"].reduce((best, candidate) =>
    firstLine.split(candidate).length > firstLine.split(best).length ? candidate : best,
  );
  const records: string[][] = [];
  let record: string[] = [];
  let cell = "";
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell.trim() === "") {
      cell = "";
      quoted = true;
    } else if (char === separator) {
      record.push(cell.trim());
      cell = "";
    } else if (char === "\n" || char === "\r") {
      if (char === "\r" && text[index + 1] === "\n") index += 1;
      record.push(cell.trim());
      cell = "";
      if (record.some((value) => value !== "")) records.push(record);
      record = [];
    } else cell += char;
  }
  record.push(cell.trim());
  if (record.some((value) => value !== "")) records.push(record);

  const [header, ...rows] = records;
  if (!header || header.length === 0 || header.every((name) => name === "")) {
    throw new ExpertError("bad_input", "tabular-classification needs CSV text with a header row");
  }
  if (rows.length === 0)
    throw new ExpertError("bad_input", "tabular-classification needs at least one data row");
  if (new Set(header).size !== header.length) {
    throw new ExpertError("bad_input", "the CSV header names a column twice");
  }
  const width = header.length;
  const padded = rows.map((row, index) => {
    if (row.length > width) {
      throw new ExpertError(
        "bad_input",
        `CSV row ${index + 1} has ${row.length} cells but the header has ${width}`,
      );
    }
    return [...row, ...Array<string>(width - row.length).fill("")];
  });
  return { columns: header, rows: padded };
}

/** The `{data: {column: [values]}}` shape of hf-inference's tabular tasks. */
export function tableToColumns(table: Table): Record<string, string[]> {
  // Object.fromEntries defines own properties, so a column named "__proto__" stays a column.
  return Object.fromEntries(
    table.columns.map((column, index) => [column, table.rows.map((row) => row[index] ?? "")]),
  );
}
