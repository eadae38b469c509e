/** The name rule hosts show in `ps` and `top`: their argv[0], then their process title. */
export const RULE_HOST_NAME = "rulegate-rule-host";
