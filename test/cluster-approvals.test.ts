import { lastValueFrom, map, timer, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/config.js';
import type { WorkflowEvent } from '../src/protocol/index.js';
import { createRuntime, type Runtime } from '../src/runtime/create-runtime.js';
import type { Tool } from '../src/tools/tool.js';
import { compileWorkflow } from '../src/workflows/index.js';
import { cleanRedis, clusterSkipReason, REDIS_URL, testRedisPrefix } from './support/cluster.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/**
 * Approvals in cluster mode (real Redis and Postgres): a gateway that only enqueues, a worker that runs. The
 * decision is given on the gateway; a parked run is resumed through the queue, a live one hears it over Redis.
 */
const skip = clusterSkipReason('the cluster approvals suite (test/cluster-approvals.test.ts)');

const calls: { by: string; key: string }[] = [];
const workTool = (by: string): Tool => ({
  name: 'work',
  description: 'doubles n after ms (default 10) milliseconds, recording who called it',
  parameters: z.object({ n: z.number(), ms: z.number().optional() }),
  execute: ({ n, ms }, ctx) => {
    calls.push({ by, key: ctx.idempotencyKey });
    return timer(ms ?? 10).pipe(map(() => ({ n: n * 2 })));
  },
});

const definition = (slowMs?: number) => ({
  id: 'held',
  tasks: [
    { id: 'a', function: 'work', parameters: { n: 1 } },
    { id: 'send', function: 'work', parameters: { n: '${a.result.n}' }, approval: 'required' },
    ...(slowMs ? [{ id: 'slow', function: 'work', parameters: { n: 5, ms: slowMs } }] : []),
  ],
});

describe.skipIf(skip)(`approvals in a cluster${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let database: TestDatabase;
  const prefix = testRedisPrefix();
  const runtimes: Runtime[] = [];
  let gateway: Runtime;
  let worker: Runtime;

  const start = async (name: string, role: 'gateway' | 'worker', env: Record<string, string> = {}) => {
    const config = loadConfig({ DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: prefix, RUN_LEASE_MS: '1000', ...env });
    const runtime = await createRuntime(config, { role, extraTools: [workTool(name)] });
    runtimes.push(runtime);
    return runtime;
  };
  beforeAll(async () => {
    database = await createTestDatabase();
    gateway = await start('gateway', 'gateway', { RUN_WORKFLOWS: 'false' });
    worker = await start('worker', 'worker');
  });
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.close().catch(() => {});
    await cleanRedis(prefix);
    await database?.drop();
  });

  const run = (slowMs?: number) =>
    gateway.runs.startWorkflow({ workflow: compileWorkflow(definition(slowMs), { hasTool: (n) => gateway.tools.has(n) }), inputs: {}, user: 'local' });
  const taskStatus = async (id: string, taskId: string) => (await gateway.store.getExecution(id, 'local'))?.tasks[taskId]?.status;

  it('resumes a parked run through the queue when the gateway is given the approval', async () => {
    const started = await run();
    const events = lastValueFrom(started.events.pipe(toArray()));
    await expect.poll(async () => (await gateway.store.getExecution(started.executionId, 'local'))?.status, { timeout: 10_000 }).toBe('waiting');
    expect(worker.runs.liveIds()).not.toContain(started.executionId);
    await gateway.runs.decide(started.executionId, 'local', { taskId: 'send', approved: true });
    const log = (await events).map((s) => s.event as WorkflowEvent);
    expect(log.at(-1)).toMatchObject({ type: 'workflow-finish', status: 'completed' });
    expect(log.filter((e) => e.type === 'task-approval')).toMatchObject([{ taskId: 'send', approved: true, by: 'local' }]);
    expect(calls.filter((c) => c.key.startsWith(started.executionId))).toEqual([
      { by: 'worker', key: `${started.executionId}:a` },
      { by: 'worker', key: `${started.executionId}:send` },
    ]);
  });

  it('gives the decision to the worker running the run when it has not parked (other work goes on)', async () => {
    const started = await run(1_500);
    const events = lastValueFrom(started.events.pipe(toArray()));
    await expect.poll(() => taskStatus(started.executionId, 'send'), { timeout: 10_000 }).toBe('waiting');
    expect(worker.runs.liveIds()).toContain(started.executionId);
    await gateway.runs.decide(started.executionId, 'local', { taskId: 'send', approved: false, reason: 'not now' });
    const log = (await events).map((s) => s.event as WorkflowEvent);
    expect(log.map((e) => e.type)).not.toContain('workflow-waiting');
    expect(log.at(-1)).toMatchObject({ type: 'workflow-finish', status: 'failed' });
    expect(log.find((e) => e.type === 'task-failed')).toMatchObject({ taskId: 'send', error: { code: 'denied', message: 'Denied by local: not now' } });
    // the denial reached the worker while `slow` still ran: the run ended with it, not after a park and a resume
    expect(log.filter((e) => e.type === 'run-resumed')).toHaveLength(0);
  });
});
