/**
 * The part of Lucene's query syntax that Auth0's search (`q`, user search v3) documents:
 * `field:value`, quoted phrases, a trailing `*` wildcard, `AND`/`OR`/`NOT` (and `&&`, `||`,
 * `!`, a leading `-`), parentheses, ranges `[a TO b]` / `{a TO b}` with `*` for an open end,
 * and `_exists_:field`. Terms side by side without an operator are alternatives (`OR`), as in
 * Lucene. What Lucene has and Auth0's search does not document (fuzzy `~`, boosts `^`,
 * regular expressions, `?` and inner or leading wildcards) is refused by name.
 */

/** A query that cannot be parsed, or asks for something not supported; the message says what. */
export class SearchSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SearchSyntaxError";
  }
}

export type SearchValue =
  | { kind: "exact"; value: string }
  | { kind: "prefix"; value: string }
  | { kind: "range"; low?: string; high?: string; lowInclusive: boolean; highInclusive: boolean };

export type SearchNode =
  | { kind: "and"; nodes: SearchNode[] }
  | { kind: "or"; nodes: SearchNode[] }
  | { kind: "not"; node: SearchNode }
  | { kind: "term"; field?: string; value: SearchValue }
  | { kind: "exists"; field: string };

const MAX_DEPTH = 16;
const MAX_TERMS = 64;
const FIELD = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
/** Characters that end an unquoted word (Lucene's special characters that stay meaningful here). */
const WORD_END = /[\s()"[\]{}]/;

/** Parses `q`. @throws SearchSyntaxError naming what is wrong or unsupported */
export function parseSearchQuery(q: string): SearchNode {
  let at = 0;
  let terms = 0;
  const fail = (message: string): never => {
    throw new SearchSyntaxError(message);
  };
  const skipSpace = () => {
    while (at < q.length && /\s/.test(q[at]!)) at++;
  };
  const peekWord = (word: string) =>
    q.startsWith(word, at) && (at + word.length === q.length || WORD_END.test(q[at + word.length]!));

  /**
   * A word up to whitespace or a bracket, with backslash escapes undone; in `raw` an escaped
   * character is a NUL, so that only unescaped `*`, `?`, `~`, `^` count as operators.
   */
  const readWord = () => {
    let value = "";
    let raw = "";
    while (at < q.length && !WORD_END.test(q[at]!)) {
      if (q[at] === "\\" && at + 1 < q.length) {
        value += q[at + 1];
        raw += "\0";
        at += 2;
        continue;
      }
      value += q[at];
      raw += q[at];
      at++;
    }
    return { value, raw };
  };

  const readPhrase = () => {
    at++; // the opening quote
    let value = "";
    while (at < q.length && q[at] !== '"') {
      if (q[at] === "\\" && at + 1 < q.length) at++;
      value += q[at++];
    }
    if (at >= q.length) fail("a quoted phrase is not closed");
    at++;
    return value;
  };

  /** Lucene's suffixes after a term or phrase: `~` (fuzzy, proximity) and `^` (boost). */
  const refuseSuffix = () => {
    if (q[at] === "~") fail("fuzzy and proximity searches (~) are not supported");
    if (q[at] === "^") fail("boosts (^) are not supported");
  };

  /** An unquoted value: exact, or a prefix with one trailing `*`. */
  const wordValue = (raw: string, value: string): SearchValue => {
    if (raw.includes("~")) fail("fuzzy searches (~) are not supported");
    if (raw.includes("^")) fail("boosts (^) are not supported");
    if (raw.startsWith("/")) fail("regular expressions (/…/) are not supported");
    if (raw.includes("?")) fail("single-character wildcards (?) are not supported");
    const stars = raw.match(/\*/g)?.length ?? 0;
    if (stars === 0) return { kind: "exact", value };
    if (stars === 1 && raw.endsWith("*") && value.length > 1)
      return { kind: "prefix", value: value.slice(0, -1) };
    return fail("only a trailing wildcard (value*) is supported");
  };

  const readRange = (): SearchValue => {
    const lowInclusive = q[at] === "[";
    at++;
    const close = q.slice(at).search(/[\]}]/);
    if (close < 0) fail("a range is not closed");
    const body = q.slice(at, at + close).trim();
    at += close;
    const highInclusive = q[at] === "]";
    at++;
    const parts = body.split(/\s+TO\s+/);
    if (parts.length !== 2) fail("a range is written [low TO high] or {low TO high}");
    const bound = (part: string) => {
      const unquoted = part.startsWith('"') && part.endsWith('"') ? part.slice(1, -1) : part;
      if (unquoted === "") fail("a range bound is empty");
      return unquoted === "*" ? undefined : unquoted;
    };
    return { kind: "range", low: bound(parts[0]!), high: bound(parts[1]!), lowInclusive, highInclusive };
  };

  const term = (field: string | undefined, value: SearchValue): SearchNode => {
    if (++terms > MAX_TERMS) fail(`a query has at most ${MAX_TERMS} terms`);
    return { kind: "term", field, value };
  };

  const primary = (depth: number): SearchNode => {
    skipSpace();
    const char = q[at];
    if (char === undefined) return fail("the query ends where a term was expected");
    if (char === "(") {
      if (depth >= MAX_DEPTH) fail(`parentheses nest at most ${MAX_DEPTH} deep`);
      at++;
      const inner = orExpression(depth + 1);
      skipSpace();
      if (q[at] !== ")") fail("a parenthesis is not closed");
      at++;
      refuseSuffix();
      return inner;
    }
    if (char === '"') {
      const value = readPhrase();
      refuseSuffix();
      return term(undefined, { kind: "exact", value });
    }
    if (char === "/") fail("regular expressions (/…/) are not supported");
    if (char === "[" || char === "{") fail("a range needs a field (field:[low TO high])");
    if (char === ")" || char === "]" || char === "}") fail(`unexpected '${char}'`);
    const start = at;
    const name = /^[A-Za-z_][A-Za-z0-9_.-]*/.exec(q.slice(at))?.[0];
    if (name && q[at + name.length] === ":") {
      at += name.length + 1;
      return fieldTerm(name);
    }
    at = start;
    const { value, raw } = readWord();
    if (raw === "") fail(`unexpected '${q[at]}'`);
    return term(undefined, wordValue(raw, value));
  };

  const fieldTerm = (field: string): SearchNode => {
    if (!FIELD.test(field)) fail(`'${field}' is not a field name`);
    const char = q[at];
    if (char === undefined || /\s/.test(char)) return fail(`${field}: needs a value`);
    if (field === "_exists_") {
      const { value } = readWord();
      if (!FIELD.test(value)) fail("_exists_: needs a field name");
      return { kind: "exists", field: value };
    }
    if (char === '"') {
      const value = readPhrase();
      refuseSuffix();
      return term(field, { kind: "exact", value });
    }
    if (char === "[" || char === "{") {
      const value = readRange();
      refuseSuffix();
      return term(field, value);
    }
    if (char === "(") fail(`grouped values (${field}:(a b)) are not supported: repeat the field`);
    if (char === "/") fail("regular expressions (/…/) are not supported");
    const { value, raw } = readWord();
    if (raw === "") fail(`${field}: needs a value`);
    if (raw === "*") return { kind: "exists", field };
    return term(field, wordValue(raw, value));
  };

  const unary = (depth: number): SearchNode => {
    skipSpace();
    if (peekWord("NOT")) {
      at += 3;
      return { kind: "not", node: unary(depth) };
    }
    if (q[at] === "!" || (q[at] === "-" && q[at + 1] !== undefined && !/\s/.test(q[at + 1]!))) {
      at++;
      return { kind: "not", node: unary(depth) };
    }
    if (q[at] === "+") at++;
    return primary(depth);
  };

  const andExpression = (depth: number): SearchNode => {
    const nodes = [unary(depth)];
    for (;;) {
      skipSpace();
      if (peekWord("AND")) at += 3;
      else if (q.startsWith("&&", at)) at += 2;
      else break;
      nodes.push(unary(depth));
    }
    return nodes.length === 1 ? nodes[0]! : { kind: "and", nodes };
  };

  const atEnd = () => at >= q.length || q[at] === ")";

  const orExpression = (depth: number): SearchNode => {
    const nodes = [andExpression(depth)];
    for (;;) {
      skipSpace();
      if (atEnd()) break;
      if (peekWord("OR")) at += 2;
      else if (q.startsWith("||", at)) at += 2;
      // Lucene's default operator: terms side by side are alternatives.
      nodes.push(andExpression(depth));
    }
    return nodes.length === 1 ? nodes[0]! : { kind: "or", nodes };
  };

  skipSpace();
  if (at >= q.length) fail("the query is empty");
  const tree = orExpression(0);
  skipSpace();
  if (at < q.length) fail(`unexpected '${q[at]}'`);
  return tree;
}
