import { t } from "elysia";
import { maxTokenLifetime } from "../db/resource-servers.ts";
import { listSigningKeys } from "../db/signing-keys.ts";
import type { Deps } from "../deps.ts";
import { DEFAULT_SIGNING_ALG, SigningAlg } from "../model/signing-algorithms.ts";
import { ID_TOKEN_LIFETIME } from "../model/token-lifetimes.ts";
import { managementPlugin } from "./management-plugin.ts";

export const SigningKey = t.Object({
  kid: t.String(),
  alg: SigningAlg,
  current: t.Boolean(),
  /** Published in the JWKS ahead of signing; the next rotation makes it current. */
  next: t.Boolean(),
  created_at: t.String(),
  retire_after: t.Union([t.String(), t.Null()]),
});

export const RotateKeys = t.Object({ alg: t.Optional(SigningAlg) }, { additionalProperties: false });
export type RotateKeys = typeof RotateKeys.static;

export const Rotated = t.Object({
  rotated: t.Array(
    t.Object({ alg: SigningAlg, kid: t.String(), previous_kid: t.Union([t.String(), t.Null()]) }),
  ),
});

/**
 * How far a verifier's clock may run behind ours: a retired key stays published this long
 * after the last token it signed has expired (RFC 7519 §4.1.4 allows "some small leeway").
 */
const CLOCK_SKEW_SECONDS = 5 * 60;

/**
 * `/api/v2/keys`: the signing keys (public facts only) and their rotation. Rotating makes
 * the already published next key current; the old key stays in the JWKS for the longest
 * token lifetime plus {@link CLOCK_SKEW_SECONDS}, so tokens it signed keep verifying.
 * Auth0's paths, `/api/v2/keys/signing` and `/api/v2/keys/signing/rotate`, reach the same
 * handlers (with Rulegate's shapes, not Auth0's `cert`/`pkcs7` ones).
 */
export function keysRoutes(deps: Deps) {
  const listKeys = async () =>
    (await listSigningKeys(deps.db)).map((row) => ({
      kid: row.kid,
      alg: row.alg,
      current: row.status === "current",
      next: row.status === "next",
      created_at: row.createdAt.toISOString(),
      retire_after: row.retireAfter?.toISOString() ?? null,
    }));
  const listOptions = { response: t.Array(SigningKey) };
  const rotate = async ({
    body,
    set,
  }: {
    body: RotateKeys | null | undefined;
    set: { status?: number | string };
  }) => {
    const now = deps.clock.now();
    const longest = Math.max(await maxTokenLifetime(deps.db), ID_TOKEN_LIFETIME);
    const retireAfter = new Date(now.getTime() + (longest + CLOCK_SKEW_SECONDS) * 1000);
    const current = (await listSigningKeys(deps.db))
      .filter((row) => row.status === "current")
      .map((row) => row.alg);
    const algs = body?.alg ? [body.alg] : current.length > 0 ? current : [DEFAULT_SIGNING_ALG];
    const rotated = [];
    for (const alg of algs) {
      const { kid, previousKid } = await deps.keys.rotate(alg, retireAfter);
      rotated.push({ alg, kid, previous_kid: previousKid ?? null });
    }
    deps.log.info({ event: "keys_rotated", kids: rotated.map((entry) => entry.kid) }, "signing keys rotated");
    set.status = 201;
    return { rotated };
  };
  const rotateOptions = { body: t.Optional(RotateKeys), response: { 201: Rotated } };
  return managementPlugin(deps, "/keys")
    .get("", listKeys, listOptions)
    .get("/signing", listKeys, listOptions)
    .post("/rotate", rotate, rotateOptions)
    .post("/signing/rotate", rotate, rotateOptions);
}
