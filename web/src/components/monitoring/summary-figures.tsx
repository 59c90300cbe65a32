import type { MonitoringSnapshot, RunKindFilter } from '../../../../src/protocol/index.js';
import { formatDuration } from '../../react/format.js';
import { formatPercent, formatSpeedup, queueName } from './chart-rows.js';

interface Figure {
  id: string;
  label: string;
  value: string;
  note?: string;
  bad?: boolean;
}

/** The window's headline figures, each with what it is over. */
export function SummaryFigures({ snapshot, kind }: { snapshot: MonitoringSnapshot; kind: RunKindFilter }) {
  const { total } = snapshot.runs[kind];
  const active = kind === 'all' ? snapshot.active.chat + snapshot.active.workflow : snapshot.active[kind];
  const figures: Figure[] = [
    { id: 'runs', label: 'Runs finished', value: String(total.runs), note: `${total.failed} failed` },
    { id: 'failure-rate', label: 'Failure rate', value: formatPercent(total.failureRate), note: 'failed / finished', bad: (total.failureRate ?? 0) > 0.05 },
    { id: 'p50', label: 'Duration p50', value: total.p50Ms === null ? '–' : formatDuration(total.p50Ms) },
    { id: 'p95', label: 'Duration p95', value: total.p95Ms === null ? '–' : formatDuration(total.p95Ms) },
    { id: 'speedup', label: 'Parallel speed-up', value: formatSpeedup(total.speedup), note: 'task time / wall time' },
    { id: 'active', label: 'Running now', value: String(active) },
    ...Object.entries(snapshot.queue.now).map(([queue, depth]) => ({ id: `queue-${queue}`, label: queueName(queue), value: String(depth), note: 'this process, now' })),
  ];
  return (
    <dl className="figures">
      {figures.map((figure) => (
        <div key={figure.id} className={`figure${figure.bad ? ' figure-bad' : ''}`} data-figure={figure.id}>
          <dt>{figure.label}</dt>
          <dd>{figure.value}</dd>
          {figure.note && <dd className="figure-note">{figure.note}</dd>}
        </div>
      ))}
    </dl>
  );
}
