/**
 * Rewrites the README's Configuration table from the settings' declaration
 * (`src/config/settings.ts`): `npm run docs:config`. tests/readme.test.ts fails while the
 * README's table differs from the generated one.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { withConfigTable } from "../src/config/config-table.ts";

const path = new URL("../README.md", import.meta.url);
const readme = readFileSync(path, "utf8");
const updated = withConfigTable(readme);
if (updated === readme) console.log("README.md: the Configuration table is up to date");
else {
  writeFileSync(path, updated);
  console.log("README.md: the Configuration table was rewritten from src/config/settings.ts");
}
