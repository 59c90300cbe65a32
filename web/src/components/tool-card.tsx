import type { TaskSnapshot } from '../../../src/protocol/index.js';
import { formatDuration } from '../react/format.js';
import { ResultView } from './result-view.js';

export interface ToolPart {
  type: string;
  toolCallId: string;
  state: string;
  input?: unknown;
  output?: unknown;
  errorText?: string;
}

const humanize = (name: string) => name.replace(/[_-]+/g, ' ').replace(/^\w/, (letter) => letter.toUpperCase());

function inputLine(input: unknown): string {
  if (input === undefined || input === null) return '';
  const text = JSON.stringify(input);
  return text.length > 110 ? `${text.slice(0, 109)}…` : text;
}

/** One tool call in a chat answer: running with a spinner, done with its duration and result, or failed with the error. */
export function ToolCard({ part, task }: { part: ToolPart; task?: TaskSnapshot }) {
  const name = part.type.replace(/^tool-/, '');
  const state = part.state === 'output-available' ? 'completed' : part.state === 'output-error' ? 'failed' : 'running';
  return (
    <article className={`tool-card tool-card-${state}`} data-tool-call-id={part.toolCallId} data-status={state}>
      <header className="tool-card-head">
        {state === 'running' ? <span className="sf-spinner" aria-hidden="true" /> : <span aria-hidden="true" className="tool-card-icon">{state === 'completed' ? '✓' : '✕'}</span>}
        <span className="tool-card-name">{humanize(name)}</span>
        <code className="tool-card-fn">{name}</code>
        <span className="tool-card-state">
          {state === 'running' ? 'Running…' : state === 'completed' ? 'Done' : 'Failed'}
          {state !== 'running' && task?.durationMs !== undefined && ` in ${formatDuration(task.durationMs)}`}
        </span>
      </header>
      {inputLine(part.input) && <p className="tool-card-input"><span className="muted">Input</span> <code>{inputLine(part.input)}</code></p>}
      {state === 'completed' && <ResultView value={part.output} />}
      {state === 'failed' && (
        <div className="error-box" role="alert">
          <p>{part.errorText ?? 'The tool failed'}</p>
        </div>
      )}
    </article>
  );
}
