import type { ArgValue } from "./types.js";

/** An argument as the plan's JSON writes it: the literal, `<resource>-N`, the input's name or the URL. */
export function argValueText(value: ArgValue): string {
  switch (value.type) {
    case "literal":
      return value.text;
    case "ref":
      return `<resource>-${value.task}`;
    case "input":
      return value.name;
    case "url":
      return value.url;
  }
}
