import { defineConfig } from "drizzle-kit";

// drizzle-kit is used only to generate SQL migrations (no driver needed);
// the server applies them itself at start-up (src/runtime/*).
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./drizzle",
});
