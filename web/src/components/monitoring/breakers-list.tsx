import type { BreakerState } from '../../../../src/protocol/index.js';

const LABEL: Record<BreakerState, { icon: string; word: string }> = {
  closed: { icon: '●', word: 'Closed' },
  'half-open': { icon: '◐', word: 'Half-open (probing)' },
  open: { icon: '○', word: 'Open - calls fail at once' },
};

/** Each tool's circuit breaker in this process, open ones first. */
export function BreakersList({ breakers }: { breakers: { tool: string; state: BreakerState }[] }) {
  if (breakers.length === 0) return <p className="muted small">No tool has been called in this process yet: a breaker appears with a tool's first call.</p>;
  const order: Record<BreakerState, number> = { open: 0, 'half-open': 1, closed: 2 };
  const sorted = [...breakers].sort((a, b) => order[a.state] - order[b.state] || a.tool.localeCompare(b.tool));
  return (
    <ul className="breakers" aria-label="Circuit breakers">
      {sorted.map(({ tool, state }) => (
        <li key={tool} data-tool={tool} data-state={state}>
          <code>{tool}</code>
          <span className={`breaker breaker-${state}`}><span aria-hidden="true">{LABEL[state].icon}</span> {LABEL[state].word}</span>
        </li>
      ))}
    </ul>
  );
}
