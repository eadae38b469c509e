/**
 * Messages between the server and a rule-host process: one JSON object per line on the
 * host's stdin (server → host) and stdout (host → server). Plain data only. The server
 * never trusts what a host sends: {@link parseHostMessage} accepts exactly these shapes.
 */

/** Limits the host enforces with its own captured intrinsics, and the server again on receipt. */
export interface SandboxLimits {
  /** Console lines kept per call. */
  logLines: number;
  /** Characters kept per console line. */
  logLineLength: number;
  /** Console characters kept per call, all lines together. */
  logBytes: number;
  /** Largest serialised result, in characters. */
  resultBytes: number;
}

export const SANDBOX_LIMITS: SandboxLimits = {
  logLines: 100,
  logLineLength: 4096,
  logBytes: 64 * 1024,
  resultBytes: 64 * 1024,
};

/** The longest line the server reads from a host; longer means a broken or hostile host. */
export const MAX_HOST_LINE = 4 * SANDBOX_LIMITS.resultBytes + 64 * 1024;

/** What a host may write to its stdout in one phase of its life; more gets it killed unread. */
export interface OutputBudget {
  lines: number;
  bytes: number;
}

/** Room per line for the JSON around a message's text (type, call id, level, quotes). */
const MESSAGE_OVERHEAD_BYTES = 256;
/**
 * JSON.stringify writes a character as at most six bytes (`\u001f`, a lone surrogate's
 * `\ud800`): the byte bound of text the host may send as `limit` characters.
 */
const asJsonBytes = (characters: number) => 6 * characters;

/**
 * What a host may write in each phase, counted by the server as the bytes arrive and before
 * any parsing. Between calls a host has nothing to say, so its budget is zero.
 */
export const HOST_OUTPUT: Record<"starting" | "loading" | "call" | "afterDone" | "silent", OutputBudget> = {
  /** `ready`. */
  starting: { lines: 1, bytes: MESSAGE_OVERHEAD_BYTES },
  /** `loaded`, with a compile error's message of at most 2,000 characters. */
  loading: { lines: 1, bytes: MESSAGE_OVERHEAD_BYTES + asJsonBytes(2000) },
  /** The call's console lines (the last one a notice that more were dropped), `done`, `idle`. */
  call: {
    lines: SANDBOX_LIMITS.logLines + 2,
    bytes:
      (SANDBOX_LIMITS.logLines + 2) * MESSAGE_OVERHEAD_BYTES +
      asJsonBytes(SANDBOX_LIMITS.logBytes) +
      MAX_HOST_LINE,
  },
  /** Only the idle report may follow `done`. */
  afterDone: { lines: 1, bytes: MESSAGE_OVERHEAD_BYTES },
  /** Idle, spare or retiring: nothing. */
  silent: { lines: 0, bytes: 0 },
};

export type ToHost =
  /** Compiles and loads the host's one rule; answered by `loaded`. */
  | { type: "load"; script: string; timeoutMs: number }
  /** Runs one call; the rule's inputs as JSON, parsed inside the rule's own realm. */
  | { type: "run"; callId: number; input: string; timeoutMs: number };

/** How a call ended, as the host reports it. */
export type CallEnd =
  | { kind: "ok"; json: string }
  | { kind: "error"; errorClass: string; message: string }
  | { kind: "failed"; detail: string }
  | { kind: "timeout" };

/** Where a compile error is, 1-based, when the engine says. */
export interface CompileError {
  message: string;
  line?: number;
  column?: number;
}

/** Where a compile error is, for a message: ` (line L, column C)`, or nothing when unknown. */
export const describePosition = (error: Pick<CompileError, "line" | "column">): string =>
  error.line ? ` (line ${error.line}${error.column ? `, column ${error.column}` : ""})` : "";

export type FromHost =
  | { type: "ready" }
  | { type: "loaded"; error?: CompileError }
  | { type: "log"; callId: number; level: string; text: string }
  | { type: "done"; callId: number; end: CallEnd }
  /** The host's event loop is back in its own code after the call: no rule code is running. */
  | { type: "idle"; callId: number };

const LEVELS = new Set(["log", "info", "warn", "error", "debug"]);
const ERROR_CLASSES = new Set(["InvalidScopeError", "InvalidRequestError", "ServerError", "Error"]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isString = (value: unknown, max: number): value is string =>
  typeof value === "string" && value.length <= max;
const isCallId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

function parseEnd(end: unknown): CallEnd | undefined {
  if (!isRecord(end)) return undefined;
  switch (end.kind) {
    case "ok":
      return isString(end.json, SANDBOX_LIMITS.resultBytes) ? { kind: "ok", json: end.json } : undefined;
    case "error":
      return typeof end.errorClass === "string" &&
        ERROR_CLASSES.has(end.errorClass) &&
        isString(end.message, 1000)
        ? { kind: "error", errorClass: end.errorClass, message: end.message }
        : undefined;
    case "failed":
      return isString(end.detail, 2000) ? { kind: "failed", detail: end.detail } : undefined;
    case "timeout":
      return { kind: "timeout" };
    default:
      return undefined;
  }
}

function parseCompileError(error: unknown): CompileError | undefined {
  if (!isRecord(error) || !isString(error.message, 2000)) return undefined;
  const position = (value: unknown) =>
    Number.isSafeInteger(value) && (value as number) > 0 ? value : undefined;
  return {
    message: error.message,
    line: position(error.line) as number | undefined,
    column: position(error.column) as number | undefined,
  };
}

/**
 * Reads one line from a host. Anything that is not exactly one of the {@link FromHost}
 * shapes, within the limits, is `undefined`: the caller fails the call and recycles the host.
 */
export function parseHostMessage(line: string): FromHost | undefined {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(message)) return undefined;
  switch (message.type) {
    case "ready":
      return { type: "ready" };
    case "loaded": {
      if (message.error === undefined) return { type: "loaded" };
      const error = parseCompileError(message.error);
      return error ? { type: "loaded", error } : undefined;
    }
    case "log":
      return isCallId(message.callId) &&
        typeof message.level === "string" &&
        LEVELS.has(message.level) &&
        isString(message.text, SANDBOX_LIMITS.logLineLength)
        ? { type: "log", callId: message.callId, level: message.level, text: message.text }
        : undefined;
    case "done": {
      const end = parseEnd(message.end);
      return isCallId(message.callId) && end ? { type: "done", callId: message.callId, end } : undefined;
    }
    case "idle":
      return isCallId(message.callId) ? { type: "idle", callId: message.callId } : undefined;
    default:
      return undefined;
  }
}
