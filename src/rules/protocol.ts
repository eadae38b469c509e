/** Messages between the pool (main thread) and a rule worker. Plain data only. */

/** Limits the worker enforces inside the rule's context. */
export interface SandboxLimits {
  /** Console lines kept per call. */
  logLines: number;
  /** Characters kept per console line. */
  logLineLength: number;
  /** Largest serialised result, in characters. */
  resultBytes: number;
}

export type ToWorker =
  | {
      type: "run";
      callId: number;
      version: string;
      /** Sent only when the worker does not have this version compiled yet. */
      script?: string;
      /** The rule's inputs as JSON, parsed inside the rule's own realm. */
      input: string;
      timeoutMs: number;
    }
  | { type: "compile"; callId: number; script: string; timeoutMs: number };

/** How a call ended, as the worker reports it. */
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

export type FromWorker =
  | { type: "ready" }
  | { type: "log"; callId: number; level: string; text: string }
  | { type: "done"; callId: number; end: CallEnd }
  | { type: "compiled"; callId: number; error?: CompileError };
