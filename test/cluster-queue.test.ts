import { randomUUID } from 'node:crypto';
import { lastValueFrom, map, timer, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from '../src/config.js';
import type { WorkflowEvent } from '../src/protocol/index.js';
import { createRuntime, type Runtime } from '../src/runtime/create-runtime.js';
import { startSapflow } from '../src/server.js';
import { startWorker } from '../src/worker.js';
import type { Tool } from '../src/tools/tool.js';
import { compileWorkflow } from '../src/workflows/index.js';
import { cleanRedis, clusterSkipReason, REDIS_URL, testRedisPrefix } from './support/cluster.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/**
 * The BullMQ queue of workflow runs with real Redis and Postgres: a gateway that only enqueues, workers that take
 * the runs, and the Postgres lease deciding who runs what.
 */

const skip = clusterSkipReason('the cluster queue suite (test/cluster-queue.test.ts)');

/** Which process ran which idempotency key: each runtime gets its own copy of the tool, named after it. */
const calls: { by: string; key: string }[] = [];
const workTool = (by: string): Tool => ({
  name: 'work',
  description: 'doubles n after ms (default 30) milliseconds, recording who called it',
  parameters: z.object({ n: z.number(), ms: z.number().optional() }),
  execute: ({ n, ms }, ctx) => {
    calls.push({ by, key: ctx.idempotencyKey });
    return timer(ms ?? 30).pipe(map(() => ({ n: n * 2 })));
  },
});

const DEFINITION = {
  id: 'chain',
  name: 'chain',
  inputs: {},
  tasks: [
    { id: 'a', name: 'a', function: 'work', parameters: { n: 1 }, dependencies: [], critical: true },
    { id: 'b', name: 'b', function: 'work', parameters: { n: '${a.result.n}' }, dependencies: ['a'], critical: true },
  ],
};

describe.skipIf(skip)(`the cluster queue${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let database: TestDatabase;
  const prefix = testRedisPrefix();
  const runtimes: Runtime[] = [];
  let gateway: Runtime;
  let workers: Runtime[];
  let closedOwner: string | undefined;

  const start = async (name: string, role: 'gateway' | 'worker', env: Record<string, string> = {}) => {
    const config = loadConfig({ DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: prefix, RUN_LEASE_MS: '1000', ...env });
    const runtime = await createRuntime(config, { role, extraTools: [workTool(name)] });
    runtimes.push(runtime);
    return runtime;
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    // the gateway only enqueues, so every run that ends was run by a worker
    gateway = await start('gateway', 'gateway', { RUN_WORKFLOWS: 'false' });
    workers = [await start('worker-1', 'worker'), await start('worker-2', 'worker')];
  });
  afterAll(async () => {
    for (const runtime of runtimes) await runtime.close().catch(() => {});
    await cleanRedis(prefix);
    await database?.drop();
  });

  const workflow = () => compileWorkflow(DEFINITION, { hasTool: (n) => gateway.tools.has(n) });
  const leaseOwner = async (id: string) =>
    (await gateway.db.query<{ lease_owner: string | null }>('SELECT lease_owner FROM workflow_executions WHERE id = $1', [id])).rows[0]?.lease_owner;

  it('a run started on a gateway that only enqueues is run by a worker, and its events reach the gateway in log order', async () => {
    const run = await gateway.runs.startWorkflow({ workflow: workflow(), inputs: {}, user: 'local' });
    expect(gateway.runs.liveIds()).not.toContain(run.executionId);
    const events = await lastValueFrom(run.events.pipe(toArray()));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.at(-1)?.event).toMatchObject({ type: 'workflow-finish', status: 'completed' });
    const log = await gateway.store.readEvents<WorkflowEvent>(run.executionId, 'local');
    expect(events).toEqual(log);
    // a fresh run starts as new: no resume announced
    expect(log.map((s) => s.event.type)).not.toContain('run-resumed');
    const owner = await leaseOwner(run.executionId);
    expect(workers.map((w) => w.runs.owner)).toContain(owner);
    const byRun = calls.filter((c) => c.key.startsWith(run.executionId));
    expect(byRun.map((c) => c.key)).toEqual([`${run.executionId}:a`, `${run.executionId}:b`]);
    expect(new Set(byRun.map((c) => c.by)).size).toBe(1);
    expect(byRun[0]!.by).not.toBe('gateway');
  });

  it('two workers never run the same run: 30 runs, each task called once, each run by one worker', async () => {
    calls.length = 0;
    const runs = await Promise.all(Array.from({ length: 30 }, () => gateway.runs.startWorkflow({ workflow: workflow(), inputs: {}, user: 'local' })));
    const finishes = await Promise.all(runs.map((r) => lastValueFrom(r.events)));
    expect(finishes.every((f) => f.event.type === 'workflow-finish' && f.event.status === 'completed')).toBe(true);
    const keys = calls.map((c) => c.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toHaveLength(60);
    for (const run of runs) {
      const by = new Set(calls.filter((c) => c.key.startsWith(run.executionId)).map((c) => c.by));
      expect(by.size).toBe(1);
      const starts = (await gateway.store.readEvents<WorkflowEvent>(run.executionId, 'local')).filter((s) => s.event.type === 'task-start');
      expect(starts).toHaveLength(2);
    }
    // both workers took a share (the queue spreads the load; 30 runs of 60 ms make an all-to-one split most unlikely)
    expect(new Set(calls.map((c) => c.by))).toEqual(new Set(['worker-1', 'worker-2']));
  });

  it('claimRun is atomic: of two claims of one queued run, exactly one wins', async () => {
    const id = randomUUID();
    await gateway.store.createExecution({ id, workflowId: 'chain', userId: 'local', definition: DEFINITION, queued: true });
    // a queued run is out of the lease sweep's reach
    expect((await gateway.store.claimOrphans('sweeper', 1_000)).map((c) => c.id)).not.toContain(id);
    const claims = await Promise.all([gateway.store.claimRun('one', id, 60_000), gateway.store.claimRun('two', id, 60_000)]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(claims.find(Boolean)).toMatchObject({ id, resumeCount: 0 });
    await gateway.store.setStatus(id, 'local', 'cancelled');
  });

  it('a job redelivered while its run is leased by a live process completes and does nothing', async () => {
    calls.length = 0;
    const id = randomUUID();
    await gateway.store.createExecution({ id, workflowId: 'chain', userId: 'local', definition: { ...DEFINITION, tasks: compileWorkflow(DEFINITION, { hasTool: () => true }).tasks }, leaseOwner: 'alive-elsewhere', leaseTtlMs: 60_000 });
    await gateway.cluster!.enqueue(id);
    const queue = (await import('bullmq')).Queue;
    const q = new queue('workflow-runs', { connection: gateway.cluster!.redis, prefix });
    // removeOnComplete: the job is gone once a worker has completed it
    await expect.poll(async () => (await q.getJob(id)) ?? 'gone', { timeout: 5_000 }).toBe('gone');
    await q.close();
    expect(calls.filter((c) => c.key.startsWith(id))).toEqual([]);
    expect(await gateway.store.readEvents(id, 'local')).toEqual([]);
    expect(await leaseOwner(id)).toBe('alive-elsewhere');
    expect((await gateway.store.getExecution(id, 'local'))?.status).toBe('pending');
    await gateway.store.setStatus(id, 'local', 'cancelled');
  });

  it('the same job redelivered once the lease has expired resumes the run (counted as a resume)', async () => {
    const id = randomUUID();
    await gateway.store.createExecution({ id, workflowId: 'chain', userId: 'local', definition: { ...DEFINITION, tasks: compileWorkflow(DEFINITION, { hasTool: () => true }).tasks }, leaseOwner: 'gone', leaseTtlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const claimed = await workers[0]!.store.claimRun(workers[0]!.runs.owner, id, 1_000);
    expect(claimed).toMatchObject({ id, resumeCount: 1 });
    expect(await workers[1]!.store.claimRun(workers[1]!.runs.owner, id, 1_000)).toBeNull();
    await gateway.store.setStatus(id, 'local', 'cancelled');
  });

  it('a worker that stops (SIGTERM) hands its run over: another worker resumes it at once, reusing what completed', async () => {
    calls.length = 0;
    const slowChain = {
      ...DEFINITION,
      id: 'slow_chain',
      tasks: [...DEFINITION.tasks, { id: 'c', name: 'c', function: 'work', parameters: { n: '${b.result.n}' }, dependencies: ['b'], critical: true }].map((t) => ({ ...t, parameters: { ...t.parameters, ms: 400 } })),
    };
    const run = await gateway.runs.startWorkflow({ workflow: compileWorkflow(slowChain, { hasTool: () => true }), inputs: {}, user: 'local' });
    const done = lastValueFrom(run.events.pipe(toArray()));
    await expect.poll(async () => (await gateway.store.readEvents<WorkflowEvent>(run.executionId, 'local')).some((s) => s.event.type === 'task-complete'), { timeout: 5_000 }).toBe(true);
    const holder = workers.find((w) => w.runs.liveIds().includes(run.executionId))!;
    const other = workers.find((w) => w !== holder)!;
    // what `npm run worker` does on SIGTERM; the other worker's lease sweep (every second) takes the released run
    await other.recovery.start();
    const stoppedAt = Date.now();
    closedOwner = holder.runs.owner;
    await holder.close();
    const events = (await done).map((s) => s.event);
    expect(Date.now() - stoppedAt).toBeLessThan(3_000);
    expect(events.at(-1)).toMatchObject({ type: 'workflow-finish', status: 'completed' });
    expect(events.filter((e) => e.type === 'run-resumed')).toHaveLength(1);
    expect(await leaseOwner(run.executionId)).toBe(other.runs.owner);
    // a completed before the hand-over and is not called again; every key at most twice (in flight at the hand-over)
    const keys = calls.filter((c) => c.key.startsWith(run.executionId)).map((c) => c.key);
    expect(keys.filter((k) => k.endsWith(':a'))).toHaveLength(1);
    expect(keys.filter((k) => k.endsWith(':c'))).toHaveLength(1);
    other.recovery.stop();
  });

  it('health: the gateway and a worker say cluster, Redis reachable, the queue and whether they take runs', async () => {
    expect(await gateway.cluster!.health()).toMatchObject({ mode: 'cluster', role: 'gateway', runsWorkflows: false, redis: { reachable: true }, queue: { name: 'workflow-runs', prefix } });
    const alive = workers.find((w) => w.runs.owner !== closedOwner) ?? workers[0]!;
    expect(await alive.cluster!.health()).toMatchObject({ mode: 'cluster', role: 'worker', runsWorkflows: true, redis: { reachable: true }, queue: { counts: { waiting: expect.any(Number) } } });
  });
});

describe('cluster configuration', () => {
  it('REDIS_URL without DATABASE_URL stops a gateway or worker from starting, with a message saying why', async () => {
    const env = { REDIS_URL: 'redis://127.0.0.1:6379', DATA_DIR: ':memory:' };
    const why = { code: 'invalid_config', message: expect.stringMatching(/^REDIS_URL needs DATABASE_URL: the embedded store belongs to one process/) };
    await expect(startSapflow({ env, port: 0, host: '127.0.0.1' })).rejects.toMatchObject(why);
    await expect(startWorker({ env })).rejects.toMatchObject(why);
  });
  it('defaults: gateways also work, 10 runs per worker, no worker port', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ RUN_WORKFLOWS: true, WORKER_CONCURRENCY: 10, REDIS_PREFIX: 'sapflow' });
    expect(config.WORKER_PORT).toBeUndefined();
    expect(loadConfig({ RUN_WORKFLOWS: 'false', WORKER_CONCURRENCY: '3', WORKER_PORT: '9100' })).toMatchObject({ RUN_WORKFLOWS: false, WORKER_CONCURRENCY: 3, WORKER_PORT: 9100 });
    expect(() => loadConfig({ WORKER_CONCURRENCY: '0' })).toThrow(/WORKER_CONCURRENCY/);
  });
});
