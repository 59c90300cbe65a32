import { loadConfig } from '../config.js';
import { toSapflowError } from '../errors/index.js';
import { compileWorkflow, loadWorkflowFile } from '../workflows/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { formatError } from './format-error.js';
import { loadDefinitions } from './load-definitions.js';
import { parseCommandArgs } from './parse-command-args.js';

/** `sapflow validate <file>...`: compiles each file against the tools a run would have; nothing runs. */
export async function validateCommand(args: string[], ctx: CliContext): Promise<number> {
  const { positionals: files } = parseCommandArgs(args, {}, { positionals: [1, Infinity], usage: 'sapflow validate <file>...' });
  const { tools } = await loadDefinitions(loadConfig(ctx.env));
  let exitCode: number = EXIT.completed;
  for (const file of files) {
    try {
      const compiled = compileWorkflow(await loadWorkflowFile(file), { hasTool: (name) => tools.has(name), sourceName: file });
      ctx.stdout.write(`ok ${compiled.id}: ${compiled.tasks.length} task${compiled.tasks.length === 1 ? '' : 's'}\n`);
      // an input taken from a reference is how a typo would look too: show them, so it can be seen
      const inferred = compiled.inferredInputs ?? [];
      if (inferred.length) ctx.stdout.write(`  inputs inferred from references (no inputs: block): ${inferred.join(', ')}\n`);
    } catch (error) {
      const where = files.length > 1 ? `${file}: ` : '';
      ctx.stderr.write(`${where}${formatError(toSapflowError(error, 'invalid_workflow'))}\n`);
      exitCode = EXIT.usage;
    }
  }
  return exitCode;
}
