import pc from 'picocolors';
import { loadConfig } from '../config.js';
import type { CompiledWorkflow, InputDefinition } from '../workflows/index.js';
import type { CliContext } from './cli-context.js';
import { EXIT } from './exit-codes.js';
import { loadDefinitions } from './load-definitions.js';
import { parseCommandArgs } from './parse-command-args.js';

/** `sapflow list [--json]`: the templates `run` accepts by id, with their inputs; templates that did not load on stderr. */
export async function listCommand(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(args, { json: { type: 'boolean', default: false } }, { positionals: [0, 0], usage: 'sapflow list [--json]' });
  const { catalog, catalogProblems } = await loadDefinitions(loadConfig(ctx.env));
  const templates = catalog.list();
  if (values.json) {
    const rows = templates.map((w) => ({ id: w.id, name: w.name, description: w.definition.description, inputs: w.definition.inputs, tasks: w.tasks.length }));
    ctx.stdout.write(`${JSON.stringify(rows)}\n`);
  } else {
    const c = pc.createColors(ctx.stdout.isTTY === true && !ctx.env.NO_COLOR);
    if (templates.length === 0) ctx.stdout.write('No workflow templates (add YAML files to WORKFLOWS_DIR).\n');
    for (const workflow of templates) ctx.stdout.write(`${describeTemplate(workflow, c)}\n`);
  }
  for (const p of catalogProblems) ctx.stderr.write(`not loaded: ${p.file}: [${p.code}] ${p.path ? `${p.path}: ` : ''}${p.message}\n`);
  return EXIT.completed;
}

function describeTemplate(workflow: CompiledWorkflow, c: ReturnType<typeof pc.createColors>): string {
  const { description, inputs } = workflow.definition;
  const lines = [`${c.bold(workflow.id)}  ${workflow.name} (${workflow.tasks.length} tasks)`];
  if (description) lines.push(`  ${c.dim(description.trim().replace(/\s+/g, ' '))}`);
  const entries = Object.entries(inputs);
  if (entries.length === 0) lines.push('  inputs: none');
  for (const [name, input] of entries) lines.push(`  --input ${name}=<${input.type}>  ${c.dim(describeInput(input))}`);
  return lines.join('\n');
}

function describeInput(input: InputDefinition): string {
  const parts = [
    input.required && input.default === undefined ? 'required' : 'optional',
    input.default !== undefined ? `default ${JSON.stringify(input.default)}` : '',
    input.enum?.length ? `one of ${input.enum.map((v) => JSON.stringify(v)).join(', ')}` : '',
    input.description ?? '',
  ];
  return parts.filter(Boolean).join('; ');
}
