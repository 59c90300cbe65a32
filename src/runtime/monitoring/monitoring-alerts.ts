import type { BreakerState, MonitoringAlert, RunFigures } from '../../protocol/index.js';

/**
 * The alerts of deploy/prometheus/alerts.yml, evaluated on the page's own figures so they show without a Prometheus
 * server: the same names and thresholds. Prometheus also waits for a rule to hold for its `for:` (5 or 10 minutes)
 * before firing; the page shows a condition as soon as it holds, so it may show an alert a few minutes earlier.
 */
export const ALERT_THRESHOLDS = {
  /** SapflowRunFailureRateHigh: failed / finished runs of a kind over the last 5 minutes. */
  failureRate: 0.05,
  /** SapflowRunsSlow: mean wall time of a kind's runs finished in the last 5 minutes, ms. */
  avgDurationMs: 30_000,
  /** SapflowQueueGrowing: more than this many waiting, and more of them over the last 10 minutes. */
  queueDepth: 5,
  /** The span the failure and duration rules look at (their `[5m]`). */
  recentMs: 5 * 60_000,
  /** The span the queue's trend is taken over (the rule's `deriv(...[10m])`). */
  queueTrendMs: 10 * 60_000,
} as const;

export interface AlertInputs {
  /** Figures of the runs finished in the last `recentMs`, by kind. */
  recent: Partial<Record<'chat' | 'workflow', RunFigures>>;
  breakers: { tool: string; state: BreakerState }[];
  /** Samples of the last `queueTrendMs` at least, oldest first (ms since the epoch). */
  queueSamples: { at: number; depths: Record<string, number> }[];
  now: number;
}

export function evaluateAlerts({ recent, breakers, queueSamples, now }: AlertInputs): MonitoringAlert[] {
  const alerts: MonitoringAlert[] = [];
  for (const kind of ['workflow', 'chat'] as const) {
    const figures = recent[kind];
    if (!figures || figures.runs === 0) continue;
    if (figures.failureRate !== null && figures.failureRate > ALERT_THRESHOLDS.failureRate) {
      alerts.push({
        name: 'SapflowRunFailureRateHigh', kind, value: figures.failureRate, threshold: ALERT_THRESHOLDS.failureRate,
        summary: `${percent(figures.failureRate)} of ${kind} runs failed over the last 5 minutes (${figures.failed} of ${figures.runs}; alert above 5 %)`,
      });
    }
    if (figures.avgMs !== null && figures.avgMs > ALERT_THRESHOLDS.avgDurationMs) {
      alerts.push({
        name: 'SapflowRunsSlow', kind, value: figures.avgMs, threshold: ALERT_THRESHOLDS.avgDurationMs,
        summary: `${kind} runs took ${(figures.avgMs / 1000).toFixed(1)} s on average over the last 5 minutes (alert above 30 s)`,
      });
    }
  }
  for (const { tool, state } of breakers) {
    if (state !== 'open') continue;
    alerts.push({ name: 'SapflowCircuitBreakerOpen', tool, value: 1, threshold: 0, summary: `The circuit breaker of tool ${tool} is open: its calls fail at once with circuit_open` });
  }
  const trend = queueSamples.filter((s) => s.at >= now - ALERT_THRESHOLDS.queueTrendMs);
  const queues = new Set(trend.flatMap((s) => Object.keys(s.depths)));
  for (const queue of queues) {
    const points = trend.filter((s) => queue in s.depths).map((s) => ({ x: s.at, y: s.depths[queue]! }));
    const depth = points.at(-1)?.y ?? 0;
    if (depth > ALERT_THRESHOLDS.queueDepth && slope(points) > 0) {
      alerts.push({
        name: 'SapflowQueueGrowing', queue, value: depth, threshold: ALERT_THRESHOLDS.queueDepth,
        summary: `Queue ${queue} holds ${depth} waiting and has been growing over the last 10 minutes`,
      });
    }
  }
  return alerts;
}

/** Least-squares slope per ms, as Prometheus' deriv() takes it; 0 with fewer than two points. */
export function slope(points: { x: number; y: number }[]): number {
  if (points.length < 2) return 0;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;
