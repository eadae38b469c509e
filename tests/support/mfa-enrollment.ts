/**
 * Enrolls a user in MFA through a real server's own endpoints, as an app using Auth0's MFA
 * API does: the password exchange answers `mfa_required`, `POST /mfa/associate` gives the
 * TOTP secret, and the `mfa-otp` grant with the first code confirms the authenticator. The
 * code comes from tests/support/totp.ts (RFC 6238), not the server's library.
 */
import { expect } from "bun:test";
import { base32Decode, totp } from "./totp.ts";

export const MFA_OTP_GRANT = "http://auth0.com/oauth/grant-type/mfa-otp";
export const MFA_RECOVERY_CODE_GRANT = "http://auth0.com/oauth/grant-type/mfa-recovery-code";

/** A Management API call with the admin key, as the suites' servers take it. */
export type Admin = (method: string, path: string, body?: unknown) => Promise<Response>;

/** A password exchange's JSON body: client credentials, username and password (and audience, scope). */
export type PasswordRequest = Record<string, string>;

/** What enrolling gave the user's app; the secret and code stay in the test, never printed. */
export interface Enrolled {
  secret: Uint8Array;
  recoveryCode: string;
}

const postJson = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

/**
 * MFA for every application (Auth0's Guardian policy `all-applications`) with the otp and
 * recovery-code factors, and the password client allowed Auth0's MFA grants.
 */
export async function requireMfa(admin: Admin, clientId: string): Promise<void> {
  for (const factor of ["otp", "recovery-code"])
    expect((await admin("PUT", `/guardian/factors/${factor}`, { enabled: true })).status).toBe(200);
  expect((await admin("PUT", "/guardian/policies", ["all-applications"])).status).toBe(200);
  const grants = ["password", "refresh_token", MFA_OTP_GRANT, MFA_RECOVERY_CODE_GRANT];
  expect((await admin("PATCH", `/clients/${clientId}`, { grant_types: grants })).status).toBe(200);
}

/** A password exchange that must answer Auth0's `mfa_required`: its `mfa_token`. */
export async function mfaToken(baseUrl: string, request: PasswordRequest): Promise<string> {
  const answer = await postJson(`${baseUrl}/oauth/token`, request);
  const body = (await answer.json()) as { error?: string; mfa_token?: string };
  expect([answer.status, body.error]).toEqual([403, "mfa_required"]);
  return body.mfa_token!;
}

/** The `mfa-otp` grant with `otp` for the exchange that gave `token`: the token endpoint's answer. */
export const otpGrant = (baseUrl: string, request: PasswordRequest, token: string, otp: string) =>
  postJson(`${baseUrl}/oauth/token`, {
    grant_type: MFA_OTP_GRANT,
    client_id: request.client_id,
    client_secret: request.client_secret,
    mfa_token: token,
    otp,
  });

/** The `mfa-recovery-code` grant with `code` for the exchange that gave `token`. */
export const recoveryCodeGrant = (baseUrl: string, request: PasswordRequest, token: string, code: string) =>
  postJson(`${baseUrl}/oauth/token`, {
    grant_type: MFA_RECOVERY_CODE_GRANT,
    client_id: request.client_id,
    client_secret: request.client_secret,
    mfa_token: token,
    recovery_code: code,
  });

/** The current code of `secret` (the server accepts the step before and after too). */
export const currentCode = (secret: Uint8Array) => totp(secret, new Date());

/** An authenticator app just associated: pending until {@link confirmOtp} sends its first code. */
export interface Associated extends Enrolled {
  mfaToken: string;
}

/** `POST /mfa/associate` for the user of `request` (MFA must be required, see {@link requireMfa}). */
export async function associateOtp(baseUrl: string, request: PasswordRequest): Promise<Associated> {
  const token = await mfaToken(baseUrl, request);
  const associated = await postJson(
    `${baseUrl}/mfa/associate`,
    { authenticator_types: ["otp"] },
    { authorization: `Bearer ${token}` },
  );
  expect(associated.status).toBe(200);
  const body = (await associated.json()) as { secret: string; recovery_codes: string[] };
  return { mfaToken: token, secret: base32Decode(body.secret), recoveryCode: body.recovery_codes[0]! };
}

/** The first code of an associated authenticator, which confirms it. */
export async function confirmOtp(baseUrl: string, request: PasswordRequest, associated: Associated) {
  const confirmed = await otpGrant(baseUrl, request, associated.mfaToken, currentCode(associated.secret));
  expect(confirmed.status).toBe(200);
}

/** Enrolls the user of `request` and confirms the authenticator: their enrollment is then `confirmed`. */
export async function enrollOtp(baseUrl: string, request: PasswordRequest): Promise<Enrolled> {
  const associated = await associateOtp(baseUrl, request);
  await confirmOtp(baseUrl, request, associated);
  return { secret: associated.secret, recoveryCode: associated.recoveryCode };
}
