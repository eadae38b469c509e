import { charsets, PasswordPolicy, type RuleOutcome } from "password-sheriff";
import { passwordHistoryOf } from "../db/password-history.ts";
import type { UserRow } from "../db/schema.ts";
import { getTenantSettings } from "../db/tenant-settings.ts";
import type { Deps } from "../deps.ts";
import { type PasswordPolicyName, type PasswordRules, passwordRulesOf } from "../model/connection-options.ts";
import { isCommonPassword } from "./common-passwords.ts";

const { lowerCase, upperCase, numbers, specialCharacters } = charsets;
const FOUR_KINDS = [lowerCase, upperCase, numbers, specialCharacters];

/** Auth0's strength levels (password-sheriff's, Auth0's own library), before a minimum length is set. */
const LEVELS: Record<PasswordPolicyName, Record<string, unknown>> = {
  none: { length: { minLength: 1 } },
  low: { length: { minLength: 6 } },
  fair: { length: { minLength: 8 }, contains: { expressions: [lowerCase, upperCase, numbers] } },
  good: { length: { minLength: 8 }, containsAtLeast: { atLeast: 3, expressions: FOUR_KINDS } },
  excellent: {
    length: { minLength: 10 },
    containsAtLeast: { atLeast: 3, expressions: FOUR_KINDS },
    identicalChars: { max: 2 },
  },
};

/** Why a password is refused, in Auth0's names and words (the Authentication API's `invalid_password`). */
export type PasswordProblem =
  | {
      name: "PasswordStrengthError";
      message: "Password is too weak";
      description: { rules: RuleOutcome[]; verified: false };
      /** The policy as Auth0 lists it, one `*` line per rule. */
      policy: string;
    }
  | { name: "PasswordDictionaryError"; message: "Password is too common" }
  | { name: "PasswordNoUserInfoError"; message: "Password is based on user information" }
  | { name: "PasswordHistoryError"; message: "Password has previously been used" };

/** What `password_no_personal_info` compares a password with: Auth0's list of profile fields. */
export interface PersonalInfo {
  email: string;
  username?: string | null;
  name?: string | null;
  givenName?: string | null;
  familyName?: string | null;
  nickname?: string | null;
  phoneNumber?: string | null;
  userMetadata?: Record<string, unknown>;
}

const strengthPolicy = (rules: PasswordRules) => {
  const level = LEVELS[rules.policy];
  return new PasswordPolicy(
    rules.minLength === undefined ? level : { ...level, length: { minLength: rules.minLength } },
  );
};

/** The personal values a password may not contain: 3 characters or more, lower-cased. */
function personalValues(info: PersonalInfo): string[] {
  const metadata = info.userMetadata ?? {};
  const candidates = [
    info.email.split("@")[0],
    info.username,
    info.name,
    info.givenName,
    info.familyName,
    info.nickname,
    info.phoneNumber,
    metadata.name,
    metadata.first,
    metadata.last,
  ];
  return candidates
    .filter((value): value is string => typeof value === "string" && value.trim().length >= 3)
    .map((value) => value.trim().toLowerCase());
}

/**
 * The first rule of `rules` that `password` breaks, short of the history (which needs the stored
 * hashes: {@link passwordProblem}), or nothing. Auth0's order: strength, dictionary, personal info.
 */
export function ruleProblem(
  rules: PasswordRules,
  password: string,
  info?: PersonalInfo,
): PasswordProblem | undefined {
  const policy = strengthPolicy(rules);
  if (!policy.check(password)) {
    return {
      name: "PasswordStrengthError",
      message: "Password is too weak",
      description: { rules: policy.missing(password).rules, verified: false },
      policy: policy.toString(),
    };
  }
  if (rules.dictionary) {
    const lower = password.toLowerCase();
    if (isCommonPassword(password) || rules.extraWords.some((word) => word.toLowerCase() === lower)) {
      return { name: "PasswordDictionaryError", message: "Password is too common" };
    }
  }
  if (rules.noPersonalInfo && info) {
    const lower = password.toLowerCase();
    if (personalValues(info).some((value) => lower.includes(value))) {
      return { name: "PasswordNoUserInfoError", message: "Password is based on user information" };
    }
  }
  return undefined;
}

/** The rules as a list for a person choosing a password: Auth0's policy text, and the other rules in force. */
export function policyText(rules: PasswordRules): string {
  const lines = [strengthPolicy(rules).toString()];
  if (rules.dictionary) lines.push("* Not a common password");
  if (rules.noPersonalInfo) lines.push("* Not based on your name or email");
  if (rules.history > 0) lines.push(`* Not one of your last ${rules.history} passwords`);
  return lines.join("\n");
}

/** The connection's password rules as stored now. */
export async function currentPasswordRules(deps: Pick<Deps, "db">): Promise<PasswordRules> {
  const settings = await getTenantSettings(deps.db);
  return passwordRulesOf(settings?.connectionOptions ?? {});
}

/**
 * Why the connection's policy refuses `password` for a new user (`info`) or for an existing
 * one (`user`, whose current and earlier passwords `password_history` also compares), or nothing.
 */
export async function passwordProblem(
  deps: Pick<Deps, "db" | "hasher">,
  password: string,
  who: { info: PersonalInfo; user?: UserRow },
): Promise<PasswordProblem | undefined> {
  const rules = await currentPasswordRules(deps);
  const problem = ruleProblem(rules, password, who.info);
  if (problem || !who.user || rules.history === 0) return problem;
  // The current password counts as the newest of the last `history`.
  const earlier = [
    who.user.passwordHash,
    ...(await passwordHistoryOf(deps.db, who.user.id, rules.history - 1)),
  ];
  for (const hash of earlier) {
    if (await deps.hasher.verify(hash, password)) {
      return { name: "PasswordHistoryError", message: "Password has previously been used" };
    }
  }
  return undefined;
}

/** The profile fields of a stored user that `password_no_personal_info` compares. */
export const personalInfoOf = (user: UserRow): PersonalInfo => ({
  email: user.email,
  username: user.username,
  name: user.name,
  givenName: user.givenName,
  familyName: user.familyName,
  nickname: user.nickname,
  phoneNumber: user.phoneNumber,
  userMetadata: user.userMetadata,
});
