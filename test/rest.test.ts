import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SapflowError } from '../src/errors/index.js';
import { BUILT_IN_WORKFLOWS_DIR } from '../src/runtime/workflow-catalog.js';
import { defineTool, type Tool } from '../src/tools/index.js';
import { parseWorkflowText } from '../src/workflows/index.js';
import { signHs256 } from './support/jwt.js';
import { collectSse, readSse, startTestServer, type SseFrame, type TestServer } from './support/start-test-server.js';

/** Tools whose timing and failures the tests control; each records what it was asked to do. */
function testTools() {
  const log = { echo: [] as Array<{ executionId: string; taskId: string }>, aborted: [] as string[], flaky: new Map<string, number>() };
  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      }, { once: true });
    });
  const tools: Tool[] = [
    defineTool({
      name: 'test_echo',
      description: 'Returns its value (test tool).',
      parameters: z.object({ value: z.unknown() }),
      execute: (args, ctx) => {
        log.echo.push({ executionId: ctx.executionId, taskId: ctx.taskId });
        return { value: args.value };
      },
    }),
    defineTool({
      name: 'test_wait',
      description: 'Waits, or stops when its signal aborts (test tool).',
      parameters: z.object({ ms: z.number() }),
      async execute(args, ctx) {
        try {
          await sleep(args.ms, ctx.signal);
        } catch (error) {
          log.aborted.push(ctx.executionId);
          throw error;
        }
        return { waited: args.ms };
      },
    }),
    defineTool({
      name: 'test_flaky',
      description: 'Fails on the first call for a key, succeeds after (test tool).',
      parameters: z.object({ key: z.string() }),
      retry_count: 0,
      execute: (args) => {
        const calls = (log.flaky.get(args.key) ?? 0) + 1;
        log.flaky.set(args.key, calls);
        if (calls === 1) throw new SapflowError('tool_error', `${args.key}: the first call fails`);
        return { calls };
      },
    }),
  ];
  return { tools, log };
}

const DEMO_TEMPLATE = `id: rest_demo
name: REST demo
description: Greets, then shouts the greeting.
inputs:
  who: { type: string, required: true, description: Who to greet }
tasks:
  - id: greet
    function: test_echo
    parameters: { value: 'hello \${who}' }
  - id: shout
    function: test_echo
    parameters: { value: '\${greet.result.value}!' }
`;

const slowChain = (id: string, ms: number, steps = 3) => ({
  id,
  tasks: Array.from({ length: steps }, (_, i) => ({
    id: `step${i + 1}`,
    function: 'test_wait',
    parameters: { ms },
    ...(i === 0 ? {} : { dependencies: [`step${i}`] }),
  })),
});

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

const seqs = (frames: SseFrame[]) => frames.map((f) => Number(f.id));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const eventsOf = (frames: SseFrame[]) => frames.map((f) => JSON.parse(f.data) as { type: string; [k: string]: any });

describe('REST API over a real socket (local mode)', () => {
  let server: TestServer;
  let workflowsDir: string;
  const { tools, log } = testTools();

  beforeAll(async () => {
    workflowsDir = await mkdtemp(join(tmpdir(), 'sapflow-rest-'));
    await writeFile(join(workflowsDir, 'rest_demo.yaml'), DEMO_TEMPLATE);
    server = await startTestServer({ env: { WORKFLOWS_DIR: workflowsDir }, runtime: { extraTools: tools } });
  });
  afterAll(async () => {
    await server?.close();
    await rm(workflowsDir, { recursive: true, force: true });
  });

  const startAsync = async (definition: unknown): Promise<string> => {
    const response = await server.fetch('/api/workflows/execute', post({ definition }, { prefer: 'respond-async' }));
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { id: string; status: string };
    expect(answer.status).toBe('running');
    expect(response.headers.get('x-execution-id')).toBe(answer.id);
    return answer.id;
  };
  const follow = async (id: string, headers: Record<string, string> = {}) => {
    const response = await server.fetch(`/api/executions/${id}/events`, { headers });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    return collectSse(response);
  };
  const execution = async (id: string) => (await (await server.fetch(`/api/executions/${id}`)).json()) as Record<string, any>;

  describe('templates', () => {
    it('lists the templates with their inputs', async () => {
      const response = await server.fetch('/api/workflows');
      expect(response.status).toBe(200);
      const { workflows } = (await response.json()) as { workflows: Array<Record<string, unknown>> };
      expect(workflows).toContainEqual({
        id: 'rest_demo',
        name: 'REST demo',
        description: 'Greets, then shouts the greeting.',
        inputs: { who: { type: 'string', required: true, description: 'Who to greet' } },
      });
    });

    it('lists every built-in template (legal_intake among them) next to the WORKFLOWS_DIR ones', async () => {
      const files = (await readdir(BUILT_IN_WORKFLOWS_DIR).catch(() => [] as string[])).filter((f) => /\.(ya?ml|json)$/i.test(f));
      const builtIn = await Promise.all(files.map(async (f) => parseWorkflowText(await readFile(join(BUILT_IN_WORKFLOWS_DIR, f), 'utf8'), { sourceName: f }).id));
      const { workflows } = (await (await server.fetch('/api/workflows')).json()) as { workflows: Array<{ id: string; tasks?: unknown }> };
      expect(workflows.map((w) => w.id).sort()).toEqual([...builtIn, 'rest_demo'].sort());
      expect(workflows.every((w) => w.tasks === undefined)).toBe(true);
      if (builtIn.includes('legal_intake')) {
        const definition = (await (await server.fetch('/api/workflows/legal_intake')).json()) as { tasks: Array<{ function: string }> };
        expect(definition.tasks.map((t) => t.function)).toEqual(expect.arrayContaining(['check_conflicts', 'generate_retainer_letter']));
      }
    });

    it('serves one definition with its tasks and dependencies', async () => {
      const response = await server.fetch('/api/workflows/rest_demo');
      expect(response.status).toBe(200);
      const definition = (await response.json()) as Record<string, any>;
      expect(definition).toMatchObject({ id: 'rest_demo', name: 'REST demo', inputs: { who: { type: 'string' } } });
      expect(definition.tasks).toEqual([
        { id: 'greet', name: 'greet', function: 'test_echo', dependencies: [], critical: true, parameters: { value: 'hello ${who}' } },
        { id: 'shout', name: 'shout', function: 'test_echo', dependencies: ['greet'], critical: true, parameters: { value: '${greet.result.value}!' } },
      ]);
    });

    it('answers 404 unknown_workflow for a template that does not exist', async () => {
      const response = await server.fetch('/api/workflows/nope');
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ error: { code: 'unknown_workflow', message: expect.stringContaining('nope') } });
    });
  });

  describe('POST /api/workflows/execute', () => {
    it('streams the run as SSE: X-Execution-Id at once, ids 1..n, named events, ending with workflow-finish', async () => {
      const response = await server.fetch('/api/workflows/execute', post({ workflow_id: 'rest_demo', parameters: { who: 'Ada' } }));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('x-accel-buffering')).toBe('no');
      const id = response.headers.get('x-execution-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);

      const frames = await collectSse(response);
      expect(seqs(frames)).toEqual(range(1, frames.length));
      const events = eventsOf(frames);
      expect(frames.map((f) => f.event)).toEqual(events.map((e) => e.type));
      expect(events[0]).toMatchObject({ type: 'workflow-start', workflowId: 'rest_demo', executionId: id, input: { who: 'Ada' } });
      expect(events.at(-1)).toMatchObject({ type: 'workflow-finish', status: 'completed', tasks: { shout: { status: 'completed', result: { value: 'hello Ada!' } } } });
      expect(events.filter((e) => e.type === 'workflow-finish')).toHaveLength(1);
      expect(events.every((e) => e.executionId === id)).toBe(true);
    });

    it('waits and answers the finished execution as JSON with Accept: application/json', async () => {
      const response = await server.fetch('/api/workflows/execute', post({ workflow_id: 'rest_demo', parameters: { who: 'Grace' } }, { accept: 'application/json' }));
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, any>;
      expect(response.headers.get('x-execution-id')).toBe(body.id);
      expect(body).toMatchObject({ workflowId: 'rest_demo', kind: 'workflow', status: 'completed', input: { who: 'Grace' } });
      expect(body.tasks.greet).toMatchObject({ status: 'completed', result: { value: 'hello Grace' }, attempts: 1 });
      expect(body.tasks.shout.result).toEqual({ value: 'hello Grace!' });
      expect(Date.parse(body.startedAt)).toBeLessThanOrEqual(Date.parse(body.finishedAt));
      expect(body.durationMs).toBeGreaterThanOrEqual(0);
      expect(body.definition).toBeUndefined();
    });

    it('answers 202 at once with Prefer: respond-async; the events can then be followed to the end', async () => {
      const started = Date.now();
      const id = await startAsync(slowChain('async_chain', 100));
      expect(Date.now() - started).toBeLessThan(250);
      expect((await execution(id)).status).toMatch(/^(pending|running)$/);

      const frames = await follow(id);
      expect(seqs(frames)).toEqual(range(1, frames.length));
      expect(eventsOf(frames).at(-1)).toMatchObject({ type: 'workflow-finish', status: 'completed' });
      expect((await execution(id)).status).toBe('completed');
    });

    it('prefers respond-async over Accept: application/json (the web UI sends both)', async () => {
      const response = await server.fetch('/api/workflows/execute', post({ workflow_id: 'rest_demo', parameters: { who: 'UI' } }, { accept: 'application/json', prefer: 'respond-async' }));
      expect(response.status).toBe(202);
      expect(response.headers.get('preference-applied')).toBe('respond-async');
      const { id } = (await response.json()) as { id: string };
      expect(response.headers.get('location')).toBe(`/api/executions/${id}`);
      await follow(id);
    });

    it('runs inline definitions given as YAML text too', async () => {
      const yaml = 'id: inline_yaml\ninputs: { n: { type: number, default: 2 } }\ntasks:\n  - id: one\n    function: test_echo\n    parameters: { value: "${n * 21}" }\n';
      const response = await server.fetch('/api/workflows/execute', post({ definition: yaml }, { accept: 'application/json' }));
      expect(response.status).toBe(200);
      const body = (await response.json()) as Record<string, any>;
      expect(body).toMatchObject({ workflowId: 'inline_yaml', status: 'completed', tasks: { one: { result: { value: 42 } } } });
    });

    it('does not cancel the run when the SSE client goes away', async () => {
      const controller = new AbortController();
      const response = await server.fetch('/api/workflows/execute', { ...post({ definition: slowChain('detached', 100) }), signal: controller.signal });
      const id = response.headers.get('x-execution-id')!;
      for await (const frame of readSse(response)) {
        if (frame.event === 'task-start') break;
      }
      controller.abort();
      const frames = await follow(id);
      expect(eventsOf(frames).at(-1)).toMatchObject({ type: 'workflow-finish', status: 'completed' });
      expect(log.aborted).not.toContain(id);
    });
  });

  describe('GET /api/executions/:id/events', () => {
    it('resumes after a dropped connection with Last-Event-ID: nothing missed, nothing twice', async () => {
      const id = await startAsync(slowChain('replay_chain', 80, 4));

      const controller = new AbortController();
      const first = await server.fetch(`/api/executions/${id}/events`, { signal: controller.signal });
      const seen: SseFrame[] = [];
      for await (const frame of readSse(first)) {
        seen.push(frame);
        if (seen.length === 3) break;
      }
      controller.abort();
      expect(seqs(seen)).toEqual([1, 2, 3]);

      const rest = await follow(id, { 'Last-Event-ID': seen.at(-1)!.id! });
      const all = [...seen, ...rest];
      expect(seqs(all)).toEqual(range(1, all.length));
      expect(eventsOf(all).at(-1)).toMatchObject({ type: 'workflow-finish', status: 'completed' });
      expect(eventsOf(all).filter((e) => e.type === 'task-complete').map((e) => e.taskId)).toEqual(['step1', 'step2', 'step3', 'step4']);

      // a finished run replays the same log, from the start or from any point (JSONB may reorder keys, not values)
      const parsed = (frames: SseFrame[]) => frames.map((f) => ({ id: f.id, event: f.event, data: JSON.parse(f.data) as unknown }));
      const replay = await follow(id);
      expect(parsed(replay)).toEqual(parsed(all));
      const tail = await server.fetch(`/api/executions/${id}/events?lastEventId=${all.length - 2}`).then(collectSse);
      expect(parsed(tail)).toEqual(parsed(all.slice(-2)));
      const after = await server.fetch(`/api/executions/${id}/events?after=${all.length}`).then(collectSse);
      expect(after).toEqual([]);
    });

    it('rejects a Last-Event-ID that is not a seq', async () => {
      const id = await startAsync({ id: 'tiny', tasks: [{ id: 'a', function: 'test_echo', parameters: { value: 1 } }] });
      const response = await server.fetch(`/api/executions/${id}/events`, { headers: { 'Last-Event-ID': 'abc' } });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.code).toBe('bad_request');
      await follow(id);
    });

    it('answers 404 for an execution that does not exist', async () => {
      const response = await server.fetch('/api/executions/00000000-0000-0000-0000-000000000000/events');
      expect(response.status).toBe(404);
      expect(((await response.json()) as any).error.code).toBe('unknown_execution');
    });
  });

  describe('executions', () => {
    it('lists the caller\'s executions newest first, paginated with a cursor, filtered by status', async () => {
      const ids: string[] = [];
      for (const who of ['p1', 'p2', 'p3']) {
        const response = await server.fetch('/api/workflows/execute', post({ workflow_id: 'rest_demo', parameters: { who } }, { accept: 'application/json' }));
        ids.push(((await response.json()) as { id: string }).id);
      }
      const page1 = (await (await server.fetch('/api/executions?limit=2')).json()) as { executions: Array<Record<string, any>>; nextCursor: string | null };
      expect(page1.executions.map((e) => e.id)).toEqual([ids[2], ids[1]]);
      expect(page1.executions[0]).toMatchObject({ workflowId: 'rest_demo', kind: 'workflow', status: 'completed', durationMs: expect.any(Number), finishedAt: expect.any(String), startedAt: expect.any(String) });
      expect(page1.nextCursor).toEqual(expect.any(String));

      const page2 = (await (await server.fetch(`/api/executions?limit=2&cursor=${encodeURIComponent(page1.nextCursor!)}`)).json()) as typeof page1;
      expect(page2.executions[0]!.id).toBe(ids[0]);
      expect(page2.executions.map((e) => e.id)).not.toContain(ids[1]);

      const completed = (await (await server.fetch('/api/executions?status=completed&kind=workflow&limit=100')).json()) as typeof page1;
      expect(completed.executions.length).toBeGreaterThanOrEqual(3);
      expect(completed.executions.every((e) => e.status === 'completed' && e.kind === 'workflow')).toBe(true);
    });

    it('rejects a bad page size, status or cursor with 400', async () => {
      for (const query of ['limit=0', 'limit=abc', 'status=exploded', 'cursor=%21%21']) {
        const response = await server.fetch(`/api/executions?${query}`);
        expect(response.status, query).toBe(400);
        expect(((await response.json()) as any).error.code, query).toBe('bad_request');
      }
    });

    it('serves one execution with its inputs, every task\'s state and the definition it ran', async () => {
      const response = await server.fetch('/api/workflows/execute', post({ workflow_id: 'rest_demo', parameters: { who: 'Lin' } }, { accept: 'application/json' }));
      const { id } = (await response.json()) as { id: string };
      const body = await execution(id);
      expect(body).toMatchObject({ id, workflowId: 'rest_demo', kind: 'workflow', status: 'completed', input: { who: 'Lin' } });
      expect(Object.keys(body.tasks).sort()).toEqual(['greet', 'shout']);
      expect(body.definition.tasks.map((t: { id: string }) => t.id)).toEqual(['greet', 'shout']);
      const missing = await server.fetch('/api/executions/not-an-execution');
      expect(missing.status).toBe(404);
      expect(((await missing.json()) as any).error.code).toBe('unknown_execution');
    });

    it('cancels a running execution: the tool sees its signal abort and the log ends as cancelled', async () => {
      const id = await startAsync({ id: 'cancel_me', tasks: [{ id: 'forever', function: 'test_wait', parameters: { ms: 60_000 } }] });
      const controller = new AbortController();
      const stream = await server.fetch(`/api/executions/${id}/events`, { signal: controller.signal });
      for await (const frame of readSse(stream)) {
        if (frame.event === 'task-start') break;
      }
      controller.abort();

      const response = await server.fetch(`/api/executions/${id}/cancel`, { method: 'POST' });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ id, status: 'cancelled' });
      expect(log.aborted).toContain(id);

      const frames = await follow(id);
      expect(seqs(frames)).toEqual(range(1, frames.length));
      expect(eventsOf(frames).at(-1)).toMatchObject({ type: 'workflow-finish', status: 'cancelled' });

      const again = await server.fetch(`/api/executions/${id}/cancel`, { method: 'POST' });
      expect(again.status).toBe(409);
      expect(((await again.json()) as any).error).toMatchObject({ code: 'conflict', status: 'cancelled' });
    });

    it('retries a failed run with the same inputs, reusing the results of the tasks that completed', async () => {
      const definition = {
        id: 'flaky_chain',
        inputs: { label: { type: 'string', required: true } },
        tasks: [
          { id: 'fetch', function: 'test_echo', parameters: { value: '${label}' } },
          { id: 'enrich', function: 'test_echo', parameters: { value: '${fetch.result.value}+enriched' } },
          { id: 'file', function: 'test_flaky', parameters: { key: '${label}' } },
          { id: 'report', function: 'test_echo', parameters: { value: '${enrich.result.value} filed ${file.result.calls}' } },
        ],
      };
      const first = await server.fetch('/api/workflows/execute', post({ definition, parameters: { label: 'retry-me' } }, { accept: 'application/json' }));
      const failed = (await first.json()) as Record<string, any>;
      expect(failed.status).toBe('failed');
      expect(failed.tasks.file.status).toBe('failed');
      expect(failed.tasks.enrich.status).toBe('completed');

      const response = await server.fetch(`/api/executions/${failed.id}/retry`, { method: 'POST' });
      expect(response.status).toBe(202);
      const retry = (await response.json()) as { id: string; reused: string[] };
      expect(retry.id).not.toBe(failed.id);
      expect(response.headers.get('x-execution-id')).toBe(retry.id);
      expect(retry.reused.sort()).toEqual(['enrich', 'fetch']);

      const events = eventsOf(await follow(retry.id));
      expect(events.at(-1)).toMatchObject({ type: 'workflow-finish', status: 'completed' });
      const completes = events.filter((e) => e.type === 'task-complete');
      expect(completes.filter((e) => e.reused).map((e) => e.taskId).sort()).toEqual(['enrich', 'fetch']);
      expect(events.at(-1)!.tasks.report.result).toEqual({ value: 'retry-me+enriched filed 2' });
      // the reused tasks did not run again
      expect(log.echo.filter((c) => c.executionId === retry.id).map((c) => c.taskId)).toEqual(['report']);
      expect(await execution(retry.id)).toMatchObject({ workflowId: 'flaky_chain', input: { label: 'retry-me' }, status: 'completed' });
    });

    it('refuses to retry a run that is still going, or one that does not exist', async () => {
      const id = await startAsync({ id: 'busy', tasks: [{ id: 'w', function: 'test_wait', parameters: { ms: 60_000 } }] });
      const busy = await server.fetch(`/api/executions/${id}/retry`, { method: 'POST' });
      expect(busy.status).toBe(409);
      await server.fetch(`/api/executions/${id}/cancel`, { method: 'POST' });
      const missing = await server.fetch('/api/executions/missing/retry', { method: 'POST' });
      expect(missing.status).toBe(404);
    });
  });

  describe('bad requests', () => {
    const rejects = async (init: RequestInit, status: number, code: string) => {
      const response = await server.fetch('/api/workflows/execute', init);
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      const body = (await response.json()) as { error: { code: string; message: string; path?: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message).not.toMatch(/\n|at .*\.ts:\d+/);
      return body.error;
    };

    it('malformed JSON -> 400 invalid_json', async () => {
      await rejects(post('{"workflow_id": "rest_demo",'), 400, 'invalid_json');
    });

    it('a body that is not an object, or gives neither/both of workflow_id and definition -> 400 invalid_body', async () => {
      await rejects(post([1, 2]), 400, 'invalid_body');
      await rejects(post({ parameters: {} }), 400, 'invalid_body');
      await rejects(post({ workflow_id: 'rest_demo', definition: { id: 'x', tasks: [] } }), 400, 'invalid_body');
      const error = await rejects(post({ workflow_id: 'rest_demo', parameters: [1] }), 400, 'invalid_body');
      expect(error.path).toBe('parameters');
      await rejects({ method: 'POST' }, 400, 'invalid_body');
    });

    it('an unknown workflow_id -> 404 unknown_workflow', async () => {
      await rejects(post({ workflow_id: 'no_such_workflow' }), 404, 'unknown_workflow');
    });

    it('an inline cycle -> 400 cycle with the path', async () => {
      const error = await rejects(
        post({
          definition: {
            id: 'loop',
            tasks: [
              { id: 'a', function: 'test_echo', dependencies: ['b'] },
              { id: 'b', function: 'test_echo', parameters: { value: '${a.result}' } },
            ],
          },
        }),
        400,
        'cycle',
      );
      expect(error.path).toMatch(/^tasks\[\d\]\./);
      expect(error.message).toMatch(/a.*b|b.*a/);
    });

    it('other definition errors keep the language\'s code and path', async () => {
      const unknownTool = await rejects(post({ definition: { id: 'x', tasks: [{ id: 'a', function: 'no_such_tool' }] } }), 400, 'unknown_function');
      expect(unknownTool.path).toBe('tasks[0].function');
      const invalid = await rejects(post({ definition: { id: 'x', tasks: [{ id: 'a', function: 'test_echo', dependecies: [] }] } }), 400, 'invalid_workflow');
      expect(invalid.path).toEqual(expect.stringContaining('tasks[0]'));
    });

    it('missing or wrongly typed inputs -> 400 with the input\'s path', async () => {
      const missing = await rejects(post({ workflow_id: 'rest_demo', parameters: {} }), 400, 'missing_input');
      expect(missing.path).toBe('inputs.who');
      const wrong = await rejects(post({ workflow_id: 'rest_demo', parameters: { who: 42 } }), 400, 'invalid_input');
      expect(wrong.path).toBe('inputs.who');
    });

    it('an oversized body -> 413 payload_too_large', async () => {
      await rejects(post({ workflow_id: 'rest_demo', parameters: { who: 'x'.repeat(1_200_000) } }), 413, 'payload_too_large');
    });

    it('unknown API routes answer JSON 404', async () => {
      const response = await server.fetch('/api/nothing-here');
      expect(response.status).toBe(404);
      expect(((await response.json()) as any).error.code).toBe('not_found');
    });
  });

  describe('documents', () => {
    it('serves a retainer letter a run wrote, as JSON or as text', async () => {
      const definition = {
        id: 'letter_only',
        tasks: [{ id: 'letter', function: 'generate_retainer_letter', parameters: { client_name: 'Dana Whitfield', client_email: 'dana.whitfield@example.org', matter_type: 'employment' } }],
      };
      const run = (await (await server.fetch('/api/workflows/execute', post({ definition }, { accept: 'application/json' }))).json()) as Record<string, any>;
      expect(run.status).toBe('completed');
      const { document_id: documentId, url } = run.tasks.letter.result as { document_id: string; url: string };
      expect(url).toBe(`/api/documents/${encodeURIComponent(documentId)}`);

      const json = await server.fetch(url);
      expect(json.status).toBe(200);
      const document = (await json.json()) as Record<string, any>;
      expect(document).toMatchObject({ id: documentId, kind: 'retainer_letter', title: expect.stringContaining('Dana Whitfield') });
      expect(document.body).toContain('Dana Whitfield');

      const text = await server.fetch(url, { headers: { accept: 'text/plain' } });
      expect(text.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await text.text()).toBe(document.body);
    });

    it('answers 404 unknown_document for an unknown id', async () => {
      const response = await server.fetch('/api/documents/no-such-document');
      expect(response.status).toBe(404);
      expect(((await response.json()) as any).error.code).toBe('unknown_document');
    });
  });
});

describe('REST API with two signed-in users', () => {
  const secret = 'rest-test-secret-that-is-long-enough-for-hs256';
  let server: TestServer;
  const { tools } = testTools();
  let alice: Record<string, string>;
  let bob: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({ env: { AUTH_JWT_SECRET: secret }, runtime: { extraTools: tools } });
    alice = { authorization: `Bearer ${await signHs256(secret, { sub: 'alice' })}` };
    bob = { authorization: `Bearer ${await signHs256(secret, { sub: 'bob' })}` };
  });
  afterAll(() => server?.close());

  it("answers 404 for another user's execution: reading, following, cancelling, retrying, listing", async () => {
    const definition = { id: 'alices_run', tasks: [{ id: 'w', function: 'test_wait', parameters: { ms: 60_000 } }] };
    const started = await server.fetch('/api/workflows/execute', post({ definition }, { ...alice, prefer: 'respond-async' }));
    expect(started.status).toBe(202);
    const { id } = (await started.json()) as { id: string };

    const asBob = [
      await server.fetch(`/api/executions/${id}`, { headers: bob }),
      await server.fetch(`/api/executions/${id}/events`, { headers: bob }),
      await server.fetch(`/api/executions/${id}/events?access_token=${bob.authorization.slice(7)}`),
      await server.fetch(`/api/executions/${id}/cancel`, { method: 'POST', headers: bob }),
      await server.fetch(`/api/executions/${id}/retry`, { method: 'POST', headers: bob }),
    ];
    for (const response of asBob) {
      expect(response.status).toBe(404);
      expect(((await response.json()) as any).error.code).toBe('unknown_execution');
    }
    const bobs = (await (await server.fetch('/api/executions', { headers: bob })).json()) as { executions: Array<{ id: string }> };
    expect(bobs.executions.map((e) => e.id)).not.toContain(id);

    // still running: Bob's cancel touched nothing
    expect(((await (await server.fetch(`/api/executions/${id}`, { headers: alice })).json()) as any).status).toMatch(/^(pending|running)$/);
    const alices = (await (await server.fetch('/api/executions', { headers: alice })).json()) as { executions: Array<{ id: string }> };
    expect(alices.executions.map((e) => e.id)).toContain(id);
    const cancelled = await server.fetch(`/api/executions/${id}/cancel`, { method: 'POST', headers: alice });
    expect(((await cancelled.json()) as any).status).toBe('cancelled');
  });

  it("answers 404 for a document another user's run wrote", async () => {
    const definition = {
      id: 'alices_letter',
      tasks: [{ id: 'letter', function: 'generate_retainer_letter', parameters: { client_name: 'Priya Raman', client_email: 'priya.raman@example.net' } }],
    };
    const run = (await (await server.fetch('/api/workflows/execute', post({ definition }, { ...alice, accept: 'application/json' }))).json()) as Record<string, any>;
    const url = run.tasks.letter.result.url as string;
    expect((await server.fetch(url, { headers: alice })).status).toBe(200);
    const asBob = await server.fetch(url, { headers: bob });
    expect(asBob.status).toBe(404);
    expect(((await asBob.json()) as any).error.code).toBe('unknown_document');
  });

  it('needs a token on every API route but health', async () => {
    expect((await server.fetch('/api/health')).status).toBe(200);
    for (const path of ['/api/workflows', '/api/executions', '/api/documents/x']) {
      expect((await server.fetch(path)).status, path).toBe(401);
    }
    expect((await server.fetch('/api/workflows/execute', post({ workflow_id: 'x' }))).status).toBe(401);
  });
});
