/**
 * The connection's password rules on their own: Auth0's five strength levels (with the exact
 * rule outcomes Auth0's password-sheriff reports), a minimum length, the common-password
 * dictionary with the operator's words, and personal information.
 */
import { describe, expect, test } from "bun:test";
import { isCommonPassword } from "../../src/accounts/common-passwords.ts";
import { ruleProblem } from "../../src/accounts/password-policy.ts";
import { type PasswordRules, passwordRulesOf } from "../../src/model/connection-options.ts";

const rules = (overrides: Partial<PasswordRules>): PasswordRules => ({
  policy: "none",
  history: 0,
  dictionary: false,
  extraWords: [],
  noPersonalInfo: false,
  ...overrides,
});

const refused = (overrides: Partial<PasswordRules>, password: string) =>
  ruleProblem(rules(overrides), password)?.name;

describe("Auth0's strength levels", () => {
  test("none takes any password of one character or more", () => {
    expect(refused({ policy: "none" }, "a")).toBeUndefined();
    expect(refused({ policy: "none" }, "")).toBe("PasswordStrengthError");
  });

  test("low wants 6 characters", () => {
    expect(refused({ policy: "low" }, "abcde")).toBe("PasswordStrengthError");
    expect(refused({ policy: "low" }, "abcdef")).toBeUndefined();
  });

  test("fair wants 8 characters with lower case, upper case and digits", () => {
    expect(refused({ policy: "fair" }, "abcdefgh")).toBe("PasswordStrengthError");
    expect(refused({ policy: "fair" }, "abcdEF12")).toBeUndefined();
    expect(refused({ policy: "fair" }, "abcdef!!")).toBe("PasswordStrengthError");
  });

  test("good wants 8 characters with three of the four kinds", () => {
    expect(refused({ policy: "good" }, "abcdefg1")).toBe("PasswordStrengthError");
    expect(refused({ policy: "good" }, "abcdef1!")).toBeUndefined();
    expect(refused({ policy: "good" }, "ABCDEF1!")).toBeUndefined();
    expect(refused({ policy: "good" }, "aB1!")).toBe("PasswordStrengthError");
  });

  test("excellent wants 10 characters, three kinds and no three identical characters in a row", () => {
    expect(refused({ policy: "excellent" }, "abcdefG1!")).toBe("PasswordStrengthError");
    expect(refused({ policy: "excellent" }, "abcdefG1!x")).toBeUndefined();
    expect(refused({ policy: "excellent" }, "aaabcdG1!x")).toBe("PasswordStrengthError");
  });

  test("a weak password's answer lists every rule with whether it holds, and the policy as Auth0 words it", () => {
    const problem = ruleProblem(rules({ policy: "good" }), "abc");
    expect(problem).toEqual({
      name: "PasswordStrengthError",
      message: "Password is too weak",
      description: {
        rules: [
          {
            message: "At least %d characters in length",
            format: [8],
            code: "lengthAtLeast",
            verified: false,
          },
          {
            message: "Contain at least %d of the following %d types of characters:",
            code: "containsAtLeast",
            format: [3, 4],
            items: [
              { message: "lower case letters (a-z)", code: "lowerCase", verified: true },
              { message: "upper case letters (A-Z)", code: "upperCase", verified: false },
              { message: "numbers (i.e. 0-9)", code: "numbers", verified: false },
              { message: "special characters (e.g. !@#$%^&*)", code: "specialCharacters", verified: false },
            ],
            verified: false,
          },
        ],
        verified: false,
      },
      policy:
        "* At least 8 characters in length\n* Contain at least 3 of the following 4 types of characters:\n" +
        " * lower case letters (a-z)\n * upper case letters (A-Z)\n * numbers (i.e. 0-9)\n * special characters (e.g. !@#$%^&*)",
    });
  });

  test("password_complexity_options.min_length replaces the level's length", () => {
    expect(refused({ policy: "good", minLength: 12 }, "abcdef1!xyz")).toBe("PasswordStrengthError");
    expect(refused({ policy: "good", minLength: 12 }, "abcdef1!xyzw")).toBeUndefined();
    expect(refused({ policy: "none", minLength: 3 }, "ab")).toBe("PasswordStrengthError");
  });
});

describe("the dictionary", () => {
  test("holds the most common passwords, case-insensitively", () => {
    for (const common of ["password", "123456", "qwerty", "iloveyou", "Dragon", "PASSWORD1"]) {
      expect(isCommonPassword(common)).toBe(true);
    }
    expect(isCommonPassword("correct horse battery staple 7")).toBe(false);
  });

  test("refuses a common password only when enabled, and the operator's words too", () => {
    expect(refused({ policy: "low" }, "password1")).toBeUndefined();
    expect(refused({ policy: "low", dictionary: true }, "password1")).toBe("PasswordDictionaryError");
    expect(refused({ policy: "low", dictionary: true, extraWords: ["AcmeRocks"] }, "acmerocks")).toBe(
      "PasswordDictionaryError",
    );
    expect(
      refused({ policy: "low", dictionary: true, extraWords: ["AcmeRocks"] }, "acmerocks!2"),
    ).toBeUndefined();
  });
});

describe("personal information", () => {
  const info = {
    email: "jane.doe@example.com",
    username: "janed",
    name: "Jane Doe",
    givenName: "Jane",
    familyName: "Doe",
    userMetadata: { first: "Janet" },
  };

  test("refuses a password that contains the email's name, the username, the name or metadata names", () => {
    const personal = rules({ policy: "low", noPersonalInfo: true });
    for (const password of ["jane.doe2024", "xxJANEDxx", "hello jane doe!", "I am Janet!!"]) {
      expect(ruleProblem(personal, password, info)?.name).toBe("PasswordNoUserInfoError");
    }
    expect(ruleProblem(personal, "blue-giraffe-41", info)).toBeUndefined();
    expect(ruleProblem(rules({ policy: "low" }), "jane.doe2024", info)).toBeUndefined();
  });
});

describe("stored options", () => {
  test("a connection never set keeps the rule of at least 8 characters", () => {
    expect(passwordRulesOf({})).toEqual({
      policy: "low",
      minLength: 8,
      history: 0,
      dictionary: false,
      extraWords: [],
      noPersonalInfo: false,
    });
  });

  test("options without a level keep the default's; null is Auth0's none", () => {
    expect(passwordRulesOf({ disable_signup: true })).toMatchObject({ policy: "low", minLength: 8 });
    expect(passwordRulesOf({ password_complexity_options: { min_length: 12 } })).toMatchObject({
      policy: "low",
      minLength: 12,
    });
    expect(passwordRulesOf({ passwordPolicy: null })).toMatchObject({ policy: "none", minLength: undefined });
    expect(passwordRulesOf({ passwordPolicy: "good" })).toMatchObject({
      policy: "good",
      minLength: undefined,
    });
  });

  test("Auth0's option names map onto the rules; history defaults to 5 when only enabled", () => {
    expect(
      passwordRulesOf({
        passwordPolicy: "excellent",
        password_history: { enable: true },
        password_dictionary: { enable: true, dictionary: ["acme"] },
        password_no_personal_info: { enable: true },
      }),
    ).toEqual({
      policy: "excellent",
      minLength: undefined,
      history: 5,
      dictionary: true,
      extraWords: ["acme"],
      noPersonalInfo: true,
    });
  });
});
