import { describe, expect, it } from 'vitest';
import type { RunFigures } from '../../protocol/index.js';
import { evaluateAlerts, slope } from './monitoring-alerts.js';

const figures = (runs: number, failed: number, avgMs = 1000): RunFigures => ({
  runs, failed, failureRate: runs ? failed / runs : null, p50Ms: avgMs, p95Ms: avgMs, avgMs, speedup: null,
});
const NOW = 10_000_000;
const base = { recent: {}, breakers: [], queueSamples: [], now: NOW };

describe('evaluateAlerts (the thresholds of deploy/prometheus/alerts.yml)', () => {
  it('fires the failure-rate alert above 5 % of a kind\'s runs, not at 5 %', () => {
    expect(evaluateAlerts({ ...base, recent: { workflow: figures(20, 1) } })).toEqual([]);
    const [alert] = evaluateAlerts({ ...base, recent: { workflow: figures(20, 2), chat: figures(5, 0) } });
    expect(alert).toMatchObject({ name: 'SapflowRunFailureRateHigh', kind: 'workflow', value: 0.1, threshold: 0.05 });
    expect(alert!.summary).toContain('2 of 20');
  });

  it('fires the slow-runs alert above a 30 s mean, per kind', () => {
    expect(evaluateAlerts({ ...base, recent: { chat: figures(3, 0, 30_000) } })).toEqual([]);
    expect(evaluateAlerts({ ...base, recent: { chat: figures(3, 0, 31_000) } })).toEqual([
      expect.objectContaining({ name: 'SapflowRunsSlow', kind: 'chat', value: 31_000, threshold: 30_000 }),
    ]);
  });

  it('fires one alert per open breaker, none for half-open or closed', () => {
    const breakers = [{ tool: 'a', state: 'open' as const }, { tool: 'b', state: 'half-open' as const }, { tool: 'c', state: 'closed' as const }];
    expect(evaluateAlerts({ ...base, breakers })).toEqual([expect.objectContaining({ name: 'SapflowCircuitBreakerOpen', tool: 'a' })]);
  });

  it('fires the queue alert when more than 5 wait and the last 10 minutes trend up; not for a deep queue draining', () => {
    const samples = (depths: number[]) => depths.map((d, i) => ({ at: NOW - (depths.length - 1 - i) * 60_000, depths: { tool_calls: d } }));
    expect(evaluateAlerts({ ...base, queueSamples: samples([2, 4, 6, 8]) })).toEqual([
      expect.objectContaining({ name: 'SapflowQueueGrowing', queue: 'tool_calls', value: 8 }),
    ]);
    expect(evaluateAlerts({ ...base, queueSamples: samples([20, 15, 10, 8]) })).toEqual([]);
    expect(evaluateAlerts({ ...base, queueSamples: samples([1, 2, 3, 4]) })).toEqual([]);
    // samples older than 10 minutes do not make the trend: here they would make it go up
    const old = [{ at: NOW - 20 * 60_000, depths: { tool_calls: 0 } }, ...samples([9, 9, 9])];
    expect(evaluateAlerts({ ...base, queueSamples: old })).toEqual([]);
  });

  it('takes the slope by least squares, as deriv() does', () => {
    expect(slope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])).toBeCloseTo(2);
    expect(slope([{ x: 0, y: 1 }])).toBe(0);
  });
});
