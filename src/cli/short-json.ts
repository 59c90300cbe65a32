/** A value as one line of JSON, cut to `max` characters with an ellipsis. */
export function shortJson(value: unknown, max = 200): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? 'null';
  } catch {
    text = String(value);
  }
  return fit(text, max);
}

/** Cuts one line of plain text to `max` characters, ending with an ellipsis when cut. */
export function fit(text: string, max: number): string {
  const line = text.replace(/\s*\n\s*/g, ' ');
  if (max <= 0) return '';
  return line.length > max ? `${line.slice(0, Math.max(0, max - 1))}…` : line;
}
