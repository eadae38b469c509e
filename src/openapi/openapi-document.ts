import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { parse } from "yaml";

/** The published contract, `openapi.yaml` at the project root: the one source of truth. */
export const OPENAPI_PATH = fileURLToPath(new URL("../../openapi.yaml", import.meta.url));

const SWAGGER_DIST = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
/** The only Swagger UI files the page loads, served from the installed package (no CDN). */
const SWAGGER_ASSETS: Record<string, string> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};

/**
 * Serves the contract: `openapi.yaml` exactly as written, the same document as JSON at
 * `/swagger/json`, and Swagger UI at `/swagger` through @elysiajs/openapi with its assets
 * from `swagger-ui-dist`, so the page works with no internet (runtime-probes §3).
 */
export function openapiDocument() {
  const yamlText = readFileSync(OPENAPI_PATH, "utf8");
  const document = parse(yamlText);
  const assets = new Map<string, Uint8Array<ArrayBuffer>>();
  const asset = (file: string) => {
    let bytes = assets.get(file);
    if (!bytes) {
      bytes = new Uint8Array(readFileSync(join(SWAGGER_DIST, file)));
      assets.set(file, bytes);
    }
    return bytes;
  };
  return new Elysia({ name: "openapi-document" })
    .get(
      "/openapi.yaml",
      () => new Response(yamlText, { headers: { "content-type": "application/yaml; charset=utf-8" } }),
    )
    .get(
      "/swagger/assets/:file",
      ({ params }) => {
        const type = SWAGGER_ASSETS[params.file];
        if (!type) return new Response("not found", { status: 404 });
        return new Response(asset(params.file), {
          headers: { "content-type": type, "cache-control": "public, max-age=86400" },
        });
      },
      { detail: { hide: true } },
    )
    .use(
      openapi({
        provider: "swagger-ui",
        path: "/swagger",
        specPath: "/swagger/json",
        openapiVersion: document.openapi,
        // Every route is documented by hand, so the hand-written paths replace every
        // generated one and /swagger/json is openapi.yaml as JSON (a test checks it).
        documentation: document,
        swagger: {
          cdn: "/swagger/assets/swagger-ui-bundle.js",
          theme: "/swagger/assets/swagger-ui.css",
          autoDarkMode: false,
          // Swagger UI would otherwise send the document to validator.swagger.io.
          validatorUrl: null,
          docExpansion: "list",
          tryItOutEnabled: false,
        } as Record<string, unknown>,
      }),
    );
}
