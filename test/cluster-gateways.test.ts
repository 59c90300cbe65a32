import { of, timer, map } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ChatModel, ModelChunk } from '../src/model/index.js';
import type { WorkflowEvent } from '../src/protocol/index.js';
import { startSapflow, type RunningSapflow } from '../src/server.js';
import type { Tool } from '../src/tools/tool.js';
import { startWorker, type RunningWorker } from '../src/worker.js';
import { cleanRedis, clusterSkipReason, REDIS_URL, testRedisPrefix } from './support/cluster.js';
import { readSse, startTestServer, type SseFrame } from './support/start-test-server.js';
import { closedPort } from './support/closed-port.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/**
 * Two gateways of one cluster in this test process (same Postgres, same Redis, a prefix of this file's own), each
 * with its own hub and Redis connections: a run or chat turn on gateway A is followed and cancelled through B.
 */

const skip = clusterSkipReason('the cluster gateways suite (test/cluster-gateways.test.ts)');

/** Runs that saw their abort signal, by idempotency key. */
const aborted = new Set<string>();
const slow: Tool = {
  name: 'slow',
  description: 'answers { ms } after ms milliseconds; records an abort',
  parameters: z.object({ ms: z.number() }),
  execute: ({ ms }, ctx) => {
    ctx.signal.addEventListener('abort', () => aborted.add(ctx.idempotencyKey), { once: true });
    return timer(ms).pipe(map(() => ({ ms })));
  },
};

// step 1 asks for `slow` (for as many ms as the user's message says, 400 by default), step 2 answers once the
// tool result is in the conversation
const napMs = (request: { messages: { role: string; content?: unknown }[] }) => Number(request.messages.find((m) => m.role === 'user')?.content) || 400;
const model: ChatModel = {
  kind: 'openai',
  stream: (request) =>
    request.messages.some((m) => m.role === 'tool')
      ? of<ModelChunk[]>({ type: 'text-delta', delta: 'Slept ' }, { type: 'text-delta', delta: 'well.' }, { type: 'finish', finishReason: 'stop' })
      : of<ModelChunk[]>(
          { type: 'tool-call-start', index: 0, id: 'call_1', name: 'slow' },
          { type: 'tool-call-ready', id: 'call_1', name: 'slow', args: JSON.stringify({ ms: napMs(request) }) },
          { type: 'finish', finishReason: 'tool-calls' },
        ),
};

const chain = (ms: number) => ({
  id: 'naps',
  name: 'naps',
  tasks: [
    { id: 'one', function: 'slow', parameters: { ms } },
    { id: 'two', function: 'slow', parameters: { ms }, dependencies: ['one'] },
    { id: 'three', function: 'slow', parameters: { ms }, dependencies: ['two'] },
  ],
});

describe.skipIf(skip)(`two gateways of one cluster${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let database: TestDatabase;
  const prefix = testRedisPrefix();
  let a: RunningSapflow;
  let b: RunningSapflow;
  let worker: RunningWorker | undefined;

  const envFor = (extra: Record<string, string>) => ({ DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: prefix, HOST: '127.0.0.1', RUN_LEASE_MS: '2000', ...extra });
  const start = (extra: Record<string, string>) => startSapflow({ env: envFor(extra), port: 0, host: '127.0.0.1', runtime: { extraTools: [slow], model } });

  beforeAll(async () => {
    database = await createTestDatabase();
    // A takes the queue's runs; B only enqueues and serves listeners, so whatever B streams crossed Redis
    a = await start({});
    b = await start({ RUN_WORKFLOWS: 'false' });
  });
  afterAll(async () => {
    await worker?.close().catch(() => {});
    await b?.close().catch(() => {});
    await a?.close().catch(() => {});
    await cleanRedis(prefix);
    await database?.drop();
  });

  const submit = async (via: RunningSapflow, definition: unknown) => {
    const response = await fetch(`${via.url}/api/workflows/execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', prefer: 'respond-async' },
      body: JSON.stringify({ definition }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  /** Every frame of a follower on `via`, each with the time it arrived. */
  const follow = async (via: RunningSapflow, id: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`${via.url}/api/executions/${id}/events`, { headers: { accept: 'text/event-stream', ...headers } });
    expect(response.status).toBe(200);
    const frames: (SseFrame & { ms: number })[] = [];
    for await (const frame of readSse(response)) frames.push({ ...frame, ms: performance.now() });
    return frames;
  };
  const logOf = (id: string) => a.runtime.store.readEvents<WorkflowEvent>(id, 'local');
  const asLog = (frames: SseFrame[]) => frames.map((f) => ({ seq: Number(f.id), event: JSON.parse(f.data) as WorkflowEvent }));

  it('a run started through B runs on A, and a follower on B sees every event once, in order, live', async () => {
    const id = await submit(b, chain(300));
    const frames = await follow(b, id);
    const log = await logOf(id);
    expect(log.at(-1)?.event).toMatchObject({ type: 'workflow-finish', status: 'completed' });
    expect(asLog(frames)).toEqual(log);
    const owner = (await a.runtime.db.query<{ lease_owner: string }>('SELECT lease_owner FROM workflow_executions WHERE id = $1', [id])).rows[0]!.lease_owner;
    expect(owner).toBe(a.runtime.runs.owner);
    // live, not polled: the first task's result reached B while the other two were still running (2 x 300 ms)
    const firstDone = frames.find((f) => f.event === 'task-complete')!;
    const finish = frames.find((f) => f.event === 'workflow-finish')!;
    expect(finish.ms - firstDone.ms).toBeGreaterThan(400);
  });

  it('a follower on B that joins mid-run, or resumes with Last-Event-ID, misses nothing and repeats nothing', async () => {
    const id = await submit(a, chain(250));
    await expect.poll(async () => (await logOf(id)).length, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    const [joined, resumed] = await Promise.all([follow(b, id), follow(b, id, { 'last-event-id': '2' })]);
    const log = await logOf(id);
    expect(asLog(joined)).toEqual(log);
    expect(asLog(resumed)).toEqual(log.slice(2));
  });

  it('a chat turn runs on the gateway that holds the client; GET /api/chat/:id/stream on B follows it to the end', async () => {
    const chatId = `cluster-chat-${Date.now()}`;
    const posted = fetch(`${a.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: chatId, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: 'nap' }] }] }),
    });
    const onA = (await posted).text();
    // the turn is in its 400 ms tool call: B replays what is logged, then follows
    await new Promise((resolve) => setTimeout(resolve, 150));
    const response = await fetch(`${b.url}/api/chat/${chatId}/stream`);
    expect(response.status).toBe(200);
    const chunks: string[] = [];
    for await (const frame of readSse(response)) chunks.push(frame.data);
    expect(chunks.at(-1)).toBe('[DONE]');
    const parsed = chunks.slice(0, -1).map((c) => JSON.parse(c) as { type: string; delta?: string; toolCallId?: string });
    expect(parsed.filter((c) => c.type === 'tool-input-available').map((c) => c.toolCallId)).toEqual(['call_1']);
    expect(parsed.filter((c) => c.type === 'tool-output-available').map((c) => c.toolCallId)).toEqual(['call_1']);
    expect(parsed.filter((c) => c.type === 'text-delta').map((c) => c.delta).join('')).toBe('Slept well.');
    expect(parsed.at(-1)?.type).toBe('finish');
    expect(await onA).toContain('Slept ');
    const turn = await a.runtime.store.findLiveChatTurn('local', chatId);
    expect(turn).toBeNull(); // finished
  });

  it('a client that leaves gateway A does not end a turn that a client on B still follows', async () => {
    const chatId = `cluster-chat-left-${Date.now()}`;
    const leaving = new AbortController();
    const posted = await fetch(`${a.url}/api/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: chatId, messages: [{ id: 'u1', role: 'user', parts: [{ type: 'text', text: '1200' }] }] }),
      signal: leaving.signal,
    });
    const onA = readSse(posted);
    for (let frame = await onA.next(); !frame.done; frame = await onA.next()) if (frame.value.data.includes('tool-input-available')) break;
    const followed = await fetch(`${b.url}/api/chat/${chatId}/stream`);
    expect(followed.status).toBe(200);
    const onB = readSse(followed);
    // B's first chunk is there, so its listener has been announced to A; then A's client goes
    await onB.next();
    await new Promise((resolve) => setTimeout(resolve, 50));
    leaving.abort();
    await onA.return(undefined).catch(() => {});
    const chunks: string[] = [];
    for (let frame = await onB.next(); !frame.done; frame = await onB.next()) chunks.push(frame.value.data);
    const parsed = chunks.filter((c) => c !== '[DONE]').map((c) => JSON.parse(c) as { type: string; delta?: string; finishReason?: string });
    expect(parsed.filter((c) => c.type === 'text-delta').map((c) => c.delta).join('')).toBe('Slept well.');
    expect(parsed.find((c) => c.type === 'finish')).not.toMatchObject({ finishReason: 'error' });
    const turn = (await a.runtime.store.listExecutions('local', { kind: 'chat', limit: 1 })).items[0];
    expect(turn?.status).toBe('completed');
  });

  it('POST /api/executions/:id/cancel on B stops a run on A within 500 ms', async () => {
    const id = await submit(a, { ...chain(5_000), tasks: chain(5_000).tasks.slice(0, 1) });
    await expect.poll(async () => (await logOf(id)).some((s) => s.event.type === 'task-start'), { timeout: 5_000 }).toBe(true);
    const started = performance.now();
    const response = await fetch(`${b.url}/api/executions/${id}/cancel`, { method: 'POST' });
    const elapsed = performance.now() - started;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id, status: 'cancelled' });
    expect(elapsed).toBeLessThan(500);
    expect(aborted.has(`${id}:one`)).toBe(true);
    const log = await logOf(id);
    expect(log.at(-1)?.event).toMatchObject({ type: 'workflow-finish', status: 'cancelled' });
  });

  it('cancel of a queued run nobody has taken yet ends it, and its followers with it', async () => {
    // A stops taking runs (for the rest of this file), so the run stays queued
    await a.runtime.cluster!.stopTaking();
    const id = await submit(b, chain(100));
    const following = follow(b, id);
    const response = await fetch(`${b.url}/api/executions/${id}/cancel`, { method: 'POST' });
    expect(await response.json()).toMatchObject({ id, status: 'cancelled' });
    const frames = await following;
    expect(frames.map((f) => f.event)).toEqual(['workflow-finish']);
    expect(JSON.parse(frames[0]!.data)).toMatchObject({ status: 'cancelled' });
    // the job is still queued; whoever takes it finds the run finished
    expect(await a.runtime.store.claimRun('late', id, 1_000)).toBeNull();
  });

  it('GET /api/health says cluster, Redis reachable, and whether the gateway takes runs; a worker answers its own /health', async () => {
    expect(await (await fetch(`${a.url}/api/health`)).json()).toMatchObject({ status: 'ok', mode: 'cluster', redis: { reachable: true }, runsWorkflows: true });
    expect(await (await fetch(`${b.url}/api/health`)).json()).toMatchObject({ mode: 'cluster', runsWorkflows: false, queue: { name: 'workflow-runs', prefix } });
    worker = await startWorker({ env: envFor({}), port: 0, host: '127.0.0.1', runtime: { extraTools: [slow], model } });
    const health = await fetch(`${worker.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', mode: 'cluster', role: 'worker', redis: { reachable: true }, queue: { name: 'workflow-runs', prefix }, concurrency: 10 });
    // and its metrics, for the same Prometheus that scrapes the gateways
    const metrics = await fetch(`${worker.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/^sapflow_runs_active\{kind="workflow"\} \d+$/m);
    expect((await fetch(`${worker.url}/nope`)).status).toBe(404);
  });
});

describe.skipIf(skip)(`a gateway whose Redis is away${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('answers a new workflow run 503 redis_unavailable with Retry-After, at once, and records it as not accepted', async () => {
    const database = await createTestDatabase();
    const errors = console.error;
    console.error = () => {}; // the connection says Redis is away; that is the point here
    let gateway: RunningSapflow | undefined;
    try {
      gateway = await startSapflow({ env: { DATABASE_URL: database.url, REDIS_URL: `redis://127.0.0.1:${await closedPort()}`, HOST: '127.0.0.1' }, port: 0, host: '127.0.0.1', runtime: { extraTools: [slow], model } });
      const started = performance.now();
      const response = await fetch(`${gateway.url}/api/workflows/execute`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', prefer: 'respond-async' },
        body: JSON.stringify({ definition: chain(10) }),
      });
      expect(performance.now() - started).toBeLessThan(2_500);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(await response.json()).toMatchObject({ error: { code: 'redis_unavailable', message: expect.stringMatching(/^[^\n]+$/) } });
      const health = await fetch(`${gateway.url}/api/health`);
      // still serving (chat turns need no Redis), so 200, and it says what is missing
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'degraded', degraded: [expect.stringMatching(/^Redis is unreachable/)], mode: 'cluster', redis: { reachable: false } });
      const [row] = (await gateway.runtime.store.listExecutions('local')).items;
      expect(row).toMatchObject({ status: 'failed', error: { code: 'redis_unavailable' } });
    } finally {
      await gateway?.close();
      console.error = errors;
      await database.drop();
    }
  });
});

describe('a gateway without REDIS_URL', () => {
  it('says mode single in GET /api/health', async () => {
    const server = await startTestServer();
    try {
      expect(await (await server.fetch('/api/health')).json()).toMatchObject({ status: 'ok', mode: 'single' });
    } finally {
      await server.close();
    }
  });
});
