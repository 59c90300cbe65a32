import { oneLine } from '../errors/index.js';
import type { CliContext } from './cli-context.js';
import { runCli } from './run-cli.js';

// The `sapflow` process (bin/sapflow.js): the only place that touches `process` for the commands.
const interruptHandlers = new Set<() => void>();
process.on('SIGINT', () => {
  if (interruptHandlers.size === 0) process.exit(130);
  for (const handler of interruptHandlers) handler();
});
// `sapflow run --json | head` closes the pipe early: that is the reader's choice, not an error worth a stack
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
});
const fatal = (error: unknown) => {
  process.stderr.write(`[internal_error] ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
  process.exit(1);
};
process.on('uncaughtException', fatal);
process.on('unhandledRejection', fatal);

const ctx: CliContext = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  onInterrupt(handler) {
    interruptHandlers.add(handler);
    return () => interruptHandlers.delete(handler);
  },
  exitNow: (code) => process.exit(code),
};

const code = await runCli(process.argv.slice(2), ctx);
process.exitCode = code;
// the runtime is closed by now; a stray handle (a keep-alive socket, a tool's timer) must not keep the shell waiting
setTimeout(() => process.exit(code), 1500).unref();
