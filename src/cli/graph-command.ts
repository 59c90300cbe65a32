import { loadConfig } from '../config.js';
import { toMermaid } from '../workflows/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { loadDefinitions } from './load-definitions.js';
import { loadWorkflowTarget } from './load-workflow-target.js';
import { parseCommandArgs } from './parse-command-args.js';

/**
 * `sapflow graph <file|template-id>`: the DAG as a Mermaid flowchart on stdout. Any function name is accepted
 * (`validate` checks them), so a flow can be drawn before its tools are configured.
 */
export async function graphCommand(args: string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseCommandArgs(args, {}, { positionals: [1, 1], usage: 'sapflow graph <file|template-id>' });
  const workflow = await loadWorkflowTarget(positionals[0]!, {
    hasTool: () => true,
    catalog: async () => (await loadDefinitions(loadConfig(ctx.env))).catalog,
  });
  ctx.stdout.write(toMermaid(workflow));
  return EXIT.completed;
}
