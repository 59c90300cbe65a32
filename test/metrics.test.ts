import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SapflowError } from '../src/errors/index.js';
import { startSapflow, type RunningSapflow } from '../src/server.js';
import { defineTool, type Tool } from '../src/tools/index.js';
import { readWithAiClient, userMessage } from './support/chat-client.js';
import { parsePrometheusText, seriesOf, valueOf, type Sample } from './support/prometheus-text.js';
import { readSse, startTestServer } from './support/start-test-server.js';

/**
 * GET /metrics on a real gateway (embedded store in a temp DATA_DIR): after three workflow runs - two completed, one
 * `partial` because a non-critical task failed - and two chat turns, the counters say exactly what happened.
 */
const PROBE = `
id: metrics_probe
name: Metrics probe
inputs:
  fail: { type: boolean, default: false }
tasks:
  - { id: a, function: probe_ok }
  - { id: b, function: probe_ok }
  - { id: flaky, function: probe_flaky }
  - { id: maybe, function: probe_fail_when, dependencies: [a], critical: false, parameters: { fail: "\${fail}" } }
  - { id: after, function: probe_ok, dependencies: [maybe] }
`;

function probeTools(): Tool[] {
  const flakyCalls = new Map<string, number>();
  return [
    defineTool({
      name: 'probe_ok', description: 'Answers after 20 ms (test tool).', parameters: z.object({}),
      execute: () => new Promise((resolve) => setTimeout(() => resolve({ ok: true }), 20)),
    }),
    defineTool({
      name: 'probe_fail_when', description: 'Fails when asked to (test tool).', parameters: z.object({ fail: z.boolean() }), retry_count: 0,
      execute: (args) => {
        if (args.fail) throw new SapflowError('tool_error', 'asked to fail');
        return { ok: true };
      },
    }),
    defineTool({
      name: 'probe_flaky', description: 'Fails its first attempt in each run, retryably (test tool).', parameters: z.object({}), retry_count: 1,
      execute: (_args, ctx) => {
        const calls = (flakyCalls.get(ctx.executionId) ?? 0) + 1;
        flakyCalls.set(ctx.executionId, calls);
        if (calls === 1) throw new SapflowError('tool_error', 'first attempt fails', { retryable: true });
        return { calls };
      },
    }),
  ];
}

async function scrape(url: string, init?: RequestInit): Promise<Sample[]> {
  const response = await fetch(`${url}/metrics`, init);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

describe('the figures agree with what happened', () => {
  let dir: string;
  let gateway: RunningSapflow;
  let samples: Sample[];
  const statuses: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sapflow-metrics-'));
    await writeFile(join(dir, 'metrics_probe.yaml'), PROBE);
    gateway = await startSapflow({
      port: 0, host: '127.0.0.1',
      env: { DATA_DIR: join(dir, 'data'), WORKFLOWS_DIR: dir, HOST: '127.0.0.1' },
      runtime: { extraTools: probeTools() },
    });
    for (const fail of [false, true, false]) {
      const response = await fetch(`${gateway.url}/api/workflows/execute`, {
        method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ workflow_id: 'metrics_probe', parameters: { fail } }),
      });
      expect(response.status).toBe(200);
      statuses.push(((await response.json()) as { status: string }).status);
    }
    for (const id of ['u1', 'u2']) {
      const { message } = await readWithAiClient(gateway.url, [userMessage('Triage my emails from today AND scan my billable time for this week', id)]);
      expect(message).toBeDefined();
    }
    expect((await fetch(`${gateway.url}/api/executions/no-such-run`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/api/executions/another-missing-run`)).status).toBe(404);
    samples = await scrape(gateway.url);
  }, 60_000);
  afterAll(async () => {
    await gateway?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('ran what the test thinks it ran', () => {
    expect(statuses).toEqual(['completed', 'partial', 'completed']);
  });

  it('counts the runs by kind, workflow and final status', () => {
    expect(seriesOf(samples, 'sapflow_runs_total')).toEqual([
      'kind=chat,status=completed,workflow=chat 2',
      'kind=workflow,status=completed,workflow=metrics_probe 2',
      'kind=workflow,status=partial,workflow=metrics_probe 1',
    ]);
    expect(seriesOf(samples, 'sapflow_runs_active')).toEqual(['kind=chat 0', 'kind=workflow 0']);
    expect(valueOf(samples, 'sapflow_run_duration_seconds_count', { kind: 'workflow', workflow: 'metrics_probe' })).toBe(3);
    expect(valueOf(samples, 'sapflow_run_duration_seconds_count', { kind: 'chat', workflow: 'chat' })).toBe(2);
    // every probe run waits at least 20 ms for its tools
    expect(valueOf(samples, 'sapflow_run_duration_seconds_sum', { kind: 'workflow', workflow: 'metrics_probe' })).toBeGreaterThanOrEqual(3 * 0.02);
  });

  it('counts every task by tool and outcome: the failed one, the one skipped after it, the retried one', () => {
    expect(seriesOf(samples, 'sapflow_tasks_total', { tool: 'probe_ok' })).toEqual(['outcome=completed,tool=probe_ok 8', 'outcome=skipped,tool=probe_ok 1']);
    expect(seriesOf(samples, 'sapflow_tasks_total', { tool: 'probe_fail_when' })).toEqual(['outcome=completed,tool=probe_fail_when 2', 'outcome=failed,tool=probe_fail_when 1']);
    expect(seriesOf(samples, 'sapflow_tasks_total', { tool: 'probe_flaky' })).toEqual(['outcome=completed,tool=probe_flaky 3']);
    expect(seriesOf(samples, 'sapflow_tool_retries_total')).toEqual(['tool=probe_flaky 3']);
    // a skipped task was never called: it has a count but no duration
    expect(seriesOf(samples, 'sapflow_tool_call_duration_seconds_count', { tool: 'probe_ok' })).toEqual(['outcome=completed,tool=probe_ok 8']);
    expect(valueOf(samples, 'sapflow_tool_call_duration_seconds_count', { tool: 'probe_fail_when', outcome: 'failed' })).toBe(1);
  });

  it('counts the chat turns\' tool calls beside the workflows\' tasks', () => {
    expect(valueOf(samples, 'sapflow_tasks_total', { tool: 'triage_emails', outcome: 'completed' })).toBe(2);
    expect(valueOf(samples, 'sapflow_tasks_total', { tool: 'scan_billable_time', outcome: 'completed' })).toBe(2);
  });

  it('observes the parallel speed-up of each run that ran tasks', () => {
    expect(valueOf(samples, 'sapflow_run_parallel_speedup_count', { kind: 'workflow', workflow: 'metrics_probe' })).toBe(3);
    // a, b and flaky run side by side: more task time than wall time in every run
    const sum = valueOf(samples, 'sapflow_run_parallel_speedup_sum', { kind: 'workflow', workflow: 'metrics_probe' })!;
    expect(sum / 3).toBeGreaterThan(1);
  });

  it('counts HTTP requests by route pattern and status, never by raw URL', () => {
    expect(valueOf(samples, 'sapflow_http_requests_total', { method: 'POST', route: '/api/workflows/execute', status: '200' })).toBe(3);
    expect(valueOf(samples, 'sapflow_http_requests_total', { method: 'POST', route: '/api/chat', status: '200' })).toBe(2);
    expect(valueOf(samples, 'sapflow_http_requests_total', { method: 'GET', route: '/api/executions/:id', status: '404' })).toBe(2);
    const routes = new Set(seriesOf(samples, 'sapflow_http_requests_total').map((s) => /route=([^,]*)/.exec(s)![1]));
    expect([...routes].filter((r) => r.includes('missing') || r.includes('no-such'))).toEqual([]);
  });

  it('shows the queue depth of tool calls, the open streams and the event-loop delay', () => {
    expect(valueOf(samples, 'sapflow_queue_depth', { queue: 'tool_calls' })).toBe(0);
    expect(valueOf(samples, 'sapflow_active_streams')).toBe(0);
    for (const stat of ['mean', 'p50', 'p99', 'max']) expect(valueOf(samples, 'sapflow_event_loop_delay_seconds', { stat })).toBeGreaterThanOrEqual(0);
  });

  it('has prom-client\'s process metrics but not its `_total` gauges', () => {
    expect(valueOf(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(samples.filter((s) => /^nodejs_active_.*_total$/.test(s.name))).toEqual([]);
  });
});

describe('GET /metrics', () => {
  it('shows a run in progress: active run, open stream, tool calls waiting on a concurrency limit', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const hold = defineTool({
      name: 'probe_hold', description: 'Waits until the test lets it go; one at a time (test tool).', parameters: z.object({}), concurrency: 1,
      execute: () => released.then(() => ({ ok: true })),
    });
    const server = await startTestServer({ runtime: { extraTools: [hold] } });
    try {
      const definition = { id: 'hold_three', name: 'Hold three', tasks: ['h1', 'h2', 'h3'].map((id) => ({ id, function: 'probe_hold' })) };
      const started = await server.fetch('/api/workflows/execute', {
        method: 'POST', headers: { 'content-type': 'application/json', prefer: 'respond-async' }, body: JSON.stringify({ definition }),
      });
      expect(started.status).toBe(202);
      const { id } = (await started.json()) as { id: string };
      const stream = await server.fetch(`/api/executions/${id}/events`);
      const reader = stream.body!.getReader();
      await reader.read();
      const during = await scrape(server.url);
      expect(valueOf(during, 'sapflow_active_streams')).toBe(1);
      expect(valueOf(during, 'sapflow_runs_active', { kind: 'workflow' })).toBe(1);
      // one call holds the tool's only slot, the other two wait for it
      expect(valueOf(during, 'sapflow_queue_depth', { queue: 'tool_calls' })).toBe(2);
      release();
      while (!(await reader.read()).done);
      // the server's side of the stream closes a moment after the client has read its end
      await new Promise((resolve) => setTimeout(resolve, 50));
      const after = await scrape(server.url);
      expect(valueOf(after, 'sapflow_active_streams')).toBe(0);
      expect(valueOf(after, 'sapflow_runs_active', { kind: 'workflow' })).toBe(0);
      expect(valueOf(after, 'sapflow_queue_depth', { queue: 'tool_calls' })).toBe(0);
      // a definition sent with the request is not a template: its id is not a label value
      expect(seriesOf(after, 'sapflow_runs_total')).toEqual(['kind=workflow,status=completed,workflow=inline 1']);
      expect(seriesOf(after, 'sapflow_tasks_total')).toEqual(['outcome=completed,tool=probe_hold 3']);
    } finally {
      release();
      await server.close();
    }
  });

  it('is the metrics, not the web app\'s HTML, when the web app is built', async () => {
    const webDist = await mkdtemp(join(tmpdir(), 'sapflow-webdist-'));
    await writeFile(join(webDist, 'index.html'), '<!doctype html><title>Sapflow</title>');
    const server = await startTestServer({ app: { webDist } });
    try {
      expect(await (await server.fetch('/history')).text()).toContain('<title>Sapflow</title>');
      const samples = await scrape(server.url);
      // the app shell's client-side routes are one series, whatever the path
      expect(valueOf(samples, 'sapflow_http_requests_total', { method: 'GET', route: '(web app)', status: '200' })).toBe(1);
    } finally {
      await server.close();
      await rm(webDist, { recursive: true, force: true });
    }
  });

  it('wants the bearer token when METRICS_TOKEN is set: 401 unauthorized without it or with another', async () => {
    // users' JWTs guard /api; the metrics have a token of their own
    const server = await startTestServer({ env: { METRICS_TOKEN: 's3cret-token', AUTH_JWT_SECRET: 'a-jwt-secret-of-at-least-32-characters!' } });
    try {
      expect((await server.fetch('/api/chat', { method: 'POST' })).status).toBe(401);
      for (const authorization of [undefined, 'Bearer wrong-token', 'Basic s3cret-token', 'Bearer s3cret-token-and-more']) {
        const response = await server.fetch('/metrics', { headers: authorization ? { authorization } : {} });
        expect(response.status, String(authorization)).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      }
      const samples = await scrape(server.url, { headers: { authorization: 'Bearer s3cret-token' } });
      expect(valueOf(samples, 'sapflow_runs_active', { kind: 'chat' })).toBe(0);
      // answers given before any route matched have a fixed route label, not their URL
      expect(valueOf(samples, 'sapflow_http_requests_total', { method: 'POST', route: '(no route)', status: '401' })).toBe(1);
      expect(valueOf(samples, 'sapflow_http_requests_total', { method: 'GET', route: '/metrics', status: '401' })).toBe(4);
    } finally {
      await server.close();
    }
  });

  it('answers 404 metrics_disabled with WORKFLOW_ENABLE_TELEMETRY=false, and the gateway still works', async () => {
    const server = await startTestServer({ env: { WORKFLOW_ENABLE_TELEMETRY: 'false' } });
    try {
      expect(server.runtime.metrics).toBeUndefined();
      const response = await server.fetch('/metrics');
      expect(response.status).toBe(404);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('metrics_disabled');
      expect(body.error.message).not.toMatch(/\n/);
      const { message } = await readWithAiClient(server.url, [userMessage('Triage my emails from today')]);
      expect(message?.parts.some((p) => p.type === 'tool-triage_emails')).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('refuses a WORKFLOW_ENABLE_TELEMETRY that is not a boolean with invalid_config', async () => {
    await expect(startTestServer({ env: { WORKFLOW_ENABLE_TELEMETRY: 'perhaps' } })).rejects.toMatchObject({ code: 'invalid_config' });
  });
});

describe('a run handed over by a stopping gateway and resumed by the next one', () => {
  const HOLD = `
id: hold_probe
name: Hold probe
tasks:
  - { id: first, function: probe_quick }
  - { id: second, function: probe_gate, dependencies: [first] }
`;
  const tools = (gate: (args: unknown, ctx: { signal: AbortSignal }) => Promise<unknown>): Tool[] => [
    defineTool({ name: 'probe_quick', description: 'Answers at once (test tool).', parameters: z.object({}), execute: () => ({ ok: true }) }),
    defineTool({ name: 'probe_gate', description: 'Answers when the test says so (test tool).', parameters: z.object({}), execute: gate }),
  ];

  it('is active on neither after the hand-over, and counted once, as its template, where it finished', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sapflow-metrics-handover-'));
    await writeFile(join(dir, 'hold_probe.yaml'), HOLD);
    const env = { DATA_DIR: join(dir, 'data'), WORKFLOWS_DIR: dir, HOST: '127.0.0.1' };
    try {
      // the first gateway's gate never opens: it stops with the run half done
      const first = await startSapflow({ port: 0, host: '127.0.0.1', env, runtime: { extraTools: tools((_args, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)))) } });
      const started = await fetch(`${first.url}/api/workflows/execute`, {
        method: 'POST', headers: { 'content-type': 'application/json', prefer: 'respond-async' }, body: JSON.stringify({ workflow_id: 'hold_probe' }),
      });
      const { id } = (await started.json()) as { id: string };
      for await (const frame of readSse(await fetch(`${first.url}/api/executions/${id}/events`))) {
        if (frame.event === 'task-start' && (JSON.parse(frame.data) as { taskId: string }).taskId === 'second') break;
      }
      await first.close();
      const before = parsePrometheusText(await first.runtime.metrics!.render());
      expect(valueOf(before, 'sapflow_runs_active', { kind: 'workflow' })).toBe(0);
      expect(seriesOf(before, 'sapflow_runs_total')).toEqual([]);
      expect(seriesOf(before, 'sapflow_tasks_total')).toEqual(['outcome=completed,tool=probe_quick 1']);

      const second = await startSapflow({ port: 0, host: '127.0.0.1', env, runtime: { extraTools: tools(async () => ({ opened: true })) } });
      try {
        let status = 'running';
        for (let i = 0; i < 200 && status === 'running'; i++) {
          status = ((await (await fetch(`${second.url}/api/executions/${id}`)).json()) as { status: string }).status;
          if (status === 'running') await new Promise((resolve) => setTimeout(resolve, 25));
        }
        expect(status).toBe('completed');
        const after = await scrape(second.url);
        expect(seriesOf(after, 'sapflow_runs_total')).toEqual(['kind=workflow,status=completed,workflow=hold_probe 1']);
        expect(valueOf(after, 'sapflow_runs_active', { kind: 'workflow' })).toBe(0);
        // the task settled before the hand-over is not run, nor counted, again
        expect(seriesOf(after, 'sapflow_tasks_total')).toEqual(['outcome=completed,tool=probe_gate 1']);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
