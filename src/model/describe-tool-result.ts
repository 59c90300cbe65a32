import { oneLine } from '../errors/index.js';

/**
 * A tool result (the JSON text of a `tool` message) in a few words: its own summary or message when it has one,
 * else counts and short scalar fields; errors as "failed: <message>".
 */
export function describeToolResult(content: string): string {
  let result: unknown;
  try {
    result = JSON.parse(content);
  } catch {
    return oneLine(content, 160) || 'done';
  }
  if (Array.isArray(result)) return `${result.length} ${result.length === 1 ? 'item' : 'items'}`;
  if (result === null || typeof result !== 'object') return oneLine(String(result), 160);

  const record = result as Record<string, unknown>;
  if (record.error !== undefined) {
    const error = record.error as { message?: unknown; code?: unknown } | string;
    const message = typeof error === 'string' ? error : String(error?.message ?? error?.code ?? 'unknown error');
    return `failed: ${oneLine(message, 160)}`;
  }
  for (const key of ['summary', 'message', 'text']) {
    if (typeof record[key] === 'string' && record[key]) return oneLine(record[key], 200);
  }
  const facts = Object.entries(record)
    .flatMap(([key, value]) => {
      const label = key.replace(/_/g, ' ');
      if (Array.isArray(value)) return [`${value.length} ${label}`];
      if (typeof value === 'number' || typeof value === 'boolean') return [`${label}: ${value}`];
      if (typeof value === 'string' && value.length <= 60) return [`${label}: ${value}`];
      return [];
    })
    .slice(0, 5);
  return facts.length > 0 ? facts.join(', ') : 'done';
}
