import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { finalize, NEVER, of, startWith, throwError, type Observable } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../runtime/create-runtime.js';
import type { ExecutionRecord, StoredEvent } from '../store/index.js';
import { compileWorkflow } from '../workflows/index.js';
import { executionsRoutes } from './executions-routes.js';

const TOOLS = new Set(['f']);
const WORKFLOW = compileWorkflow(
  {
    id: 'chain',
    inputs: { q: { type: 'string', required: true } },
    tasks: [
      { id: 'a', function: 'f' },
      { id: 'b', function: 'f', dependencies: ['a'] },
      { id: 'c', function: 'f', dependencies: ['b'] },
    ],
  },
  { hasTool: (name) => TOOLS.has(name) },
);

function record(overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    id: 'x1', workflowId: 'chain', kind: 'workflow', userId: 'u1', status: 'running',
    startedAt: '2030-01-01T00:00:00.000Z', finishedAt: null, totalDurationMs: null, error: null, lastSeq: 3,
    createdAt: '2030-01-01T00:00:00.000Z', updatedAt: '2030-01-01T00:00:00.000Z',
    input: { q: 'hi' }, definition: null, tasks: {},
    ...overrides,
  };
}

/** The slice of a runtime the routes use, as doubles that record their calls. */
function fakeRuntime(execution: ExecutionRecord, options: { finishes?: boolean; follow?: () => Observable<StoredEvent<any>> } = {}) {
  const calls = { setStatus: [] as unknown[][], cancel: [] as string[], start: [] as any[], follow: [] as unknown[][] };
  let current = execution;
  const runtime = {
    store: {
      getExecution: async (id: string, user: string) => (id === current.id && user === current.userId ? current : null),
      setStatus: async (...args: [string, string, ExecutionRecord['status']]) => {
        calls.setStatus.push(args);
        current = { ...current, status: args[2], finishedAt: '2030-01-01T00:00:01.000Z' };
        return current;
      },
    },
    hub: {
      follow: (...args: unknown[]) => {
        calls.follow.push(args);
        return options.follow?.() ?? NEVER;
      },
    },
    runs: {
      cancel: async (id: string, user: string) => {
        calls.cancel.push(`${id}/${user}`);
        if (options.finishes !== false) current = { ...current, status: 'cancelled' };
        return current;
      },
      startWorkflow: async (run: unknown) => {
        calls.start.push(run);
        return { executionId: 'x2', events: NEVER };
      },
    },
    catalog: { get: (id: string) => (id === WORKFLOW.id ? WORKFLOW : undefined) },
    config: { SSE_STALL_TIMEOUT_MS: 60_000 },
    tools: { has: (name: string) => TOOLS.has(name) },
  };
  return { runtime: runtime as unknown as Runtime, calls };
}

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

async function serve(runtime: Runtime): Promise<string> {
  const app = express();
  app.use((req, res, next) => {
    res.locals.user = req.get('x-user') ?? 'u1';
    next();
  });
  app.use(executionsRoutes(runtime));
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('executionsRoutes (in process, with doubles)', () => {
  it("cancels through the run pipeline's one cancel path and answers the execution as it now stands", async () => {
    const { runtime, calls } = fakeRuntime(record());
    const url = await serve(runtime);
    const response = await fetch(`${url}/api/executions/x1/cancel`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: 'x1', status: 'cancelled' });
    expect(calls.cancel).toEqual(['x1/u1']);
  });

  it('answers 202 when the run has not logged its end yet', async () => {
    const { runtime, calls } = fakeRuntime(record({ status: 'pending' }), { finishes: false });
    const url = await serve(runtime);
    const response = await fetch(`${url}/api/executions/x1/cancel`, { method: 'POST' });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ id: 'x1', status: 'pending' });
    expect(calls.cancel).toEqual(['x1/u1']);
  });

  it("does not touch someone else's execution", async () => {
    const { runtime, calls } = fakeRuntime(record());
    const url = await serve(runtime);
    const response = await fetch(`${url}/api/executions/x1/cancel`, { method: 'POST', headers: { 'x-user': 'u2' } });
    expect(response.status).toBe(404);
    expect(calls.cancel).toEqual([]);
    expect(calls.setStatus).toEqual([]);
  });

  it('retries with the same inputs, reusing only completed tasks the workflow still has', async () => {
    const { runtime, calls } = fakeRuntime(
      record({
        status: 'failed',
        tasks: {
          a: { status: 'completed', result: { n: 1 }, attempts: 1 },
          b: { status: 'failed', error: { code: 'tool_error', message: 'no' }, attempts: 1 },
          c: { status: 'skipped', reason: 'b failed', attempts: 0 },
          gone: { status: 'completed', result: 'old', attempts: 1 },
        },
      }),
    );
    const url = await serve(runtime);
    const response = await fetch(`${url}/api/executions/x1/retry`, { method: 'POST' });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ id: 'x2', status: 'running', retryOf: 'x1', reused: ['a'] });
    expect(calls.start).toHaveLength(1);
    expect(calls.start[0]).toMatchObject({ workflow: WORKFLOW, inputs: { q: 'hi' }, user: 'u1', reuse: { a: { n: 1 } } });
  });

  it('retries an inline run from the definition stored with it', async () => {
    const definition = { ...WORKFLOW.definition, id: 'inline_chain', tasks: WORKFLOW.tasks };
    const { runtime, calls } = fakeRuntime(record({ workflowId: 'inline_chain', status: 'cancelled', definition }));
    const url = await serve(runtime);
    expect((await fetch(`${url}/api/executions/x1/retry`, { method: 'POST' })).status).toBe(202);
    expect(calls.start[0].workflow.id).toBe('inline_chain');
    expect(calls.start[0].workflow.tasks.map((t: { id: string }) => t.id)).toEqual(['a', 'b', 'c']);
  });

  it('refuses to retry chat turns', async () => {
    const { runtime, calls } = fakeRuntime(record({ kind: 'chat', workflowId: 'chat', status: 'completed' }));
    const url = await serve(runtime);
    const response = await fetch(`${url}/api/executions/x1/retry`, { method: 'POST' });
    expect(response.status).toBe(400);
    expect(calls.start).toEqual([]);
  });

  it('follows from Last-Event-ID, and unsubscribes from the hub when the client goes away', async () => {
    let unsubscribed = false;
    const { runtime, calls } = fakeRuntime(record(), {
      follow: () => NEVER.pipe(startWith({ seq: 8, event: { type: 'task-start', taskId: 'a' } }), finalize(() => (unsubscribed = true))),
    });
    const url = await serve(runtime);
    const controller = new AbortController();
    const response = await fetch(`${url}/api/executions/x1/events`, { headers: { 'Last-Event-ID': '7' }, signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('data:')) text += (await reader.read()).value;
    // better-sse's session: the reconnection time first, then each event with its seq as its id
    expect(text).toBe('retry:2000\n\nevent:task-start\nid:8\ndata:{"type":"task-start","taskId":"a"}\n\n');
    expect(calls.follow).toEqual([['x1', 'u1', 7]]);
    controller.abort();
    await expect.poll(() => unsubscribed).toBe(true);
  });

  it('reads the resume point from ?lastEventId= and ?after= too', async () => {
    const { runtime, calls } = fakeRuntime(record(), { follow: () => of() });
    const url = await serve(runtime);
    await (await fetch(`${url}/api/executions/x1/events?lastEventId=5`)).text();
    await (await fetch(`${url}/api/executions/x1/events?after=2`)).text();
    expect(calls.follow).toEqual([['x1', 'u1', 5], ['x1', 'u1', 2]]);
  });

  it('ends the stream with an error event when following fails', async () => {
    const { runtime } = fakeRuntime(record(), {
      follow: () => throwError(() => new Error('db down: SELECT secret')),
    });
    const url = await serve(runtime);
    const text = await (await fetch(`${url}/api/executions/x1/events`)).text();
    expect(text).toMatch(/event:error\ndata:\{"error":\{"code":"internal_error"/);
    expect(text).toContain('"code":"internal_error"');
    expect(text).not.toContain('SELECT');
  });
});
