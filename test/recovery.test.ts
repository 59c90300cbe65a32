import { randomUUID } from 'node:crypto';
import { Observable, Subject, of, timer, map } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/config.js';
import type { ChatModel, ModelChunk } from '../src/model/index.js';
import type { ChatTurnEvent, WorkflowEvent } from '../src/protocol/index.js';
import { createRuntime, type Runtime } from '../src/runtime/create-runtime.js';
import type { Tool } from '../src/tools/tool.js';
import { compileWorkflow } from '../src/workflows/index.js';
import { createTestDatabase, DATABASE_URL, onServer, type TestDatabase } from './support/test-database.js';

/**
 * Crash recovery in one process: a run is left `running` in the store by an owner that went away (its rows and log
 * written as that process would have), then this process's recovery claims it and resumes it from the log.
 */

const calls: string[] = [];
const work: Tool = {
  name: 'work',
  description: 'records its idempotency key; answers { n: input n * 2 } after 20 ms',
  parameters: z.object({ n: z.number() }),
  execute: ({ n }, ctx) => {
    calls.push(ctx.idempotencyKey);
    return timer(20).pipe(map(() => ({ n: n * 2 })));
  },
};

// like `work`, but each call waits for a person's approval
const guarded: Tool = { ...work, name: 'guarded', needs_approval: true };

// answers only when the test lets it (`release`); `torn` counts calls that were torn down unanswered
const held = { release: new Subject<void>(), torn: 0 };
const hold: Tool = {
  name: 'hold',
  description: 'answers { held: true } once the test releases it',
  parameters: z.object({}),
  execute: () =>
    new Observable((subscriber) => {
      let answered = false;
      const sub = held.release.subscribe(() => {
        answered = true;
        subscriber.next({ held: true });
        subscriber.complete();
      });
      return () => {
        sub.unsubscribe();
        if (!answered) held.torn++;
      };
    }),
};
const HOLDING = {
  id: 'holding',
  name: 'holding',
  inputs: {},
  tasks: [
    { id: 'h', name: 'h', function: 'hold', parameters: {}, dependencies: [], critical: true },
    { id: 'after', name: 'after', function: 'work', parameters: { n: 1 }, dependencies: ['h'], critical: true },
  ],
};

// the model answers after seeing tool results; it is never asked for step 1 of a resumed turn with calls
const modelRequests: unknown[][] = [];
const model: ChatModel = {
  kind: 'openai',
  stream: (request) => {
    modelRequests.push(request.messages);
    return of<ModelChunk[]>({ type: 'text-delta', delta: 'All set.' }, { type: 'finish', finishReason: 'stop' });
  },
};

const DEFINITION = {
  id: 'recoverable',
  name: 'recoverable',
  inputs: {},
  tasks: [
    { id: 'a', name: 'a', function: 'work', parameters: { n: 1 }, dependencies: [], critical: true },
    { id: 'b', name: 'b', function: 'work', parameters: { n: '${a.result.n}' }, dependencies: ['a'], critical: true },
    { id: 'c', name: 'c', function: 'work', parameters: { n: '${b.result.n}' }, dependencies: ['b'], critical: true },
  ],
};

const BACKENDS = [
  { name: 'PGlite', env: { DATA_DIR: ':memory:' } as Record<string, string>, skip: undefined as string | undefined },
  { name: 'Postgres (DATABASE_URL)', env: {} as Record<string, string>, skip: DATABASE_URL ? undefined : 'DATABASE_URL is not set' },
];

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`crash recovery on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    let runtime: Runtime;
    let database: TestDatabase | undefined;
    beforeAll(async () => {
      const env: Record<string, string> = { ...backend.env, RUN_LEASE_MS: '600', RUN_MAX_RESUMES: '3' };
      if (backend.name.startsWith('Postgres')) {
        database = await createTestDatabase();
        env.DATABASE_URL = database.url;
      }
      runtime = await createRuntime(loadConfig(env), { extraTools: [work, guarded, hold], model });
    });
    afterAll(async () => {
      await runtime?.close();
      await database?.drop();
    });

    /** A run as a process that died after logging `events` left it: running, its lease expired. */
    async function orphan(kind: 'workflow' | 'chat', events: (id: string) => object[], input: Record<string, unknown> = {}, definition: unknown = DEFINITION) {
      const id = randomUUID();
      await runtime.store.createExecution({ id, workflowId: kind === 'chat' ? 'chat' : 'recoverable', kind, userId: 'local', input, definition, leaseOwner: 'gone', leaseTtlMs: 1 });
      await runtime.store.appendEvents(id, events(id) as never);
      await new Promise((resolve) => setTimeout(resolve, 20));
      return id;
    }
    const at = new Date(Date.now() - 5_000).toISOString();
    const log = async <E>(id: string) => (await runtime.store.readEvents<E>(id, 'local')).map((s) => s.event);
    const finished = async (id: string) => {
      await expect.poll(async () => ['completed', 'partial', 'failed', 'cancelled'].includes((await runtime.store.getExecution(id, 'local'))?.status ?? ''), { timeout: 5_000 }).toBe(true);
      await runtime.writer.flush(id);
      return (await runtime.store.getExecution(id, 'local'))!;
    };

    it('resumes a workflow from its log: the completed task is reused, the one in flight runs again with the same key', async () => {
      const id = await orphan('workflow', (x) => [
        { type: 'workflow-start', executionId: x, at, workflowId: 'recoverable', name: 'recoverable', input: {}, tasks: [] },
        { type: 'task-start', executionId: x, at, taskId: 'a', function: 'work', attempt: 1 },
        { type: 'task-complete', executionId: x, at, taskId: 'a', result: { n: 2 }, durationMs: 20, attempts: 1 },
        { type: 'task-start', executionId: x, at, taskId: 'b', function: 'work', attempt: 1 },
      ]);
      calls.length = 0;
      expect(await runtime.recovery.sweep()).toBeGreaterThanOrEqual(1);
      const execution = await finished(id);
      expect(execution.status).toBe('completed');
      expect(execution.tasks.c.result).toEqual({ n: 8 });
      expect(execution.tasks.a).toMatchObject({ status: 'completed', durationMs: 20 });
      expect(calls.filter((k) => k.startsWith(id))).toEqual([`${id}:b`, `${id}:c`]);
      const events = await log<WorkflowEvent>(id);
      expect(events.filter((e) => e.type === 'workflow-start')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'run-resumed')).toMatchObject([{ attempt: 1, reusedTasks: ['a'] }]);
      expect(events.filter((e) => e.type === 'task-complete').map((e) => (e as { taskId: string }).taskId)).toEqual(['a', 'b', 'c']);
      // nobody else may take it now that it is finished
      expect(await runtime.store.claimOrphans('someone', 1_000, { ignoreLeases: true })).toEqual([]);
    });

    it('resumes a chat turn: the settled call is reused, the other runs again, and the model is asked only for what follows', async () => {
      modelRequests.length = 0;
      const id = await orphan('chat', (x) => [
        { type: 'workflow-start', executionId: x, at, workflowId: 'chat', name: 'Chat turn', input: {}, tasks: [] },
        { type: 'step-start', executionId: x, step: 1 },
        { type: 'tool-input-available', executionId: x, toolCallId: 'call_1', toolName: 'work', input: { n: 5 } },
        { type: 'tool-input-available', executionId: x, toolCallId: 'call_2', toolName: 'work', input: { n: 7 } },
        { type: 'task-start', executionId: x, at, taskId: 'call_1', function: 'work', attempt: 1 },
        { type: 'task-complete', executionId: x, at, taskId: 'call_1', result: { n: 10 }, durationMs: 20, attempts: 1 },
        { type: 'task-start', executionId: x, at, taskId: 'call_2', function: 'work', attempt: 1 },
      ], { messages: [{ role: 'user', content: 'double 5 and 7' }] });
      calls.length = 0;
      await runtime.recovery.sweep();
      const execution = await finished(id);
      expect(execution.status).toBe('completed');
      expect(calls).toEqual([`${id}:call_2`]);
      expect(modelRequests).toHaveLength(1);
      expect(modelRequests[0]!.slice(1)).toEqual([
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_1', name: 'work', arguments: '{"n":5}' }, { id: 'call_2', name: 'work', arguments: '{"n":7}' }] },
        { role: 'tool', toolCallId: 'call_1', content: '{"n":10}' },
        { role: 'tool', toolCallId: 'call_2', content: '{"n":14}' },
      ]);
      const events = await log<ChatTurnEvent>(id);
      expect(events.map((e) => e.type).slice(-4)).toEqual(['text-delta', 'step-finish', 'workflow-finish', 'finish']);
    });

    it('resumes a chat turn that asked for an approval: the held call stays held with its approval, the turn ends waiting; the answer runs it once', async () => {
      modelRequests.length = 0;
      const id = randomUUID();
      const chatId = `chat-${id}`;
      await runtime.store.createExecution({ id, workflowId: 'chat', kind: 'chat', userId: 'local', input: { messages: [{ role: 'user', content: 'guard 3, work 4' }] }, leaseOwner: 'gone', leaseTtlMs: 1, chatId });
      const approvalId = await runtime.store.issueApproval({ userId: 'local', chatId, executionId: id, toolCallId: 'call_1', toolName: 'guarded', arguments: '{"n":3}' });
      await runtime.store.appendEvents(id, [
        { type: 'workflow-start', executionId: id, at, workflowId: 'chat', name: 'Chat turn', input: {}, tasks: [] },
        { type: 'step-start', executionId: id, step: 1 },
        { type: 'tool-input-available', executionId: id, toolCallId: 'call_1', toolName: 'guarded', input: { n: 3 } },
        { type: 'tool-approval-request', executionId: id, toolCallId: 'call_1', toolName: 'guarded', approvalId },
        { type: 'tool-input-available', executionId: id, toolCallId: 'call_2', toolName: 'work', input: { n: 4 } },
        { type: 'task-start', executionId: id, at, taskId: 'call_2', function: 'work', attempt: 1 },
      ] as never);
      await new Promise((resolve) => setTimeout(resolve, 20));
      calls.length = 0;
      await runtime.recovery.sweep();
      expect((await finished(id)).status).toBe('completed');
      expect(calls).toEqual([`${id}:call_2`]);
      expect(modelRequests).toHaveLength(0);
      const events = await log<ChatTurnEvent>(id);
      expect(events.filter((e) => e.type === 'tool-approval-request')).toHaveLength(1);
      expect(events.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
      const { rows } = await runtime.db.query<{ id: string }>('SELECT id FROM chat_approvals WHERE execution_id = $1', [id]);
      expect(rows.map((r) => r.id)).toEqual([approvalId]);

      // the person approves in the next turn of the chat: the call runs with the asking turn's key
      const messages = [
        { role: 'user' as const, content: 'guard 3, work 4' },
        { role: 'assistant' as const, content: null, toolCalls: [{ id: 'call_1', name: 'guarded', arguments: '{"n":3}' }, { id: 'call_2', name: 'work', arguments: '{"n":4}' }] },
        { role: 'tool' as const, toolCallId: 'call_1', content: '"placeholder"' },
        { role: 'tool' as const, toolCallId: 'call_2', content: '{"n":8}' },
      ];
      const next = await runtime.runs.startChat({ messages, user: 'local', chatId, approvals: [{ approvalId, toolCallId: 'call_1', approved: true }], continues: 'msg-1' });
      await new Promise<void>((resolve) => next.events.subscribe({ complete: resolve }));
      expect(calls).toEqual([`${id}:call_2`, `${id}:call_1`]);
      expect(modelRequests).toHaveLength(1);
      expect(modelRequests[0]).toContainEqual({ role: 'tool', toolCallId: 'call_1', content: '{"n":6}' });
    });

    it('fails a run that cannot go on with resume_failed instead of looping: a tool that is gone, or too many resumes', async () => {
      const gone = await orphan('workflow', () => [], {}, { ...DEFINITION, tasks: [{ ...DEFINITION.tasks[0], function: 'no_such_tool' }] });
      const tired = await orphan('workflow', () => []);
      await runtime.db.query('UPDATE workflow_executions SET resume_count = 3 WHERE id = $1', [tired]);
      const chatless = await orphan('chat', () => [], { messages: 3 });
      await runtime.recovery.sweep();
      for (const [id, message] of [[gone, /no_such_tool/], [tired, /resumed 3 times/], [chatless, /without its messages/]] as const) {
        const execution = await finished(id);
        expect(execution.status).toBe('failed');
        expect(execution.error).toMatchObject({ code: 'resume_failed', message: expect.stringMatching(message) });
        expect((await log<WorkflowEvent>(id)).map((e) => e.type)).toContain('workflow-finish');
      }
      // a follower of the chat turn is told and ends
      expect((await log<ChatTurnEvent>(chatless)).at(-1)).toMatchObject({ type: 'finish', finishReason: 'error' });
    });

    it('keeps serving while the store fails, and resumes the run once it answers again', async () => {
      const id = await orphan('workflow', (x) => [{ type: 'workflow-start', executionId: x, at, workflowId: 'recoverable', name: 'recoverable', input: {}, tasks: [] }]);
      const { store } = runtime;
      const claim = store.claimOrphans;
      const renew = store.renewLeases;
      const errors: unknown[] = [];
      const { logger } = runtime;
      const logError = logger.error;
      logger.error = ((...args: unknown[]) => errors.push(args)) as typeof logger.error;
      try {
        store.claimOrphans = () => Promise.reject(new Error('connection terminated unexpectedly'));
        expect(await runtime.recovery.sweep()).toBe(0);
        expect(await runtime.recovery.sweep()).toBe(0);
        expect(errors).toHaveLength(1); // said once per outage
        expect((await store.getExecution(id, 'local'))?.status).toBe('running');
        // a chat turn is served meanwhile
        const turn = await runtime.runs.startChat({ messages: [{ role: 'user', content: 'hi' }], user: 'local' });
        const chunks: string[] = [];
        await new Promise<void>((resolve) => turn.events.subscribe({ next: (e) => chunks.push(e.type), complete: resolve }));
        expect(chunks.at(-1)).toBe('finish');

        store.claimOrphans = claim;
        // the heartbeat fails while the resumed run runs: the run goes on regardless
        store.renewLeases = () => Promise.reject(new Error('connection terminated unexpectedly'));
        expect(await runtime.recovery.sweep()).toBeGreaterThanOrEqual(1);
        expect((await finished(id)).status).toBe('completed');
      } finally {
        store.claimOrphans = claim;
        store.renewLeases = renew;
        logger.error = logError;
      }
    });

    /** Whatever the stopped run still had queued is written or, fenced off, refused with lease_lost; nothing else. */
    const settledWrites = () =>
      runtime.writer.flush().catch((error: unknown) => expect(error).toMatchObject({ code: 'lease_lost' }));

    /** A run of HOLDING started here, then taken by another process (its claim, as if this one had been starved). */
    async function stolen() {
      const run = await runtime.runs.startWorkflow({ workflow: compileWorkflow(HOLDING, { hasTool: (n) => runtime.tools.has(n) }), inputs: {}, user: 'local' });
      const heard: string[] = [];
      const ended = new Promise<void>((resolve) => run.events.subscribe({ next: ({ event }) => heard.push(event.type), error: () => resolve(), complete: resolve }));
      await expect.poll(() => heard.includes('task-start')).toBe(true);
      await runtime.writer.flush(run.executionId);
      const before = (await log<WorkflowEvent>(run.executionId)).length;
      await runtime.db.query(`UPDATE workflow_executions SET lease_owner = 'thief', lease_expires_at = now() + interval '1 minute' WHERE id = $1`, [run.executionId]);
      return { id: run.executionId, heard, ended, before };
    }

    it('stops a run another process took over at its next heartbeat: its tools are torn down and it logs nothing more', async () => {
      const torn = held.torn;
      const { id, heard, ended, before } = await stolen();
      await ended;
      expect(runtime.runs.liveIds()).not.toContain(id);
      expect(held.torn).toBe(torn + 1);
      expect(heard).not.toContain('workflow-finish');
      held.release.next(); // too late: nobody here listens
      await settledWrites();
      expect(await log<WorkflowEvent>(id)).toHaveLength(before);
      expect(await runtime.store.leaseOf(id)).toMatchObject({ owner: 'thief', live: true });
    });

    it('refuses the log writes of a run that lost its lease before its heartbeat noticed (fencing): no task-complete, no workflow-finish', async () => {
      const { store } = runtime;
      const renew = store.renewLeases;
      // the heartbeat says every lease was renewed, so only the fence on the log write stands in the way
      store.renewLeases = async (_owner, ids) => [...ids];
      try {
        const { id, heard, ended, before } = await stolen();
        held.release.next();
        await ended;
        expect(runtime.runs.liveIds()).not.toContain(id);
        expect(heard).not.toContain('workflow-finish');
        await settledWrites();
        const events = await log<WorkflowEvent>(id);
        expect(events).toHaveLength(before);
        expect(events.map((e) => e.type)).not.toContain('task-complete');
        expect((await runtime.store.getExecution(id, 'local'))?.status).toBe('running');
      } finally {
        store.renewLeases = renew;
      }
    });

    // Postgres only: PGlite has no connection to drop
    if (backend.name.startsWith('Postgres')) it('survives its database connections being dropped mid-run: the run finishes and the next sweep works', async () => {
      const workflow = compileWorkflow(DEFINITION, { hasTool: (n) => runtime.tools.has(n) });
      const run = await runtime.runs.startWorkflow({ workflow, inputs: {}, user: 'local' });
      await new Promise((resolve) => setTimeout(resolve, 30));
      await onServer(DATABASE_URL!, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database!.name}' AND pid <> pg_backend_pid()`);
      const events: string[] = [];
      await new Promise<void>((resolve) => run.events.subscribe({ next: ({ event }) => events.push(event.type), error: () => resolve(), complete: resolve }));
      expect(events.at(-1)).toBe('workflow-finish');
      expect((await finished(run.executionId)).status).toBe('completed');
      await expect(runtime.recovery.sweep()).resolves.toBeGreaterThanOrEqual(0);
      const id = await orphan('workflow', () => []);
      await runtime.recovery.sweep();
      expect((await finished(id)).status).toBe('completed');
    });
  });
}
