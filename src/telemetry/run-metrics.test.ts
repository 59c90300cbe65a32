import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { ChatTurnEvent } from '../protocol/index.js';
import { createRunMetrics } from './run-metrics.js';

const at = '2026-01-01T00:00:00.000Z';
const executionId = 'e1';

async function valuesOf(registry: Registry, name: string): Promise<Array<{ labels: Record<string, string | number | undefined>; value: number }>> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  return (await metric.get()).values.map(({ labels, value }) => ({ labels: { ...labels }, value }));
}

/** A histogram's `_sum` or `_count` (one series). */
async function sampleOf(registry: Registry, name: string, suffix: '_sum' | '_count'): Promise<number | undefined> {
  const values = (await registry.getSingleMetric(name)!.get()).values as Array<{ metricName?: string; value: number }>;
  return values.find((v) => v.metricName === `${name}${suffix}`)?.value;
}

describe('run metrics fed from run events', () => {
  it('counts a workflow run\'s tasks under their tools and the run under its final status; active until it ends', async () => {
    const registry = new Registry();
    const { observeRun } = createRunMetrics(registry);
    const run = observeRun({ kind: 'workflow', workflow: 'intake', tasks: [{ id: 'a', function: 'fetch' }, { id: 'b', function: 'fetch' }, { id: 'c', function: 'mail' }] });
    expect(await valuesOf(registry, 'sapflow_runs_active')).toContainEqual({ labels: { kind: 'workflow' }, value: 1 });
    const events: ChatTurnEvent[] = [
      { type: 'task-retry', executionId, at, taskId: 'a', attempt: 1, error: { code: 'timeout', message: 'slow' }, delayMs: 10 },
      { type: 'task-complete', executionId, at, taskId: 'a', result: 1, durationMs: 300, attempts: 2 },
      { type: 'task-failed', executionId, at, taskId: 'b', error: { code: 'http_error', message: 'boom' }, durationMs: 100, attempts: 1 },
      { type: 'task-skipped', executionId, at, taskId: 'c', reason: 'dependency b failed' },
      { type: 'circuit-breaker', executionId, at, tool: 'fetch', state: 'open' },
      { type: 'workflow-finish', executionId, at, status: 'partial', tasks: {}, durationMs: 200 },
    ];
    for (const event of events) run.event(event);
    run.end();
    run.end();

    expect(await valuesOf(registry, 'sapflow_runs_active')).toContainEqual({ labels: { kind: 'workflow' }, value: 0 });
    expect(await valuesOf(registry, 'sapflow_runs_total')).toEqual([{ labels: { kind: 'workflow', workflow: 'intake', status: 'partial' }, value: 1 }]);
    const tasks = (await valuesOf(registry, 'sapflow_tasks_total')).filter((v) => v.value > 0);
    expect(tasks).toEqual([
      { labels: { tool: 'fetch', outcome: 'completed' }, value: 1 },
      { labels: { tool: 'fetch', outcome: 'failed' }, value: 1 },
      { labels: { tool: 'mail', outcome: 'skipped' }, value: 1 },
    ]);
    expect((await valuesOf(registry, 'sapflow_tool_retries_total')).filter((v) => v.value > 0)).toEqual([{ labels: { tool: 'fetch' }, value: 1 }]);
    expect(await valuesOf(registry, 'sapflow_circuit_breaker_state')).toContainEqual({ labels: { tool: 'fetch' }, value: 2 });
    // (300 + 100) ms of task time in 200 ms of wall time
    expect(await sampleOf(registry, 'sapflow_run_parallel_speedup', '_sum')).toBe(2);
    expect(await sampleOf(registry, 'sapflow_run_parallel_speedup', '_count')).toBe(1);
    expect(await sampleOf(registry, 'sapflow_run_duration_seconds', '_sum')).toBeCloseTo(0.2);
  });

  it('names a chat turn\'s tool calls from the model\'s tool-input events; a made-up tool is `(unknown)`, not a label of its own', async () => {
    const registry = new Registry();
    const { observeRun } = createRunMetrics(registry);
    const run = observeRun({ kind: 'chat', workflow: 'chat' });
    const events: ChatTurnEvent[] = [
      { type: 'tool-input-available', toolCallId: 'call_1', toolName: 'triage_emails', input: {} },
      { type: 'tool-input-available', toolCallId: 'call_2', toolName: 'no_such_tool_abc', input: {} },
      { type: 'text-delta', delta: 'hi' },
      { type: 'task-complete', executionId, at, taskId: 'call_1', result: {}, durationMs: 50, attempts: 1 },
      { type: 'task-failed', executionId, at, taskId: 'call_2', error: { code: 'unknown_tool', message: 'No tool' }, durationMs: 0, attempts: 0 },
      { type: 'workflow-finish', executionId, at, status: 'partial', tasks: {}, durationMs: 100 },
    ];
    for (const event of events) run.event(event);
    const tasks = (await valuesOf(registry, 'sapflow_tasks_total')).filter((v) => v.value > 0);
    expect(tasks).toEqual([
      { labels: { tool: 'triage_emails', outcome: 'completed' }, value: 1 },
      { labels: { tool: '(unknown)', outcome: 'failed' }, value: 1 },
    ]);
    expect(await valuesOf(registry, 'sapflow_runs_total')).toEqual([{ labels: { kind: 'chat', workflow: 'chat', status: 'partial' }, value: 1 }]);
    expect(await valuesOf(registry, 'sapflow_runs_active')).toContainEqual({ labels: { kind: 'chat' }, value: 1 });
  });

  it('counts a cancelled call as `cancelled`, not as the tool failing, and a reused result not at all', async () => {
    const registry = new Registry();
    const { observeRun } = createRunMetrics(registry);
    const run = observeRun({ kind: 'workflow', workflow: 'w', tasks: [{ id: 'a', function: 'slow' }, { id: 'b', function: 'slow' }] });
    run.event({ type: 'task-complete', executionId, at, taskId: 'a', result: 1, durationMs: 0, attempts: 0, reused: true });
    run.event({ type: 'task-failed', executionId, at, taskId: 'b', error: { code: 'cancelled', message: 'The run was cancelled' }, durationMs: 40, attempts: 1 });
    run.event({ type: 'workflow-finish', executionId, at, status: 'cancelled', tasks: {}, durationMs: 40 });
    expect((await valuesOf(registry, 'sapflow_tasks_total')).filter((v) => v.value > 0)).toEqual([{ labels: { tool: 'slow', outcome: 'cancelled' }, value: 1 }]);
    expect(await valuesOf(registry, 'sapflow_runs_total')).toEqual([{ labels: { kind: 'workflow', workflow: 'w', status: 'cancelled' }, value: 1 }]);
  });

  it('ends a run without a final event (handed over) as no longer active, and does not count it', async () => {
    const registry = new Registry();
    const { observeRun } = createRunMetrics(registry);
    const run = observeRun({ kind: 'workflow', workflow: 'w', tasks: [] });
    run.end();
    expect(await valuesOf(registry, 'sapflow_runs_active')).toContainEqual({ labels: { kind: 'workflow' }, value: 0 });
    expect(await valuesOf(registry, 'sapflow_runs_total')).toEqual([]);
  });
});
