import { parseArgs, type ParseArgsConfig } from 'node:util';
import { SapflowError } from '../errors/index.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `util.parseArgs` for one command, strict, with its positionals counted. A mistake on the command line is a
 * `usage` error (exit 64) naming the command's usage, not a TypeError with a stack.
 */
export function parseCommandArgs<O extends Options>(args: string[], options: O, { positionals, usage }: { positionals: [min: number, max: number]; usage: string }) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '') : String(error);
    throw new SapflowError('usage', `${message} (usage: ${usage})`);
  }
  const [min, max] = positionals;
  if (parsed.positionals.length < min) throw new SapflowError('usage', `missing argument (usage: ${usage})`);
  if (parsed.positionals.length > max) {
    throw new SapflowError('usage', `unexpected argument ${JSON.stringify(parsed.positionals[max])} (usage: ${usage})`);
  }
  return parsed;
}
