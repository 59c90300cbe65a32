import type { TaskSnapshot } from '../../../src/protocol/index.js';
import { formatDuration, taskStatusLabel } from '../react/format.js';
import { ResultView } from './result-view.js';

/** Everything known about one task of a run: status, timings, and its result or error. */
export function TaskDetail({ task, reused }: { task: TaskSnapshot | undefined; reused: boolean }) {
  if (!task) return <p className="muted">Select a task in the graph or the timeline to see its result or error.</p>;
  const label = taskStatusLabel[task.status];
  return (
    <div className="task-detail" data-task-id={task.id} aria-live="polite">
      <h3>{task.name}</h3>
      <p className={`status-chip status-chip-${task.status}`}>
        <span aria-hidden="true">{label.icon}</span> {label.word}
        {reused && ' · result reused from the earlier run'}
      </p>
      <dl className="facts">
        <dt>Tool</dt>
        <dd><code>{task.function}</code></dd>
        {task.dependencies.length > 0 && (
          <>
            <dt>After</dt>
            <dd>{task.dependencies.join(', ')}</dd>
          </>
        )}
        {task.startedAt && (
          <>
            <dt>Started</dt>
            <dd>{new Date(task.startedAt).toLocaleTimeString()}</dd>
          </>
        )}
        {task.durationMs !== undefined && (
          <>
            <dt>Duration</dt>
            <dd>{formatDuration(task.durationMs)}</dd>
          </>
        )}
        {task.attempts > 0 && (
          <>
            <dt>Attempts</dt>
            <dd>{task.attempts}</dd>
          </>
        )}
      </dl>
      {task.status === 'failed' && task.error && (
        <div className="error-box" role="alert">
          <strong>{task.error.code}</strong>
          <p>{task.error.message}</p>
        </div>
      )}
      {task.status === 'skipped' && <p className="muted">Skipped: {task.reason ?? 'its condition did not hold'}</p>}
      {task.status === 'completed' && <ResultView value={task.result} />}
      {task.status === 'running' && <p className="muted">Running… the result appears here when it completes.</p>}
      {task.status === 'waiting' && <p className="muted">Waiting for your approval: see “Waiting for approval” above for its arguments.</p>}
      {task.approval?.approved === false && task.approval.by && <p className="muted">Denied by {task.approval.by}{task.approval.reason ? `: ${task.approval.reason}` : ''}.</p>}
      {task.approval?.approved === true && task.approval.by && <p className="muted">Approved by {task.approval.by}{task.approval.reason ? `: ${task.approval.reason}` : ''}.</p>}
      {task.status === 'pending' && <p className="muted">Waiting for {task.dependencies.join(', ') || 'a free slot'}.</p>}
    </div>
  );
}
