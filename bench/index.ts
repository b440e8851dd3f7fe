/**
 * `npm run bench`: the benches of the issues, one after the other in this process, printed as one
 * table. Benches inform and tests judge, so the exit code is 0 whatever the figures say; a bench that
 * throws shows up as an "error" row and the others still run.
 */
import { benchBotLoad } from "./bot-load.js";
import { benchCriticalPath } from "./critical-path.js";
import type { BenchFigure } from "./harness.js";
import { benchLlmCalls } from "./llm-calls.js";
import { benchLocalExperts } from "./local-experts.js";
import { benchOfflinePlanner } from "./offline-planner.js";
import { benchOverhead } from "./overhead.js";
import { benchRender } from "./render.js";
import { benchTelemetry } from "./telemetry.js";
import { benchThroughput } from "./throughput.js";

interface Row {
  name: string;
  value: string;
  unit: string;
  target: string;
  verdict: string;
  detail: string;
}

const BENCHES: Array<{ name: string; run: () => Promise<BenchFigure[]> }> = [
  { name: "render", run: () => benchRender() },
  { name: "llm-calls", run: () => benchLlmCalls() },
  { name: "critical-path", run: () => benchCriticalPath() },
  { name: "overhead", run: () => benchOverhead() },
  { name: "telemetry", run: () => benchTelemetry() },
  { name: "bot-load", run: () => benchBotLoad() },
  { name: "offline-planner", run: () => benchOfflinePlanner() },
  { name: "local-experts", run: () => benchLocalExperts() },
  { name: "throughput", run: () => benchThroughput() },
];

/**
 * Whether a value meets a target written as "< 30 ms", "≤ 1.10", "≥ 5" (the unit is ignored); a row
 * without a target is there to explain another ("info").
 */
function verdict(value: number, target: string): "pass" | "fail" | "info" | "?" {
  if (target.trim() === "") return "info";
  const match = /^\s*(≤|<=|<|≥|>=|>)\s*(-?\d+(?:\.\d+)?)/.exec(target);
  if (!match || !Number.isFinite(value)) return "?";
  const bound = Number(match[2]);
  switch (match[1]) {
    case "<":
      return value < bound ? "pass" : "fail";
    case "≤":
    case "<=":
      return value <= bound ? "pass" : "fail";
    case ">":
      return value > bound ? "pass" : "fail";
    default:
      return value >= bound ? "pass" : "fail";
  }
}

function formatValue(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toFixed(Math.abs(value) < 10 ? 3 : 1)));
}

function printTable(rows: readonly Row[]): void {
  const header: Row = {
    name: "name",
    value: "value",
    unit: "unit",
    target: "target",
    verdict: "result",
    detail: "detail",
  };
  const columns = ["name", "value", "unit", "target", "verdict"] as const;
  const widths = Object.fromEntries(
    columns.map((column) => [column, Math.max(...[header, ...rows].map((row) => row[column].length))]),
  ) as Record<(typeof columns)[number], number>;
  const line = (row: Row) =>
    [
      row.name.padEnd(widths.name),
      row.value.padStart(widths.value),
      row.unit.padEnd(widths.unit),
      row.target.padEnd(widths.target),
      row.verdict.padEnd(widths.verdict),
      row.detail,
    ].join(" | ");
  console.log(line(header));
  console.log(
    [...columns.map((column) => "-".repeat(widths[column])), "-".repeat("detail".length)].join("-|-"),
  );
  for (const row of rows) console.log(line(row));
}

const rows: Row[] = [];
for (const bench of BENCHES) {
  const started = performance.now();
  process.stderr.write(`bench ${bench.name}...`);
  try {
    for (const figure of await bench.run()) {
      rows.push({
        name: figure.name,
        value: formatValue(figure.value),
        unit: figure.unit,
        target: figure.target,
        verdict: verdict(figure.value, figure.target),
        detail: figure.detail ?? "",
      });
    }
  } catch (error) {
    rows.push({
      name: `${bench.name} bench`,
      value: "-",
      unit: "",
      target: "",
      verdict: "error",
      detail: error instanceof Error ? error.message : String(error),
    });
  }
  process.stderr.write(` ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
printTable(rows);
process.exitCode = 0;
