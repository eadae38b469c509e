import { describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configTable } from "../src/config/config-table.ts";
import { wholeNumber } from "../src/config/parse-value.ts";
import { type Setting, settings } from "../src/config/settings.ts";
import { ConfigError, loadConfig } from "../src/config.ts";

describe("loadConfig", () => {
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

  test("the default issuer follows PORT with a trailing slash; ISSUER is used verbatim", () => {
    expect(loadConfig({ PORT: "8080" }).issuer).toBe("http://localhost:8080/");
    // RFC 8414 §3.3: verifiers compare the issuer exactly, so no slash is added.
    expect(loadConfig({ ISSUER: "https://auth.example.com" }).issuer).toBe("https://auth.example.com");
    expect(loadConfig({ ISSUER: "https://auth.example.com/" }).issuer).toBe("https://auth.example.com/");
    expect(loadConfig({ ISSUER: "https://example.com/tenant" }).issuer).toBe("https://example.com/tenant");
  });

  test("NODE_ENV=production turns on production mode", () => {
    expect(
      loadConfig({ NODE_ENV: "production", ADMIN_API_KEY: "prod-admin-key-0123456789" }).production,
    ).toBe(true);
  });

  const bad: Array<[Record<string, string>, string]> = [
    [{ PORT: "abc" }, "PORT"],
    [{ PORT: "70000" }, "PORT"],
    [{ RULE_TIMEOUT_MS: "-5" }, "RULE_TIMEOUT_MS"],
    [{ RULE_TIMEOUT_MS: "1" }, "RULE_TIMEOUT_MS"],
    [{ RULE_MEMORY_MB: "lots" }, "RULE_MEMORY_MB"],
    [{ RULE_WORKERS: "0" }, "RULE_WORKERS"],
    [{ ISSUER: "not a url" }, "ISSUER"],
    // RFC 8414 §2: an issuer has no query or fragment.
    [{ ISSUER: "https://auth.example.com/?tenant=a" }, "ISSUER"],
    [{ ISSUER: "https://auth.example.com/#a" }, "ISSUER"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ TENANT: "has spaces" }, "TENANT"],
    [{ ADMIN_API_KEY: "short" }, "ADMIN_API_KEY"],
    [{ HOST: "not a host" }, "HOST"],
    [{ HOST: "999.1.1.1" }, "HOST"],
    [{ HOST: "-leading-hyphen" }, "HOST"],
    [{ NODE_ENV: "production" }, "ADMIN_API_KEY"],
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

  test("DATABASE_URL selects PostgreSQL; a bad one is refused without echoing it (it may hold a password)", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://rulegate:s3cret@db:5432/rulegate" });
    expect(config).toMatchObject({ databasePoolSize: 10, databaseStatementTimeoutMs: 5000 });
    expect(config.databaseUrl).toBe("postgres://rulegate:s3cret@db:5432/rulegate");
    expect(loadConfig({}).databaseUrl).toBeUndefined();
    let message = "";
    try {
      loadConfig({ DATABASE_URL: "mysql://rulegate:s3cret@db/rulegate" });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toStartWith("DATABASE_URL is invalid");
    expect(message).not.toContain("s3cret");
    expect(() => loadConfig({ DATABASE_POOL_SIZE: "0" })).toThrow(/^DATABASE_POOL_SIZE is invalid/);
  });

  test("HOST takes IP addresses and host names", () => {
    for (const host of ["0.0.0.0", "127.0.0.1", "::", "::1", "localhost", "auth.example.com", "my-host."])
      expect(loadConfig({ HOST: host }).host).toBe(host);
  });
});

describe("ADMIN_API_KEY_FILE", () => {
  const files: Record<string, string> = {
    "/run/secrets/admin-key": "file-admin-key-0123456789\n",
    "/run/secrets/short": "short\n",
    "/run/secrets/empty": " \n",
  };
  const readSecretFile = (path: string) => {
    const content = files[path];
    if (content === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
    return content;
  };
  const load = (env: Record<string, string>) => loadConfig(env, 2, readSecretFile);

  test("the file's content, trimmed, is the admin key", () => {
    expect(load({ ADMIN_API_KEY_FILE: "/run/secrets/admin-key" }).adminApiKey).toBe(
      "file-admin-key-0123456789",
    );
  });

  test("it satisfies production's need for a key", () => {
    const config = load({ NODE_ENV: "production", ADMIN_API_KEY_FILE: "/run/secrets/admin-key" });
    expect(config.production).toBe(true);
    expect(config.adminApiKey).toBe("file-admin-key-0123456789");
  });

  test("the default reader reads a real file", () => {
    const dir = mkdtempSync(join(tmpdir(), "rulegate-config-"));
    try {
      writeFileSync(join(dir, "key"), "real-file-admin-key-0123456789\r\n");
      expect(loadConfig({ ADMIN_API_KEY_FILE: join(dir, "key") }).adminApiKey).toBe(
        "real-file-admin-key-0123456789",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const bad: Array<[string, Record<string, string>, RegExp]> = [
    [
      "a missing file",
      { ADMIN_API_KEY_FILE: "/run/secrets/missing" },
      /^ADMIN_API_KEY_FILE cannot be read: ENOENT/,
    ],
    [
      "an empty file",
      { ADMIN_API_KEY_FILE: "/run/secrets/empty" },
      /^ADMIN_API_KEY_FILE names an empty file/,
    ],
    [
      "a key shorter than 16 characters (not echoed)",
      { ADMIN_API_KEY_FILE: "/run/secrets/short" },
      /^ADMIN_API_KEY_FILE is invalid: [^"]*\(value \(hidden\)\)$/,
    ],
    [
      "ADMIN_API_KEY set as well",
      { ADMIN_API_KEY_FILE: "/run/secrets/admin-key", ADMIN_API_KEY: "env-admin-key-0123456789" },
      /^ADMIN_API_KEY_FILE and ADMIN_API_KEY are both set/,
    ],
  ];
  for (const [what, env, message] of bad) {
    test(`${what} stops start-up with a message naming ADMIN_API_KEY_FILE`, () => {
      expect(() => load(env)).toThrow(ConfigError);
      expect(() => load(env)).toThrow(message);
    });
  }
});

describe("the settings' declaration", () => {
  const declared = Object.entries(settings as Record<string, Setting>);

  test("each whole-number setting refuses text, naming its variable", () => {
    const numeric = declared.filter(([, setting]) => setting.parse === wholeNumber);
    expect(numeric.map(([, setting]) => setting.variable)).toContain("DATABASE_QUERY_TIMEOUT_MS");
    for (const [, { variable }] of numeric)
      expect(() => loadConfig({ [variable]: "soon" })).toThrow(
        `${variable} must be a whole number, got "soon"`,
      );
  });

  test("the README table lists every variable, and no secret's value", () => {
    const table = configTable();
    for (const [, setting] of declared) expect(table).toContain(`| \`${setting.variable}\` |`);
    expect(table).toContain("| `ADMIN_API_KEY_FILE` |");
    expect(declared.filter(([, setting]) => setting.secret).map(([name]) => name)).toEqual([
      "databaseUrl",
      "adminApiKey",
      "mfaSecretKey",
      "smtpUrl",
      "metricsToken",
    ]);
  });

  test("MFA_SECRET_KEY: 32 bytes in base64 or base64url; anything else stops start-up without showing it", () => {
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ MFA_SECRET_KEY: key.toString("base64") }).mfaSecretKey).toBe(
      key.toString("base64url"),
    );
    expect(loadConfig({ MFA_SECRET_KEY: key.toString("base64url") }).mfaSecretKey).toBe(
      key.toString("base64url"),
    );
    expect(loadConfig({}).mfaSecretKey).toBeUndefined();
    for (const bad of [Buffer.alloc(16, 7).toString("base64"), "not a key at all, but long enough!!"]) {
      let message = "";
      try {
        loadConfig({ MFA_SECRET_KEY: bad });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain("MFA_SECRET_KEY");
      expect(message).not.toContain(bad);
    }
  });
});

describe("what rules may reach", () => {
  test("RULE_ALLOWED_HOSTS: host:port entries, names in lower case, IPv6 in brackets; anything else stops start-up", () => {
    expect(loadConfig({}).ruleAllowedHosts).toEqual([]);
    expect(
      loadConfig({
        RULE_ALLOWED_HOSTS: " API.Internal.example:443, 127.0.0.1:8080,[::1]:9000,127.0.0.1:8080",
      }).ruleAllowedHosts,
    ).toEqual(["api.internal.example:443", "127.0.0.1:8080", "[::1]:9000"]);
    for (const bad of [
      "api.example",
      "api.example:0",
      "api.example:70000",
      "http://api.example:443",
      "::1:80",
      "a b:80",
    ]) {
      expect(() => loadConfig({ RULE_ALLOWED_HOSTS: bad })).toThrow(
        /^RULE_ALLOWED_HOSTS must list host:port entries/,
      );
    }
  });

  test("RULE_MODULES_DIR: a folder with node_modules, as its real path, with no link leading out of it", () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), "rulegate-config-modules-")));
    try {
      const folder = join(base, "modules");
      mkdirSync(join(folder, "node_modules/pkg"), { recursive: true });
      writeFileSync(join(base, "outside.js"), "");
      symlinkSync(folder, join(base, "link"));
      symlinkSync("../pkg", join(folder, "node_modules/inner-link"));
      expect(loadConfig({ RULE_MODULES_DIR: join(base, "link") }).ruleModulesDir).toBe(folder);
      expect(() => loadConfig({ RULE_MODULES_DIR: join(base, "missing") })).toThrow(
        /^RULE_MODULES_DIR must be a folder with a node_modules folder in it/,
      );
      symlinkSync(join(base, "outside.js"), join(folder, "node_modules/pkg/index.js"));
      expect(() => loadConfig({ RULE_MODULES_DIR: folder })).toThrow(
        /^RULE_MODULES_DIR must not hold links that lead out of it \(node_modules\/pkg\/index.js → .*outside.js\)/,
      );
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
