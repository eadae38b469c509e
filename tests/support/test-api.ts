/**
 * The test API the cross-runtime suite (tests/e2e) is written against: bun:test on Bun; on
 * Deno, Deno.test with the same describe/test/beforeAll/afterAll shape and Jest's expect.
 * Files must wrap their tests in one top-level describe() so Deno can register them.
 */
import type * as BunTest from "bun:test";

type Api = Pick<typeof BunTest, "describe" | "test" | "expect" | "beforeAll" | "afterAll">;

const api: Api =
  "Bun" in globalThis
    ? ((await import("bun:test")) as Api)
    : ((await import("./deno-test-api.ts")) as unknown as Api);

export const { describe, test, expect, beforeAll, afterAll } = api;

/** Which runtime runs the tests. */
export const runtimeName: "bun" | "deno" = "Bun" in globalThis ? "bun" : "deno";
