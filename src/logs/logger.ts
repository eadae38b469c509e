import pino from "pino";

/** The server's operational log: JSON lines on stdout. Never pass it a secret, password or token. */
export type Logger = pino.Logger;

/** Drizzle's query errors quote the statement's parameters (hashes, digests): never log them. */
const PARAMS = /\nparams: [^\n]*/g;

function scrub(serialized: unknown): unknown {
  if (!serialized || typeof serialized !== "object") return serialized;
  const { params: _params, parameters: _parameters, ...rest } = serialized as Record<string, unknown>;
  for (const key of ["message", "stack"]) {
    if (typeof rest[key] === "string") rest[key] = (rest[key] as string).replace(PARAMS, "");
  }
  if (rest.cause) rest.cause = scrub(rest.cause);
  return rest;
}

/**
 * Creates the operational logger at `level` (`LOG_LEVEL`, README "Configuration"), writing
 * to stdout or, for tests, to `destination`.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: (error: Error) => scrub(pino.stdSerializers.err(error)) },
  };
  return destination ? pino(options, destination) : pino(options);
}
