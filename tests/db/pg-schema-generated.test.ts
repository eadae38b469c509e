/**
 * `src/db/pg-schema.ts` is generated from `src/db/schema.ts` and committed (the server and
 * drizzle-kit read it as is); this fails when it no longer matches `schema.ts` or its generator.
 */
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { generatePgSchema, PG_SCHEMA } from "../../scripts/generate-pg-schema.ts";

test("src/db/pg-schema.ts is what scripts/generate-pg-schema.ts writes from src/db/schema.ts", () => {
  const fresh = generatePgSchema();
  const committed = readFileSync(PG_SCHEMA, "utf8");
  // One boolean rather than a diff of the whole file; the fix is `npm run db:generate`.
  expect(committed === fresh ? "up to date" : "stale: run npm run db:generate").toBe("up to date");
});
