import type { ProgressSnapshot, TaskSnapshot } from '../../../src/protocol/index.js';
import { barSegments, formatDuration, formatEta, taskStatusLabel, workflowStatusLabel } from './format.js';
import { useNow } from './use-now.js';

export interface WorkflowProgressProps {
  snapshot: ProgressSnapshot;
  /** Shown as a Retry button beside failed tasks; omit it where a retry makes no sense. */
  onRetry?: () => void;
  retrying?: boolean;
  /** Tasks whose results a retry carried over from the earlier run. */
  reusedTaskIds?: string[];
  /** Heading; defaults to the workflow's name. */
  title?: string;
  className?: string;
}

function StatusWord({ status }: { status: TaskSnapshot['status'] }) {
  const label = taskStatusLabel[status];
  return (
    <span className={`sf-status sf-status-${status}`}>
      <span aria-hidden="true" className="sf-status-icon">{label.icon}</span> {label.word}
    </span>
  );
}

function errorLine(task: TaskSnapshot): string {
  if (!task.error) return 'Failed';
  const { code, message } = task.error;
  return code && !message.startsWith(code) ? `${code}: ${message}` : message;
}

/**
 * The live picture of one run: overall bar with ETA, running tasks as parallel lanes,
 * completed tasks with durations, failed tasks with Retry, skipped tasks greyed.
 */
export function WorkflowProgress({ snapshot, onRetry, retrying = false, reusedTaskIds = [], title, className }: WorkflowProgressProps) {
  const { tasks, counts, status } = snapshot;
  const running = tasks.filter((task) => task.status === 'running');
  const completed = tasks.filter((task) => task.status === 'completed');
  const failed = tasks.filter((task) => task.status === 'failed');
  const skipped = tasks.filter((task) => task.status === 'skipped');
  const pending = tasks.filter((task) => task.status === 'pending');
  const waiting = tasks.filter((task) => task.status === 'waiting');
  const now = useNow(running.length > 0);
  const percent = Math.max(0, Math.min(100, Math.round(snapshot.progressPercentage)));
  const heading = title ?? snapshot.name ?? 'Workflow';
  const overall = workflowStatusLabel[status];
  const done = counts.completed + counts.failed + counts.skipped;
  const eta = formatEta(snapshot.estimatedTimeRemainingMs, status);

  return (
    <section className={`sf-progress sf-run-${status}${className ? ` ${className}` : ''}`} aria-label={`${heading} progress`}>
      <header className="sf-progress-head">
        <h3 className="sf-progress-title">{heading}</h3>
        <span className={`sf-badge sf-badge-${status}`} data-testid="workflow-status">
          <span aria-hidden="true">{overall.icon}</span> {overall.word}
        </span>
        <span className="sf-eta">{eta || (snapshot.durationMs !== undefined ? `Took ${formatDuration(snapshot.durationMs)}` : '')}</span>
      </header>

      <div
        className="sf-bar"
        role="progressbar"
        aria-label={`${heading}: overall progress`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent}% - ${done} of ${counts.total} tasks done${counts.skipped > 0 ? `, ${counts.skipped} of them skipped` : ''}`}
      >
        {barSegments(counts).map(({ status: part, share }) => (
          <div key={part} className={`sf-bar-fill sf-bar-${part}`} data-part={part} style={{ width: `${share}%` }} />
        ))}
      </div>
      <p className="sf-counts">
        <strong>{percent}%</strong> · {done} of {counts.total} tasks done
        {counts.running > 0 && <> · {counts.running} running</>}
        {(counts.failed > 0 || counts.skipped > 0) && <> · {counts.completed} completed</>}
        {counts.failed > 0 && <> · {counts.failed} failed</>}
        {counts.skipped > 0 && <> · {counts.skipped} skipped</>}
      </p>

      {running.length > 0 && (
        <div className="sf-lanes" aria-label="Running now">
          <h4 className="sf-section-title">Running now{running.length > 1 ? ` - ${running.length} in parallel` : ''}</h4>
          {running.map((task) => (
            <div className="sf-lane" key={task.id} data-task-id={task.id} data-status="running">
              <span className="sf-spinner" aria-hidden="true" />
              <span className="sf-task-name">{task.name}</span>
              <span className="sf-lane-track" aria-hidden="true"><span className="sf-lane-stripe" /></span>
              <span className="sf-task-meta">
                <StatusWord status="running" />
                {task.startedAt && ` · ${formatDuration(Math.max(0, now - Date.parse(task.startedAt)))}`}
                {task.attempts > 1 && ` · attempt ${task.attempts}`}
              </span>
            </div>
          ))}
        </div>
      )}

      {failed.length > 0 && (
        <div className="sf-failed">
          <ul className="sf-task-list">
            {failed.map((task) => (
              <li key={task.id} data-task-id={task.id} data-status="failed" className="sf-task sf-task-failed">
                <StatusWord status="failed" />
                <span className="sf-task-name">{task.name}</span>
                <span className="sf-task-error">{errorLine(task)}</span>
              </li>
            ))}
          </ul>
          {onRetry && status !== 'running' && (
            <div className="sf-retry">
              <button type="button" className="sf-button sf-button-primary" onClick={onRetry} disabled={retrying}>
                {retrying ? 'Retrying…' : 'Retry'}
              </button>
              <span className="sf-retry-note">
                Starts a new run with the same inputs.
                {completed.length > 0
                  ? ` The results of the ${completed.length} completed task${completed.length === 1 ? '' : 's'} are reused, not run again.`
                  : ' Completed tasks would be reused; none completed in this run.'}
              </span>
            </div>
          )}
        </div>
      )}

      {completed.length > 0 && (
        <ul className="sf-task-list" aria-label="Completed tasks">
          {completed.map((task) => (
            <li key={task.id} data-task-id={task.id} data-status="completed" className="sf-task sf-task-completed">
              <StatusWord status="completed" />
              <span className="sf-task-name">{task.name}</span>
              <span className="sf-task-meta">
                {reusedTaskIds.includes(task.id) ? 'reused from the earlier run' : formatDuration(task.durationMs)}
              </span>
            </li>
          ))}
        </ul>
      )}

      {skipped.length > 0 && (
        <ul className="sf-task-list sf-skipped" aria-label="Skipped tasks">
          {skipped.map((task) => (
            <li key={task.id} data-task-id={task.id} data-status="skipped" className="sf-task sf-task-skipped">
              <StatusWord status="skipped" />
              <span className="sf-task-name">{task.name}</span>
              {task.reason && <span className="sf-task-meta">{task.reason}</span>}
            </li>
          ))}
        </ul>
      )}

      {waiting.length > 0 && (
        <p className="sf-pending sf-waiting">
          <StatusWord status="waiting" />: {waiting.map((task) => task.name).join(', ')}
        </p>
      )}
      {pending.length > 0 && (
        <p className="sf-pending">
          <StatusWord status="pending" />: {pending.map((task) => task.name).join(', ')}
        </p>
      )}
    </section>
  );
}
