import type { BreakerState } from './events.js';

/**
 * `GET /api/monitoring`: the signed-in user's runs over a window, from the execution log, and this process's live
 * figures (queue depth, breakers). Shared by the gateway and the web app's Monitoring page.
 */
export type FinishedStatus = 'completed' | 'partial' | 'failed' | 'cancelled';
export type RunKindFilter = 'all' | 'chat' | 'workflow';

/** Figures over a set of finished runs; null where there is nothing to compute them from. */
export interface RunFigures {
  /** Runs that finished, whatever their status. */
  runs: number;
  failed: number;
  /** failed / runs: `partial` and `cancelled` count as runs, not as failures (as the Prometheus rule does). */
  failureRate: number | null;
  /** Percentiles (linear interpolation, Postgres' percentile_cont) and mean of the runs' wall time. */
  p50Ms: number | null;
  p95Ms: number | null;
  avgMs: number | null;
  /** Mean over runs of (sum of the run's task durations / its wall time); runs without timed tasks left out. */
  speedup: number | null;
}

/** One minute (by finish time) of one kind or of all runs. */
export interface MinuteFigures extends RunFigures {
  /** Start of the minute, ISO. */
  at: string;
  byStatus: Record<FinishedStatus, number>;
}

export interface RunSeries {
  /** Over the whole window. */
  total: RunFigures;
  /** One entry per minute of the window, oldest first, zeros where nothing finished. */
  minutes: MinuteFigures[];
}

export interface QueueSample {
  at: string;
  /** Work waiting for a slot, by queue (`tool_calls`; `runs` in cluster mode). */
  depths: Record<string, number>;
}

export type AlertName = 'SapflowRunFailureRateHigh' | 'SapflowRunsSlow' | 'SapflowCircuitBreakerOpen' | 'SapflowQueueGrowing';

/** An alert firing now: the same names and thresholds as deploy/prometheus/alerts.yml. */
export interface MonitoringAlert {
  name: AlertName;
  summary: string;
  /** What was measured, and the threshold it passed (rate 0..1, milliseconds, or a count). */
  value: number;
  threshold: number;
  kind?: 'chat' | 'workflow';
  tool?: string;
  queue?: string;
}

export interface MonitoringSnapshot {
  /** When it was computed, ISO. */
  at: string;
  windowMs: number;
  runs: Record<RunKindFilter, RunSeries>;
  /** Runs of the user not finished yet (pending or running). */
  active: Record<'chat' | 'workflow', number>;
  queue: { now: Record<string, number>; samples: QueueSample[] };
  breakers: { tool: string; state: BreakerState }[];
  alerts: MonitoringAlert[];
}
