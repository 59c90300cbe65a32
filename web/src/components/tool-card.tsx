import type { TaskSnapshot } from '../../../src/protocol/index.js';
import { formatDuration } from '../react/format.js';
import { ApprovalRequest } from './approval-request.js';
import { ResultView } from './result-view.js';

export interface ToolPart {
  type: string;
  toolCallId: string;
  state: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
  /** ai 6/7 tool approvals: asked for (`approval-requested`), answered, or denied (`output-denied`). */
  approval?: { id: string; approved?: boolean; reason?: string };
}

type CardState = 'running' | 'completed' | 'failed' | 'waiting' | 'denied';

function cardState(part: ToolPart): CardState {
  switch (part.state) {
    case 'output-available': return 'completed';
    case 'output-error': return 'failed';
    case 'approval-requested': return 'waiting';
    case 'output-denied': return 'denied';
    case 'approval-responded': return part.approval?.approved === false ? 'denied' : 'running';
    default: return 'running';
  }
}

const STATE_TEXT: Record<CardState, string> = { running: 'Running…', completed: 'Done', failed: 'Failed', waiting: 'Waiting for your approval', denied: 'Denied' };
const ICON: Partial<Record<CardState, string>> = { completed: '✓', failed: '✕', waiting: '?', denied: '⊘' };

const humanize = (name: string) => name.replace(/[_-]+/g, ' ').replace(/^\w/, (letter) => letter.toUpperCase());

function inputLine(input: unknown): string {
  if (input === undefined || input === null) return '';
  const text = JSON.stringify(input);
  return text.length > 110 ? `${text.slice(0, 109)}…` : text;
}

/**
 * One tool call in a chat answer: running with a spinner, done with its duration and result, failed with the error,
 * or waiting for the person's approval (its arguments in full, Approve and Deny), or denied.
 */
export function ToolCard({ part, task, onAnswer }: { part: ToolPart; task?: TaskSnapshot; onAnswer?: (approved: boolean, reason?: string) => void }) {
  const name = part.type.replace(/^tool-/, '');
  const state = cardState(part);
  return (
    <article className={`tool-card tool-card-${state}`} data-tool-call-id={part.toolCallId} data-status={state}>
      <header className="tool-card-head">
        {state === 'running' ? <span className="sf-spinner" aria-hidden="true" /> : <span aria-hidden="true" className="tool-card-icon">{ICON[state]}</span>}
        <span className="tool-card-name">{humanize(name)}</span>
        <code className="tool-card-fn">{name}</code>
        <span className="tool-card-state">
          {STATE_TEXT[state]}
          {(state === 'completed' || state === 'failed') && task?.durationMs !== undefined && ` in ${formatDuration(task.durationMs)}`}
        </span>
      </header>
      {state === 'waiting' && <ApprovalRequest input={part.input} onAnswer={onAnswer} />}
      {state !== 'waiting' && inputLine(part.input) && <p className="tool-card-input"><span className="muted">Input</span> <code>{inputLine(part.input)}</code></p>}
      {state === 'denied' && <p className="tool-card-denied">You denied this call; it did not run.{part.approval?.reason && ` Reason: ${part.approval.reason}`}</p>}
      {state === 'completed' && <ResultView value={part.output} />}
      {state === 'failed' && (
        <div className="error-box" role="alert">
          <p>{part.errorText ?? 'The tool failed'}</p>
        </div>
      )}
    </article>
  );
}
