/**
 * A strict reader of Prometheus's text exposition format 0.0.4 (prometheus.io, "Exposition
 * formats"): `# HELP` and `# TYPE` lines, then samples `name{label="value",…} value
 * [timestamp]` with escaped label values. Any line that breaks the format throws, and so
 * does a sample outside a family its `# TYPE` declared or a family declared twice.
 * (parse-prometheus-text-format drops the `_sum` and `_count` of a labelled histogram.)
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge" | "histogram" | "summary" | "untyped";
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<Family["type"], string[]> = {
  counter: [""],
  gauge: [""],
  untyped: [""],
  histogram: ["_bucket", "_sum", "_count"],
  summary: ["", "_sum", "_count"],
};

function parseValue(text: string, line: string): number {
  if (/^[+-]?Inf$/.test(text)) return text.startsWith("-") ? -Infinity : Infinity;
  if (/^NaN$/i.test(text)) return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) throw new Error(`bad value in: ${line}`);
  return Number(text);
}

/** `{a="1",b="x\"y"}` → labels, and where the labels end. */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let at = start + 1;
  for (;;) {
    if (line[at] === "}") return { labels, end: at + 1 };
    const equals = line.indexOf("=", at);
    const name = line.slice(at, equals);
    if (equals < 0 || !LABEL_NAME.test(name) || line[equals + 1] !== '"')
      throw new Error(`bad label in: ${line}`);
    let value = "";
    at = equals + 2;
    for (; at < line.length && line[at] !== '"'; at++) {
      if (line[at] !== "\\") {
        value += line[at];
        continue;
      }
      const escaped = line[++at];
      if (escaped === "n") value += "\n";
      else if (escaped === "\\" || escaped === '"') value += escaped;
      else throw new Error(`bad escape in: ${line}`);
    }
    if (at >= line.length) throw new Error(`unterminated label value in: ${line}`);
    if (name in labels) throw new Error(`repeated label in: ${line}`);
    labels[name] = value;
    at++;
    if (line[at] === ",") at++;
    else if (line[at] !== "}") throw new Error(`bad label list in: ${line}`);
  }
}

/** The families of a scrape, in order. */
export function parsePrometheusText(text: string): Family[] {
  const families = new Map<string, Family>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const comment = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (comment) {
      const [, kind, name, rest] = comment as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      const family = families.get(name) ?? { name, help: "", type: "untyped", samples: [] };
      families.set(name, family);
      if (kind === "HELP") family.help = rest;
      else if (TYPES.has(rest)) family.type = rest as Family["type"];
      else throw new Error(`bad type in: ${line}`);
      continue;
    }
    if (line.startsWith("#")) continue;
    const nameEnd = line.search(/[{ ]/);
    const name = line.slice(0, nameEnd);
    if (nameEnd <= 0 || !NAME.test(name)) throw new Error(`bad sample in: ${line}`);
    const { labels, end } = line[nameEnd] === "{" ? parseLabels(line, nameEnd) : { labels: {}, end: nameEnd };
    const [value, timestamp, extra] = line.slice(end).trim().split(/\s+/);
    if (value === undefined || extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp)))
      throw new Error(`bad sample in: ${line}`);
    const family = [...families.values()].find((candidate) =>
      SUFFIXES[candidate.type].some((suffix) => candidate.name + suffix === name),
    );
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    family.samples.push({ name, labels, value: parseValue(value, line) });
  }
  return [...families.values()];
}
