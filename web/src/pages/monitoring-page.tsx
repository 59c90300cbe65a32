import { useEffect, useState, type ReactNode } from 'react';
import type { MonitoringSnapshot, RunKindFilter } from '../../../src/protocol/index.js';
import { gateway } from '../api/gateway-client.js';
import { AlertsBanner } from '../components/monitoring/alerts-banner.js';
import { BreakersList } from '../components/monitoring/breakers-list.js';
import { queueName, toMinuteRows, toQueueRows } from '../components/monitoring/chart-rows.js';
import { LineFigureChart } from '../components/monitoring/line-figure-chart.js';
import { RunsChart } from '../components/monitoring/runs-chart.js';
import { SummaryFigures } from '../components/monitoring/summary-figures.js';

/** How often the page asks again: the figures are per minute, the queue is sampled every 10 s. */
export const POLL_MS = 5_000;
const QUEUE_COLOURS = ['#2563eb', '#7c3aed', '#0891b2'];
const KINDS: { id: RunKindFilter; label: string }[] = [
  { id: 'all', label: 'All runs' },
  { id: 'workflow', label: 'Workflows' },
  { id: 'chat', label: 'Chat turns' },
];

function ChartCard({ title, note, children }: { title: string; note: string; children: ReactNode }) {
  return (
    <section className="card chart-card" aria-label={title}>
      <h2 className="chart-title">{title}</h2>
      <p className="muted small chart-note">{note}</p>
      {children}
    </section>
  );
}

/** Your runs over the last hour from the execution log, and this gateway's queues and breakers now; polled live. */
export function MonitoringPage({ pollMs = POLL_MS }: { pollMs?: number }) {
  const [snapshot, setSnapshot] = useState<MonitoringSnapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [kind, setKind] = useState<RunKindFilter>('all');

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const next = await gateway.monitoring('1h');
        if (stopped) return;
        setSnapshot(next);
        setError(null);
      } catch (err) {
        if (!stopped) setError((err as Error).message);
      } finally {
        // the next poll waits for this one: a slow gateway is not asked twice at once
        if (!stopped) timer = setTimeout(() => void poll(), pollMs);
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [pollMs]);

  const series = snapshot?.runs[kind];
  const rows = series ? toMinuteRows(series.minutes) : [];
  const queue = snapshot ? toQueueRows(snapshot.queue.samples) : { rows: [], queues: [] };

  return (
    <div className="page monitoring">
      <div className="page-head">
        <div>
          <h1>Monitoring</h1>
          <p className="muted">
            Your runs over the last hour, from the execution log; queue depth and breakers are this gateway's, now.
            {snapshot && <> Updated {new Date(snapshot.at).toLocaleTimeString()}, every {pollMs / 1000} s.</>}
          </p>
        </div>
        <div className="segmented" role="group" aria-label="Which runs">
          {KINDS.map((k) => (
            <button key={k.id} type="button" className={`sf-button${kind === k.id ? ' segmented-active' : ''}`} aria-pressed={kind === k.id} onClick={() => setKind(k.id)}>
              {k.label}
            </button>
          ))}
        </div>
      </div>
      {error && <p className="error-box" role="status">Could not refresh: {error}</p>}
      {!snapshot && !error && <p className="muted">Loading…</p>}
      {snapshot && series && (
        <>
          <AlertsBanner alerts={snapshot.alerts} />
          <SummaryFigures snapshot={snapshot} kind={kind} />
          <div className="chart-grid">
            <ChartCard title="Runs per minute by status" note="Runs counted in the minute they finished.">
              <RunsChart rows={rows} />
            </ChartCard>
            <ChartCard title="Failure rate" note="Failed / finished runs per minute; the alert fires above 5 % over 5 minutes.">
              <LineFigureChart rows={rows as unknown as Record<string, unknown>[]} unit=" %" lines={[{ key: 'failureRatePct', name: 'failure rate', colour: '#b91c1c' }]} reference={{ value: 5, label: 'alert 5 %' }} />
            </ChartCard>
            <ChartCard title="Duration p50 / p95" note="Wall time of the runs finished each minute, in seconds.">
              <LineFigureChart
                rows={rows as unknown as Record<string, unknown>[]}
                unit=" s"
                lines={[{ key: 'p50S', name: 'p50', colour: '#2563eb' }, { key: 'p95S', name: 'p95', colour: '#7c3aed', dashed: true }]}
              />
            </ChartCard>
            <ChartCard title="Parallel speed-up" note="Sum of a run's task durations / its wall time, mean per minute; 1 = one task at a time.">
              <LineFigureChart rows={rows as unknown as Record<string, unknown>[]} unit="×" lines={[{ key: 'speedup', name: 'speed-up', colour: '#0f766e' }]} reference={{ value: 1, label: 'sequential' }} />
            </ChartCard>
            <ChartCard title="Queue depth" note="Work waiting for a slot in this gateway, sampled every 10 s; the alert fires above 5 and growing.">
              <LineFigureChart
                rows={queue.rows}
                step
                lines={queue.queues.map((q, i) => ({ key: q, name: queueName(q), colour: QUEUE_COLOURS[i % QUEUE_COLOURS.length]! }))}
                reference={{ value: 5, label: 'alert > 5' }}
              />
            </ChartCard>
            <ChartCard title="Circuit breakers" note="Each tool's breaker in this gateway; an open one fails calls at once.">
              <BreakersList breakers={snapshot.breakers} />
            </ChartCard>
          </div>
          <details className="card how-computed">
            <summary>How these figures are computed</summary>
            <ul className="small">
              <li><strong>Runs per minute</strong>: your finished runs (workflows and chat turns) by the minute they finished and their final status.</li>
              <li><strong>Failure rate</strong>: failed runs / finished runs; partial and cancelled runs count as runs, not failures.</li>
              <li><strong>p50 / p95</strong>: percentiles of the runs' wall time (start to final event), interpolated.</li>
              <li><strong>Parallel speed-up</strong>: for each run, the sum of its tasks' durations over its wall time, averaged; runs without timed tasks are left out.</li>
              <li><strong>Queue depth</strong>: tool calls waiting on a tool's concurrency limit in this gateway (and runs waiting, in cluster mode), sampled every 10 s, kept for an hour in memory.</li>
              <li><strong>Alerts</strong>: the rules of deploy/prometheus/alerts.yml with their thresholds - failure rate over 5 % or mean duration over 30 s in the last 5 minutes, a breaker open, a queue above 5 and growing over 10 minutes - shown as soon as they hold.</li>
            </ul>
          </details>
        </>
      )}
    </div>
  );
}
