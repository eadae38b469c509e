/** Sends the queued account emails on this node (README, "Sign-up, password reset and email"). */
export interface EmailQueue {
  /** An email was queued: look for due emails now rather than at the next poll. */
  poke(): void;
  /** Starts polling for due emails (queued by any node, or due for a retry). */
  resume(): void;
  /** Resolves once this node has sent (or given up on) every email due now. */
  idle(): Promise<void>;
  /** Stops polling and claiming; resolves once the email being sent (if any) is marked sent or failed. */
  stop(): Promise<void>;
}
