import { InvalidArgumentError } from "commander";

/** `--x '{"a":1}'`: a JSON object option. */
export function jsonObject(value: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(value);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
  } catch {}
  throw new InvalidArgumentError("expected a JSON object");
}

/** Repeatable `NAME=VALUE` options, collected into a map. */
export function keyValue(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf("=");
  if (at < 1) throw new InvalidArgumentError("expected NAME=VALUE");
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

/** Repeatable options collected into a list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** A whole number option. */
export function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError("expected a whole number");
  return Number(value);
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 10m`, `2h`, `1d` or an ISO 8601 date: the moment, as an ISO string. */
export function sinceMoment(value: string, now = Date.now()): string {
  const relative = /^(\d{1,6})([smhd])$/.exec(value.trim());
  if (relative) return new Date(now - Number(relative[1]) * UNIT_MS[relative[2]!]!).toISOString();
  const absolute = Date.parse(value);
  if (Number.isNaN(absolute))
    throw new InvalidArgumentError("expected a duration like 10m, 2h, 1d or an ISO date");
  return new Date(absolute).toISOString();
}
