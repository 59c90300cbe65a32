import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Runtime } from '../runtime/create-runtime.js';
import type { StoredEvent } from '../store/index.js';
import { compileWorkflow } from '../workflows/index.js';
import { errorMiddleware } from './send-error.js';
import { workflowsRoutes } from './workflows-routes.js';

const TOOLS = new Set(['f']);
const TEMPLATE = compileWorkflow(
  { id: 'tpl', name: 'Template', description: 'A test template', inputs: { q: { type: 'string', default: 'x' } }, tasks: [{ id: 'a', function: 'f', parallel_group: 'g' }] },
  { hasTool: (name) => TOOLS.has(name) },
);

/** A runtime whose runs are Subjects the test drives; every call is recorded. */
function fakeRuntime() {
  const runs: Array<{ run: any; events: Subject<StoredEvent<any>> }> = [];
  const calls = { cancel: [] as string[], getExecution: [] as string[] };
  const runtime = {
    catalog: { list: () => [TEMPLATE], get: (id: string) => (id === 'tpl' ? TEMPLATE : undefined) },
    config: { SSE_STALL_TIMEOUT_MS: 60_000 },
    tools: { has: (name: string) => TOOLS.has(name) },
    runs: {
      startWorkflow: async (run: unknown) => {
        const events = new Subject<StoredEvent<any>>();
        runs.push({ run, events });
        return { executionId: `x${runs.length}`, events };
      },
      cancel: (id: string) => {
        calls.cancel.push(id);
        return true;
      },
    },
    store: {
      getExecution: async (id: string) => {
        calls.getExecution.push(id);
        return {
          id, workflowId: 'tpl', kind: 'workflow', userId: 'u1', status: 'completed', startedAt: 's', finishedAt: 'f', totalDurationMs: 5,
          error: null, lastSeq: 2, createdAt: 'c', updatedAt: 'u', input: { q: 'x' }, definition: {}, tasks: { a: { status: 'completed', attempts: 1 } },
        };
      },
    },
  };
  return { runtime: runtime as unknown as Runtime, runs, calls };
}

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

async function serve(runtime: Runtime): Promise<string> {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.user = 'u1';
    next();
  });
  app.use(express.json());
  app.use(workflowsRoutes(runtime));
  app.use(errorMiddleware);
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const execute = (url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${url}/api/workflows/execute`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), signal });

describe('workflowsRoutes (in process, with doubles)', () => {
  it('lists templates and serves one with its tasks', async () => {
    const url = await serve(fakeRuntime().runtime);
    expect(await (await fetch(`${url}/api/workflows`)).json()).toEqual({
      workflows: [{ id: 'tpl', name: 'Template', description: 'A test template', inputs: { q: { type: 'string', default: 'x' } } }],
    });
    expect(await (await fetch(`${url}/api/workflows/tpl`)).json()).toMatchObject({
      id: 'tpl',
      tasks: [{ id: 'a', name: 'a', function: 'f', dependencies: [], parallel_group: 'g', critical: true, parameters: {} }],
    });
  });

  it('writes each event as it happens, with the execution id in the headers before any event', async () => {
    const { runtime, runs } = fakeRuntime();
    const url = await serve(runtime);
    const response = await execute(url, { workflow_id: 'tpl' });
    expect(response.headers.get('x-execution-id')).toBe('x1');
    expect(runs[0]!.run).toMatchObject({ workflow: TEMPLATE, inputs: { q: 'x' }, user: 'u1' });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    // better-sse's session: the reconnection time first, then each event with its seq as its id
    expect((await reader.read()).value).toBe('retry:2000\n\n');

    runs[0]!.events.next({ seq: 1, event: { type: 'workflow-start' } });
    expect((await reader.read()).value).toBe('event:workflow-start\nid:1\ndata:{"type":"workflow-start"}\n\n');
    runs[0]!.events.next({ seq: 2, event: { type: 'workflow-finish', status: 'completed' } });
    runs[0]!.events.complete();
    expect((await reader.read()).value).toBe('event:workflow-finish\nid:2\ndata:{"type":"workflow-finish","status":"completed"}\n\n');
    expect((await reader.read()).done).toBe(true);
  });

  it('stops listening when the client goes away, without cancelling the run', async () => {
    const { runtime, runs, calls } = fakeRuntime();
    const url = await serve(runtime);
    const controller = new AbortController();
    const response = await execute(url, { workflow_id: 'tpl' }, {}, controller.signal);
    const reader = response.body!.getReader();
    await reader.read(); // the session is open
    runs[0]!.events.next({ seq: 1, event: { type: 'workflow-start' } });
    await reader.read();
    expect(runs[0]!.events.observed).toBe(true);
    controller.abort();
    await expect.poll(() => runs[0]!.events.observed).toBe(false);
    expect(calls.cancel).toEqual([]);
  });

  it('with Accept: application/json, answers only once the run has finished', async () => {
    const { runtime, runs, calls } = fakeRuntime();
    const url = await serve(runtime);
    let answered = false;
    const pending = execute(url, { workflow_id: 'tpl' }, { accept: 'application/json' }).then((r) => {
      answered = true;
      return r;
    });
    await expect.poll(() => runs.length).toBe(1);
    runs[0]!.events.next({ seq: 1, event: { type: 'workflow-start' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(answered).toBe(false);
    expect(calls.getExecution).toEqual([]);
    runs[0]!.events.complete();
    const response = await pending;
    expect(await response.json()).toMatchObject({ id: 'x1', status: 'completed', durationMs: 5, tasks: { a: { status: 'completed' } } });
    expect(calls.getExecution).toEqual(['x1']);
  });

  it('starts nothing when the definition or the inputs are invalid', async () => {
    const { runtime, runs } = fakeRuntime();
    const url = await serve(runtime);
    const bad = await execute(url, { definition: { id: 'd', tasks: [{ id: 'a', function: 'nope' }] } });
    expect(await bad.json()).toMatchObject({ error: { code: 'unknown_function', path: 'tasks[0].function' } });
    const wrongInput = await execute(url, { workflow_id: 'tpl', parameters: { q: 1 } });
    expect(await wrongInput.json()).toMatchObject({ error: { code: 'invalid_input', path: 'inputs.q' } });
    const yaml = await execute(url, { definition: 'id: [unclosed' });
    expect(yaml.status).toBe(400);
    expect(((await yaml.json()) as any).error.code).toBe('invalid_workflow');
    expect(runs).toEqual([]);
  });
});
