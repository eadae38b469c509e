import { readFileSync } from "node:fs";
import { Elysia } from "elysia";
import { randomSecret } from "../security/random-secret.ts";
import { consoleCsp } from "./console-csp.ts";

const ASSETS = new URL("./assets/", import.meta.url);

/** The workbench's static files (the bundle is built from `web/` by scripts/build-console.ts). */
const ASSET_TYPES: Record<string, string> = {
  "console.js": "text/javascript; charset=utf-8",
  "console.css": "text/css; charset=utf-8",
};

/** Headers of every workbench answer: never framed, never sniffed, no referrer. */
const PAGE_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/** Hidden from the OpenAPI document, like Swagger UI's pages: they are not the API. */
const HIDDEN = { detail: { hide: true } };

/**
 * The rule workbench at `/console` (README, "The rule workbench"): one HTML page, its
 * stylesheet and its bundle, all from this server, under a strict Content-Security-Policy.
 * The page holds no data and no credential: it calls the documented `/api/v2` API with
 * the key the user signs in with.
 */
export function consoleRoutes() {
  const template = readFileSync(new URL("index.html", ASSETS), "utf8");
  const assets = new Map<string, Uint8Array<ArrayBuffer>>();
  const asset = (file: string) => {
    let bytes = assets.get(file);
    if (!bytes) {
      bytes = new Uint8Array(readFileSync(new URL(file, ASSETS)));
      assets.set(file, bytes);
    }
    return bytes;
  };
  const page = () => {
    const nonce = randomSecret(18);
    return new Response(template.replaceAll("{{nonce}}", nonce), {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": consoleCsp(nonce),
        "cache-control": "no-store",
        ...PAGE_HEADERS,
      },
    });
  };
  return new Elysia({ name: "console" })
    .get("/console", page, HIDDEN)
    .get("/console/", page, HIDDEN)
    .get(
      "/console/assets/:file",
      ({ params }) => {
        const type = ASSET_TYPES[params.file];
        if (!type) return new Response("not found", { status: 404, headers: PAGE_HEADERS });
        return new Response(asset(params.file), {
          headers: { "content-type": type, "cache-control": "no-cache", ...PAGE_HEADERS },
        });
      },
      HIDDEN,
    );
}
