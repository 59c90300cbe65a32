import { lastValueFrom, takeWhile, tap } from 'rxjs';
import { z } from 'zod';
import type { Tool } from '../tools/tool.js';
import { resolveInputs, type CompiledWorkflow, type InputDefinition } from '../workflows/index.js';
import type { Runs } from './run-pipeline.js';

/**
 * Each template offered to the model as one tool (`workflow_<id>`), so "run the intake for john@example.com"
 * starts a logged workflow run. Its progress flows back as the tool call's progress; aborting the call cancels the run.
 */
export function workflowAsTool(workflow: CompiledWorkflow, runs: Pick<Runs, 'startWorkflow' | 'cancel'>): Tool {
  const shape = Object.fromEntries(Object.entries(workflow.definition.inputs).map(([name, input]) => [name, inputSchema(input)]));
  return {
    name: `workflow_${workflow.id}`.slice(0, 64),
    description: `Run the "${workflow.name}" workflow (${workflow.tasks.length} steps). ${workflow.definition.description ?? ''}`.trim(),
    parameters: z.object(shape),
    timeout: 600,
    async execute(args, ctx) {
      const inputs = resolveInputs(workflow.definition, args as Record<string, unknown>);
      const run = await runs.startWorkflow({ workflow, inputs, user: ctx.user, nested: true });
      const cancel = () => void runs.cancel(run.executionId, ctx.user);
      ctx.signal.addEventListener('abort', cancel, { once: true });
      try {
        const last = await lastValueFrom(
          run.events.pipe(
            tap(({ event }) => event.type === 'workflow-progress' && ctx.progress({ executionId: run.executionId, progressPercentage: event.progressPercentage, currentTasks: event.currentTasks })),
            // a run parked for a person's approval waits in the store: the call answers now and says so
            takeWhile(({ event }) => event.type !== 'workflow-waiting', true),
          ),
        );
        const finish = last.event;
        if (finish.type === 'workflow-waiting') {
          return {
            executionId: run.executionId, workflowId: workflow.id, status: 'waiting', waitingForApproval: finish.waitingTasks,
            message: `The run waits for the approval of ${finish.waitingTasks.join(', ')}; it goes on once its owner approves in the app (or POST /api/executions/${run.executionId}/tasks/<task>/approval).`,
          };
        }
        if (finish.type !== 'workflow-finish') throw new Error('The workflow ended without finishing');
        return { executionId: run.executionId, workflowId: workflow.id, status: finish.status, durationMs: finish.durationMs, tasks: finish.tasks };
      } finally {
        ctx.signal.removeEventListener('abort', cancel);
      }
    },
  };
}

function inputSchema(input: InputDefinition): z.ZodType {
  const base = (() => {
    if (input.enum?.length) return z.enum(input.enum.map(String) as [string, ...string[]]);
    switch (input.type) {
      case 'string': return z.string();
      case 'number': return z.number();
      case 'integer': return z.number().int();
      case 'boolean': return z.boolean();
      case 'array': return z.array(z.unknown());
      case 'any': return z.unknown().refine((v) => v !== null && v !== undefined, 'a value is required');
      case 'object': return z.record(z.string(), z.unknown());
    }
  })();
  const described = input.description ? base.describe(input.description) : base;
  return input.required && input.default === undefined ? described : described.optional();
}
