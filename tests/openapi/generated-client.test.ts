import { afterAll, beforeAll, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import { aliceExchangeParams, createHarness, type Harness, seedTenant } from "../support/harness.ts";

const root = join(import.meta.dir, "..", "..");
let h: Harness;
let seed: Awaited<ReturnType<typeof seedTenant>>;

beforeAll(async () => {
  const ast = await openapiTS(new URL(`file://${join(root, "openapi.yaml")}`));
  mkdirSync(join(root, ".tmp", "generated"), { recursive: true });
  writeFileSync(join(root, ".tmp", "generated", "openapi.d.ts"), astToString(ast));
  h = await createHarness();
  seed = await seedTenant(h);
});
afterAll(() => h.close());

test("a client typed by openapi-typescript's output type-checks", () => {
  const tsc = spawnSync(
    join(root, "node_modules", ".bin", "tsc"),
    ["-p", "tests/openapi/client/tsconfig.json"],
    {
      cwd: root,
      encoding: "utf8",
    },
  );
  expect(tsc.stdout + tsc.stderr).toBe("");
  expect(tsc.status).toBe(0);
});

test("the typed client gets a token and an RFC error from the real app", async () => {
  // A computed path, so the root type-check does not follow it before the types exist.
  const clientModule = "./client/token-client.ts";
  const { requestToken } = await import(clientModule);
  const fetchImpl = (input: string, init: RequestInit) => h.app.handle(new Request(input, init));
  const request = aliceExchangeParams(seed);
  const success = await requestToken(fetchImpl, "http://localhost", request);
  expect(success).toMatchObject({ ok: true, tokens: { token_type: "Bearer" } });
  const failure = await requestToken(fetchImpl, "http://localhost", { ...request, password: "wrong" });
  expect(failure).toMatchObject({ ok: false, error: { error: "invalid_grant" } });
});
