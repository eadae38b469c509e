import type { AnyRuleInput, RuleExecution, RuleFailure, RuleLogLine } from "./contract.ts";
import type { CallEnd } from "./protocol.ts";

/** One rule call on its way through the pool: queued, then run by one host. */
export interface RuleCall {
  callId: number;
  /** The rule's inputs as JSON, parsed inside the rule's own realm. */
  input: string;
  requestId: string;
  logs: RuleLogLine[];
  /** Characters of console text kept so far (bounded by `SANDBOX_LIMITS.logBytes`). */
  logBytes: number;
  onConsole?: (line: RuleLogLine) => void;
  /** When it started to run (or was queued), for its `durationMs`. */
  started: number;
  finish(execution: RuleExecution): void;
}

/** A call not yet run, for `input` on behalf of request `requestId`. */
export function newRuleCall(
  callId: number,
  input: AnyRuleInput,
  requestId: string,
  finish: (execution: RuleExecution) => void,
  onConsole?: (line: RuleLogLine) => void,
): RuleCall {
  return {
    callId,
    input: JSON.stringify(input),
    requestId,
    logs: [],
    logBytes: 0,
    onConsole,
    started: performance.now(),
    finish,
  };
}

/** Ends `call` with `failure`, keeping the console lines it wrote. */
export function failCall(call: RuleCall, failure: RuleFailure): void {
  call.finish({ failure, logs: call.logs, durationMs: performance.now() - call.started });
}

/** Ends `call` with what its host reported in `done`; the result is parsed here, never trusted as JSON. */
export function endCall(call: RuleCall, end: CallEnd, timeoutMs: number): void {
  const durationMs = performance.now() - call.started;
  if (end.kind === "ok") {
    let result: unknown;
    try {
      result = JSON.parse(end.json);
    } catch {
      return failCall(call, { kind: "crashed", detail: "the rule's result is not JSON" });
    }
    return call.finish({ result, logs: call.logs, durationMs });
  }
  if (end.kind === "error") {
    return call.finish({
      failure: { kind: "denied", errorClass: end.errorClass as "Error", message: end.message },
      logs: call.logs,
      durationMs,
    });
  }
  if (end.kind === "timeout") {
    return failCall(call, { kind: "timeout", detail: `the rule did not finish within ${timeoutMs} ms` });
  }
  failCall(call, { kind: "crashed", detail: end.detail });
}
