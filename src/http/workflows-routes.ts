import { Router, type Request } from 'express';
import { lastValueFrom, takeWhile } from 'rxjs';
import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { Runtime } from '../runtime/create-runtime.js';
import { assertRunnable } from '../runtime/run-pipeline.js';
import { compileWorkflow, parseWorkflowText, resolveInputs, type CompiledWorkflow } from '../workflows/index.js';
import { currentUser } from './current-user.js';
import { streamExecutionEvents, toExecutionJson } from './executions-routes.js';
import { sseSettings } from './sse.js';
import { sendError } from './send-error.js';

const executeBodySchema = z
  .object({
    workflow_id: z.string().min(1).optional(),
    // an inline definition: the same language as the templates, as an object or as YAML/JSON text
    definition: z.union([z.record(z.string(), z.unknown()), z.string().min(1)]).optional(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
  })
  .refine((body) => (body.workflow_id === undefined) !== (body.definition === undefined), {
    error: 'give either workflow_id or definition (exactly one)',
  });

type ExecuteBody = z.infer<typeof executeBodySchema>;

/**
 * The workflow templates and running them: `GET /api/workflows`, `GET /api/workflows/:id` and
 * `POST /api/workflows/execute`, which answers an SSE stream of the run by default, the finished execution with
 * `Accept: application/json`, or 202 at once with `Prefer: respond-async`. The run belongs to the process: a client
 * that goes away stops listening, it does not cancel the run.
 */
export function workflowsRoutes(runtime: Runtime): Router {
  const router = Router();

  router.get('/api/workflows', (_req, res) => {
    res.json({ workflows: runtime.catalog.list().map(toWorkflowSummary) });
  });

  router.get('/api/workflows/:id', (req, res) => {
    try {
      res.json(toWorkflowJson(assertRunnable(runtime.catalog.get(req.params.id), req.params.id)));
    } catch (error) {
      sendError(res, error);
    }
  });

  router.post('/api/workflows/execute', async (req, res) => {
    const user = currentUser(res);
    let executionId: string;
    let events;
    try {
      const body = parseExecuteBody(req.body);
      const workflow = workflowFor(runtime, body);
      const inputs = resolveInputs(workflow.definition, body.parameters ?? {});
      ({ executionId, events } = await runtime.runs.startWorkflow({ workflow, inputs, user }));
    } catch (error) {
      return sendError(res, error);
    }
    const location = `/api/executions/${encodeURIComponent(executionId)}`;
    res.set('X-Execution-Id', executionId);

    if (prefersAsync(req)) {
      res.status(202).location(location).set('Preference-Applied', 'respond-async').json({ id: executionId, status: 'running' });
      return;
    }
    if (req.accepts(['text/event-stream', 'application/json']) === 'application/json') {
      try {
        // a run that parks for an approval is answered as it stands (waiting), not held open for hours
        await lastValueFrom(events.pipe(takeWhile((stored) => stored.event.type !== 'workflow-waiting', true)), { defaultValue: undefined });
        const execution = await runtime.store.getExecution(executionId, user);
        if (!execution) throw new SapflowError('unknown_execution', `No execution ${executionId}`);
        res.location(location).json(toExecutionJson(execution, { definition: false }));
      } catch (error) {
        sendError(res, error);
      }
      return;
    }
    await streamExecutionEvents(req, res, events, { headers: { 'x-execution-id': executionId }, ...sseSettings(runtime.config) });
  });

  return router;
}

function parseExecuteBody(json: unknown): ExecuteBody {
  const result = executeBodySchema.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  const message = json === undefined || json === null || typeof json !== 'object' || Array.isArray(json)
    ? 'The body must be a JSON object: { "workflow_id": "...", "parameters": { ... } } or { "definition": { ... }, "parameters": { ... } }'
    : `Invalid body at ${path}: ${issue.message}`;
  throw new SapflowError('invalid_body', message, { details: { path } });
}

/** A template by id, or an inline definition compiled against every tool this gateway has (templates included). */
function workflowFor(runtime: Runtime, body: ExecuteBody): CompiledWorkflow {
  if (body.workflow_id !== undefined) return assertRunnable(runtime.catalog.get(body.workflow_id), body.workflow_id);
  const raw = typeof body.definition === 'string' ? parseWorkflowText(body.definition) : body.definition;
  return compileWorkflow(raw, { hasTool: (name) => runtime.tools.has(name) });
}

/** RFC 7240: `Prefer: respond-async` (possibly among other preferences). */
function prefersAsync(req: Request): boolean {
  const prefer = req.get('prefer');
  return prefer !== undefined && prefer.split(/[,;]/).some((token) => token.trim().toLowerCase() === 'respond-async');
}

function toWorkflowSummary(workflow: CompiledWorkflow) {
  const { definition } = workflow;
  return { id: workflow.id, name: workflow.name, description: definition.description ?? '', inputs: definition.inputs };
}

function toWorkflowJson(workflow: CompiledWorkflow) {
  return {
    ...toWorkflowSummary(workflow),
    tasks: workflow.tasks.map((task) => ({
      id: task.id,
      name: task.name,
      function: task.function,
      dependencies: task.dependencies,
      ...(task.condition === undefined ? {} : { condition: task.condition }),
      ...(task.parallel_group === undefined ? {} : { parallel_group: task.parallel_group }),
      critical: task.critical,
      parameters: task.parameters,
      ...(task.timeout === undefined ? {} : { timeout: task.timeout }),
      ...(task.retry_count === undefined ? {} : { retry_count: task.retry_count }),
      ...(task.approval === undefined ? {} : { approval: task.approval }),
      ...(task.approval_timeout === undefined ? {} : { approval_timeout: task.approval_timeout }),
    })),
  };
}
