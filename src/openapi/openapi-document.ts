import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { pagePolicy } from "../security/page-policy.ts";

type PluginOptions = NonNullable<Parameters<typeof openapi>[0]>;
type ContractDocument = NonNullable<PluginOptions["documentation"]> & {
  openapi: PluginOptions["openapiVersion"];
};

/** The published contract, `openapi.yaml` at the project root: the one source of truth. */
export const OPENAPI_PATH = fileURLToPath(new URL("../../openapi.yaml", import.meta.url));

const SWAGGER_DIST = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
/** The only Swagger UI files the page loads, served from the installed package (no CDN). */
const SWAGGER_ASSETS: Record<string, string> = {
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "swagger-ui.css": "text/css; charset=utf-8",
};

/**
 * A strict Content-Security-Policy for the Swagger page: its scripts and styles from this
 * origin only (plus the page's one inline script, by hash; Swagger UI sets inline styles),
 * requests to this origin only, no framing, no forms elsewhere, no plugins.
 */
function swaggerCsp(html: string): string {
  const inline = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    (match) => `'sha256-${createHash("sha256").update(match[1]!).digest("base64")}'`,
  );
  return pagePolicy({
    defaultSrc: "'none'",
    scriptSrc: `'self' ${inline.join(" ")}`.trim(),
    styleSrc: "'self' 'unsafe-inline'",
    fontSrc: "'self' data:",
  });
}

/**
 * Serves the contract: `openapi.yaml` exactly as written, the same document as JSON at
 * `/swagger/json`, and Swagger UI at `/swagger` through @elysiajs/openapi with its assets
 * from `swagger-ui-dist`, so the page works with no internet (README, "API documentation").
 */
export function openapiDocument(parseYaml: (text: string) => unknown) {
  const yamlText = readFileSync(OPENAPI_PATH, "utf8");
  // What openapi.yaml is: the plugin's document and its OpenAPI version (tests/openapi checks the file).
  const document = parseYaml(yamlText) as ContractDocument;
  const assets = new Map<string, Uint8Array<ArrayBuffer>>();
  const asset = (file: string) => {
    let bytes = assets.get(file);
    if (!bytes) {
      bytes = new Uint8Array(readFileSync(join(SWAGGER_DIST, file)));
      assets.set(file, bytes);
    }
    return bytes;
  };
  let csp: string | undefined;
  return new Elysia({ name: "openapi-document" })
    .onAfterHandle({ as: "global" }, async ({ request, response }) => {
      if (!(response instanceof Response) || new URL(request.url).pathname !== "/swagger") return;
      const html = await response.text();
      csp ??= swaggerCsp(html);
      return new Response(html, {
        status: response.status,
        headers: {
          "content-type": "text/html; charset=utf-8",
          "content-security-policy": csp,
          "x-content-type-options": "nosniff",
          "referrer-policy": "no-referrer",
        },
      });
    })
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
        // Renders the page per request (for Swagger UI it embeds nothing): a static page
        // would bypass the hook above that adds the Content-Security-Policy.
        embedSpec: true,
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
