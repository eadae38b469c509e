import { t } from "elysia";
import { mergeRuleSecrets, readRuleSecrets } from "../db/rule.ts";
import type { Deps } from "../deps.ts";
import { RULES_PIPELINE } from "../model/rule-ids.ts";
import { preparePipeline } from "./auth0-rules.ts";
import { managementPlugin } from "./management-plugin.ts";
import { noContent } from "./no-content.ts";

/**
 * Auth0's rules config key (Management API v2, `PUT /api/v2/rules-configs/{key}`): 1 to 127
 * letters, digits and `_-@*+:`.
 */
const ConfigKey = t.String({ minLength: 1, maxLength: 127, pattern: "^[A-Za-z0-9_\\-@*+:]*$", title: "key" });

/** The path of one value: its key. */
export const RulesConfigParams = t.Object({ key: ConfigKey });

/**
 * Auth0 documents no limit on a value; 4096 characters is the limit of the other rules'
 * secrets (src/management/rule.ts), which these values are stored beside.
 */
export const SetRulesConfig = t.Object(
  { value: t.String({ maxLength: 4096 }) },
  { additionalProperties: false },
);

/** What Auth0 shows of a value: its key. The value itself never leaves the server. */
export const RulesConfigKey = t.Object({ key: t.String() });

/**
 * `/api/v2/rules-configs`: the values every Auth0 rule reads as `configuration.KEY`
 * (README, "Moving your Auth0 Rules"), stored as the secrets of the rules' pipeline. They are
 * write-only: an answer names keys, never a value, and no log line carries one.
 */
export function rulesConfigsRoutes(deps: Deps) {
  const { db } = deps;
  return managementPlugin(deps, "/rules-configs")
    .get(
      "",
      async () =>
        Object.keys(await readRuleSecrets(db, RULES_PIPELINE))
          .sort()
          .map((key) => ({ key })),
      { response: t.Array(RulesConfigKey) },
    )
    .put(
      "/:key",
      async ({ params, body }) => {
        await mergeRuleSecrets(db, { [params.key]: body.value }, deps.clock.now(), RULES_PIPELINE);
        deps.log.info({ event: "rules_config_set", key: params.key }, "rules config value set");
        await preparePipeline(deps);
        return { key: params.key };
      },
      { params: RulesConfigParams, body: SetRulesConfig, response: RulesConfigKey },
    )
    .delete(
      "/:key",
      async ({ params }) => {
        // Auth0 answers 204 whether or not the key was set; an absent one changes nothing
        // (the pipeline keeps its version and its warm hosts).
        if (!Object.hasOwn(await readRuleSecrets(db, RULES_PIPELINE), params.key)) return noContent();
        await mergeRuleSecrets(db, { [params.key]: null }, deps.clock.now(), RULES_PIPELINE);
        deps.log.info({ event: "rules_config_deleted", key: params.key }, "rules config value deleted");
        await preparePipeline(deps);
        return noContent();
      },
      { params: RulesConfigParams },
    );
}
