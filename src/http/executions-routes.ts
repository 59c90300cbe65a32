import { Router, type Request, type Response } from 'express';
import type { Observable } from 'rxjs';
import { z } from 'zod';
import { SapflowError } from '../errors/index.js';
import type { Runtime } from '../runtime/create-runtime.js';
import { isTerminalStatus, type ExecutionRecord, type ExecutionSummary, type StoredEvent } from '../store/index.js';
import type { CompiledWorkflow } from '../workflows/index.js';
import { compileWorkflow, resolveInputs } from '../workflows/index.js';
import { currentUser } from './current-user.js';
import { sendError, toClientError } from './send-error.js';
import type { Session } from 'better-sse';
import { openRunSession } from './open-session.js';
import { sseSettings } from './sse.js';
import { createRunChannels, pushError } from './run-channels.js';

const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).optional(),
  cursor: z.string().min(1).optional(),
  // waiting: parked for a decision, or live with a task that waits for one
  status: z.enum(['pending', 'running', 'waiting', 'completed', 'partial', 'failed', 'cancelled']).optional(),
  kind: z.enum(['workflow', 'chat']).optional(),
});

const approvalBodySchema = z.strictObject({
  approved: z.boolean({ error: 'must be true or false' }),
  reason: z.string().max(2_000).optional(),
});

const seqSchema = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The caller's executions: list, read, follow (SSE, resumable with `Last-Event-ID`), cancel and retry.
 * Someone else's execution is answered exactly like one that does not exist: 404 `unknown_execution`.
 */
export function executionsRoutes(runtime: Runtime): Router {
  const router = Router();
  const { store } = runtime;
  const channels = createRunChannels({
    follow: (executionId, userId, afterSeq) => runtime.hub.follow(executionId, userId, afterSeq),
    readAfter: (executionId, userId, afterSeq) => store.readEvents(executionId, userId, { afterSeq }),
  });

  const ownExecution = async (req: Request, res: Response): Promise<ExecutionRecord> => {
    const id = String(req.params.id);
    const execution = await store.getExecution(id, currentUser(res));
    if (!execution) throw new SapflowError('unknown_execution', `No execution ${id}`);
    return execution;
  };

  router.get('/api/executions', async (req, res) => {
    try {
      const query = parseQuery(listQuerySchema, req.query);
      const page = await store.listExecutions(currentUser(res), query);
      res.json({ executions: page.items.map(toExecutionSummaryJson), nextCursor: page.nextCursor });
    } catch (error) {
      sendError(res, error);
    }
  });

  router.get('/api/executions/:id', async (req, res) => {
    try {
      res.json(toExecutionJson(await ownExecution(req, res)));
    } catch (error) {
      sendError(res, error);
    }
  });

  router.get('/api/executions/:id/events', async (req, res) => {
    let afterSeq: number;
    try {
      afterSeq = lastEventId(req);
      await ownExecution(req, res);
    } catch (error) {
      return sendError(res, error);
    }
    const session = await openRunSession(req, res, sseSettings(runtime.config));
    if (!session) return;
    channels.join(String(req.params.id), currentUser(res), afterSeq, session.session as Session<never>, session.end);
  });

  router.post('/api/executions/:id/cancel', async (req, res) => {
    try {
      const user = currentUser(res);
      const execution = await ownExecution(req, res);
      if (isTerminalStatus(execution.status)) {
        throw new SapflowError('conflict', `Execution ${execution.id} has already finished (${execution.status})`, { details: { status: execution.status } });
      }
      await runtime.runs.cancel(execution.id, user);
      const now = await ownExecution(req, res);
      res.status(isTerminalStatus(now.status) ? 200 : 202).json(toExecutionSummaryJson(now));
    } catch (error) {
      sendError(res, error);
    }
  });

  // the run's owner approves or denies a task that waits for approval; someone else's run is answered as unknown
  router.post('/api/executions/:id/tasks/:taskId/approval', async (req, res) => {
    try {
      const body = parseApprovalBody(req.body);
      const execution = await runtime.runs.decide(String(req.params.id), currentUser(res), { taskId: String(req.params.taskId), ...body });
      res.json({ ...toExecutionSummaryJson(execution), decision: { taskId: String(req.params.taskId), approved: body.approved, by: currentUser(res), ...(body.reason ? { reason: body.reason } : {}) } });
    } catch (error) {
      sendError(res, error);
    }
  });

  router.post('/api/executions/:id/retry', async (req, res) => {
    try {
      const user = currentUser(res);
      const execution = await ownExecution(req, res);
      if (execution.kind !== 'workflow') throw new SapflowError('bad_request', 'Only workflow executions can be retried; send the chat message again');
      if (!isTerminalStatus(execution.status)) {
        throw new SapflowError('conflict', `Execution ${execution.id} is still ${execution.status}; cancel it or wait for it to finish`, { details: { status: execution.status } });
      }
      const workflow = workflowOf(runtime, execution);
      const inputs = resolveInputs(workflow.definition, execution.input ?? {});
      const known = new Set(workflow.tasks.map((t) => t.id));
      const reuse: Record<string, unknown> = {};
      for (const [taskId, outcome] of Object.entries(execution.tasks ?? {})) {
        if (outcome.status === 'completed' && known.has(taskId)) reuse[taskId] = outcome.result;
      }
      const run = await runtime.runs.startWorkflow({ workflow, inputs, user, reuse });
      res
        .status(202)
        .set('X-Execution-Id', run.executionId)
        .location(`/api/executions/${encodeURIComponent(run.executionId)}`)
        .json({ id: run.executionId, status: 'running', retryOf: execution.id, reused: Object.keys(reuse) });
    } catch (error) {
      sendError(res, error);
    }
  });

  return router;
}

/**
 * The workflow a retry runs: the definition stored with the execution (what actually ran, inline or not), compiled
 * again against today's tools; the template of the same id when an older execution has none stored.
 */
function workflowOf(runtime: Runtime, execution: ExecutionRecord): CompiledWorkflow {
  if (execution.definition && typeof execution.definition === 'object') {
    return compileWorkflow(execution.definition, { hasTool: (name) => runtime.tools.has(name) });
  }
  const template = runtime.catalog.get(execution.workflowId);
  if (!template) throw new SapflowError('unknown_workflow', `No workflow template "${execution.workflowId}" to run again`);
  return template;
}

/**
 * Streams a run's events to one client as a better-sse session (`id: <seq>`, `event: <type>`, `data: <json>`) until
 * the source completes. A failure ends the stream with an `error` event; the client going away unsubscribes (the run
 * itself goes on).
 */
export async function streamExecutionEvents(
  req: Request,
  res: Response,
  events: Observable<StoredEvent<{ type: string }>>,
  { headers = {}, stallMs, coalesceMs }: { headers?: Record<string, string>; stallMs?: number; coalesceMs?: number } = {},
): Promise<void> {
  // gone while we were checking the execution: there is nobody to stream to, and no close event will come
  if (res.destroyed || !res.socket || res.socket.destroyed) return;
  const opened = await openRunSession(req, res, { headers, stallMs, coalesceMs });
  if (!opened) return;
  const { session, end } = opened;
  const subscription = events.subscribe({
    next: ({ seq, event }) => {
      if (session.isConnected) session.push(event, event.type, String(seq));
    },
    error: async (error: unknown) => {
      const { code, message } = toClientError(error, 'event stream failed');
      if (session.isConnected) await pushError(session, { code, message });
      end();
    },
    complete: end,
  });
  session.once('disconnected', () => subscription.unsubscribe());
  if (!session.isConnected) subscription.unsubscribe();
}

/** The seq a follower has already seen: `Last-Event-ID` (EventSource reconnects), or `?lastEventId=` / `?after=`. */
function lastEventId(req: Request): number {
  const raw = req.get('last-event-id') ?? firstString(req.query.lastEventId) ?? firstString(req.query.after);
  if (raw === undefined || raw.trim() === '') return 0;
  const parsed = seqSchema.safeParse(raw.trim());
  if (!parsed.success) throw new SapflowError('bad_request', `Last-Event-ID must be an event seq (a whole number), got "${raw.slice(0, 40)}"`, { details: { path: 'Last-Event-ID' } });
  return parsed.data;
}

function firstString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

function parseApprovalBody(body: unknown): z.infer<typeof approvalBodySchema> {
  const result = approvalBodySchema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.length ? `body.${issue.path.map(String).join('.')}` : 'body';
  const message = issue.code === 'unrecognized_keys' ? `unknown field "${issue.keys[0]}"` : issue.code === 'invalid_type' && issue.path.length === 0 ? 'must be a JSON object { "approved": true|false, "reason"? }' : issue.message;
  throw new SapflowError('invalid_body', `Invalid approval at ${path}: ${message}`, { details: { path } });
}

function parseQuery<T>(schema: z.ZodType<T>, query: unknown): T {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = `query.${issue.path.map(String).join('.')}`;
  throw new SapflowError('bad_request', `Invalid ${path}: ${issue.message}`, { details: { path } });
}

/** An execution as the list shows it. */
function toExecutionSummaryJson(execution: ExecutionSummary) {
  return {
    id: execution.id,
    workflowId: execution.workflowId,
    kind: execution.kind,
    status: execution.status,
    // a pending run has not logged its start yet; the request time stands in
    startedAt: execution.startedAt ?? execution.createdAt,
    finishedAt: execution.finishedAt,
    durationMs: execution.totalDurationMs,
    ...(execution.error ? { error: execution.error } : {}),
    lastSeq: execution.lastSeq,
    createdAt: execution.createdAt,
  };
}

/** An execution with its inputs, every task's state and (unless left out) the definition it ran. */
export function toExecutionJson(execution: ExecutionRecord, { definition = true } = {}) {
  return {
    ...toExecutionSummaryJson(execution),
    input: execution.input,
    tasks: execution.tasks,
    ...(definition ? { definition: execution.definition } : {}),
  };
}
