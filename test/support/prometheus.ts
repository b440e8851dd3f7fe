/**
 * A strict reader of Prometheus's text exposition format (version 0.0.4), for the tests of
 * `/metrics`: it throws on anything a Prometheus server would refuse or a careful one would flag
 * (a sample without its family's TYPE, a malformed label or value, a family declared twice, a
 * histogram whose buckets are not cumulative or do not end in `+Inf` equal to its `_count`), and gives
 * the families and their samples to look values up in.
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  /** The sample's own name: a histogram's are `<family>_bucket`, `_sum` and `_count`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help: string;
  samples: Sample[];
}

export interface Exposition {
  families: Map<string, MetricFamily>;
  /** The family; throws when it is not there. */
  family(name: string): MetricFamily;
  /** The value of the sample with exactly these labels (its own name defaults to the family's); 0 when absent. */
  value(name: string, labels?: Record<string, string>): number;
  /** The sum of the samples of this name whose labels include these. */
  sum(name: string, labels?: Record<string, string>): number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);

/** A value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case; prom-client writes "Nan"). */
function parseValue(text: string, line: number): number {
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) {
    throw new Error(`line ${line}: "${text}" is not a sample value`);
  }
  return Number(text);
}

/** `{a="1",b="x\"y"}` from `at` (the `{`); the labels and the index after the `}`. */
function parseLabels(
  text: string,
  at: number,
  line: number,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let index = at + 1;
  for (;;) {
    if (text[index] === "}") return { labels, end: index + 1 };
    const equals = text.indexOf("=", index);
    if (equals < 0) throw new Error(`line ${line}: a label without "="`);
    const name = text.slice(index, equals);
    if (!LABEL_NAME.test(name)) throw new Error(`line ${line}: "${name}" is not a label name`);
    if (name in labels) throw new Error(`line ${line}: label "${name}" twice`);
    if (text[equals + 1] !== '"') throw new Error(`line ${line}: label "${name}" is not quoted`);
    let value = "";
    let cursor = equals + 2;
    for (;;) {
      const char = text[cursor];
      if (char === undefined) throw new Error(`line ${line}: unterminated value of label "${name}"`);
      if (char === '"') break;
      if (char === "\\") {
        const escaped = text[cursor + 1];
        if (escaped === "n") value += "\n";
        else if (escaped === "\\" || escaped === '"') value += escaped;
        else throw new Error(`line ${line}: bad escape \\${escaped ?? ""} in label "${name}"`);
        cursor += 2;
        continue;
      }
      value += char;
      cursor += 1;
    }
    labels[name] = value;
    index = cursor + 1;
    if (text[index] === ",") index += 1;
    else if (text[index] !== "}") throw new Error(`line ${line}: expected "," or "}" after label "${name}"`);
  }
}

/** The family a sample belongs to: its own name, or the histogram's or summary's it is a part of. */
function familyOf(name: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const own = families.get(name);
  if (own) return own;
  const match = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = match?.[1] ? families.get(match[1]) : undefined;
  if (!base) return undefined;
  if (base.type === "histogram") return base;
  if (base.type === "summary" && match?.[2] !== "bucket") return base;
  return undefined;
}

function checkHistogram(family: MetricFamily): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name === `${family.name}_bucket`) {
      if (le === undefined) throw new Error(`${family.name}: a bucket without "le"`);
      entry.buckets.push([parseValue(le, 0), sample.value]);
    } else if (sample.name === `${family.name}_count`) entry.count = sample.value;
    else if (sample.name === `${family.name}_sum`) entry.sum = sample.value;
    else throw new Error(`${family.name}: sample ${sample.name} does not belong to a histogram`);
  }
  for (const [key, entry] of series) {
    const last = entry.buckets.at(-1);
    if (!last || last[0] !== Number.POSITIVE_INFINITY)
      throw new Error(`${family.name}${key}: no +Inf bucket`);
    for (let index = 1; index < entry.buckets.length; index++) {
      const [previousLe, previousCount] = entry.buckets[index - 1] ?? [0, 0];
      const [le, count] = entry.buckets[index] ?? [0, 0];
      if (le <= previousLe) throw new Error(`${family.name}${key}: buckets out of order`);
      if (count < previousCount) throw new Error(`${family.name}${key}: buckets not cumulative`);
    }
    if (entry.count !== last[1]) throw new Error(`${family.name}${key}: _count differs from the +Inf bucket`);
    if (entry.sum === undefined) throw new Error(`${family.name}${key}: no _sum`);
  }
}

/** Reads a `/metrics` body; throws with the line that breaks the format. */
export function parsePrometheusText(text: string): Exposition {
  const families = new Map<string, MetricFamily>();
  const helped = new Set<string>();
  const seen = new Set<string>();
  if (!text.endsWith("\n")) throw new Error("the exposition does not end with a line feed");
  text.split("\n").forEach((raw, index) => {
    const line = index + 1;
    if (raw === "") return;
    if (raw.startsWith("#")) {
      const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!comment) return; // other comments are allowed and mean nothing
      const [, kind, name = "", rest = ""] = comment;
      if (!NAME.test(name)) throw new Error(`line ${line}: "${name}" is not a metric name`);
      if (kind === "HELP") {
        if (helped.has(name)) throw new Error(`line ${line}: HELP of ${name} twice`);
        helped.add(name);
        const family = families.get(name);
        if (family) family.help = rest;
        else families.set(name, { name, type: "untyped", help: rest, samples: [] });
        return;
      }
      if (!TYPES.has(rest as MetricType)) throw new Error(`line ${line}: "${rest}" is not a metric type`);
      const family = families.get(name);
      if (family && (family.samples.length > 0 || family.type !== "untyped")) {
        throw new Error(`line ${line}: TYPE of ${name} after its samples or twice`);
      }
      families.set(name, { name, type: rest as MetricType, help: family?.help ?? "", samples: [] });
      return;
    }
    const nameEnd = raw.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`line ${line}: not a sample: ${raw}`);
    const name = raw.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`line ${line}: "${name}" is not a metric name`);
    const { labels, end } =
      raw[nameEnd] === "{" ? parseLabels(raw, nameEnd, line) : { labels: {}, end: nameEnd };
    if (raw[end] !== " ") throw new Error(`line ${line}: no space before the value`);
    const [valueText = "", timestamp, extra] = raw.slice(end + 1).split(" ");
    if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) {
      throw new Error(`line ${line}: trailing text after the value`);
    }
    const family = familyOf(name, families);
    if (!family) throw new Error(`line ${line}: sample ${name} has no TYPE before it`);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`line ${line}: sample ${name} with the same labels twice`);
    seen.add(key);
    family.samples.push({ name, labels, value: parseValue(valueText, line) });
  });
  for (const family of families.values()) if (family.type === "histogram") checkHistogram(family);

  const matches = (labels: Record<string, string>, wanted: Record<string, string>) =>
    Object.entries(wanted).every(([name, value]) => labels[name] === value);
  const samplesNamed = (name: string) =>
    [...families.values()].flatMap((family) => family.samples).filter((sample) => sample.name === name);
  return {
    families,
    family(name) {
      const family = families.get(name);
      if (!family) throw new Error(`no metric family ${name}`);
      return family;
    },
    value(name, labels = {}) {
      const found = samplesNamed(name).find(
        (sample) =>
          Object.keys(sample.labels).length === Object.keys(labels).length && matches(sample.labels, labels),
      );
      return found?.value ?? 0;
    },
    sum(name, labels = {}) {
      return samplesNamed(name)
        .filter((sample) => matches(sample.labels, labels))
        .reduce((total, sample) => total + sample.value, 0);
    },
  };
}
