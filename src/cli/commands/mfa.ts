import { Argument, type Command } from "commander";
import type { ApiClient } from "../api-client.ts";
import type { CliContext } from "../context.ts";

/** A Guardian factor as `GET /api/v2/guardian/factors` lists it. */
interface Factor {
  name: string;
  enabled: boolean;
}

/** The factors Rulegate serves (README, "Multi-factor authentication"); Auth0's others stay off. */
const SERVED_FACTORS = ["otp", "recovery-code"] as const;

/**
 * Auth0's Guardian policy as a word: `all-applications` asks every password exchange for a
 * second factor ("always"); `[]` only when a Rule or an Action asks ("never" on its own).
 */
const POLICIES = { always: ["all-applications"], never: [] } as const;
type PolicyWord = keyof typeof POLICIES;

const policyWord = (policies: string[]): PolicyWord =>
  policies.includes("all-applications") ? "always" : "never";

const otpEnabled = async (api: ApiClient) =>
  (await api.call<Factor[]>("GET", "/api/v2/guardian/factors")).some(
    (factor) => factor.name === "otp" && factor.enabled,
  );

const onOff = (enabled: boolean) => (enabled ? "enabled" : "disabled");

/** `rulegate mfa …`: the tenant's MFA policy and its otp and recovery-code factors. */
export function registerMfa(program: Command, cli: CliContext): void {
  const mfa = program
    .command("mfa")
    .description("multi-factor authentication: the tenant's policy and factors (Auth0's Guardian)");

  mfa
    .command("show")
    .description("show the MFA policy and whether each factor is enabled")
    .action(async () => {
      const api = cli.api();
      const [policies, factors] = await Promise.all([
        api.call<string[]>("GET", "/api/v2/guardian/policies"),
        api.call<Factor[]>("GET", "/api/v2/guardian/factors"),
      ]);
      const out = cli.out();
      if (out.json) return out.show({ policies, factors });
      const served = factors.filter((factor) => (SERVED_FACTORS as readonly string[]).includes(factor.name));
      out.show({
        policy: policyWord(policies),
        ...Object.fromEntries(served.map((factor) => [factor.name, onOff(factor.enabled)])),
      });
    });

  mfa
    .command("policy")
    .description(
      "always: every password exchange asks for a second factor; never: only when a Rule or an Action asks",
    )
    .addArgument(new Argument("<policy>", "always or never").choices(Object.keys(POLICIES)))
    .action(async (word: PolicyWord) => {
      const api = cli.api();
      const policies = await api.call<string[]>("PUT", "/api/v2/guardian/policies", POLICIES[word]);
      const out = cli.out();
      if (out.json) out.show(policies);
      else out.show({ policy: policyWord(policies) });
      if (word === "always" && !(await otpEnabled(api))) {
        // Without the otp factor the server refuses every exchange that needs MFA (access_denied).
        out.note(
          "warning: the otp factor is disabled, so password exchanges are refused until `rulegate mfa factor otp enable`",
        );
      }
    });

  mfa
    .command("factor")
    .description("enable or disable a factor: otp (an authenticator app) or recovery-code")
    .addArgument(new Argument("<factor>", "otp or recovery-code").choices(SERVED_FACTORS))
    .addArgument(new Argument("<state>", "enable or disable").choices(["enable", "disable"]))
    .action(async (name: string, state: string) => {
      const { enabled } = await cli
        .api()
        .call<{ enabled: boolean }>("PUT", `/api/v2/guardian/factors/${name}`, {
          enabled: state === "enable",
        });
      const out = cli.out();
      if (out.json) out.show({ name, enabled });
      else out.show({ [name]: onOff(enabled) });
    });
}
