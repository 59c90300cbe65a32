import { useCallback, useEffect, useState } from 'react';
import { gateway, type ExecutionSummary } from '../api/gateway-client.js';
import { formatDuration, workflowStatusLabel } from '../react/format.js';

/** The signed-in user's executions, newest first; each opens its live picture replayed from the log. */
export function HistoryPage() {
  const [executions, setExecutions] = useState<ExecutionSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (from?: string) => {
    setLoading(true);
    setError(null);
    try {
      const page = await gateway.executions(from);
      setExecutions((current) => (from ? [...current, ...page.executions] : page.executions));
      setCursor(page.nextCursor ?? null);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>History</h1>
          <p className="muted">Your workflow runs and chat turns, newest first. Open one to replay it from the log.</p>
        </div>
        <button type="button" className="sf-button" onClick={() => void load()} disabled={loading}>Refresh</button>
      </div>
      {error && <p className="error-box" role="alert">{error}</p>}
      <div className="card table-card">
        <table className="history-table">
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Workflow</th>
              <th scope="col">Started</th>
              <th scope="col" className="num">Duration</th>
            </tr>
          </thead>
          <tbody>
            {executions.map((execution) => {
              const label = execution.status === 'pending' ? { icon: '○', word: 'Pending' } : workflowStatusLabel[execution.status];
              return (
                <tr key={execution.id} data-execution-id={execution.id} onClick={() => (window.location.hash = `#/executions/${encodeURIComponent(execution.id)}`)}>
                  <td>
                    <span className={`sf-badge sf-badge-${execution.status}`}><span aria-hidden="true">{label.icon}</span> {label.word}</span>
                  </td>
                  <td>
                    <a href={`#/executions/${encodeURIComponent(execution.id)}`} onClick={(event) => event.stopPropagation()}>
                      {execution.kind === 'chat' ? 'Chat turn' : execution.workflowId ?? 'Inline workflow'}
                    </a>
                    <span className="muted small"> {execution.id.slice(0, 8)}</span>
                  </td>
                  <td>{new Date(execution.startedAt).toLocaleString()}</td>
                  <td className="num">{execution.durationMs !== null && execution.durationMs !== undefined ? formatDuration(execution.durationMs) : execution.status === 'running' ? 'running…' : '-'}</td>
                </tr>
              );
            })}
            {!loading && executions.length === 0 && (
              <tr>
                <td colSpan={4} className="muted empty">No runs yet. Start one from Workflows or ask something in Chat.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      {cursor && (
        <button type="button" className="sf-button load-more" onClick={() => void load(cursor)} disabled={loading}>
          Load older runs
        </button>
      )}
    </div>
  );
}
