import { readFileSync } from "node:fs";
import { type Static, type TObject, Type as t } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { InvalidValue } from "./config/parse-value.ts";
import { type DefaultContext, type Setting, type SettingName, settings } from "./config/settings.ts";

type Schemas = { [Name in SettingName]: (typeof settings)[Name]["schema"] };

/** The typed configuration: one property per setting declared in `config/settings.ts`. */
export const Config: TObject<Schemas> = t.Object(
  Object.fromEntries(Object.entries(settings).map(([name, setting]) => [name, setting.schema])) as Schemas,
);
export type Config = Static<typeof Config>;

/** Thrown when a variable has a bad value; its message names the variable. */
export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const declared = Object.entries(settings) as Array<[SettingName, Setting]>;

/** A variable's text; an empty variable counts as unset. */
const textOf = (env: Env, variable: string): string | undefined => {
  const text = env[variable];
  return text === undefined || text === "" ? undefined : text;
};

/**
 * A setting's text and the variable that gave it, for error messages: its own variable, or
 * the file its `file` variable names (a mounted secret keeps the value out of the
 * environment). The file's content is trimmed: a trailing newline is not part of the value.
 */
function readSetting(
  env: Env,
  setting: Setting,
  readSecretFile: (path: string) => string,
): { text?: string; variable: string } {
  const direct = textOf(env, setting.variable);
  const path = setting.file && textOf(env, setting.file.variable);
  if (setting.file === undefined || path === undefined) return { text: direct, variable: setting.variable };
  const variable = setting.file.variable;
  if (direct !== undefined) {
    throw new ConfigError(`${variable} and ${setting.variable} are both set: set only one of them`);
  }
  let content: string;
  try {
    content = readSecretFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(`${variable} cannot be read: ${reason} (path ${JSON.stringify(path)})`);
  }
  const text = content.trim();
  if (text === "") throw new ConfigError(`${variable} names an empty file (path ${JSON.stringify(path)})`);
  return { text, variable };
}

/** A setting's value before the schema checks it: its parsed text, else its default. */
function settingValue(setting: Setting, read: { text?: string; variable: string }, context: DefaultContext) {
  if (read.text === undefined) {
    const fallback = setting.default;
    return typeof fallback === "function"
      ? (fallback as (context: DefaultContext) => unknown)(context)
      : Value.Clone(fallback);
  }
  if (setting.parse === undefined) return read.text;
  try {
    return setting.parse(read.text);
  } catch (error) {
    if (!(error instanceof InvalidValue)) throw error;
    throw new ConfigError(
      `${read.variable} ${setting.secret ? "is invalid (value (hidden))" : error.message}`,
    );
  }
}

/**
 * Reads the variables of `config/settings.ts` (the README's Configuration table) into a
 * validated {@link Config}.
 * @param env the process environment (passed in: nothing else reads it)
 * @param cores how many CPU cores the machine has, for the default rule pool size
 * @param readSecretFile reads the file a `…_FILE` variable (`ADMIN_API_KEY_FILE`) names
 * @throws ConfigError naming the first variable with a bad value
 */
export function loadConfig(
  env: Env,
  cores = 2,
  readSecretFile = (path: string) => readFileSync(path, "utf8"),
): Config {
  const candidate: Record<string, unknown> = {};
  const givenBy: Record<string, string> = {};
  for (const [name, setting] of declared) {
    const read = readSetting(env, setting, readSecretFile);
    givenBy[name] = read.variable;
    const value = settingValue(setting, read, { cores, port: candidate.port as number });
    if (value !== undefined) candidate[name] = value;
  }
  const firstError = Value.Errors(Config, candidate).First();
  if (firstError) {
    const name = firstError.path.replace(/^\//, "").split("/")[0] as SettingName;
    const variable = givenBy[name] ?? name;
    const shown = settings[name]?.secret ? "(hidden)" : JSON.stringify(env[variable] ?? "");
    throw new ConfigError(`${variable} is invalid: ${firstError.message} (value ${shown})`);
  }
  const config = candidate as Config;
  if (config.production && config.adminApiKey === undefined) {
    // A generated key would be printed among the logs a production host collects.
    throw new ConfigError(
      "ADMIN_API_KEY (or ADMIN_API_KEY_FILE) is required when NODE_ENV=production: no key is generated or printed in production",
    );
  }
  return config;
}
