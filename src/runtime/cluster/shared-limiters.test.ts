import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { NEVER, defer, firstValueFrom, forkJoin, lastValueFrom } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../streams/engine.js';
import { runToolCall } from '../../streams/run-tool-call.js';
import { createHttpTool } from '../../tools/http-tool.js';
import { createSharedToolState } from './create-shared-tool-state.js';
import { REDIS_URL, eventually, sleep, toolStateCluster, warnIfNoRedis } from './tool-state-test-support.js';

warnIfNoRedis('shared tool concurrency limit tests (src/runtime/cluster/shared-limiters.test.ts)');

/** A rate-limited API stand-in: each request takes `ms`; it records the most requests it ever had at once. */
function toolServer(ms: number) {
  let current = 0;
  const stats = { max: 0, total: 0 };
  const server: Server = createServer((_req, res) => {
    current += 1;
    stats.total += 1;
    stats.max = Math.max(stats.max, current);
    setTimeout(() => {
      current -= 1;
      res.end('{"ok":true}');
    }, ms);
  });
  return { server, stats, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

describe.skipIf(!REDIS_URL)('shared tool concurrency limits (real Redis)', () => {
  let cluster = toolStateCluster();
  let redis: Redis;
  const holders = () => redis.zcard(`${cluster.prefix}limit:api`);
  beforeAll(() => {
    redis = new Redis(REDIS_URL!);
  });
  afterAll(async () => {
    await redis.quit();
  });
  afterEach(async () => {
    await cluster.cleanUp();
    cluster = toolStateCluster();
  });

  it('three processes running a concurrency-4 HTTP tool never send it more than 4 requests at once in total', async () => {
    const api = toolServer(100);
    api.server.listen(0, '127.0.0.1');
    await once(api.server, 'listening');
    try {
      const instances = await Promise.all([cluster.instance(), cluster.instance(), cluster.instance()]);
      // what three workers do: each its own engine over the shared state, the real HTTP tool, 8 calls each
      const tool = createHttpTool({ name: 'api', description: 'rate limited', url: api.url(), parameters: { type: 'object' }, concurrency: 4 });
      const calls = instances.flatMap((instance, w) => {
        const engine = createEngine({ breakers: instance.breakers, limiters: instance.limiters });
        return Array.from({ length: 8 }, (_, n) =>
          lastValueFrom(runToolCall({ executionId: `w${w}`, taskId: `t${n}`, toolName: 'api', tool, args: {}, user: 'u' }, engine)),
        );
      });
      const started = Date.now();
      const outcomes = await Promise.all(calls);
      expect(outcomes.map((e) => e.type)).toEqual(Array(24).fill('task-complete'));
      expect(api.stats.total).toBe(24);
      expect(api.stats.max).toBe(4);
      // 24 requests of 100 ms, 4 at a time: about 6 rounds; per process (3 x 4 at once) it would be 2
      expect(Date.now() - started).toBeGreaterThanOrEqual(590);
      expect(await holders()).toBe(0);
    } finally {
      api.server.close();
    }
  });

  it('a waiter is woken by the release broadcast, not by polling', async () => {
    const [a, b] = [await cluster.instance({ pollMs: 5000 }), await cluster.instance({ pollMs: 5000 })];
    let releasedAt = 0;
    const first = firstValueFrom(a.limiters.limit('api', 1, defer(() => sleep(200).then(() => (releasedAt = Date.now())))));
    await eventually(async () => (await holders()) === 1, 1000, 'A holds the slot');
    let startedAt = 0;
    const second = firstValueFrom(b.limiters.limit('api', 1, defer(() => ((startedAt = Date.now()), Promise.resolve(1)))));
    await Promise.all([first, second]);
    expect(startedAt - releasedAt).toBeLessThan(100);
  });

  it("a holder that stopped renewing (its process is gone) gives its slots back when the lease runs out", async () => {
    const a = await cluster.instance({ leaseMs: 600 });
    const b = await cluster.instance({ leaseMs: 600, pollMs: 5000 });
    a.limiters.limit('api', 2, NEVER).subscribe();
    a.limiters.limit('api', 2, NEVER).subscribe();
    await eventually(async () => (await holders()) === 2, 1000, 'A holds both slots');
    // A falls silent: no renewal, no release
    const link = a.breakers.link as unknown as { redis: Redis; subscriber: Redis };
    link.redis.disconnect();
    link.subscriber.disconnect();
    const silentAt = Date.now();
    let startedAt = 0;
    await firstValueFrom(b.limiters.limit('api', 2, defer(() => ((startedAt = Date.now()), Promise.resolve(1)))));
    // not before A's last lease (renewed at most 200 ms before it fell silent) ran out, and promptly after
    expect(startedAt - silentAt).toBeGreaterThanOrEqual(350);
    expect(startedAt - silentAt).toBeLessThan(1500); // B polls only every 5 s: it woke when the lease ran out
  });

  it('a waiter that unsubscribes takes no slot, even when its request was already on the way', async () => {
    const [a, b] = [await cluster.instance(), await cluster.instance()];
    const held = a.limiters.limit('api', 1, NEVER).subscribe();
    await eventually(async () => (await holders()) === 1, 1000, 'A holds the slot');
    let ran = false;
    const waiting = b.limiters.limit('api', 1, defer(() => ((ran = true), NEVER))).subscribe();
    await sleep(100);
    waiting.unsubscribe();
    expect(await redis.zrange(`${cluster.prefix}limit:api`, 0, -1)).toEqual([expect.stringMatching(new RegExp(`^${a.breakers.link.id}:`))]);
    held.unsubscribe();
    await eventually(async () => (await holders()) === 0, 1000, 'A released');
    await sleep(100);
    expect(ran).toBe(false);
    expect(await holders()).toBe(0);
    // a slot is free now: this request wins in Redis, but its caller has left by the time the answer comes
    b.limiters.limit('api', 1, defer(() => ((ran = true), NEVER))).subscribe().unsubscribe();
    await sleep(100);
    expect(ran).toBe(false);
    expect(await holders()).toBe(0);
    // and the slot really is free for the next caller
    await firstValueFrom(a.limiters.limit('api', 1, defer(() => Promise.resolve(1))));
  });

  it('slots held by a process killed with kill -9 come back when their leases run out', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./hold-slots.fixture.ts', import.meta.url))], {
      env: { ...process.env, REDIS_URL, PREFIX: cluster.prefix, LEASE_MS: '1000', SLOTS: '3' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('holding') && resolve());
        child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
        setTimeout(() => reject(new Error('fixture did not take its slots within 8 s')), 8000).unref();
      });
      expect(await holders()).toBe(3);
      const parent = await cluster.instance({ leaseMs: 1000 });
      let started = 0;
      const calls = Array.from({ length: 3 }, () => parent.limiters.limit('api', 3, defer(() => (started++, Promise.resolve(1)))));
      const done = firstValueFrom(forkJoin(calls));
      await sleep(300);
      expect(started).toBe(0); // the child's leases are renewed: nothing is free
      process.kill(child.pid!, 'SIGKILL');
      const killedAt = Date.now();
      await once(child, 'exit');
      await done;
      expect(started).toBe(3);
      expect(Date.now() - killedAt).toBeLessThan(2000); // the lease (1 s) bounds it, not the poll
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    }
  });

  it('with Redis unreachable calls run under the per-process limit at once, and the outage is reported once', async () => {
    const messages: string[] = [];
    const state = createSharedToolState('redis://127.0.0.1:1', { prefix: cluster.prefix, log: (m) => messages.push(m) });
    try {
      let running = 0;
      let max = 0;
      const work = defer(() => {
        running += 1;
        max = Math.max(max, running);
        return sleep(50).then(() => (running -= 1));
      });
      const started = Date.now();
      await firstValueFrom(forkJoin(Array.from({ length: 4 }, () => state.limiters.limit('api', 2, work))));
      expect(max).toBe(2);
      expect(Date.now() - started).toBeLessThan(500);
      await eventually(() => messages.length > 0, 2000, 'the outage report');
      expect(messages).toHaveLength(1);
    } finally {
      await state.close();
    }
  });

  it('a call waiting for a slot when Redis goes away runs under the local limit instead of waiting for Redis', async () => {
    const [a, b] = [await cluster.instance(), await cluster.instance({ pollMs: 200 })];
    const held = a.limiters.limit('api', 1, NEVER).subscribe();
    await eventually(async () => (await holders()) === 1, 1000, 'A holds the slot');
    let ran = false;
    const waiting = b.limiters.limit('api', 1, defer(() => ((ran = true), Promise.resolve(1)))).subscribe();
    await sleep(100);
    expect(ran).toBe(false);
    (b.breakers.link as unknown as { redis: Redis }).redis.disconnect(); // and it does not come back
    await eventually(() => ran, 1000, 'the waiting call runs locally');
    held.unsubscribe();
    waiting.unsubscribe();
  });

  it('calls admitted locally while Redis was away are counted by the cluster once it is back', async () => {
    const [a, b] = [await cluster.instance(), await cluster.instance()];
    const link = a.breakers.link as unknown as { redis: Redis };
    link.redis.disconnect(true);
    // the request meets a dropped connection: the call runs under the local limit, and the outage is reported
    const local = a.limiters.limit('api', 1, NEVER).subscribe();
    await eventually(() => cluster.messages.some((m) => /unreachable/.test(m)), 1000, 'the outage report');
    await eventually(async () => (await holders()) === 1, 3000, 'the local call written into Redis');
    let ran = false;
    const waiting = b.limiters.limit('api', 1, defer(() => ((ran = true), Promise.resolve(1)))).subscribe();
    await sleep(200);
    expect(ran).toBe(false);
    local.unsubscribe();
    await eventually(() => ran, 1000, 'B runs after the local call ended');
    waiting.unsubscribe();
  });
});
