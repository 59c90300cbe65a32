/** What a command touches of the process, so `main.ts` is the only file that reads `process` directly. */
export interface CliContext {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: Record<string, string | undefined>;
  /** Calls `handler` on each Ctrl-C (instead of ending the process) until the returned function is called. */
  onInterrupt(handler: () => void): () => void;
  /** Ends the process now, without waiting for anything (a second Ctrl-C). */
  exitNow(code: number): never;
}
