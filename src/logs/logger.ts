import pino from "pino";

/** The server's operational log: JSON lines on stdout. Never pass it a secret, password or token. */
export type Logger = pino.Logger;

/**
 * Creates the operational logger at `level` (`LOG_LEVEL`, README "Configuration"), writing
 * to stdout or, for tests, to `destination`.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  return destination ? pino(options, destination) : pino(options);
}
