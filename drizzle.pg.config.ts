import { defineConfig } from "drizzle-kit";

// The PostgreSQL engine's migrations, generated from src/db/pg-schema.ts (itself generated
// from src/db/schema.ts); like drizzle.config.ts, generate only, no driver or database needed.
export default defineConfig({
  dialect: "postgresql",
  schema: "./src/db/pg-schema.ts",
  out: "./drizzle-pg",
});
