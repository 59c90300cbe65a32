const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A definition path as a person writes it: `tasks[2].condition`, `inputs.max_results.default`,
 * `tasks[0].parameters["x-api-key"]`.
 */
export function formatPath(segments: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const segment of segments) out = appendPath(out, segment);
  return out;
}

export function appendPath(base: string, segment: PropertyKey): string {
  if (typeof segment === 'number') return `${base}[${segment}]`;
  const key = String(segment);
  if (!IDENTIFIER.test(key)) return `${base}[${JSON.stringify(key)}]`;
  return base === '' ? key : `${base}.${key}`;
}
