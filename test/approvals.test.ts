import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, type Tool } from '../src/tools/index.js';
import { signHs256 } from './support/jwt.js';
import { collectSse, startTestServer, type TestServer } from './support/start-test-server.js';
import { createTestDatabase, DATABASE_URL, type TestDatabase } from './support/test-database.js';

/**
 * Workflow approvals over HTTP: a task with `approval: required` parks its run until the owner decides with
 * POST /api/executions/:id/tasks/:taskId/approval. On PGlite, and on Postgres when DATABASE_URL is set.
 */
const calls: Array<{ executionId: string; taskId: string; value: unknown }> = [];
const tools: Tool[] = [
  defineTool({
    name: 'test_echo',
    description: 'Returns its value and records the call (test tool).',
    parameters: z.object({ value: z.unknown() }),
    execute: (args, ctx) => {
      calls.push({ executionId: ctx.executionId, taskId: ctx.taskId, value: args.value });
      return { value: args.value };
    },
  }),
  defineTool({
    name: 'test_wait',
    description: 'Waits `ms` (test tool).',
    parameters: z.object({ ms: z.number() }),
    execute: ({ ms }, ctx) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve({ waited: ms }), ms);
      ctx.signal.addEventListener('abort', () => (clearTimeout(timer), reject(ctx.signal.reason)), { once: true });
    }),
  }),
];

const reviewed = (send: Record<string, unknown> = {}, extra: Record<string, unknown>[] = []) => ({
  id: 'reviewed',
  inputs: { client: { type: 'string', required: true } },
  tasks: [
    { id: 'draft', function: 'test_echo', parameters: { value: 'Dear ${client}' } },
    { id: 'send', function: 'test_echo', parameters: { value: '${draft.result.value}' }, approval: 'required', ...send },
    { id: 'after', function: 'test_echo', parameters: { value: 'filed' }, dependencies: ['send'] },
    ...extra,
  ],
});

const BACKENDS = [
  { name: 'PGlite', skip: undefined as string | undefined },
  { name: 'Postgres (DATABASE_URL)', skip: DATABASE_URL ? undefined : 'DATABASE_URL is not set' },
];

for (const backend of BACKENDS) {
  describe.skipIf(backend.skip)(`workflow approvals on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    const secret = 'approvals-test-secret-approvals-test-secret';
    let server: TestServer;
    let database: TestDatabase | undefined;
    let alice: Record<string, string>;
    let bob: Record<string, string>;

    beforeAll(async () => {
      const env: Record<string, string> = { AUTH_JWT_SECRET: secret };
      if (backend.name.startsWith('Postgres')) {
        database = await createTestDatabase();
        env.DATABASE_URL = database.url;
      }
      server = await startTestServer({ env, runtime: { extraTools: tools } });
      alice = { authorization: `Bearer ${await signHs256(secret, { sub: 'alice' })}` };
      bob = { authorization: `Bearer ${await signHs256(secret, { sub: 'bob' })}` };
    });
    afterAll(async () => {
      await server?.close();
      await database?.drop();
    });

    const start = async (definition: unknown, parameters: Record<string, unknown> = { client: 'Ada' }) => {
      const res = await server.fetch('/api/workflows/execute', {
        method: 'POST',
        headers: { ...alice, 'content-type': 'application/json', prefer: 'respond-async' },
        body: JSON.stringify({ definition, parameters }),
      });
      expect(res.status).toBe(202);
      return ((await res.json()) as { id: string }).id;
    };
    const get = async (id: string, who = alice) => (await server.fetch(`/api/executions/${id}`, { headers: who })).json() as Promise<any>;
    const statusBecomes = async (id: string, status: string) => {
      await expect.poll(async () => (await get(id)).status, { timeout: 10_000, interval: 25 }).toBe(status);
      return get(id);
    };
    const decide = (id: string, taskId: string, body: unknown, who = alice) =>
      server.fetch(`/api/executions/${id}/tasks/${taskId}/approval`, {
        method: 'POST',
        headers: { ...who, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const log = async (id: string) => {
      await server.runtime.writer.flush(id);
      return (await server.runtime.store.readEvents<any>(id, 'alice')).map((s) => s.event);
    };

    it('parks the run at the task, shows what it will run with, and completes it once the owner approves', async () => {
      const id = await start(reviewed());
      const waiting = await statusBecomes(id, 'waiting');
      expect(waiting.tasks).toMatchObject({ draft: { status: 'completed' }, send: { status: 'waiting' }, after: { status: 'pending' } });
      // parked: nothing of this process holds it
      expect(server.runtime.runs.liveIds()).not.toContain(id);
      expect(await server.runtime.store.leaseOf(id)).toMatchObject({ owner: null, held: false });
      const asked = (await log(id)).find((e) => e.type === 'task-approval-request');
      expect(asked).toMatchObject({ taskId: 'send', function: 'test_echo', input: { value: 'Dear Ada' } });
      expect(calls.filter((c) => c.executionId === id && c.taskId === 'send')).toEqual([]);

      const res = await decide(id, 'send', { approved: true, reason: 'checked the letter' });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id, decision: { taskId: 'send', approved: true, by: 'alice', reason: 'checked the letter' } });
      const done = await statusBecomes(id, 'completed');
      expect(done.tasks.send).toMatchObject({ status: 'completed', result: { value: 'Dear Ada' } });
      const events = await log(id);
      expect(events.filter((e) => e.type === 'task-approval')).toMatchObject([{ taskId: 'send', approved: true, by: 'alice', reason: 'checked the letter' }]);
      expect(events.map((e) => e.type)).toContain('workflow-waiting');
      expect(calls.filter((c) => c.executionId === id && c.taskId === 'send')).toEqual([{ executionId: id, taskId: 'send', value: 'Dear Ada' }]);
      // decided once: a second decision is refused
      const again = await decide(id, 'send', { approved: false });
      expect(again.status).toBe(409);
      expect(await again.json()).toMatchObject({ error: { code: 'already_decided' } });
    });

    it('lists the runs waiting for someone with ?status=waiting: parked ones and live ones with a waiting task', async () => {
      const parked = await start(reviewed());
      const live = await start(reviewed({}, [{ id: 'slow', function: 'test_wait', parameters: { ms: 1_500 } }]));
      await statusBecomes(parked, 'waiting');
      await expect.poll(async () => (await get(live)).tasks.send?.status, { timeout: 5_000 }).toBe('waiting');
      const list = (await (await server.fetch('/api/executions?status=waiting', { headers: alice })).json()) as { executions: Array<{ id: string }> };
      const ids = list.executions.map((e) => e.id);
      expect(ids).toContain(parked);
      expect(ids).toContain(live);
      const bobs = (await (await server.fetch('/api/executions?status=waiting', { headers: bob })).json()) as { executions: unknown[] };
      expect(bobs.executions).toEqual([]);
      // the live one takes its decision in memory, without parking
      expect((await decide(live, 'send', { approved: true })).status).toBe(200);
      await statusBecomes(live, 'completed');
      expect((await log(live)).map((e) => e.type)).not.toContain('workflow-waiting');
      expect((await decide(parked, 'send', { approved: true })).status).toBe(200);
      await statusBecomes(parked, 'completed');
      const after = (await (await server.fetch('/api/executions?status=waiting', { headers: alice })).json()) as { executions: Array<{ id: string }> };
      expect(after.executions.map((e) => e.id)).not.toContain(parked);
      expect(after.executions.map((e) => e.id)).not.toContain(live);
    });

    it('fails a denied non-critical task with `denied`, skips what depends on it, and finishes partial', async () => {
      const id = await start(reviewed({ critical: false }, [{ id: 'other', function: 'test_echo', parameters: { value: 1 } }]));
      await statusBecomes(id, 'waiting');
      expect((await decide(id, 'send', { approved: false, reason: 'wrong fee' })).status).toBe(200);
      const done = await statusBecomes(id, 'partial');
      expect(done.tasks.send).toMatchObject({ status: 'failed', error: { code: 'denied', message: 'Denied by alice: wrong fee' } });
      expect(done.tasks.after).toMatchObject({ status: 'skipped', reason: 'dependency send failed' });
      expect(done.tasks.other.status).toBe('completed');
    });

    it('fails the run when a denied task is critical', async () => {
      const id = await start(reviewed());
      await statusBecomes(id, 'waiting');
      expect((await decide(id, 'send', { approved: false })).status).toBe(200);
      const done = await statusBecomes(id, 'failed');
      expect(done.error).toMatchObject({ code: 'denied' });
      expect(done.tasks.after.status).toBe('skipped');
    });

    it('answers only the owner: another user gets 404 unknown_execution and changes nothing', async () => {
      const id = await start(reviewed());
      await statusBecomes(id, 'waiting');
      const res = await decide(id, 'send', { approved: true }, bob);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: { code: 'unknown_execution' } });
      expect((await get(id)).status).toBe('waiting');
      expect(await server.runtime.store.listDecisions(id)).toEqual([]);
      await server.fetch(`/api/executions/${id}/cancel`, { method: 'POST', headers: alice });
    });

    it('refuses bad bodies, unknown tasks and tasks that do not wait, each with its code', async () => {
      const id = await start(reviewed());
      await statusBecomes(id, 'waiting');
      const cases: Array<[string, unknown, number, string]> = [
        ['send', { approved: 'yes' }, 400, 'invalid_body'],
        ['send', {}, 400, 'invalid_body'],
        ['send', { approved: true, by: 'mallory' }, 400, 'invalid_body'],
        ['send', '[true]', 400, 'invalid_body'],
        ['send', '{not json', 400, 'invalid_json'],
        ['nope', { approved: true }, 404, 'unknown_task'],
        ['draft', { approved: true }, 409, 'task_not_waiting'],
        ['after', { approved: true }, 409, 'task_not_waiting'],
      ];
      for (const [task, body, status, code] of cases) {
        const res = await decide(id, task, body);
        const json = (await res.json()) as { error: { code: string; message: string } };
        expect([task, body, res.status, json.error.code]).toEqual([task, body, status, code]);
        expect(json.error.message).not.toContain('\n');
      }
      expect((await decide('no-such-run', 'send', { approved: true })).status).toBe(404);
      expect((await get(id)).status).toBe('waiting');
      // cancelling a parked run ends it, with its end in the log for its followers
      const cancelled = await server.fetch(`/api/executions/${id}/cancel`, { method: 'POST', headers: alice });
      expect(cancelled.status).toBe(200);
      expect((await log(id)).at(-1)).toMatchObject({ type: 'workflow-finish', status: 'cancelled' });
      const late = await decide(id, 'send', { approved: true });
      expect(late.status).toBe(409);
      expect(await late.json()).toMatchObject({ error: { code: 'task_not_waiting' } });
    });

    it('takes one of two decisions sent at once and tells the other it was decided', async () => {
      const id = await start(reviewed());
      await statusBecomes(id, 'waiting');
      const answers = await Promise.all([decide(id, 'send', { approved: true }), decide(id, 'send', { approved: false })]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 409]);
      const done = await statusBecomes(id, (await answers.find((r) => r.status === 200)!.json() as any).decision.approved ? 'completed' : 'failed');
      expect(['completed', 'failed']).toContain(done.status);
      expect((await log(id)).filter((e) => e.type === 'task-approval')).toHaveLength(1);
    });

    it('denies a task nobody decided on within approval_timeout, also while the run is parked', async () => {
      const id = await start(reviewed({ approval_timeout: '1s', critical: false }));
      const waiting = await statusBecomes(id, 'waiting');
      expect(waiting.tasks.send.status).toBe('waiting');
      // the gateway's sweep wakes the parked run when its time is up; the run denies the task
      const done = await statusBecomes(id, 'partial');
      expect(done.tasks.send).toMatchObject({ status: 'failed', error: { code: 'denied', message: 'Nobody approved the task within 1 s' } });
      const events = await log(id);
      expect(events.filter((e) => e.type === 'task-approval')).toMatchObject([{ approved: false, by: 'timeout' }]);
      const late = await decide(id, 'send', { approved: true });
      expect(late.status).toBe(409);
    });

    it('answers a run that waits at once when asked for the final result (Accept: application/json), and streams it to its end over SSE', async () => {
      const res = await server.fetch('/api/workflows/execute', {
        method: 'POST',
        headers: { ...alice, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ definition: reviewed(), parameters: { client: 'Bo' } }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { id: string; status: string; tasks: Record<string, { status: string }> };
      expect(body).toMatchObject({ status: 'waiting', tasks: { send: { status: 'waiting' } } });

      const sse = await server.fetch('/api/workflows/execute', {
        method: 'POST',
        headers: { ...alice, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ definition: reviewed(), parameters: { client: 'Cy' } }),
      });
      const id = sse.headers.get('x-execution-id')!;
      const frames = collectSse(sse);
      await statusBecomes(id, 'waiting');
      expect((await decide(id, 'send', { approved: true })).status).toBe(200);
      const all = await frames;
      const events = all.map((f) => f.event);
      expect(all.map((f) => Number(f.id))).toEqual(all.map((_, i) => i + 1));
      // one stream from start to finish: the parking, the decision and the rest, ids in log order
      expect(events.slice(-1)).toEqual(['workflow-finish']);
      expect(events).toEqual(expect.arrayContaining(['task-approval-request', 'workflow-waiting', 'task-approval', 'run-resumed']));
      await server.fetch(`/api/executions/${body.id}/cancel`, { method: 'POST', headers: alice });
    });

    it('denies by approval_timeout in a live run too, and stores the timeout as the decision', async () => {
      const id = await start(reviewed({ approval_timeout: 0.5, critical: false }, [{ id: 'slow', function: 'test_wait', parameters: { ms: 2_000 } }]));
      await expect.poll(async () => (await get(id)).tasks.send?.status, { timeout: 5_000 }).toBe('failed');
      // denied by the live run's own timer while `slow` still ran: it never parked
      expect((await get(id)).status).toBe('running');
      await expect.poll(() => server.runtime.store.listDecisions(id), { timeout: 5_000 }).toMatchObject([{ taskId: 'send', approved: false, by: 'timeout' }]);
      const done = await statusBecomes(id, 'partial');
      expect(done.tasks.send.error).toMatchObject({ code: 'denied', message: 'Nobody approved the task within 0.5 s' });
      expect((await log(id)).map((e) => e.type)).not.toContain('workflow-waiting');
    });
  });
}
