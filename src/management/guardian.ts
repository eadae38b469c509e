import { t } from "elysia";
import {
  deleteAuthenticator,
  findAuthenticatorById,
  listAuthenticators,
  setRecoveryCode,
} from "../db/mfa.ts";
import type { MfaAuthenticatorRow, TenantSettingsRow } from "../db/schema.ts";
import { getTenantSettings, updateTenantSettings } from "../db/tenant-settings.ts";
import { findUserById } from "../db/users.ts";
import type { Deps } from "../deps.ts";
import type { LogType } from "../logs/event-log.ts";
import { randomSecret } from "../security/random-secret.ts";
import { newRecoveryCode, recoveryCodeDigest } from "../security/recovery-code.ts";
import { ApiError, badRequest, notFound } from "./api-error.ts";
import { mustFindUser } from "./find-user.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";

/** Auth0's Guardian policies; Rulegate serves `all-applications` (`[]`: only when a rule or action asks). */
const Policies = t.Array(t.Literal("all-applications"), { maxItems: 1 });

/** Auth0's Guardian factors, by name; Rulegate serves `otp` and `recovery-code`, the others stay off. */
const FACTOR_NAMES = [
  "sms",
  "push-notification",
  "email",
  "duo",
  "otp",
  "webauthn-roaming",
  "webauthn-platform",
  "recovery-code",
] as const;
type FactorName = (typeof FACTOR_NAMES)[number];

const Factor = t.Object({ name: t.String(), enabled: t.Boolean(), trial_expired: t.Boolean() });

const factorEnabled = (tenant: TenantSettingsRow, name: FactorName) =>
  name === "otp" ? tenant.otpEnabled : name === "recovery-code" ? tenant.recoveryCodeEnabled : false;

/**
 * A TOTP authenticator as Auth0's Guardian enrollment (`GET /api/v2/users/{id}/enrollments`):
 * `pending` until its first code, then `confirmed`.
 */
export const enrollmentView = (factor: MfaAuthenticatorRow) => ({
  id: factor.id,
  status: factor.confirmed ? ("confirmed" as const) : ("pending" as const),
  type: "authenticator",
  name: "Authenticator app",
  auth_method: "authenticator",
  enrolled_at: factor.createdAt.toISOString(),
  ...(factor.lastAuthAt ? { last_auth: factor.lastAuthAt.toISOString() } : {}),
});

const Enrollment = t.Object({
  id: t.String(),
  status: t.Union([t.Literal("pending"), t.Literal("confirmed")]),
  type: t.String(),
  name: t.String(),
  auth_method: t.String(),
  enrolled_at: t.String(),
  last_auth: t.Optional(t.String()),
});

async function tenantRow(deps: Deps): Promise<TenantSettingsRow> {
  const tenant = await getTenantSettings(deps.db);
  if (!tenant) throw notFound("tenant");
  return tenant;
}

/** Records an admin's change to a user's factors (Auth0's `gd_*` events). */
async function recordAdminEvent(
  deps: Deps,
  user: { id: string; email: string },
  type: LogType,
  description: string,
) {
  await deps.events.record({ type, description, userId: user.id, userName: user.email });
}

/**
 * Auth0's Guardian API (README, "Multi-factor authentication"): the tenant's MFA policy
 * (`/guardian/policies`), its factors (`/guardian/factors`: `otp` and `recovery-code` can be
 * enabled), and an enrollment by id, which an admin may delete so the user enrolls again
 * (a lost device).
 */
export function guardianRoutes(deps: Deps) {
  return managementPlugin(deps, "/guardian")
    .get("/policies", async () => (await tenantRow(deps)).mfaPolicies, { response: t.Array(t.String()) })
    .put(
      "/policies",
      async ({ body }) => {
        const row = await updateTenantSettings(deps.db, { mfaPolicies: body, updatedAt: deps.clock.now() });
        if (!row) throw notFound("tenant");
        return row.mfaPolicies;
      },
      { body: Policies, response: t.Array(t.String()) },
    )
    .get(
      "/factors",
      async () => {
        const tenant = await tenantRow(deps);
        return FACTOR_NAMES.map((name) => ({
          name,
          enabled: factorEnabled(tenant, name),
          trial_expired: false,
        }));
      },
      { response: t.Array(Factor) },
    )
    .put(
      "/factors/:name",
      async ({ params, body }) => {
        const name = params.name as FactorName;
        if (!FACTOR_NAMES.includes(name)) throw notFound("factor");
        if (name !== "otp" && name !== "recovery-code") {
          if (body.enabled)
            throw badRequest(`The ${name} factor is not available: Rulegate serves otp and recovery-code.`);
          return { enabled: false };
        }
        if (body.enabled && deps.config.production && deps.config.mfaSecretKey === undefined) {
          throw badRequest(
            "MFA_SECRET_KEY (or MFA_SECRET_KEY_FILE) must be set to enable MFA in production.",
          );
        }
        const row = await updateTenantSettings(deps.db, {
          ...(name === "otp" ? { otpEnabled: body.enabled } : { recoveryCodeEnabled: body.enabled }),
          updatedAt: deps.clock.now(),
        });
        if (!row) throw notFound("tenant");
        return { enabled: factorEnabled(row, name) };
      },
      {
        params: t.Object({ name: t.String({ maxLength: 64 }) }),
        body: t.Object({ enabled: t.Boolean() }, { additionalProperties: false }),
        response: t.Object({ enabled: t.Boolean() }),
      },
    )
    .get(
      "/enrollments/:id",
      async ({ params }) => {
        const factor = await findAuthenticatorById(deps.db, params.id);
        if (factor?.type !== "otp") throw notFound("enrollment");
        return enrollmentView(factor);
      },
      { params: t.Object({ id: t.String({ maxLength: 128 }) }), response: Enrollment },
    )
    .delete(
      "/enrollments/:id",
      async ({ params }) => {
        const factor = await findAuthenticatorById(deps.db, params.id);
        if (factor?.type !== "otp") throw notFound("enrollment");
        await deleteAuthenticator(deps.db, factor.id);
        const user = await findUserById(deps.db, factor.userId);
        if (user)
          await recordAdminEvent(deps, user, "gd_unenroll", "Guardian enrollment deleted by an admin");
        return noContent();
      },
      { params: t.Object({ id: t.String({ maxLength: 128 }) }) },
    );
}

/**
 * A user's MFA under `/api/v2/users/{id}`: the enrollments (Auth0's Guardian enrollments:
 * the TOTP authenticator), and a new recovery code in place of the old one, returned once.
 */
export function userEnrollmentRoutes(deps: Deps) {
  return managementPlugin(deps, "/users")
    .get(
      "/:id/enrollments",
      async ({ params }) => {
        const user = await mustFindUser(deps.db, params.id);
        const factors = await listAuthenticators(deps.db, user.id);
        return factors.filter((factor) => factor.type === "otp").map(enrollmentView);
      },
      { response: t.Array(Enrollment) },
    )
    .post(
      "/:id/recovery-code-regeneration",
      async ({ params }) => {
        const user = await mustFindUser(deps.db, params.id);
        const tenant = await tenantRow(deps);
        if (!tenant.recoveryCodeEnabled) {
          throw new ApiError(400, "The recovery-code factor is not enabled.", "invalid_body");
        }
        const code = newRecoveryCode();
        const now = deps.clock.now();
        await setRecoveryCode(deps.db, {
          id: `recovery-code|dev_${randomSecret(12)}`,
          userId: user.id,
          type: "recovery-code",
          secret: null,
          codeHash: recoveryCodeDigest(code),
          confirmed: true,
          lastCounter: null,
          createdAt: now,
          confirmedAt: now,
          lastAuthAt: null,
        });
        return { recovery_code: code };
      },
      { response: t.Object({ recovery_code: t.String() }) },
    );
}
