import type { ProgressSnapshot } from '../../../src/protocol/index.js';
import { formatDuration, taskStatusLabel } from '../react/format.js';
import { useNow } from '../react/use-now.js';

interface TaskTimelineProps {
  snapshot: ProgressSnapshot;
  selectedId?: string | null;
  onSelect?: (taskId: string) => void;
  reusedTaskIds?: string[];
}

function ticksFor(spanMs: number): number[] {
  const steps = [100, 250, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000];
  const step = steps.find((candidate) => spanMs / candidate <= 8) ?? 600_000;
  const ticks: number[] = [];
  for (let t = 0; t <= spanMs + 1; t += step) ticks.push(t);
  return ticks;
}

/** One bar per task from its start to its end on a shared clock, so parallel work shows as overlap. */
export function TaskTimeline({ snapshot, selectedId, onSelect, reusedTaskIds = [] }: TaskTimelineProps) {
  const running = snapshot.status === 'running';
  const now = useNow(running);
  const started = snapshot.tasks.filter((task) => task.startedAt);
  if (started.length === 0) return <p className="muted">No task has started yet.</p>;

  const startOf = (iso: string) => Date.parse(iso);
  const origin = Math.min(
    ...(snapshot.startedAt ? [startOf(snapshot.startedAt)] : []),
    ...started.map((task) => startOf(task.startedAt!)),
  );
  const endOf = (task: (typeof started)[number]) => {
    if (task.finishedAt) return startOf(task.finishedAt);
    if (task.durationMs !== undefined && task.status !== 'running') return startOf(task.startedAt!) + task.durationMs;
    return Math.max(now, startOf(task.startedAt!));
  };
  const spanMs = Math.max(
    200,
    snapshot.durationMs ?? 0,
    ...started.map((task) => endOf(task) - origin),
  );
  const percent = (ms: number) => `${(Math.max(0, ms) / spanMs) * 100}%`;

  return (
    <div className="timeline" role="list" aria-label="Task timeline">
      <div className="timeline-axis" aria-hidden="true">
        <span className="timeline-label" />
        <span className="timeline-track">
          {ticksFor(spanMs).map((tick) => (
            <span key={tick} className={`timeline-tick${tick / spanMs > 0.92 ? ' timeline-tick-end' : ''}`} style={{ left: percent(tick) }}>
              {formatDuration(tick)}
            </span>
          ))}
        </span>
      </div>
      {snapshot.tasks.map((task) => {
        const label = taskStatusLabel[task.status];
        const start = task.startedAt ? startOf(task.startedAt) - origin : null;
        const end = task.startedAt ? endOf(task as (typeof started)[number]) - origin : null;
        const length = start !== null && end !== null ? end - start : 0;
        // beside the bar where there is room, else before it, else inside it
        const captionAt = start === null || (start + length) / spanMs <= 0.7 ? 'after' : start / spanMs >= 0.3 ? 'before' : 'inside';
        const captionStyle =
          start === null
            ? { left: '0' }
            : captionAt === 'after'
              ? { left: `calc(${percent(start + length)} + 6px)` }
              : captionAt === 'before'
                ? { right: `calc(100% - ${percent(start)} + 6px)` }
                : { left: `calc(${percent(start)} + 8px)` };
        return (
          <div
            key={task.id}
            role="listitem"
            className={`timeline-row${selectedId === task.id ? ' timeline-row-selected' : ''}`}
            data-task-id={task.id}
            data-status={task.status}
            onClick={() => onSelect?.(task.id)}
          >
            <span className="timeline-label" title={task.name}>{task.name}</span>
            <span className="timeline-track">
              {start !== null ? (
                <span
                  className={`timeline-bar timeline-bar-${task.status}`}
                  style={{ left: percent(start), width: `max(4px, ${percent(length)})` }}
                  title={`${task.name}: ${label.word}, ${formatDuration(length)}`}
                />
              ) : null}
              <span className={`timeline-caption${captionAt === 'inside' ? ' timeline-caption-inside' : ''}`} style={captionStyle}>
                {label.icon} {label.word}
                {reusedTaskIds.includes(task.id)
                  ? ' · reused from the earlier run'
                  : start !== null && task.status !== 'skipped'
                    ? ` · ${formatDuration(length)}`
                    : ''}
              </span>
            </span>
          </div>
        );
      })}
    </div>
  );
}
