import { useState } from 'react';

/** Every argument in full, one per line: what the person approves must be what they can read, not a summary. */
export function ArgumentsView({ input }: { input: unknown }) {
  const entries = input !== null && typeof input === 'object' && !Array.isArray(input) ? Object.entries(input as Record<string, unknown>) : [['arguments', input] as const];
  return (
    <dl className="approval-arguments">
      {entries.map(([key, value]) => (
        <div key={key} className="approval-argument">
          <dt>{key}</dt>
          <dd>{typeof value === 'string' ? value : <code>{JSON.stringify(value, null, 2)}</code>}</dd>
        </div>
      ))}
    </dl>
  );
}

/** A call waiting for a person: its arguments, and Approve / Deny (with an optional reason the model is told). */
export function ApprovalRequest({ input, onAnswer }: { input: unknown; onAnswer?: (approved: boolean, reason?: string) => void }) {
  const [reason, setReason] = useState('');
  const [answered, setAnswered] = useState(false);
  const answer = (approved: boolean) => {
    setAnswered(true);
    onAnswer?.(approved, reason.trim() || undefined);
  };
  return (
    <div className="approval-request">
      <p className="approval-question">This tool runs only after you approve it, with these arguments:</p>
      <ArgumentsView input={input} />
      <div className="approval-actions">
        <button type="button" className="sf-button sf-button-primary" disabled={answered || !onAnswer} onClick={() => answer(true)}>Approve</button>
        <button type="button" className="sf-button" disabled={answered || !onAnswer} onClick={() => answer(false)}>Deny</button>
        <label className="visually-hidden" htmlFor="approval-reason">Reason</label>
        <input className="approval-reason" placeholder="Reason (optional, told to the assistant)" value={reason} disabled={answered} onChange={(event) => setReason(event.target.value)} />
      </div>
    </div>
  );
}
