import { useEffect, useState } from 'react';
import { authHeaders, gateway, type ExecutionSummary } from '../api/gateway-client.js';
import { ApprovalPanel } from '../components/approval-panel.js';
import { TaskDetail } from '../components/task-detail.js';
import { TaskTimeline } from '../components/task-timeline.js';
import { WorkflowDag } from '../components/workflow-dag.js';
import { retryExecution, useWorkflowStatus, WorkflowProgress } from '../react/index.js';
import type { WorkflowStatusResult } from '../react/index.js';
import { navigate } from '../use-hash-route.js';

function streamLine(status: WorkflowStatusResult): string {
  const events = `${status.eventsApplied} event${status.eventsApplied === 1 ? '' : 's'}`;
  const reconnects = status.reconnects > 0 ? ` · reconnected ${status.reconnects}×` : '';
  switch (status.connection) {
    case 'idle':
    case 'connecting':
      return 'Connecting to the event stream…';
    case 'open':
      return `Live · ${events}${reconnects}`;
    case 'reconnecting':
      return `Connection dropped - reconnecting from event #${status.lastEventId ?? 0}…${reconnects}`;
    case 'closed':
      return `Finished · ${events}${reconnects}`;
    case 'error':
      return `Stream stopped: ${status.error?.message ?? 'unknown error'}`;
  }
}

/** The live picture of one execution: progress, DAG, timeline and task details, replayed from the log. */
export function ExecutionPage({ executionId, params }: { executionId: string; params: URLSearchParams }) {
  const status = useWorkflowStatus(executionId, { headers: authHeaders });
  const [selected, setSelected] = useState<string | null>(null);
  const [summary, setSummary] = useState<ExecutionSummary | null>(null);
  const [retrying, setRetrying] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  const retriedFrom = params.get('retriedFrom');
  const reusedCount = Number(params.get('reused') ?? 0);

  // no reset of selection or summary here: the app keys this page by execution, so another execution is a new mount
  useEffect(() => {
    gateway.execution(executionId).then(setSummary, () => setSummary(null));
  }, [executionId]);

  // open the first failure by default, so the error is one glance away
  const firstFailed = status.failedTasks[0]?.id;
  useEffect(() => {
    if (firstFailed && selected === null) setSelected(firstFailed);
  }, [firstFailed, selected]);

  async function retry() {
    setRetrying(true);
    setActionError(null);
    try {
      const next = await retryExecution(executionId, { headers: authHeaders });
      navigate(`/executions/${encodeURIComponent(next.id)}?retriedFrom=${encodeURIComponent(executionId)}&reused=${next.reused.length}`);
    } catch (error) {
      setActionError((error as Error).message);
    } finally {
      setRetrying(false);
    }
  }

  async function cancel() {
    setActionError(null);
    await gateway.cancel(executionId).catch((error: Error) => setActionError(error.message));
  }

  const { snapshot } = status;
  const title = snapshot.name ?? summary?.workflowId ?? (summary?.kind === 'chat' ? 'Chat turn' : 'Execution');
  const selectedTask = snapshot.tasks.find((task) => task.id === selected);
  const waiting = snapshot.tasks.filter((task) => task.status === 'waiting');

  return (
    <div className="page execution-page">
      <div className="page-head">
        <div>
          {params.get('from') === 'workflows' ? (
            <a href={`#/workflows/${encodeURIComponent(snapshot.workflowId ?? '')}`} className="back-link">← Workflows</a>
          ) : (
            <a href="#/history" className="back-link">← History</a>
          )}
          <h1>{title}</h1>
          <p className="muted">
            Execution <code>{executionId}</code>
            {summary?.startedAt && <> · started {new Date(summary.startedAt).toLocaleString()}</>}
          </p>
        </div>
        <div className="page-actions">
          <span className={`stream-state stream-${status.connection}`} data-testid="stream-state" data-events={status.eventsApplied} data-last-event-id={status.lastEventId ?? ''} data-reconnects={status.reconnects}>
            {streamLine(status)}
          </span>
          {(snapshot.status === 'running' || snapshot.status === 'waiting') && status.connection !== 'error' && (
            <button type="button" className="sf-button" onClick={cancel}>Cancel run</button>
          )}
          {status.connection === 'error' && <button type="button" className="sf-button" onClick={status.reconnect}>Reconnect</button>}
        </div>
      </div>

      {retriedFrom && (
        <p className="notice" role="status">
          Retry of <a href={`#/executions/${encodeURIComponent(retriedFrom)}`}>{retriedFrom}</a> with the same inputs
          {reusedCount > 0 ? ` - ${reusedCount} completed task${reusedCount === 1 ? '' : 's'} reused, not run again.` : '.'}
        </p>
      )}
      {actionError && <p className="error-box" role="alert">{actionError}</p>}

      {waiting.length > 0 && (
        <section className="card approvals-card" aria-label="Waiting for approval">
          <h2 className="card-title">
            Waiting for approval{snapshot.status === 'waiting' ? ' - nothing runs until you decide' : ''}
          </h2>
          {waiting.map((task) => <ApprovalPanel key={task.id} executionId={executionId} task={task} />)}
        </section>
      )}

      <div className="picture">
        <section className="card dag-card" aria-label="Task graph">
          <h2 className="card-title">Task graph</h2>
          <div className="dag-scroll">
            <WorkflowDag tasks={snapshot.tasks} selectedId={selected} onSelect={setSelected} reusedTaskIds={status.reusedTaskIds} />
          </div>
        </section>
        <div className="picture-side">
          <WorkflowProgress
            snapshot={snapshot}
            title="Progress"
            reusedTaskIds={status.reusedTaskIds}
            onRetry={summary?.kind === 'chat' ? undefined : retry}
            retrying={retrying}
          />
          <section className="card detail-card" aria-label="Task details">
            <h2 className="card-title">Task details</h2>
            <TaskDetail task={selectedTask} reused={selected !== null && status.reusedTaskIds.includes(selected)} />
          </section>
        </div>
      </div>

      <section className="card" aria-label="Timeline">
        <h2 className="card-title">Timeline</h2>
        <TaskTimeline snapshot={snapshot} selectedId={selected} onSelect={setSelected} reusedTaskIds={status.reusedTaskIds} />
      </section>
    </div>
  );
}
