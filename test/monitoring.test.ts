import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SapflowError } from '../src/errors/index.js';
import type { MonitoringSnapshot } from '../src/protocol/index.js';
import { defineTool } from '../src/tools/index.js';
import { signHs256 } from './support/jwt.js';
import { startTestServer, type TestServer } from './support/start-test-server.js';

const SECRET = 'monitoring-test-secret-of-at-least-32-bytes';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const tools = [
  defineTool({ name: 'test_wait', description: 'Waits (test tool).', parameters: z.object({ ms: z.number() }), execute: async ({ ms }) => (await sleep(ms), { ms }) }),
  defineTool({
    name: 'test_fail', description: 'Always fails (test tool).', parameters: z.object({}), retry_count: 0,
    // one failure opens it, so the page's breaker alert can be seen
    circuit_breaker: { failure_threshold: 1, reset_timeout: 600 },
    execute: () => { throw new SapflowError('tool_error', 'this tool always fails'); },
  }),
  defineTool({ name: 'test_one_at_a_time', description: 'Waits, one call at a time (test tool).', parameters: z.object({ ms: z.number() }), concurrency: 1, execute: async ({ ms }) => (await sleep(ms), { ms }) }),
];

const parallel = { id: 'parallel', tasks: ['a', 'b', 'c'].map((id) => ({ id, function: 'test_wait', parameters: { ms: 300 } })) };
const failing = { id: 'failing', tasks: [{ id: 'boom', function: 'test_fail', parameters: {} }] };
const queued = { id: 'queued', tasks: [{ id: 'slot', function: 'test_one_at_a_time', parameters: { ms: 600 } }] };

describe('GET /api/monitoring on a real gateway (JWT users)', () => {
  let server: TestServer;
  let ada: string;
  let bob: string;

  beforeAll(async () => {
    server = await startTestServer({ env: { AUTH_JWT_SECRET: SECRET }, runtime: { extraTools: tools } });
    ada = await signHs256(SECRET, { sub: 'ada' });
    bob = await signHs256(SECRET, { sub: 'bob' });
  });
  afterAll(() => server?.close());

  const run = async (token: string, definition: unknown, wait = true) => {
    const response = await server.fetch('/api/workflows/execute', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json', ...(wait ? {} : { prefer: 'respond-async' }) },
      body: JSON.stringify({ definition }),
    });
    expect(response.status).toBe(wait ? 200 : 202);
    return (await response.json()) as { id: string; status: string };
  };
  const monitoring = async (token: string, query = '') => {
    const response = await server.fetch(`/api/monitoring${query}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: (await response.json()) as MonitoringSnapshot & { error?: { code: string; message: string } } };
  };

  it('shows the user\'s own runs only: counts, failure rate, durations, speed-up, and the failure alert', async () => {
    expect((await run(ada, parallel)).status).toBe('completed');
    expect((await run(ada, failing)).status).toBe('failed');
    expect((await run(bob, failing)).status).toBe('failed');
    expect((await run(bob, failing)).status).toBe('failed');

    const { status, body } = await monitoring(ada, '?window=1h');
    expect(status).toBe(200);
    expect(body.windowMs).toBe(3_600_000);
    expect(body.runs.all.total).toMatchObject({ runs: 2, failed: 1, failureRate: 0.5 });
    expect(body.runs.workflow.total).toMatchObject({ runs: 2, failed: 1 });
    expect(body.runs.chat.total.runs).toBe(0);
    // three 300 ms tasks side by side: about 900 ms of work in a bit over 300 ms; the failing run's task took ~0
    const { p50Ms, p95Ms, speedup } = body.runs.all.total;
    // two runs, ~0 ms and >= 300 ms: percentile_cont puts p95 at 95 % of the way between them, p50 halfway
    expect(p95Ms!).toBeGreaterThanOrEqual(0.95 * 300);
    expect(p50Ms!).toBeGreaterThanOrEqual(150);
    expect(p50Ms!).toBeLessThan(p95Ms!);
    expect(speedup!).toBeGreaterThan(1.2);
    // 60 one-minute buckets (61 when the hour does not start on a whole minute), the runs in the last ones
    expect(body.runs.all.minutes.length).toBeGreaterThanOrEqual(60);
    const counted = body.runs.all.minutes.reduce((sum, m) => sum + m.byStatus.completed + m.byStatus.failed, 0);
    expect(counted).toBe(2);
    expect(body.alerts).toContainEqual(expect.objectContaining({ name: 'SapflowRunFailureRateHigh', kind: 'workflow', value: 0.5, threshold: 0.05 }));
    // the breaker is the process's: the failing tool's opened at its first failure
    expect(body.breakers).toContainEqual({ tool: 'test_fail', state: 'open' });
    expect(body.alerts).toContainEqual(expect.objectContaining({ name: 'SapflowCircuitBreakerOpen', tool: 'test_fail' }));

    const other = await monitoring(bob);
    expect(other.body.runs.all.total).toMatchObject({ runs: 2, failed: 2, failureRate: 1 });
  });

  it('shows the runs going on and the tool calls waiting for a slot', async () => {
    await Promise.all([run(ada, queued, false), run(ada, queued, false), run(ada, queued, false)]);
    let body: MonitoringSnapshot | undefined;
    for (let i = 0; i < 50; i++) {
      body = (await monitoring(ada)).body;
      if (body.queue.now.tool_calls === 2) break;
      await sleep(20);
    }
    // one call holds the tool's only slot, two wait
    expect(body!.queue.now.tool_calls).toBe(2);
    expect(body!.active.workflow).toBe(3);
    expect(body!.queue.samples.at(-1)!.depths.tool_calls).toBe(2);
  });

  it('answers 400 bad_request with a one-line message for a bad window or an unknown parameter', async () => {
    for (const query of ['?window=2d', '?window=1m', '?window=7h', '?window=', '?window=1h&window=2h', '?since=yesterday']) {
      const { status, body } = await monitoring(ada, query);
      expect(status, query).toBe(400);
      expect(body.error!.code).toBe('bad_request');
      expect(body.error!.message).toMatch(/^Invalid query\.(window|since): [^\n]+$/);
    }
    expect((await monitoring(ada, '?window=15m')).body.windowMs).toBe(900_000);
  });

  it('asks for a token like every other API route', async () => {
    const response = await server.fetch('/api/monitoring');
    expect(response.status).toBe(401);
  });
});
