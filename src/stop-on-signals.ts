import { toSapflowError } from './errors/index.js';

/**
 * SIGTERM or SIGINT (a deploy, Ctrl-C): say so, `close` (runs handed over, logs flushed), then exit - 1 if
 * closing failed. The gateway and the worker stop the same way.
 */
export function stopOnSignals(close: () => Promise<void>): void {
  const stop = (signal: string) => {
    console.log(`${signal}: handing runs over and flushing execution logs, then stopping`);
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`stop failed: ${toSapflowError(error).message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
