import { dictionary } from "@zxcvbn-ts/language-common";

/** Auth0's password dictionary holds the 10,000 most common passwords; so does Rulegate's. */
const SIZE = 10_000;

let common: Set<string> | undefined;

/**
 * Whether `password` (case-insensitively) is among the 10,000 most common passwords: the head
 * of zxcvbn-ts's list of leaked passwords, which is ordered by how often each was seen.
 */
export function isCommonPassword(password: string): boolean {
  common ??= new Set(
    (dictionary["passwords-common"] as string[]).slice(0, SIZE).map((word) => word.toLowerCase()),
  );
  return common.has(password.toLowerCase());
}
