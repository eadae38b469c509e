import { expect } from "bun:test";
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { parse } from "yaml";

/** An OpenAPI response object, or a `$ref` to one under `components/responses`. */
interface DocumentedResponse {
  $ref?: string;
  content?: Record<string, { schema?: unknown }>;
}

/** The parts of an OpenAPI 3.1 document this check reads (the schemas go to Ajv whole). */
interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, DocumentedResponse> } | undefined>>;
}

/** openapi.yaml, parsed. */
export const document: OpenApiDocument = parse(readFileSync("openapi.yaml", "utf8"));

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(document, "openapi.json");

const pointer = (...parts: string[]) =>
  parts.map((part) => part.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/[.]/g, "\\.").replace(/\{[^}]+\}/g, "[^/]+")}$`),
}));

/**
 * Checks one real response against openapi.yaml: the path and method are documented,
 * the status is documented for them, and a JSON body validates against its schema.
 * @returns the parsed body (or the text for non-JSON answers)
 */
export async function expectDocumented(method: string, url: string, response: Response): Promise<unknown> {
  const path = new URL(url, "http://localhost").pathname;
  const match = templates.find(({ pattern }) => pattern.test(path));
  expect(match, `undocumented path ${path}`).toBeDefined();
  const operation = document.paths[match!.template]?.[method.toLowerCase()];
  expect(operation, `undocumented operation ${method} ${match!.template}`).toBeDefined();
  const status = String(response.status);
  let location = pointer("paths", match!.template, method.toLowerCase(), "responses", status);
  let documented = operation!.responses[status];
  expect(documented, `${method} ${match!.template} does not document status ${status}`).toBeDefined();
  if (documented?.$ref) {
    location = documented.$ref.slice(2);
    documented = location
      .split("/")
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], document) as DocumentedResponse;
  }
  const text = await response.text();
  if (!documented?.content) {
    expect(text).toBe("");
    return text;
  }
  const contentType = response.headers.get("content-type") ?? "";
  const mediaType = Object.keys(documented.content).find((type) => contentType.startsWith(type));
  expect(
    mediaType,
    `${method} ${path} ${status} answered ${contentType}, not a documented type`,
  ).toBeDefined();
  if (mediaType !== "application/json") return text;
  const body = JSON.parse(text);
  const validate = ajv.getSchema(
    `openapi.json#/${location}/${pointer("content", "application/json", "schema")}`,
  );
  expect(validate, `no schema at ${location}`).toBeDefined();
  const valid = validate!(body);
  expect(
    valid ? [] : validate!.errors,
    `${method} ${path} ${status}: ${JSON.stringify(body).slice(0, 300)}`,
  ).toEqual([]);
  return body;
}
