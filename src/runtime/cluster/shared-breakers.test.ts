import { Redis } from 'ioredis';
import { lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import { createEngine } from '../../streams/engine.js';
import { runToolCall } from '../../streams/run-tool-call.js';
import type { Tool } from '../../tools/tool.js';
import { createSharedToolState } from './create-shared-tool-state.js';
import { REDIS_URL, eventually, permit, sleep, toolStateCluster, warnIfNoRedis } from './tool-state-test-support.js';

warnIfNoRedis('shared circuit breaker tests (src/runtime/cluster/shared-breakers.test.ts)');

const options = { failure_threshold: 3, reset_timeout: 1 };

describe.skipIf(!REDIS_URL)('shared circuit breakers (real Redis)', () => {
  let cluster = toolStateCluster();
  afterEach(async () => {
    await cluster.cleanUp();
    cluster = toolStateCluster();
  });

  it('failures on two processes add up, and the opening reaches the other process at once', async () => {
    const [a, b] = [await cluster.instance(), await cluster.instance()];
    const [ba, bb] = [a.breakers.get('svc', options), b.breakers.get('svc', options)];
    ba.record(false, Date.now());
    ba.record(false, Date.now());
    // neither process has seen three failures of its own: only the shared count reaches the threshold
    await sleep(50);
    expect([ba.state, bb.state]).toEqual(['closed', 'closed']);
    bb.record(false, Date.now());
    await eventually(() => ba.state === 'open' && bb.state === 'open', 2000, 'both breakers open');
    expect((await permit(ba.acquire(Date.now()))).allowed).toBe(false);
    expect((await permit(bb.acquire(Date.now()))).allowed).toBe(false);
  });

  it('a success resets the shared count of consecutive failures', async () => {
    const [a, b] = [await cluster.instance(), await cluster.instance()];
    const [ba, bb] = [a.breakers.get('svc', options), b.breakers.get('svc', options)];
    ba.record(false, Date.now());
    ba.record(false, Date.now());
    // A's failures and B's success travel on two connections: let A's reach Redis first, or the success comes before them
    await sleep(100);
    bb.record(true, Date.now());
    await sleep(50);
    bb.record(false, Date.now());
    await sleep(100);
    expect([ba.state, bb.state]).toEqual(['closed', 'closed']);
  });

  it('a success resets the shared count on a process that had seen no failure: it is told when a streak begins', async () => {
    const [a, b] = [await cluster.instance(), await cluster.instance()];
    const [ba, bb] = [a.breakers.get('svc', options), b.breakers.get('svc', options)];
    // B's count is known to be clear after its own success, so its next successes send nothing...
    const deletes = vi.spyOn(b.breakers.link.redis, 'del');
    bb.record(true, Date.now());
    bb.record(true, Date.now());
    bb.record(true, Date.now());
    expect(deletes).toHaveBeenCalledTimes(1);
    await sleep(100);
    ba.record(false, Date.now());
    ba.record(false, Date.now());
    // ...until A's first failure is broadcast: then B's success clears the count again
    await sleep(100);
    expect(bb.state).toBe('closed');
    bb.record(true, Date.now());
    await sleep(50);
    expect(deletes).toHaveBeenCalledTimes(2);
    // a third failure in a row for the cluster, had the count not been cleared (a second for B)
    bb.record(false, Date.now());
    await sleep(100);
    expect([ba.state, bb.state]).toEqual(['closed', 'closed']);
  });

  it('tool calls on process A open the circuit for process B: B fails fast without calling the tool', async () => {
    const [a, b] = [await cluster.instance(), await cluster.instance()];
    let calls = 0;
    const tool: Tool = {
      name: 'down', description: 'always fails', parameters: z.object({}), circuit_breaker: options,
      execute: () => {
        calls += 1;
        throw new SapflowError('http_error', 'upstream 500');
      },
    };
    const call = (taskId: string) => ({ executionId: 'e', taskId, toolName: 'down', tool, args: {}, user: 'u' });
    const engineA = createEngine({ breakers: a.breakers, limiters: a.limiters });
    const engineB = createEngine({ breakers: b.breakers, limiters: b.limiters });
    // B has its breaker before A's calls fail: what it learns comes by broadcast, not by reading on first use
    const breakerB = b.breakers.get('down', options);
    const eventsA = [];
    for (const id of ['1', '2', '3']) eventsA.push(...(await lastValueFrom(runToolCall(call(id), engineA).pipe(toArray()))));
    expect(eventsA.filter((e) => e.type === 'circuit-breaker').map((e) => (e as { state: string }).state)).toEqual(['open']);
    await eventually(() => breakerB.state === 'open', 2000, 'B open');
    const eventsB = await lastValueFrom(runToolCall(call('4'), engineB).pipe(toArray()));
    expect(eventsB.at(-1)).toMatchObject({ type: 'task-failed', error: { code: 'circuit_open' } });
    expect(calls).toBe(3);
  });

  it('after reset_timeout exactly one probe goes through across the cluster; its success closes every breaker', async () => {
    const instances = await Promise.all([cluster.instance(), cluster.instance(), cluster.instance()]);
    const breakers = instances.map((i) => i.breakers.get('svc', options));
    for (let n = 0; n < 3; n++) breakers[0].record(false, Date.now());
    await eventually(() => breakers.every((b) => b.state === 'open'), 2000, 'all open');
    await sleep(1050);
    // every process asks at the same moment, twice each
    const permits = await Promise.all(breakers.flatMap((b) => [permit(b.acquire(Date.now())), permit(b.acquire(Date.now()))]));
    const allowed = permits.map((p, i) => (p.allowed ? i : -1)).filter((i) => i >= 0);
    expect(allowed).toHaveLength(1);
    expect(permits[allowed[0]].transition).toBe('half-open');
    // the others are told to wait while the probe runs
    const others = breakers.filter((_, i) => i !== Math.floor(allowed[0] / 2));
    for (const b of others) expect(b.retryAfterMs(Date.now())).toBeGreaterThan(0);
    const prober = breakers[Math.floor(allowed[0] / 2)];
    expect(prober.record(true, Date.now())).toBe('closed');
    await eventually(() => breakers.every((b) => b.state === 'closed'), 2000, 'all closed');
    for (const b of breakers) expect((await permit(b.acquire(Date.now()))).allowed).toBe(true);
  });

  it('a failed probe re-opens every breaker; a cancelled probe lets another process probe', async () => {
    const [a, b] = [await cluster.instance(), await cluster.instance()];
    const [ba, bb] = [a.breakers.get('svc', options), b.breakers.get('svc', options)];
    for (let n = 0; n < 3; n++) ba.record(false, Date.now());
    await eventually(() => bb.state === 'open', 2000, 'B open');
    await sleep(1050);
    expect((await permit(bb.acquire(Date.now()))).allowed).toBe(true);
    expect(bb.record(false, Date.now())).toBe('open');
    await eventually(() => ba.state === 'open' && ba.retryAfterMs(Date.now()) > 500, 2000, 'A re-opened');
    await sleep(1050);
    expect((await permit(ba.acquire(Date.now()))).allowed).toBe(true);
    expect((await permit(bb.acquire(Date.now()))).allowed).toBe(false);
    ba.release(); // the probe was cancelled: no verdict on the tool
    await sleep(50);
    expect((await permit(bb.acquire(Date.now() + 2000))).allowed).toBe(true);
  });

  it('a process that joins while the circuit is open learns it', async () => {
    const a = await cluster.instance();
    const ba = a.breakers.get('svc', options);
    for (let n = 0; n < 3; n++) ba.record(false, Date.now());
    await sleep(50);
    const late = await cluster.instance();
    const bl = late.breakers.get('svc', options);
    await eventually(() => bl.state === 'open', 2000, 'late process open');
    expect((await permit(bl.acquire(Date.now()))).allowed).toBe(false);
  });

  it('with Redis unreachable the breaker works per process, never waits, and says so once', async () => {
    const messages: string[] = [];
    const state = createSharedToolState('redis://127.0.0.1:1', { prefix: cluster.prefix, log: (m) => messages.push(m) });
    try {
      const b = state.breakers.get('svc', options);
      const started = Date.now();
      for (let n = 0; n < 3; n++) b.record(false, Date.now());
      expect(b.state).toBe('open');
      expect((await permit(b.acquire(Date.now()))).allowed).toBe(false);
      expect((await permit(b.acquire(Date.now() + 1000))).allowed).toBe(true); // the local half-open probe
      expect(Date.now() - started).toBeLessThan(100);
      await eventually(() => messages.length > 0, 2000, 'the outage report');
      await sleep(300);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(/Redis unreachable/);
      expect(state.available()).toBe(false);
    } finally {
      await state.close();
    }
  });

  it('a breaker opened alone while Redis was away is written back when Redis returns', async () => {
    const a = await cluster.instance();
    const b = await cluster.instance();
    const [ba, bb] = [a.breakers.get('svc', options), b.breakers.get('svc', { failure_threshold: 3, reset_timeout: 5 })];
    // A's commands fail while its connection is down; B hears nothing
    const redisA = (a.breakers.link as unknown as { redis: Redis }).redis;
    redisA.disconnect(true);
    for (let n = 0; n < 3; n++) ba.record(false, Date.now());
    expect(ba.state).toBe('open');
    await eventually(() => a.available(), 3000, 'A reconnected');
    await eventually(() => bb.state === 'open', 2000, 'B learns the opening');
    expect(cluster.messages.some((m) => /back/.test(m))).toBe(true);
  });
});
