import { useState } from 'react';
import type { TaskSnapshot } from '../../../src/protocol/index.js';
import { gateway } from '../api/gateway-client.js';

/** One argument as a person reads it: text as text (letters and email bodies keep their lines), the rest as JSON. */
function ArgumentValue({ value }: { value: unknown }) {
  if (typeof value === 'string') return <pre className="approval-text">{value}</pre>;
  if (value === null || typeof value !== 'object') return <code>{String(value)}</code>;
  return <pre className="approval-json">{JSON.stringify(value, null, 2)}</pre>;
}

/**
 * A task that waits for the run owner's say: what it will run with, and Approve / Deny (with an optional reason).
 * The decision goes to POST /api/executions/:id/tasks/:taskId/approval; the run's events then show what follows.
 */
export function ApprovalPanel({ executionId, task }: { executionId: string; task: TaskSnapshot }) {
  const [reason, setReason] = useState('');
  const [sending, setSending] = useState<'approve' | 'deny' | null>(null);
  const [sent, setSent] = useState<boolean | null>(null);
  const [error, setError] = useState<string | null>(null);
  const input = task.approval?.input;
  const args = input !== null && typeof input === 'object' && !Array.isArray(input) ? Object.entries(input as Record<string, unknown>) : null;

  async function decide(approved: boolean) {
    setSending(approved ? 'approve' : 'deny');
    setError(null);
    try {
      await gateway.approve(executionId, task.id, approved, reason.trim() || undefined);
      setSent(approved);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setSending(null);
    }
  }

  return (
    <section className="approval-panel" data-task-id={task.id} aria-label={`Approval of ${task.name}`}>
      <h3>
        <span aria-hidden="true">‖</span> {task.name} waits for your approval
      </h3>
      <p className="muted">
        It will run <code>{task.function}</code> with these arguments
        {task.approval?.expiresAt && <> · denied by itself at {new Date(task.approval.expiresAt).toLocaleString()} unless you decide first</>}.
      </p>
      {args ? (
        <dl className="approval-args">
          {args.map(([key, value]) => (
            <div key={key} className="approval-arg">
              <dt>{key}</dt>
              <dd><ArgumentValue value={value} /></dd>
            </div>
          ))}
        </dl>
      ) : (
        <ArgumentValue value={input} />
      )}
      {sent === null ? (
        <div className="approval-actions">
          <label className="approval-reason">
            Reason (optional)
            <input type="text" value={reason} onChange={(event) => setReason(event.target.value)} maxLength={2000} />
          </label>
          <button type="button" className="sf-button sf-button-primary" disabled={sending !== null} onClick={() => void decide(true)}>
            {sending === 'approve' ? 'Approving…' : 'Approve'}
          </button>
          <button type="button" className="sf-button sf-button-danger" disabled={sending !== null} onClick={() => void decide(false)}>
            {sending === 'deny' ? 'Denying…' : 'Deny'}
          </button>
        </div>
      ) : (
        <p className="notice" role="status">{sent ? 'Approved - the task runs now.' : 'Denied - the task will not run.'}</p>
      )}
      {error && <p className="error-box" role="alert">{error}</p>}
    </section>
  );
}
