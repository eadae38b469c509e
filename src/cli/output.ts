/** Where commands write: plain text for people, or `--json` for scripts. */
export interface Output {
  json: boolean;
  /** Prints a value: JSON as is with --json, else `key: value` lines. */
  show(value: unknown): void;
  /** Prints a list: JSON with --json, else one line per item from `line`. */
  list<T>(items: T[], line: (item: T) => string): void;
  /** A human note (stderr with --json, so stdout stays machine-readable). */
  note(text: string): void;
}

const scalar = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

export function createOutput(json: boolean, write = (text: string) => process.stdout.write(text)): Output {
  return {
    json,
    show(value) {
      if (json) return write(`${JSON.stringify(value, null, 2)}\n`);
      if (value && typeof value === "object" && !Array.isArray(value)) {
        for (const [key, inner] of Object.entries(value)) write(`${key}: ${scalar(inner)}\n`);
      } else write(`${scalar(value)}\n`);
    },
    list(items, line) {
      if (json) return write(`${JSON.stringify(items, null, 2)}\n`);
      for (const item of items) write(`${line(item)}\n`);
    },
    note(text) {
      if (json) process.stderr.write(`${text}\n`);
      else write(`${text}\n`);
    },
  };
}
