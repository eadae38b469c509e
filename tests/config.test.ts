import { describe, expect, test } from "bun:test";
import { ConfigError, loadConfig } from "../src/config.ts";

describe("loadConfig (SPEC §8)", () => {
  test("defaults", () => {
    const config = loadConfig({}, 4);
    expect(config).toMatchObject({
      port: 3000,
      issuer: "http://localhost:3000/",
      dbPath: "./data/rulegate.sqlite",
      ruleTimeoutMs: 5000,
      ruleMemoryMb: 128,
      ruleWorkers: 4,
      tenant: "default",
      production: false,
      logLevel: "info",
    });
    expect(config.adminApiKey).toBeUndefined();
  });

  test("the issuer follows PORT and always ends with a slash", () => {
    expect(loadConfig({ PORT: "8080" }).issuer).toBe("http://localhost:8080/");
    expect(loadConfig({ ISSUER: "https://auth.example.com" }).issuer).toBe("https://auth.example.com/");
  });

  test("NODE_ENV=production turns on production mode", () => {
    expect(loadConfig({ NODE_ENV: "production" }).production).toBe(true);
  });

  const bad: Array<[Record<string, string>, string]> = [
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ RULE_TIMEOUT_MS: "-5" }, "RULE_TIMEOUT_MS"],
    [{ RULE_TIMEOUT_MS: "1" }, "RULE_TIMEOUT_MS"],
    [{ RULE_MEMORY_MB: "lots" }, "RULE_MEMORY_MB"],
    [{ RULE_WORKERS: "0" }, "RULE_WORKERS"],
    [{ ISSUER: "not a url" }, "ISSUER"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ TENANT: "has spaces" }, "TENANT"],
    [{ ADMIN_API_KEY: "short" }, "ADMIN_API_KEY"],
  ];
  for (const [env, variable] of bad) {
    test(`a bad ${variable} stops start-up with a message naming it`, () => {
      expect(() => loadConfig(env)).toThrow(ConfigError);
      expect(() => loadConfig(env)).toThrow(new RegExp(`^${variable} `));
    });
  }

  test("a bad ADMIN_API_KEY is not echoed", () => {
    try {
      loadConfig({ ADMIN_API_KEY: "short" });
    } catch (error) {
      expect((error as Error).message).not.toContain("short");
    }
  });
});
