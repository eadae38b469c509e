/**
 * The workbench's bundle is committed (so `npm start` and `npm run start:deno` need no build
 * step); this fails when it no longer matches its sources or the installed CodeMirror.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { BUNDLE, buildConsoleBundle } from "../../scripts/build-console.ts";

test("src/console/assets/console.js is what scripts/build-console.ts builds from src/console/web/", async () => {
  const fresh = await buildConsoleBundle();
  const committed = readFileSync(BUNDLE, "utf8");
  // One boolean rather than a 600 KB diff; the fix is `npm run build:console`.
  expect(committed === fresh ? "up to date" : "stale: run npm run build:console").toBe("up to date");
});
