/**
 * Builds the rule workbench's browser bundle, `src/console/assets/console.js`, from
 * `src/console/web/`. The bundle is committed, so `npm start` and `npm run start:deno` serve
 * it with no build step; `tests/console/bundle.test.ts` fails when it is stale.
 *
 * Usage: `npm run build:console` (with `--check`: exit 1 when the committed bundle is stale).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ENTRY = fileURLToPath(new URL("../src/console/web/main.ts", import.meta.url));
export const BUNDLE = fileURLToPath(new URL("../src/console/assets/console.js", import.meta.url));

/** The bundle as it should be: the sources and the installed CodeMirror, minified, one ES module. */
export async function buildConsoleBundle(): Promise<string> {
  const result = await Bun.build({ entrypoints: [ENTRY], target: "browser", format: "esm", minify: true });
  if (!result.success) throw new AggregateError(result.logs, "the console bundle does not build");
  const [output] = result.outputs;
  if (!output) throw new Error("the console bundle build produced nothing");
  return `// Built by scripts/build-console.ts from src/console/web/: do not edit.\n${await output.text()}`;
}

if (import.meta.main) {
  const bundle = await buildConsoleBundle();
  if (process.argv.includes("--check")) {
    const current = readFileSync(BUNDLE, "utf8");
    if (current !== bundle) {
      console.error(`${BUNDLE} is stale: run npm run build:console`);
      process.exit(1);
    }
  } else {
    writeFileSync(BUNDLE, bundle);
    console.log(`wrote ${BUNDLE} (${bundle.length} characters)`);
  }
}
