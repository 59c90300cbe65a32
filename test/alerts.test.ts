import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SapflowError } from '../src/errors/index.js';
import { defineTool } from '../src/tools/index.js';
import { readWithAiClient, userMessage } from './support/chat-client.js';
import { parsePrometheusText, valueOf } from './support/prometheus-text.js';
import { startTestServer, type TestServer } from './support/start-test-server.js';

/**
 * The alerting rules in deploy/prometheus, checked and unit-tested by Debian's promtool, and promtool's lint of a real
 * GET /metrics answer. Without promtool these fail, not skip: CI installs it (`apt-get install -y prometheus`).
 */
const DEPLOY = fileURLToPath(new URL('../deploy/prometheus/', import.meta.url));

function promtool(args: string[], input?: string): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: DEPLOY, input, encoding: 'utf8', timeout: 30_000 });
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    throw new Error('promtool is not installed: apt-get install -y prometheus (Debian\'s package has it)');
  }
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('deploy/prometheus', () => {
  it('has rules promtool accepts: the seed\'s two alerts, an open breaker, a growing queue', () => {
    const { status, output } = promtool(['check', 'rules', 'alerts.yml']);
    expect(output).toContain('SUCCESS: 4 rules found');
    expect(status, output).toBe(0);
  });

  it('passes its rule unit tests, series that fire and series that do not', () => {
    const { status, output } = promtool(['test', 'rules', 'alerts.test.yml']);
    expect(status, output).toBe(0);
    expect(output).toContain('SUCCESS');
  });

  it('has a scrape config promtool accepts, with the rules beside it', () => {
    const { status, output } = promtool(['check', 'config', 'prometheus.yml']);
    expect(status, output).toBe(0);
    expect(output).toContain('1 rule files found');
  });
});

describe('promtool check metrics on a real GET /metrics answer', () => {
  let server: TestServer;
  let text: string;

  beforeAll(async () => {
    // a tool whose breaker opens on its first failure, so the answer has breaker, retry and failure series too
    const broken = defineTool({
      name: 'probe_broken', description: 'Always fails (test tool).', parameters: z.object({}), retry_count: 1,
      circuit_breaker: { failure_threshold: 1, reset_timeout: 60 },
      execute: () => {
        throw new SapflowError('network_error', 'unreachable', { retryable: true });
      },
    });
    server = await startTestServer({ runtime: { extraTools: [broken] } });
    await readWithAiClient(server.url, [userMessage('Triage my emails from today AND scan my billable time for this week')]);
    const definition = { id: 'broken_once', name: 'Broken once', tasks: [{ id: 'b', function: 'probe_broken', critical: false }] };
    const run = await server.fetch('/api/workflows/execute', {
      method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ definition }),
    });
    expect(run.status).toBe(200);
    text = await (await server.fetch('/metrics')).text();
  });
  afterAll(() => server?.close());

  it('finds nothing to complain about', () => {
    const samples = parsePrometheusText(text);
    // the answer has what it is meant to have, so a clean lint means something
    expect(valueOf(samples, 'sapflow_circuit_breaker_state', { tool: 'probe_broken' })).toBe(2);
    expect(valueOf(samples, 'sapflow_runs_total', { kind: 'chat', workflow: 'chat', status: 'completed' })).toBe(1);
    expect(samples.some((s) => s.name === 'nodejs_heap_size_used_bytes')).toBe(true);
    const { status, output } = promtool(['check', 'metrics'], text);
    expect(output.trim()).toBe('');
    expect(status).toBe(0);
  });

  it('would complain about prom-client\'s `nodejs_active_*_total` gauges, which is why they are left out', () => {
    const withDefault = `${text}# HELP nodejs_active_handles_total Total number of active handles.\n# TYPE nodejs_active_handles_total gauge\nnodejs_active_handles_total 3\n`;
    const { status, output } = promtool(['check', 'metrics'], withDefault);
    expect(output).toContain('nodejs_active_handles_total');
    expect(status).not.toBe(0);
  });
});
