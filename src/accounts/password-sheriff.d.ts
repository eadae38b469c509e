/** The parts of Auth0's password-sheriff (it ships no types) Rulegate uses. */
declare module "password-sheriff" {
  export interface RuleOutcome {
    message: string;
    code: string;
    format?: unknown[];
    items?: RuleOutcome[];
    verified: boolean;
  }
  export class PasswordPolicy {
    constructor(rules: Record<string, unknown>);
    check(password: string): boolean;
    missing(password: string): { rules: RuleOutcome[]; verified: boolean };
    toString(): string;
  }
  export const charsets: Record<"upperCase" | "lowerCase" | "numbers" | "specialCharacters", unknown>;
}
