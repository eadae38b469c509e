/**
 * The README's examples keep working: every `rulegate …` command it shows (in code blocks
 * and inline code) names a command the CLI has, with options that command takes; every
 * `npm run …` script it names exists; every endpoint path it calls with curl is one the
 * server serves (the OpenAPI drift test ties those to the routes). The sessions it shows
 * are each covered by the CLI and end-to-end tests. Its Configuration table is the one generated
 * from the settings' declaration.
 */
import { describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { configTable, readmeConfigTable } from "../src/config/config-table.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const README = readFileSync(`${ROOT}/README.md`, "utf8");

/** Every `rulegate …` invocation in the README: code lines and inline code. */
function cliExamples(): string[] {
  const found = new Set<string>();
  for (const line of README.split("\n")) {
    const code = /^\s*(?:\$\s+)?(?:[A-Z_]+=\S+\s+)*rulegate\s+(.*)$/.exec(line);
    if (code) found.add(code[1]!.replace(/\s+#.*$/, "").trim());
  }
  for (const match of README.matchAll(/`(?:[A-Z_]+=\S+\s+)*rulegate ([^`]+)`/g)) found.add(match[1]!.trim());
  return [...found].filter((example) => example.length > 0 && !example.startsWith("…"));
}

const helps = new Map<string, string>();
/** `rulegate <words> --help`, once per command path. */
const help = (words: string[]) => {
  const key = words.join(" ");
  if (!helps.has(key)) {
    const { stdout } = spawnSync(process.execPath, ["src/cli/main.ts", ...words, "--help"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1" },
    });
    helps.set(key, stdout);
  }
  return helps.get(key)!;
};

describe("README", () => {
  const examples = cliExamples();

  test("shows CLI examples (the extraction works)", () => {
    expect(examples.length).toBeGreaterThan(15);
    expect(examples).toContain("rule secrets set API_KEY=… ALLOWED_DOMAINS=example.com");
  });

  test("every rulegate command it shows exists, with the options it shows", () => {
    const problems: string[] = [];
    for (const example of examples) {
      const words = example.split(/\s+/);
      // The command path: the leading words that name subcommands (the help's Usage line grows with each).
      let path: string[] = [];
      let usage = help([]);
      for (const word of words) {
        if (word.startsWith("-") || word.includes("=") || word.includes("/") || word.includes(".")) break;
        const deeper = help([...path, word]);
        const usageLine = /^Usage: (.*)$/m.exec(deeper)?.[1] ?? "";
        if (!usageLine.startsWith(`rulegate ${[...path, word].join(" ")}`)) break;
        path = [...path, word];
        usage = deeper;
      }
      if (path.length === 0 && !example.startsWith("--")) problems.push(`${example}: no such command`);
      for (const option of example.match(/(?<=^|\s)--[a-z-]+/g) ?? []) {
        if (!usage.includes(option) && !help([]).includes(option))
          problems.push(`${example}: no option ${option}`);
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  test("every npm script it names exists", () => {
    const scripts = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")).scripts as Record<
      string,
      string
    >;
    const named = [...README.matchAll(/npm run (?:-s )?([a-z][a-z:-]*)/g)].map((match) => match[1]!);
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((name) => !(name in scripts))).toEqual([]);
  });

  test("its Configuration table is the one generated from src/config/settings.ts (npm run docs:config)", () => {
    expect(readmeConfigTable(README)).toBe(configTable());
  });

  test("every endpoint it calls with curl is documented (and so served: see the drift test)", () => {
    const document = parse(readFileSync(`${ROOT}/openapi.yaml`, "utf8")) as {
      paths: Record<string, unknown>;
    };
    const documented = Object.keys(document.paths).map(
      (path) => new RegExp(`^${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
    );
    const called = [...README.matchAll(/localhost:\d+(\/[A-Za-z0-9_/.-]*[A-Za-z0-9_-])/g)].map(
      (match) => match[1]!,
    );
    expect(called.length).toBeGreaterThan(8);
    expect(called.filter((path) => !documented.some((pattern) => pattern.test(path)))).toEqual([]);
  });
});
