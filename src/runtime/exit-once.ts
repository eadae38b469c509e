/**
 * A worker's death can be reported by several events (error, then close or exit); the
 * pool must hear of it once.
 */
export function exitOnce() {
  let exited = false;
  let handler: (reason: string) => void = () => {};
  return {
    exit(reason: string) {
      if (exited) return;
      exited = true;
      handler(reason);
    },
    onExit(next: (reason: string) => void) {
      handler = next;
    },
  };
}
