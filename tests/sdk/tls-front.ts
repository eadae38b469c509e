import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startHaproxy } from "../support/haproxy.ts";

/**
 * A test certificate authority and a certificate it signed for `localhost` and
 * `127.0.0.1`, made with Debian's openssl in a temporary directory (nothing is downloaded).
 */
export function makeCertificates(dir: string) {
  const run = (args: string[]) => {
    const result = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`openssl ${args[0]}: ${result.stderr}`);
  };
  run(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Rulegate test CA"].concat([
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
    ]),
  );
  run([
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  ]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run(
    ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"].concat([
      "-days",
      "1",
      "-extfile",
      "san.ext",
      "-out",
      "server.pem",
    ]),
  );
  // HAProxy wants the certificate and its key in one file.
  const bundle = join(dir, "server-bundle.pem");
  writeFileSync(
    bundle,
    readFileSync(join(dir, "server.pem"), "utf8") + readFileSync(join(dir, "server.key"), "utf8"),
  );
  return { caPath: join(dir, "ca.pem"), ca: readFileSync(join(dir, "ca.pem"), "utf8"), bundle };
}

/**
 * HAProxy terminating TLS on a free loopback port in front of a Rulegate listening on
 * `backendPort`, as README's "Behind TLS" puts a proxy in front (X-Forwarded-For and
 * X-Forwarded-Proto set; start Rulegate with `TRUST_PROXY=loopback`). Auth0's tools only
 * speak https to `https://<domain>`: `domain` is what they are given.
 */
export async function startTlsFront(
  port: number,
  backendPort: number,
  certificates: ReturnType<typeof makeCertificates>,
) {
  const origin = `https://localhost:${port}`;
  const config = [
    "global",
    "    maxconn 256",
    "defaults",
    "    mode http",
    "    option forwardfor",
    "    timeout connect 2s",
    "    timeout client 1m",
    "    timeout server 1m",
    "frontend tls",
    `    bind 127.0.0.1:${port} ssl crt ${certificates.bundle}`,
    "    http-request set-header X-Forwarded-Proto https",
    "    default_backend rulegate",
    "backend rulegate",
    `    server rulegate 127.0.0.1:${backendPort}`,
    "",
  ].join("\n");
  const haproxy = await startHaproxy(config, async () => {
    const answer = await fetch(`${origin}/.well-known/openid-configuration`, {
      tls: { ca: certificates.ca },
    });
    return answer.ok;
  });
  return {
    domain: `localhost:${port}`,
    origin,
    stop: haproxy.stop,
  };
}
