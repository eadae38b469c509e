import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import type { Tenant } from "./tenant.ts";

const A0DEPLOY = fileURLToPath(new URL("../../node_modules/auth0-deploy-cli/lib/index.js", import.meta.url));
/** One compiled schema per a0deploy process instead of one per validation (the file says why). */
const AJV_CACHE = fileURLToPath(new URL("./a0deploy-ajv-cache.cjs", import.meta.url));

/**
 * Runs Auth0's Deploy CLI, `a0deploy <args>`, under Node as installed against `tenant` (its
 * HTTPS front, trusting the test's certificate authority through `NODE_EXTRA_CA_CERTS`, the
 * admin key as `AUTH0_ACCESS_TOKEN`), limited to the resource types `included` with its own
 * setting `AUTH0_INCLUDED_ONLY`. Answers its output, without the admin key; throws with it
 * when a0deploy fails.
 *
 * An import is slow before it sends a request: a0deploy validates the file against its whole
 * schema, every resource type whatever `AUTH0_INCLUDED_ONLY` says, with a new Ajv each time,
 * twice per import (as loaded, then before deploying). The prompts' custom-text part (every
 * language × prompt × screen) makes Ajv generate some 116 MB of code, about 18 s of one core
 * each time; the process's Ajv instances share one compiled schema (a0deploy-ajv-cache.cjs),
 * so an import compiles it once, about 20 s; an export validates nothing (about 2 s). Tests
 * keep imports few and run independent ones side by side (`test.concurrent`).
 */
export async function a0deploy(
  tenant: Tenant,
  args: string[],
  included: string[],
  extraEnv: Record<string, string> = {},
): Promise<string> {
  const child = spawn("node", ["--require", AJV_CACHE, A0DEPLOY, ...args], {
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? tmpdir(),
      NODE_EXTRA_CA_CERTS: tenant.caPath,
      AUTH0_DOMAIN: tenant.domain,
      AUTH0_ACCESS_TOKEN: tenant.adminKey,
      AUTH0_INCLUDED_ONLY: JSON.stringify(included),
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  // Never let the key reach a test report.
  const shown = output.replaceAll(tenant.adminKey, "<admin key>");
  if (code !== 0) throw new Error(`a0deploy ${args[0]} exited with ${code}:\n${shown}`);
  return shown;
}
