import { toSapflowError } from '../errors/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT, exitCodeForError } from './exit-codes.js';
import { formatError } from './format-error.js';
import { approveCommand } from './approve-command.js';
import { graphCommand } from './graph-command.js';
import { HELP_TEXT } from './help-text.js';
import { listCommand } from './list-command.js';
import { migrateCommand } from './migrate-command.js';
import { runCommand } from './run-command.js';
import { seedCommand } from './seed-command.js';
import { validateCommand } from './validate-command.js';

const COMMANDS: Record<string, (args: string[], ctx: CliContext) => Promise<number>> = {
  validate: validateCommand,
  graph: graphCommand,
  run: runCommand,
  approve: approveCommand,
  list: listCommand,
  migrate: migrateCommand,
  seed: seedCommand,
};

/**
 * Runs one command line and returns the exit code. Every error ends here as one `[code] path: message` line on
 * stderr - never a stack - with 64 for what the user gave and 1 for the rest.
 */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    ctx.stdout.write(HELP_TEXT);
    return EXIT.completed;
  }
  const command = COMMANDS[name];
  if (!command) {
    ctx.stderr.write(`[usage] unknown command ${JSON.stringify(name)}: expected one of ${Object.keys(COMMANDS).join(', ')} (sapflow help)\n`);
    return EXIT.usage;
  }
  try {
    return await command(args, ctx);
  } catch (error) {
    const e = toSapflowError(error);
    ctx.stderr.write(`${formatError(e)}\n`);
    return exitCodeForError(e);
  }
}
