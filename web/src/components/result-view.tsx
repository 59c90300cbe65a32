const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

function shortValue(value: unknown, max = 70): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return clip(value, max);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `${value.length} item${value.length === 1 ? '' : 's'}`;
  return `{${Object.keys(value).slice(0, 3).join(', ')}${Object.keys(value).length > 3 ? ', …' : ''}}`;
}

/** Up to `limit` "key: value" lines that say what a tool or task returned without dumping it. */
export function summarizeResult(value: unknown, limit = 4): Array<[string, string]> {
  if (value === null || typeof value !== 'object') return [['result', shortValue(value, 160)]];
  if (Array.isArray(value)) {
    const lines: Array<[string, string]> = [['items', String(value.length)]];
    if (value.length > 0) lines.push(['first', shortValue(value[0], 120)]);
    return lines;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  const lines = entries.slice(0, limit).map(([key, entry]): [string, string] => [key, shortValue(entry)]);
  if (entries.length > limit) lines.push(['…', `${entries.length - limit} more field${entries.length - limit === 1 ? '' : 's'}`]);
  return lines;
}

/** A short view of a result with the full JSON one click away. */
export function ResultView({ value, open = false }: { value: unknown; open?: boolean }) {
  return (
    <div className="result-view">
      <dl className="result-summary">
        {summarizeResult(value).map(([key, text]) => (
          <div key={key} className="result-line">
            <dt>{key}</dt>
            <dd>{text}</dd>
          </div>
        ))}
      </dl>
      <details open={open}>
        <summary>Full result</summary>
        <pre className="json">{JSON.stringify(value, null, 2)}</pre>
      </details>
    </div>
  );
}
