import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Elysia } from "elysia";

/** The published contract, `openapi.yaml` at the project root. */
export const OPENAPI_PATH = fileURLToPath(new URL("../../openapi.yaml", import.meta.url));

/** Serves `openapi.yaml` exactly as written (read once, at start-up). */
export function openapiDocument() {
  const document = readFileSync(OPENAPI_PATH, "utf8");
  return new Elysia({ name: "openapi-document" }).get(
    "/openapi.yaml",
    () => new Response(document, { headers: { "content-type": "application/yaml; charset=utf-8" } }),
  );
}
