// Reference peer for the token-endpoint benchmark.
//
// Express 5 + @node-oauth/oauth2-server, password grant only.
//  - one confidential client (CLIENT_ID / CLIENT_SECRET)
//  - users in an in-memory Map, passwords stored as argon2id hashes
//    (ARGON_M KiB, ARGON_T iterations, ARGON_P lanes; defaults 19456 / 2 / 1;
//    ARGON_LIB=node-rs (@node-rs/argon2, default, faster) or argon2 (node-argon2))
//  - access token = RS256 JWT signed with jose (iss, sub, aud, iat, exp, scope, azp)
//  - an in-process "rule" (Auth0-rule style) adds 'https://foo.com/claim': 'bar'
//    and pushes scope 'extra'
//  - accepts application/json and application/x-www-form-urlencoded bodies
//
// Endpoints: POST /oauth/token, GET /.well-known/jwks.json,
//            GET /.well-known/openid-configuration, GET /healthz
//
// Environment: see README.md (PORT, HOST, WORKERS, CLIENT_ID, CLIENT_SECRET,
// AUDIENCE, ISSUER, TOKEN_TTL, BENCH_USERNAME, BENCH_PASSWORD, SEED_USERS,
// ARGON_LIB, ARGON_M, ARGON_T, ARGON_P, PRIVATE_KEY_FILE).

import cluster from "node:cluster";
import { createHash, generateKeyPairSync, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import OAuth2Server from "@node-oauth/oauth2-server";
import PasswordGrantType from "@node-oauth/oauth2-server/lib/grant-types/password-grant-type.js";
import express from "express";
import { calculateJwkThumbprint, exportJWK, importPKCS8, SignJWT } from "jose";
import { rules } from "./rules.mjs";

const { Request, Response, OAuthError, AccessDeniedError } = OAuth2Server;

const env = process.env;
const PORT = Number(env.PORT || 3001);
const HOST = env.HOST || "127.0.0.1";
const WORKERS = Math.max(1, Number(env.WORKERS || 1));
const CLIENT_ID = env.CLIENT_ID || "bench-client";
const CLIENT_SECRET = env.CLIENT_SECRET || "bench-secret";
const AUDIENCES = (env.AUDIENCE || "https://api.example.com")
  .split(",")
  .map((s) => s.trim())
  .filter(Boolean);
const DEFAULT_AUDIENCE = AUDIENCES[0];
const ISSUER = env.ISSUER || `http://${HOST.includes(":") ? `[${HOST}]` : HOST}:${PORT}/`;
const TOKEN_TTL = Number(env.TOKEN_TTL || 86400);
const ARGON = {
  lib: env.ARGON_LIB || "node-rs", // 'node-rs' = @node-rs/argon2 (Rust), 'argon2' = node-argon2 (C)
  memoryCost: Number(env.ARGON_M || 19456), // KiB
  timeCost: Number(env.ARGON_T || 2),
  parallelism: Number(env.ARGON_P || 1),
};

// argon2id hash/verify; both libraries run the work on the libuv thread pool and
// read each other's PHC strings.
const require = createRequire(import.meta.url);
const { hashPassword, verifyPassword } = (() => {
  const { memoryCost, timeCost, parallelism } = ARGON;
  if (ARGON.lib === "argon2") {
    const argon2 = require("argon2");
    const opts = { type: argon2.argon2id, memoryCost, timeCost, parallelism };
    return {
      hashPassword: (pw) => argon2.hash(pw, opts),
      verifyPassword: (hash, pw) => argon2.verify(hash, pw),
    };
  }
  if (ARGON.lib !== "node-rs") throw new Error(`ARGON_LIB must be node-rs or argon2, not ${ARGON.lib}`);
  const rs = require("@node-rs/argon2");
  const opts = { algorithm: rs.Algorithm.Argon2id, memoryCost, timeCost, parallelism };
  return { hashPassword: (pw) => rs.hash(pw, opts), verifyPassword: (hash, pw) => rs.verify(hash, pw) };
})();

// ---------------------------------------------------------------- signing key
// The primary process generates (or loads) one RSA-2048 key and hands it to the
// workers through the environment so that every worker signs with the same kid.
function privateKeyPem() {
  if (env.PEER_PRIVATE_KEY_PEM) return env.PEER_PRIVATE_KEY_PEM;
  if (env.PRIVATE_KEY_FILE) return readFileSync(env.PRIVATE_KEY_FILE, "utf8");
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return privateKey.export({ type: "pkcs8", format: "pem" });
}

if (cluster.isPrimary && WORKERS > 1) {
  process.env.PEER_PRIVATE_KEY_PEM = privateKeyPem();
  for (let i = 0; i < WORKERS; i++) cluster.fork();
  cluster.on("exit", (w, code, sig) => {
    console.error(`worker ${w.process.pid} exited (${sig || code})`);
    process.exitCode = 1;
  });
  console.log(`peer primary ${process.pid}: ${WORKERS} workers on http://${HOST}:${PORT}`);
} else {
  await startWorker();
}

async function startWorker() {
  const pem = privateKeyPem();
  const signingKey = await importPKCS8(pem, "RS256");
  const { createPublicKey } = await import("node:crypto");
  const publicJwk = await exportJWK(createPublicKey(pem));
  const kid = await calculateJwkThumbprint(publicJwk);
  const jwks = { keys: [{ ...publicJwk, kid, alg: "RS256", use: "sig" }] };

  // ---------------------------------------------------------------- users
  const users = new Map(); // username -> { id, username, hash }
  const seed = [[env.BENCH_USERNAME || "bench@example.com", env.BENCH_PASSWORD || "bench-password"]];
  for (let i = 1; i <= Number(env.SEED_USERS ?? 10); i++) seed.push([`user${i}@example.com`, `password${i}`]);
  await Promise.all(
    seed.map(async ([username, password]) => {
      const id = `auth0|${createHash("sha256").update(username).digest("hex").slice(0, 24)}`;
      users.set(username, { id, username, hash: await hashPassword(password) });
    }),
  );
  // Verified against for unknown users so that a miss costs the same as a hit.
  const dummyHash = await hashPassword("dummy-password-for-unknown-users");

  const client = {
    id: CLIENT_ID,
    name: "bench client",
    grants: ["password"],
    accessTokenLifetime: TOKEN_TTL,
  };
  const secretBuf = Buffer.from(CLIENT_SECRET);

  // ---------------------------------------------------------------- model
  const model = {
    async getClient(clientId, clientSecret) {
      if (clientId !== CLIENT_ID || clientSecret == null) return null;
      const given = Buffer.from(String(clientSecret));
      if (given.length !== secretBuf.length || !timingSafeEqual(given, secretBuf)) return null;
      return client;
    },
    async getUser(username, password) {
      const user = users.get(username);
      const ok = await verifyPassword(user ? user.hash : dummyHash, password);
      return user && ok ? user : false;
    },
    async validateScope(_user, _client, scope) {
      return scope ?? [];
    },
    // No refresh tokens for the password grant (no offline_access), so none is issued.
    async generateRefreshToken() {
      return undefined;
    },
    async saveToken(token, client, user) {
      // Self-contained JWTs: nothing to persist.
      return { ...token, client, user };
    },
  };

  // Password grant that knows the requested audience and mints the JWT after the rules ran.
  class PasswordGrantWithAudience extends PasswordGrantType {
    async handle(request, client) {
      const audience = request.body.audience ?? DEFAULT_AUDIENCE;
      if (typeof audience !== "string" || !AUDIENCES.includes(audience)) {
        throw new AccessDeniedError(`Service not found: ${audience}`);
      }
      this.audience = audience;
      return super.handle(request, client);
    }

    async generateAccessToken(client, user, scope) {
      const context = {
        clientID: client.id,
        clientName: client.name,
        audience: this.audience,
        protocol: "oauth2-password",
        accessToken: { scope: [...scope] },
      };
      for (const rule of rules) {
        await new Promise((resolve, reject) =>
          rule(user, context, (err) =>
            err ? reject(new AccessDeniedError(String(err.message || err))) : resolve(),
          ),
        );
      }
      const { scope: finalScope, ...customClaims } = context.accessToken;
      this.finalScope = [...new Set(finalScope)];
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ ...customClaims, scope: this.finalScope.join(" "), azp: client.id })
        .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
        .setIssuer(ISSUER)
        .setSubject(user.id)
        .setAudience(this.audience)
        .setIssuedAt(now)
        .setExpirationTime(now + this.accessTokenLifetime)
        .sign(signingKey);
    }

    async saveToken(user, client, requestedScope) {
      const token = await super.saveToken(user, client, requestedScope);
      token.scope = this.finalScope; // the response's scope is what was granted
      return token;
    }
  }

  const oauth = new OAuth2Server({
    model,
    accessTokenLifetime: TOKEN_TTL,
    requireClientAuthentication: { password: true },
    extendedGrantTypes: { password: PasswordGrantWithAudience },
  });

  // ---------------------------------------------------------------- http
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  const json = express.json();
  const form = express.urlencoded({ extended: false });

  app.post("/oauth/token", json, form, async (req, res) => {
    // oauth2-server only accepts form bodies; JSON bodies are handed over as if they were.
    const headers = { ...req.headers };
    if (req.is("application/json")) headers["content-type"] = "application/x-www-form-urlencoded";
    const request = new Request({
      method: req.method,
      query: req.query ?? {},
      headers,
      body: req.body ?? {},
    });
    const response = new Response({ headers: {} });
    try {
      await oauth.token(request, response);
    } catch (err) {
      if (!(err instanceof OAuthError)) {
        console.error(err);
        return res.status(500).json({ error: "server_error" });
      }
      if (err.code >= 500) console.error(err);
      if (!response.body?.error) {
        // thrown before the handler filled the response (e.g. wrong content type)
        response.status = err.code;
        response.body = { error: err.name, error_description: err.message };
      }
    }
    res.set(response.headers).status(response.status).json(response.body);
  });

  app.get("/.well-known/jwks.json", (_req, res) => res.json(jwks));
  app.get("/.well-known/openid-configuration", (_req, res) =>
    res.json({
      issuer: ISSUER,
      token_endpoint: new URL("oauth/token", ISSUER).href,
      jwks_uri: new URL(".well-known/jwks.json", ISSUER).href,
      grant_types_supported: ["password"],
      token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      id_token_signing_alg_values_supported: ["RS256"],
    }),
  );
  app.get("/healthz", (_req, res) => res.json({ ok: true }));

  // Malformed JSON and the like: answer like an OAuth server would.
  app.use((err, _req, res, next) => {
    if (res.headersSent) return next(err);
    const status = err.status || err.statusCode || 500;
    if (status >= 500) console.error(err);
    res
      .status(status)
      .json({ error: status < 500 ? "invalid_request" : "server_error", error_description: err.message });
  });

  const server = app.listen(PORT, HOST, () => {
    console.log(
      `peer ${process.pid} listening on http://${HOST}:${PORT}  (users=${users.size}, argon2id(${ARGON.lib}) m=${ARGON.memoryCost} t=${ARGON.timeCost} p=${ARGON.parallelism}, kid=${kid}, UV_THREADPOOL_SIZE=${env.UV_THREADPOOL_SIZE || 4})`,
    );
  });
  server.keepAliveTimeout = 65_000;
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
