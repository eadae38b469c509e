/**
 * The first member name that a JSON object text repeats at its top level, compared after
 * unescaping (`"a"` and `"\u0061"` are the same name). RFC 8259 §4 leaves repeated names to
 * the implementation and `JSON.parse` keeps the last one silently; a token request must
 * refuse them instead, as RFC 6749 §3.2 does for a repeated form parameter.
 *
 * A scan of the text, not a parser: call it only on text that `JSON.parse` accepted as an
 * object. At depth 1, a string followed by `:` is a member name; nested objects are skipped.
 */
export function findDuplicateKey(json: string): string | undefined {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (char === "{" || char === "[") depth++;
    else if (char === "}" || char === "]") depth--;
    else if (char === '"') {
      const start = i;
      for (i++; i < json.length && json[i] !== '"'; i++) if (json[i] === "\\") i++;
      if (depth !== 1) continue;
      let next = i + 1;
      while (/\s/.test(json[next] ?? "")) next++;
      if (json[next] !== ":") continue;
      const name = JSON.parse(json.slice(start, i + 1)) as string;
      if (seen.has(name)) return name;
      seen.add(name);
    }
  }
  return undefined;
}
